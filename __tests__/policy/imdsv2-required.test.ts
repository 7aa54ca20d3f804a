import { imdsv2Required } from "../../src/policy/rules/imdsv2-required";
import { COMPLIANT_TEMPLATE, stack, UNRELATED } from "./fixtures";

describe("imdsv2-required", () => {
  test("an instance that requires session tokens complies", () => {
    // GIVEN
    const tf = stack({ aws_instance: { llm: { metadata_options: { http_tokens: "required", http_endpoint: "enabled" } } } });
    // WHEN
    const findings = imdsv2Required.check(tf);
    // THEN
    expect(findings).toEqual([]);
  });

  test("the block may be a one-element list", () => {
    // GIVEN
    const tf = stack({ aws_instance: { llm: { metadata_options: [{ http_tokens: "required" }] } } });
    // WHEN / THEN
    expect(imdsv2Required.check(tf)).toEqual([]);
  });

  test.each([
    ["optional tokens", { metadata_options: { http_tokens: "optional" } }, 'metadata_options.http_tokens is "optional"; it must be "required"'],
    ["no metadata_options", {}, 'metadata_options.http_tokens is not set; it must be "required"'],
    ["an expression", { metadata_options: { http_tokens: "${var.tokens}" } }, 'is the expression ${var.tokens}; it must be the literal "required"'],
  ])("%s is a finding", (_, body, message) => {
    // GIVEN
    const tf = stack({ aws_instance: { llm: body } });
    // WHEN
    const findings = imdsv2Required.check(tf);
    // THEN
    expect(findings).toEqual([expect.objectContaining({ rule: "imdsv2-required", address: "aws_instance.llm", message: expect.stringContaining(message) })]);
  });

  test("one finding per offending instance, none for the compliant one", () => {
    // GIVEN
    const tf = stack({
      aws_instance: { a: {}, b: { metadata_options: { http_tokens: "required" } }, c: { metadata_options: { http_tokens: "optional" } } },
    });
    // WHEN / THEN
    expect(imdsv2Required.check(tf).map((f) => f.address)).toEqual(["aws_instance.a", "aws_instance.c"]);
  });

  test("not applicable without instances", () => {
    expect(imdsv2Required.check(UNRELATED)).toEqual([]);
    expect(imdsv2Required.check({})).toEqual([]);
  });

  test("a launch template that requires session tokens complies; one that does not is a finding", () => {
    // GIVEN two launch templates, the second leaving IMDSv1 open
    const tf = stack({
      aws_launch_template: { llm: COMPLIANT_TEMPLATE, open: { ...COMPLIANT_TEMPLATE, metadata_options: { http_tokens: "optional" } } },
    });
    // WHEN
    const findings = imdsv2Required.check(tf);
    // THEN
    expect(findings).toEqual([
      expect.objectContaining({ address: "aws_launch_template.open", message: 'metadata_options.http_tokens is "optional"; it must be "required"' }),
    ]);
  });

  test("a launch template without metadata_options is a finding", () => {
    const tf = stack({ aws_launch_template: { bare: { image_id: "ami-0123456789abcdef0" } } });
    expect(imdsv2Required.check(tf).map((f) => [f.address, f.message])).toEqual([
      ["aws_launch_template.bare", 'metadata_options.http_tokens is not set; it must be "required"'],
    ]);
  });
});

describe("imdsv2-required follows dynamic blocks", () => {
  test("a dynamic metadata_options block without required tokens is a finding", () => {
    // GIVEN a launch template whose metadata options come from a dynamic block that leaves IMDSv1 open
    const tf = stack({
      aws_launch_template: { llm: { dynamic: { metadata_options: { for_each: "${[1]}", content: { http_tokens: "optional" } } } } },
    });
    // WHEN / THEN
    expect(imdsv2Required.check(tf)).toEqual([expect.objectContaining({ address: "aws_launch_template.llm" })]);
  });
});
