import { finding, isSet, nested, resources } from "../terraform-json";
import { PolicyRule } from "../types";

const isEmpty = (value: unknown): boolean => !isSet(value) || (Array.isArray(value) && value.length === 0) || value === "";

export const lambdaInVpc: PolicyRule = {
  id: "lambda-in-vpc",
  mirrors: ["CKV_AWS_117"],
  description: "Lambda functions run in the VPC, in its subnets and behind a security group, so their traffic follows the fleet's network rules",
  fix: "set vpc_config { subnet_ids = <private subnets>, security_group_ids = [<the function's security group>] } on the function",
  check(tf) {
    return resources(tf, "aws_lambda_function").flatMap(({ address, body }) => {
      const vpc = nested(body, "vpc_config");
      if (!vpc) return [finding(lambdaInVpc, address, "has no vpc_config")];
      const missing = ["subnet_ids", "security_group_ids"].filter((attribute) => isEmpty(vpc[attribute]));
      return missing.length === 0 ? [] : [finding(lambdaInVpc, address, `vpc_config has no ${missing.join(" and no ")}`)];
    });
  },
};
