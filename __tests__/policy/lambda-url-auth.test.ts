import { lambdaUrlAuth } from "../../src/policy/rules/lambda-url-auth";
import { stack, UNRELATED } from "./fixtures";

describe("lambda-url-auth", () => {
  test("a function URL that checks SigV4 complies", () => {
    // GIVEN
    const tf = stack({ aws_lambda_function_url: { router: { function_name: "r", authorization_type: "AWS_IAM" } } });
    // WHEN / THEN
    expect(lambdaUrlAuth.check(tf)).toEqual([]);
  });

  test.each([
    ["a public URL", "NONE", 'authorization_type is "NONE"; it must be "AWS_IAM"'],
    ["an expression that may be NONE at plan", '${var.auth == "AWS_IAM" ? "AWS_IAM" : "NONE"}', "must be the literal"],
    ["no auth type", undefined, "authorization_type is not set"],
  ])("%s is a finding", (_, auth, message) => {
    // GIVEN
    const tf = stack({ aws_lambda_function_url: { router: { function_name: "r", ...(auth === undefined ? {} : { authorization_type: auth }) } } });
    // WHEN
    const findings = lambdaUrlAuth.check(tf);
    // THEN
    expect(findings).toEqual([expect.objectContaining({ rule: "lambda-url-auth", address: "aws_lambda_function_url.router", message: expect.stringContaining(message) })]);
  });

  test("not applicable without function URLs", () => {
    expect(lambdaUrlAuth.check(UNRELATED)).toEqual([]);
  });
});
