import { finding, isExpression, isSet, resources } from "../terraform-json";
import { PolicyRule } from "../types";

export const lambdaPermissionPublic: PolicyRule = {
  id: "lambda-permission-public",
  mirrors: ["CT.LAMBDA.PR.2", "lambda-function-public-access-prohibited"],
  description: "Lambda permissions grant no public principal (*): any AWS account, or anyone at all through a public function URL, could invoke the function",
  fix: "name the account, role or service that may invoke the function, or suppress the rule with the reason the function checks every caller itself",
  check(tf) {
    return resources(tf, "aws_lambda_permission").flatMap(({ address, body }) => {
      const principal = body.principal;
      if (isExpression(principal)) {
        return [finding(lambdaPermissionPublic, address, `principal is the expression ${principal}, which may be "*" at plan`)];
      }
      if (typeof principal === "string" && principal !== "" && !principal.includes("*")) return [];
      return [finding(lambdaPermissionPublic, address, isSet(principal) && principal !== "" ? `principal is ${JSON.stringify(principal)}: everyone` : "principal is not set")];
    });
  },
};
