import { blocks, finding, isSet, resources, show } from "../terraform-json";
import { PolicyRule } from "../types";

/** Whether an Auto Scaling group sends its servers' traffic through a load balancer. */
function behindLoadBalancer(body: Record<string, unknown>): boolean {
  const targetGroups = body.target_group_arns;
  const listed = Array.isArray(targetGroups) ? targetGroups.length > 0 : isSet(targetGroups);
  return listed || isSet(body.load_balancers) || blocks(body, "traffic_source").length > 0;
}

export const asgElbHealthCheck: PolicyRule = {
  id: "asg-elb-health-check",
  mirrors: ["CKV2_AWS_15", "cdk-nag AutoScalingGroupELBHealthCheckRequired"],
  description:
    "An Auto Scaling group behind a load balancer replaces a server its target group finds unhealthy (model not pulled, Ollama down), not only one whose hardware fails",
  fix: 'set health_check_type = "ELB" (with a health_check_grace_period long enough for the install and the pulls) on the Auto Scaling group',
  check(tf) {
    return resources(tf, "aws_autoscaling_group")
      .filter(({ body }) => behindLoadBalancer(body))
      .flatMap(({ address, body }) =>
        body.health_check_type === "ELB" ? [] : [finding(asgElbHealthCheck, address, `health_check_type is ${show(body.health_check_type)}; it must be "ELB"`)],
      );
  },
};
