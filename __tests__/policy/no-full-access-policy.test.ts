import { noFullAccessPolicy } from "../../src/policy/rules/no-full-access-policy";
import { stack, UNRELATED } from "./fixtures";

const policy = (name: string): string => `arn:aws:iam::aws:policy/${name}`;
const forEachOf = (...names: string[]): string => `\${toset([${names.map((n) => JSON.stringify(policy(n))).join(", ")}])}`;

describe("no-full-access-policy", () => {
  test("scoped managed policies comply, as a single attachment and in a for_each set", () => {
    // GIVEN
    const tf = stack({
      aws_iam_role_policy_attachment: {
        core: { policy_arn: policy("AmazonSSMManagedInstanceCore"), role: "${aws_iam_role.r.name}" },
        set: { for_each: forEachOf("AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"), policy_arn: "${each.value}" },
      },
    });
    // WHEN / THEN
    expect(noFullAccessPolicy.check(tf)).toEqual([]);
  });

  test("a FullAccess policy_arn is a finding", () => {
    // GIVEN
    const tf = stack({ aws_iam_role_policy_attachment: { s3: { policy_arn: policy("AmazonS3FullAccess") } } });
    // WHEN
    const findings = noFullAccessPolicy.check(tf);
    // THEN
    expect(findings).toEqual([
      expect.objectContaining({ rule: "no-full-access-policy", address: "aws_iam_role_policy_attachment.s3", message: "attaches the AWS managed policy AmazonS3FullAccess" }),
    ]);
  });

  test("FullAccess policies in a for_each set are one finding naming each", () => {
    // GIVEN the set as cdktf writes it, with a scoped policy among them
    const tf = stack({
      aws_iam_role_policy_attachment: {
        ec2: { for_each: forEachOf("AmazonSSMFullAccess", "AmazonSSMManagedInstanceCore", "AWSLambda_FullAccess"), policy_arn: "${each.value}" },
      },
    });
    // WHEN
    const findings = noFullAccessPolicy.check(tf);
    // THEN
    expect(findings.map((f) => f.message)).toEqual(["attaches the AWS managed policies AmazonSSMFullAccess, AWSLambda_FullAccess"]);
  });

  test("a for_each written as a list, and a policy under a path, are read too", () => {
    // GIVEN
    const tf = stack({
      aws_iam_role_policy_attachment: { ec2: { for_each: [policy("service-role/AmazonEC2FullAccess")], policy_arn: "${each.value}" } },
    });
    // WHEN / THEN
    expect(noFullAccessPolicy.check(tf).map((f) => f.message)).toEqual(["attaches the AWS managed policy AmazonEC2FullAccess"]);
  });

  test("an ARN whose partition is an interpolation (the module's data.aws_partition) is read too", () => {
    // GIVEN the set as the module writes it, the partition looked up
    const arn = (name: string) => `arn:\${data.aws_partition.current.partition}:iam::aws:policy/${name}`;
    const tf = stack({
      aws_iam_role_policy_attachment: {
        ec2: { for_each: `\${toset([${[arn("AmazonSSMManagedInstanceCore"), arn("AmazonSSMFullAccess")].map((a) => JSON.stringify(a)).join(", ")}])}`, policy_arn: "${each.value}" },
      },
    });
    // WHEN / THEN
    expect(noFullAccessPolicy.check(tf).map((f) => f.message)).toEqual(["attaches the AWS managed policy AmazonSSMFullAccess"]);
  });

  test("a customer managed policy named *FullAccess is not an AWS managed one", () => {
    // GIVEN
    const tf = stack({ aws_iam_role_policy_attachment: { own: { policy_arn: "arn:aws:iam::123456789012:policy/TeamFullAccess" } } });
    // WHEN / THEN
    expect(noFullAccessPolicy.check(tf)).toEqual([]);
  });

  test("not applicable without policy attachments", () => {
    expect(noFullAccessPolicy.check(UNRELATED)).toEqual([]);
  });
});
