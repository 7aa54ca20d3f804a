import { lambdaInVpc } from "../../src/policy/rules/lambda-in-vpc";
import { stack, UNRELATED } from "./fixtures";

describe("lambda-in-vpc", () => {
  test.each([
    ["literal subnets and group", { subnet_ids: ["subnet-1", "subnet-2"], security_group_ids: ["sg-1"] }],
    ["subnets from an input, the group from a resource", { subnet_ids: "${var.subnet_ids}", security_group_ids: ["${aws_security_group.router[0].id}"] }],
    ["a one-element list, as hand-written JSON has it", [{ subnet_ids: ["subnet-1"], security_group_ids: ["sg-1"] }]],
  ])("%s comply", (_, vpcConfig) => {
    // GIVEN
    const tf = stack({ aws_lambda_function: { router: { function_name: "r", vpc_config: vpcConfig } } });
    // WHEN / THEN
    expect(lambdaInVpc.check(tf)).toEqual([]);
  });

  test.each([
    ["no vpc_config", {}, "has no vpc_config"],
    ["no security group", { vpc_config: { subnet_ids: ["subnet-1"], security_group_ids: [] } }, "vpc_config has no security_group_ids"],
    ["neither subnets nor groups", { vpc_config: { subnet_ids: [] } }, "vpc_config has no subnet_ids and no security_group_ids"],
  ])("%s is a finding", (_, body, message) => {
    // GIVEN
    const tf = stack({ aws_lambda_function: { router: { function_name: "r", ...body } } });
    // WHEN
    const findings = lambdaInVpc.check(tf);
    // THEN
    expect(findings).toEqual([expect.objectContaining({ rule: "lambda-in-vpc", address: "aws_lambda_function.router", message })]);
  });

  test("not applicable without functions", () => {
    expect(lambdaInVpc.check(UNRELATED)).toEqual([]);
  });
});
