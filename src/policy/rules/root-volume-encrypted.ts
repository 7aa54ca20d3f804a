import { literalRule } from "../literal-rule";

export const rootVolumeEncrypted = literalRule({
  id: "root-volume-encrypted",
  mirrors: ["CKV_AWS_8", "AVD-AWS-0131"],
  description: "Server root volumes, which hold the model weights and the Ollama state, are encrypted at rest",
  fix: "set root_block_device { encrypted = true } on the instance",
  types: ["aws_instance"],
  path: "root_block_device.encrypted",
  expected: true,
});
