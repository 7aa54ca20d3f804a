import { apiThrottling } from "../../src/policy/rules/api-throttling";
import { stack, UNRELATED } from "./fixtures";

describe("api-throttling", () => {
  test.each([
    ["literal limits", { throttling_rate_limit: 50, throttling_burst_limit: 100 }],
    ["limits from inputs", { throttling_rate_limit: "${var.rate}", throttling_burst_limit: "${var.burst}" }],
    ["zero (block every request) is still set", { throttling_rate_limit: 0, throttling_burst_limit: 0 }],
  ])("%s comply", (_, settings) => {
    // GIVEN
    const tf = stack({ aws_apigatewayv2_stage: { llm: { default_route_settings: settings } } });
    // WHEN / THEN
    expect(apiThrottling.check(tf)).toEqual([]);
  });

  test.each([
    ["no default_route_settings", {}, "has no default_route_settings"],
    ["no burst limit", { default_route_settings: { throttling_rate_limit: 50 } }, "default_route_settings has no throttling_burst_limit"],
    ["null limits", { default_route_settings: [{ throttling_rate_limit: null, throttling_burst_limit: null }] }, "default_route_settings has no throttling_rate_limit and no throttling_burst_limit"],
  ])("%s is a finding", (_, body, message) => {
    // GIVEN
    const tf = stack({ aws_apigatewayv2_stage: { llm: body } });
    // WHEN
    const findings = apiThrottling.check(tf);
    // THEN
    expect(findings).toEqual([expect.objectContaining({ rule: "api-throttling", address: "aws_apigatewayv2_stage.llm", message })]);
  });

  test("not applicable without stages", () => {
    expect(apiThrottling.check(UNRELATED)).toEqual([]);
  });
});
