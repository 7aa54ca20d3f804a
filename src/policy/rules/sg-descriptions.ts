import { blocks, finding, isNonEmptyString, resources } from "../terraform-json";
import { PolicyRule } from "../types";

const RULE_TYPES = ["aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"];

export const sgDescriptions: PolicyRule = {
  id: "sg-descriptions",
  mirrors: ["CKV_AWS_23", "AVD-AWS-0099", "AVD-AWS-0124"],
  description: "Security groups and their rules say what they are for, so a reviewer can tell a needed opening from a stray one",
  fix: "set a non-empty description on the security group or rule",
  check(tf) {
    const groups = resources(tf, "aws_security_group").flatMap(({ address, body }) => [
      ...(isNonEmptyString(body.description) ? [] : [finding(sgDescriptions, address, "has no description")]),
      // Inline rules, which CKV_AWS_23 checks as well; this project writes standalone rule resources.
      ...(["ingress", "egress"] as const).flatMap((kind) =>
        blocks(body, kind).flatMap((rule, i) => (isNonEmptyString(rule.description) ? [] : [finding(sgDescriptions, address, `${kind}[${i}] has no description`)])),
      ),
    ]);
    const rules = resources(tf, ...RULE_TYPES).flatMap(({ address, body }) =>
      isNonEmptyString(body.description) ? [] : [finding(sgDescriptions, address, "has no description")],
    );
    return [...groups, ...rules];
  },
};
