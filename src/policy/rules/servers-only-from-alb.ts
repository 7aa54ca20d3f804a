import { serverGroups, loadBalancerGroups, securityGroupsIn } from "../security-groups";
import { finding, isSet, resources, show } from "../terraform-json";
import { PolicyRule } from "../types";

const ADDRESS_SOURCES = ["cidr_ipv4", "cidr_ipv6", "prefix_list_id"];

export const serversOnlyFromAlb: PolicyRule = {
  id: "servers-only-from-alb",
  mirrors: ["least privilege: network segmentation"],
  description: "Servers accept traffic only from the load balancer's security group, not from address ranges",
  fix: "give each ingress rule of the servers' security group referenced_security_group_id = the load balancer's security group id, and no cidr_ipv4, cidr_ipv6 or prefix_list_id",
  check(tf) {
    const servers = serverGroups(tf);
    const lbGroups = loadBalancerGroups(tf);
    return resources(tf, "aws_vpc_security_group_ingress_rule").flatMap(({ address, body }) => {
      const group = securityGroupsIn(body.security_group_id).find((g) => servers.has(g));
      if (!group) return [];
      const problems = ADDRESS_SOURCES.filter((attribute) => isSet(body[attribute])).map((attribute) => `${attribute} is ${show(body[attribute])}`);
      const source = body.referenced_security_group_id;
      if (!isSet(source)) problems.push("referenced_security_group_id is not set");
      else if (!securityGroupsIn(source).some((g) => lbGroups.has(g))) {
        problems.push(`referenced_security_group_id is ${show(source)}, not a load balancer's security group`);
      }
      if (problems.length === 0) return [];
      return [finding(serversOnlyFromAlb, address, `ingress to ${group} (servers ${servers.get(group)?.join(", ")}): ${problems.join("; ")}`)];
    });
  },
};
