import { literalRule } from "../literal-rule";

export const rootVolumeEncrypted = literalRule({
  id: "root-volume-encrypted",
  mirrors: ["CKV_AWS_8", "AVD-AWS-0131", "AVD-AWS-0008"],
  description: "Server volumes, which hold the model weights and the Ollama state, are encrypted at rest",
  fix: "set root_block_device { encrypted = true } on the instance, and block_device_mappings { ebs { encrypted = true } } on the launch template (a template with no mapping leaves the AMI's volume as it is)",
  types: ["aws_instance", "aws_launch_template"],
  path: "root_block_device.encrypted",
  pathByType: { aws_launch_template: "block_device_mappings.ebs.encrypted" },
  expected: true,
  booleanAsStringIn: ["aws_launch_template"],
});
