import { asgElbHealthCheck } from "../../src/policy/rules/asg-elb-health-check";
import { stack, UNRELATED } from "./fixtures";

const TG = ["${aws_lb_target_group.llm_http[each.key].arn}"];

describe("asg-elb-health-check", () => {
  test("a group behind a target group with ELB health checks complies", () => {
    // GIVEN
    const tf = stack({ aws_autoscaling_group: { llm: { target_group_arns: TG, health_check_type: "ELB", health_check_grace_period: 1200 } } });
    // WHEN / THEN
    expect(asgElbHealthCheck.check(tf)).toEqual([]);
  });

  test.each([
    ["EC2 health checks", { target_group_arns: TG, health_check_type: "EC2" }, 'health_check_type is "EC2"; it must be "ELB"'],
    ["no health check type (EC2 by default)", { target_group_arns: TG }, 'health_check_type is not set; it must be "ELB"'],
    ["a traffic source and EC2 checks", { traffic_source: [{ identifier: "tg", type: "elbv2" }] }, "health_check_type is not set"],
    ["classic load balancers", { load_balancers: ["llm"], health_check_type: "EC2" }, 'health_check_type is "EC2"'],
  ])("%s behind a load balancer is a finding", (_, body, message) => {
    // GIVEN
    const tf = stack({ aws_autoscaling_group: { llm: body } });
    // WHEN
    const findings = asgElbHealthCheck.check(tf);
    // THEN
    expect(findings).toEqual([expect.objectContaining({ rule: "asg-elb-health-check", address: "aws_autoscaling_group.llm", message: expect.stringContaining(message) })]);
  });

  test("a group behind no load balancer is not this rule's business", () => {
    expect(asgElbHealthCheck.check(stack({ aws_autoscaling_group: { batch: { health_check_type: "EC2", target_group_arns: [] } } }))).toEqual([]);
  });

  test("not applicable without Auto Scaling groups", () => {
    expect(asgElbHealthCheck.check(UNRELATED)).toEqual([]);
  });
});
