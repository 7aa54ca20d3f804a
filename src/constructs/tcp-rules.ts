import { Construct } from "constructs";
import { VpcSecurityGroupEgressRule, VpcSecurityGroupIngressRule } from "../aws";

/** One TCP security group rule to or from an IPv4 CIDR, at the address `<kind>.<name>`. */
export interface TcpRule {
  readonly name: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidrIpv4: string;
  readonly description: string;
}

/** Adds `rules` to the security group, each pinned to its original address. */
export function addTcpRules(scope: Construct, direction: "ingress" | "egress", securityGroupId: string, rules: readonly TcpRule[]): void {
  const Rule = direction === "ingress" ? VpcSecurityGroupIngressRule : VpcSecurityGroupEgressRule;
  for (const { name, ...rule } of rules) {
    new Rule(scope, name, { securityGroupId, ipProtocol: "tcp", ...rule }).overrideLogicalId(name);
  }
}
