import { rootVolumeEncrypted } from "../../src/policy/rules/root-volume-encrypted";
import { stack, UNRELATED } from "./fixtures";

describe("root-volume-encrypted", () => {
  test("an encrypted root volume complies", () => {
    // GIVEN
    const tf = stack({ aws_instance: { llm: { root_block_device: { encrypted: true, volume_size: 200 } } } });
    // WHEN / THEN
    expect(rootVolumeEncrypted.check(tf)).toEqual([]);
  });

  test.each([
    ["encrypted = false", { root_block_device: { encrypted: false } }, "root_block_device.encrypted is false"],
    ["the string \"true\"", { root_block_device: { encrypted: "true" } }, 'root_block_device.encrypted is "true"'],
    ["no root_block_device (the AMI's default)", {}, "root_block_device.encrypted is not set"],
  ])("%s is a finding", (_, body, message) => {
    // GIVEN
    const tf = stack({ aws_instance: { llm: body } });
    // WHEN
    const findings = rootVolumeEncrypted.check(tf);
    // THEN
    expect(findings).toEqual([expect.objectContaining({ address: "aws_instance.llm", message: expect.stringContaining(message) })]);
  });

  test("not applicable without instances", () => {
    expect(rootVolumeEncrypted.check(UNRELATED)).toEqual([]);
  });
});
