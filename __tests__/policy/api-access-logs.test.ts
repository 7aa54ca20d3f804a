import { apiAccessLogs } from "../../src/policy/rules/api-access-logs";
import { stack, UNRELATED } from "./fixtures";

const FORMAT = '{"requestId":"$context.requestId","status":"$context.status"}';

describe("api-access-logs", () => {
  test("a stage with a log destination and a format complies", () => {
    // GIVEN
    const tf = stack({
      aws_apigatewayv2_stage: { llm: { name: "$default", access_log_settings: { destination_arn: "${aws_cloudwatch_log_group.api.arn}", format: FORMAT } } },
    });
    // WHEN / THEN
    expect(apiAccessLogs.check(tf)).toEqual([]);
  });

  test.each([
    ["no access_log_settings", {}, "has no access_log_settings"],
    ["no destination", { access_log_settings: { format: FORMAT } }, "access_log_settings has no destination_arn"],
    ["an empty format", { access_log_settings: [{ destination_arn: "arn:aws:logs:eu-west-1:123456789012:log-group:api", format: "" }] }, "access_log_settings has no format"],
    ["an empty block", { access_log_settings: {} }, "access_log_settings has no destination_arn and no format"],
  ])("%s is a finding", (_, body, message) => {
    // GIVEN
    const tf = stack({ aws_apigatewayv2_stage: { llm: body } });
    // WHEN
    const findings = apiAccessLogs.check(tf);
    // THEN
    expect(findings).toEqual([expect.objectContaining({ rule: "api-access-logs", address: "aws_apigatewayv2_stage.llm", message })]);
  });

  test("not applicable without stages", () => {
    expect(apiAccessLogs.check(UNRELATED)).toEqual([]);
  });
});
