import { noPublicIp } from "../../src/policy/rules/no-public-ip";
import { COMPLIANT_TEMPLATE, stack, UNRELATED } from "./fixtures";

describe("no-public-ip", () => {
  test("associate_public_ip_address = false complies", () => {
    // GIVEN
    const tf = stack({ aws_instance: { llm: { associate_public_ip_address: false } } });
    // WHEN / THEN
    expect(noPublicIp.check(tf)).toEqual([]);
  });

  test.each([
    ["true", { associate_public_ip_address: true }, "associate_public_ip_address is true; it must be false"],
    ["absent (the subnet decides)", {}, "associate_public_ip_address is not set"],
  ])("%s is a finding", (_, body, message) => {
    // GIVEN
    const tf = stack({ aws_instance: { llm: body } });
    // WHEN
    const findings = noPublicIp.check(tf);
    // THEN
    expect(findings).toEqual([expect.objectContaining({ address: "aws_instance.llm", message: expect.stringContaining(message) })]);
  });

  test("not applicable without instances", () => {
    expect(noPublicIp.check(UNRELATED)).toEqual([]);
  });

  test("a launch template whose network interface takes no public IP complies", () => {
    expect(noPublicIp.check(stack({ aws_launch_template: { llm: COMPLIANT_TEMPLATE } }))).toEqual([]);
  });

  test.each([
    ["a public IP", { network_interfaces: [{ associate_public_ip_address: "true" }] }, 'network_interfaces.associate_public_ip_address is "true"; it must be "false"'],
    ["no network interface (the subnet decides)", { network_interfaces: [] }, "network_interfaces.associate_public_ip_address is not set"],
  ])("a launch template with %s is a finding", (_, override, message) => {
    const tf = stack({ aws_launch_template: { llm: { ...COMPLIANT_TEMPLATE, ...override } } });
    expect(noPublicIp.check(tf)).toEqual([expect.objectContaining({ address: "aws_launch_template.llm", message: expect.stringContaining(message) })]);
  });
});
