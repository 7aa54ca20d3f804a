import { rootVolumeEncrypted } from "../../src/policy/rules/root-volume-encrypted";
import { COMPLIANT_TEMPLATE, stack, UNRELATED } from "./fixtures";

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

  test("a launch template whose every mapping is encrypted complies", () => {
    const mappings = [
      { device_name: "/dev/xvda", ebs: { encrypted: "true" } },
      { device_name: "/dev/xvdb", ebs: { encrypted: "true" } },
    ];
    expect(rootVolumeEncrypted.check(stack({ aws_launch_template: { llm: { ...COMPLIANT_TEMPLATE, block_device_mappings: mappings } } }))).toEqual([]);
  });

  test.each([
    ["one of two mappings unencrypted", [{ ebs: { encrypted: "true" } }, { ebs: { encrypted: "false" } }], 'block_device_mappings.ebs.encrypted is "false"; it must be "true"'],
    ["a mapping without encrypted", [{ ebs: { volume_size: 200 } }], "block_device_mappings.ebs.encrypted is not set"],
    ["no mapping (the AMI's volume as it is)", [], "block_device_mappings.ebs.encrypted is not set"],
  ])("a launch template with %s is a finding", (_, mappings, message) => {
    // GIVEN
    const tf = stack({ aws_launch_template: { llm: { ...COMPLIANT_TEMPLATE, block_device_mappings: mappings } } });
    // WHEN / THEN
    expect(rootVolumeEncrypted.check(tf)).toEqual([expect.objectContaining({ address: "aws_launch_template.llm", message: expect.stringContaining(message) })]);
  });
});
