import { finding, isSet, lookup, resources } from "../terraform-json";
import { PolicyRule } from "../types";

const SPECIFICATION = "mixed_instances_policy.launch_template.launch_template_specification";
/** Where a group names its launch template: directly, or in its mixed instances policy (spot). */
const TEMPLATE_PATHS = ["launch_template.id", "launch_template.name", `${SPECIFICATION}.launch_template_id`, `${SPECIFICATION}.launch_template_name`];

export const asgLaunchTemplate: PolicyRule = {
  id: "asg-launch-template",
  mirrors: ["CKV_AWS_315"],
  description:
    "Auto Scaling groups launch from a launch template, which the other rules check (IMDSv2, encryption, no public IP); launch configurations are deprecated and unchecked",
  fix: "give the Auto Scaling group a launch_template block (or mixed_instances_policy.launch_template) and no launch_configuration",
  check(tf) {
    return resources(tf, "aws_autoscaling_group").flatMap(({ address, body }) => {
      const template = TEMPLATE_PATHS.some((path) => isSet(lookup(body, path)));
      const problems = [
        ...(isSet(body.launch_configuration) ? ["launch_configuration is set"] : []),
        ...(template ? [] : ["no launch template is given"]),
      ];
      return problems.length === 0 ? [] : [finding(asgLaunchTemplate, address, problems.join("; "))];
    });
  },
};
