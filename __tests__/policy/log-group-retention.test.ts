import { logGroupRetention } from "../../src/policy/rules/log-group-retention";
import { stack, UNRELATED } from "./fixtures";

describe("log-group-retention", () => {
  test.each([
    ["a literal number of days", 30],
    ["days from an input", "${var.router_log_retention_days}"],
  ])("%s complies", (_, days) => {
    // GIVEN
    const tf = stack({ aws_cloudwatch_log_group: { router: { name: "/aws/lambda/r", retention_in_days: days } } });
    // WHEN / THEN
    expect(logGroupRetention.check(tf)).toEqual([]);
  });

  test.each([
    ["no retention", {}, "retention_in_days is not set"],
    ["0, which never expires", { retention_in_days: 0 }, "retention_in_days is 0, which never expires"],
    ["null", { retention_in_days: null }, "retention_in_days is not set"],
  ])("%s is a finding", (_, body, message) => {
    // GIVEN
    const tf = stack({ aws_cloudwatch_log_group: { router: { name: "/aws/lambda/r", ...body } } });
    // WHEN
    const findings = logGroupRetention.check(tf);
    // THEN
    expect(findings).toEqual([expect.objectContaining({ rule: "log-group-retention", address: "aws_cloudwatch_log_group.router", message })]);
  });

  test("not applicable without log groups", () => {
    expect(logGroupRetention.check(UNRELATED)).toEqual([]);
  });
});
