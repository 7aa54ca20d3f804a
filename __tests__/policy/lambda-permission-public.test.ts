import { lambdaPermissionPublic } from "../../src/policy/rules/lambda-permission-public";
import { stack, UNRELATED } from "./fixtures";

const permission = (principal: unknown) => ({ function_name: "f", action: "lambda:InvokeFunction", ...(principal === undefined ? {} : { principal }) });

describe("lambda-permission-public", () => {
  test.each([
    ["an account", "123456789012"],
    ["a role", "arn:aws:iam::123456789012:role/caller"],
    ["a service", "events.amazonaws.com"],
  ])("a grant to %s complies", (_, principal) => {
    // GIVEN
    const tf = stack({ aws_lambda_permission: { invoke: permission(principal) } });
    // WHEN / THEN
    expect(lambdaPermissionPublic.check(tf)).toEqual([]);
  });

  test.each([
    ["everyone", "*", 'principal is "*": everyone'],
    ["an expression that may be * at plan", '${var.public ? "*" : "123456789012"}', "which may be \"*\" at plan"],
    ["no principal", undefined, "principal is not set"],
  ])("a grant to %s is a finding", (_, principal, message) => {
    // GIVEN
    const tf = stack({ aws_lambda_permission: { url: { ...permission(principal), function_url_auth_type: "NONE" } } });
    // WHEN
    const findings = lambdaPermissionPublic.check(tf);
    // THEN
    expect(findings).toEqual([expect.objectContaining({ rule: "lambda-permission-public", address: "aws_lambda_permission.url", message: expect.stringContaining(message) })]);
  });

  test("each public grant is its own finding", () => {
    const tf = stack({ aws_lambda_permission: { url: permission("*"), invoke: permission("*"), scoped: permission("123456789012") } });
    expect(lambdaPermissionPublic.check(tf).map((f) => f.address)).toEqual(["aws_lambda_permission.url", "aws_lambda_permission.invoke"]);
  });

  test("not applicable without Lambda permissions", () => {
    expect(lambdaPermissionPublic.check(UNRELATED)).toEqual([]);
  });
});
