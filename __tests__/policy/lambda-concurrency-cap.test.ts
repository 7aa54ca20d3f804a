import { lambdaConcurrencyCap } from "../../src/policy/rules/lambda-concurrency-cap";
import { stack, UNRELATED } from "./fixtures";

describe("lambda-concurrency-cap", () => {
  test.each([
    ["a literal cap", 20],
    ["a cap from an input", "${var.router_reserved_concurrency}"],
    ["0 (the function is switched off)", 0],
  ])("%s complies", (_, cap) => {
    // GIVEN
    const tf = stack({ aws_lambda_function: { router: { function_name: "r", reserved_concurrent_executions: cap } } });
    // WHEN / THEN
    expect(lambdaConcurrencyCap.check(tf)).toEqual([]);
  });

  test.each([
    ["no cap", {}, "reserved_concurrent_executions is not set"],
    ["-1, Lambda's no-cap value", { reserved_concurrent_executions: -1 }, "reserved_concurrent_executions is -1, no cap"],
  ])("%s is a finding", (_, body, message) => {
    // GIVEN
    const tf = stack({ aws_lambda_function: { router: { function_name: "r", ...body } } });
    // WHEN
    const findings = lambdaConcurrencyCap.check(tf);
    // THEN
    expect(findings).toEqual([expect.objectContaining({ rule: "lambda-concurrency-cap", address: "aws_lambda_function.router", message })]);
  });

  test("not applicable without functions", () => {
    expect(lambdaConcurrencyCap.check(UNRELATED)).toEqual([]);
  });
});
