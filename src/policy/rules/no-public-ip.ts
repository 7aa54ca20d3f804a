import { literalRule } from "../literal-rule";

// Explicit `false`: when absent, the subnet's map_public_ip_on_launch decides.
export const noPublicIp = literalRule({
  id: "no-public-ip",
  mirrors: ["CKV_AWS_88"],
  description: "Servers get no public IP address; they are reached through the internal load balancer only",
  fix: "set associate_public_ip_address = false on the instance, or network_interfaces { associate_public_ip_address = false } on the launch template",
  types: ["aws_instance", "aws_launch_template"],
  path: "associate_public_ip_address",
  pathByType: { aws_launch_template: "network_interfaces.associate_public_ip_address" },
  expected: false,
  booleanAsStringIn: ["aws_launch_template"],
});
