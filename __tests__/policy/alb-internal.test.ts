import { albInternal } from "../../src/policy/rules/alb-internal";
import { stack, UNRELATED } from "./fixtures";

describe("alb-internal", () => {
  test("an internal load balancer complies", () => {
    // GIVEN
    const tf = stack({ aws_lb: { llm: { internal: true, load_balancer_type: "application" } } });
    // WHEN / THEN
    expect(albInternal.check(tf)).toEqual([]);
  });

  test.each([
    ["internet-facing", { internal: false }, "internal is false; it must be true"],
    ["absent (internet-facing by default)", {}, "internal is not set; it must be true"],
    ["an expression", { internal: "${var.internal}" }, "internal is the expression ${var.internal}; it must be the literal true"],
  ])("%s is a finding", (_, body, message) => {
    // GIVEN
    const tf = stack({ aws_lb: { llm: body } });
    // WHEN
    const findings = albInternal.check(tf);
    // THEN
    expect(findings).toEqual([expect.objectContaining({ rule: "alb-internal", address: "aws_lb.llm", message })]);
  });

  test("the aws_alb alias is checked too", () => {
    // GIVEN
    const tf = stack({ aws_alb: { old: { internal: false } } });
    // WHEN / THEN
    expect(albInternal.check(tf).map((f) => f.address)).toEqual(["aws_alb.old"]);
  });

  test("not applicable without load balancers", () => {
    expect(albInternal.check(UNRELATED)).toEqual([]);
  });
});
