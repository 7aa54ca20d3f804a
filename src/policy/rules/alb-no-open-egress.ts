import { loadBalancerGroups, securityGroupsIn } from "../security-groups";
import { finding, resources } from "../terraform-json";
import { PolicyRule } from "../types";

const ANYWHERE: Record<string, string> = { cidr_ipv4: "0.0.0.0/0", cidr_ipv6: "::/0" };

export const albNoOpenEgress: PolicyRule = {
  id: "alb-no-open-egress",
  mirrors: ["AVD-AWS-0104"],
  description: "A load balancer's security group sends traffic only to its targets, not to the whole internet",
  fix: "limit the load balancer's egress to the servers' security group (referenced_security_group_id) or the VPC CIDR",
  check(tf) {
    const lbGroups = loadBalancerGroups(tf);
    return resources(tf, "aws_vpc_security_group_egress_rule").flatMap(({ address, body }) => {
      const group = securityGroupsIn(body.security_group_id).find((g) => lbGroups.has(g));
      if (!group) return [];
      return Object.entries(ANYWHERE)
        .filter(([attribute, cidr]) => body[attribute] === cidr)
        .map(([attribute, cidr]) =>
          finding(albNoOpenEgress, address, `allows egress to ${attribute} ${cidr} from ${group}, the security group of ${lbGroups.get(group)?.join(", ")}`),
        );
    });
  },
};
