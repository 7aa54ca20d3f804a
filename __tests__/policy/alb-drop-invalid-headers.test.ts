import { albDropInvalidHeaders } from "../../src/policy/rules/alb-drop-invalid-headers";
import { stack, UNRELATED } from "./fixtures";

describe("alb-drop-invalid-headers", () => {
  test("an application load balancer that drops invalid headers complies", () => {
    // GIVEN
    const tf = stack({ aws_lb: { llm: { load_balancer_type: "application", drop_invalid_header_fields: true } } });
    // WHEN / THEN
    expect(albDropInvalidHeaders.check(tf)).toEqual([]);
  });

  test.each([
    ["type application, not set", { load_balancer_type: "application" }],
    ["no type (application by default), not set", {}],
    ["no type, false", { drop_invalid_header_fields: false }],
    ["a type from an expression, not set", { load_balancer_type: "${var.lb_type}" }],
  ])("%s is a finding", (_, body) => {
    // GIVEN
    const tf = stack({ aws_lb: { llm: body } });
    // WHEN
    const findings = albDropInvalidHeaders.check(tf);
    // THEN
    expect(findings).toEqual([expect.objectContaining({ address: "aws_lb.llm", message: expect.stringMatching(/^drop_invalid_header_fields is/) })]);
  });

  test("not applicable to network and gateway load balancers", () => {
    // GIVEN
    const tf = stack({ aws_lb: { nlb: { load_balancer_type: "network" }, gwlb: { load_balancer_type: "gateway" } } });
    // WHEN / THEN
    expect(albDropInvalidHeaders.check(tf)).toEqual([]);
  });

  test("not applicable without load balancers", () => {
    expect(albDropInvalidHeaders.check(UNRELATED)).toEqual([]);
  });
});
