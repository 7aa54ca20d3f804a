import { literalRule } from "../literal-rule";

export const lambdaUrlAuth = literalRule({
  id: "lambda-url-auth",
  mirrors: ["CKV_AWS_258"],
  description: "Lambda function URLs authenticate their callers with IAM (SigV4), so only principals granted lambda:InvokeFunctionUrl reach the function",
  fix: 'set authorization_type = "AWS_IAM" on the function URL, or suppress the rule with the reason the function authenticates callers itself',
  types: ["aws_lambda_function_url"],
  path: "authorization_type",
  expected: "AWS_IAM",
});
