import { finding, isExpression, isSet, resources, show } from "../terraform-json";
import { PolicyRule } from "../types";

// An expression counts: the cap is sized per deployment, from an input the rule table checks.
export const lambdaConcurrencyCap: PolicyRule = {
  id: "lambda-concurrency-cap",
  mirrors: ["CKV_AWS_115"],
  description: "Lambda functions have a reserved concurrency, a cap on how many run at once: what a flood of callers can cost, and send on to the servers",
  fix: "set reserved_concurrent_executions on the function to the most requests it should serve at once, e.g. 20",
  check(tf) {
    return resources(tf, "aws_lambda_function").flatMap(({ address, body }) => {
      const cap = body.reserved_concurrent_executions;
      if (isExpression(cap) || (typeof cap === "number" && cap >= 0)) return [];
      return [finding(lambdaConcurrencyCap, address, isSet(cap) ? `reserved_concurrent_executions is ${show(cap)}, no cap` : "reserved_concurrent_executions is not set")];
    });
  },
};
