// Which security groups a resource uses, read from `${aws_security_group.X.id}` references.
import { blocks, resources } from "./terraform-json";
import { TerraformJson } from "./types";

// `aws_security_group.X.id`, also with an index (`X[0]`, `X[each.key]`) and inside a larger
// expression (`${concat([aws_security_group.X.id], var.extra)}`); not `data.aws_security_group`.
const SECURITY_GROUP_ID = /(?<![\w.])aws_security_group\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?\.id\b/g;

/** Addresses (`aws_security_group.X`) of the security groups whose ids `value` refers to. */
export function securityGroupsIn(value: unknown): string[] {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  return [...text.matchAll(SECURITY_GROUP_ID)].map((match) => `aws_security_group.${match[1]}`);
}

/** Security group address -> addresses of the resources of `types` that list it in `attribute`. */
export function securityGroupUsers(tf: TerraformJson, types: readonly string[], attribute: string): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const { address, body } of resources(tf, ...types)) {
    for (const group of securityGroupsIn(body[attribute])) {
      users.set(group, [...(users.get(group) ?? []), address]);
    }
  }
  return users;
}

export const LOAD_BALANCER_TYPES = ["aws_lb", "aws_alb"] as const;

/** The security groups of the load balancers (`aws_lb`, and its alias `aws_alb`). */
export const loadBalancerGroups = (tf: TerraformJson): Map<string, string[]> => securityGroupUsers(tf, LOAD_BALANCER_TYPES, "security_groups");

/**
 * The security groups of the servers: instances' `vpc_security_group_ids`, and launch templates'
 * (at the top level or in their network interfaces), which every server of an Auto Scaling group gets.
 */
export function serverGroups(tf: TerraformJson): Map<string, string[]> {
  const users = securityGroupUsers(tf, ["aws_instance", "aws_launch_template"], "vpc_security_group_ids");
  for (const { address, body } of resources(tf, "aws_launch_template")) {
    for (const group of blocks(body, "network_interfaces").flatMap((nic) => securityGroupsIn(nic.security_groups))) {
      const current = users.get(group) ?? [];
      if (!current.includes(address)) users.set(group, [...current, address]);
    }
  }
  return users;
}
