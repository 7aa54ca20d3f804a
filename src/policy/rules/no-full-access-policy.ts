import { finding, resources } from "../terraform-json";
import { PolicyRule } from "../types";

// An AWS managed policy ARN, any partition (written out, or an interpolation such as
// ${data.aws_partition.current.partition}) and path: arn:aws:iam::aws:policy/service-role/Name
const AWS_MANAGED_POLICY = /arn:(?:aws[\w-]*|\$\{[^}]*\}):iam::aws:policy\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)/g;

/** Names of the `*FullAccess` AWS managed policies that `value` mentions. */
function fullAccessPolicies(value: unknown): string[] {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  return [...text.matchAll(AWS_MANAGED_POLICY)].map((match) => match[1]).filter((name) => name.endsWith("FullAccess"));
}

export const noFullAccessPolicy: PolicyRule = {
  id: "no-full-access-policy",
  mirrors: ["AwsSolutions-IAM4"],
  description: "Roles get no *FullAccess AWS managed policy: they grant every action of a service on every resource",
  fix: "attach only the scoped policies the role needs (for SSM: AmazonSSMManagedInstanceCore) or a customer managed policy, not a *FullAccess one",
  check(tf) {
    // A for_each attachment names its ARNs in the for_each set and has `${each.value}` as policy_arn.
    return resources(tf, "aws_iam_role_policy_attachment").flatMap(({ address, body }) => {
      const names = [...new Set([...fullAccessPolicies(body.policy_arn), ...fullAccessPolicies(body.for_each)])];
      return names.length === 0 ? [] : [finding(noFullAccessPolicy, address, `attaches the AWS managed ${names.length === 1 ? "policy" : "policies"} ${names.join(", ")}`)];
    });
  },
};
