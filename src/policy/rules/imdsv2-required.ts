import { literalRule } from "../literal-rule";

export const imdsv2Required = literalRule({
  id: "imdsv2-required",
  mirrors: ["CKV_AWS_79", "AVD-AWS-0028", "AVD-AWS-0130"],
  description: "Servers answer instance metadata only with a session token (IMDSv2), so an SSRF in a model server cannot read the role's credentials",
  fix: 'set metadata_options { http_tokens = "required" } on the instance or launch template',
  types: ["aws_instance", "aws_launch_template"],
  path: "metadata_options.http_tokens",
  expected: "required",
});
