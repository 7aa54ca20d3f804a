import { serversOnlyFromAlb } from "../../src/policy/rules/servers-only-from-alb";
import { ALB_SG, COMPLIANT_TEMPLATE, NETWORK, SERVER_SG, stack } from "./fixtures";

const ingress = (body: Record<string, unknown>) => stack({ ...NETWORK, aws_vpc_security_group_ingress_rule: { app: { security_group_id: SERVER_SG, ...body } } });

describe("servers-only-from-alb", () => {
  test("ingress to the servers from the load balancer's group complies", () => {
    // GIVEN
    const tf = ingress({ referenced_security_group_id: ALB_SG, from_port: 11434, to_port: 11434 });
    // WHEN / THEN
    expect(serversOnlyFromAlb.check(tf)).toEqual([]);
  });

  test("ingress from a CIDR is a finding", () => {
    // GIVEN
    const tf = ingress({ cidr_ipv4: "${var.vpc_cidr_block}" });
    // WHEN
    const findings = serversOnlyFromAlb.check(tf);
    // THEN
    expect(findings).toEqual([
      expect.objectContaining({
        rule: "servers-only-from-alb",
        address: "aws_vpc_security_group_ingress_rule.app",
        message:
          "ingress to aws_security_group.servers (servers aws_instance.llm): cidr_ipv4 is the expression ${var.vpc_cidr_block}; referenced_security_group_id is not set",
      }),
    ]);
  });

  test.each([
    ["cidr_ipv6", "::/0"],
    ["prefix_list_id", "pl-12345678"],
  ])("%s next to the load balancer's group is a finding", (attribute, value) => {
    // GIVEN
    const tf = ingress({ referenced_security_group_id: ALB_SG, [attribute]: value });
    // WHEN / THEN
    expect(serversOnlyFromAlb.check(tf).map((f) => f.message)).toEqual([
      `ingress to aws_security_group.servers (servers aws_instance.llm): ${attribute} is "${value}"`,
    ]);
  });

  test("ingress from a group no load balancer uses is a finding", () => {
    // GIVEN the servers' own group as the source
    const tf = ingress({ referenced_security_group_id: SERVER_SG });
    // WHEN / THEN
    expect(serversOnlyFromAlb.check(tf).map((f) => f.message)).toEqual([
      "ingress to aws_security_group.servers (servers aws_instance.llm): referenced_security_group_id is the expression ${aws_security_group.servers.id}, not a load balancer's security group",
    ]);
  });

  test("ingress to the load balancer's own group is not this rule's business", () => {
    // GIVEN
    const tf = stack({ ...NETWORK, aws_vpc_security_group_ingress_rule: { https: { security_group_id: ALB_SG, cidr_ipv4: "${var.vpc_cidr_block}" } } });
    // WHEN / THEN
    expect(serversOnlyFromAlb.check(tf)).toEqual([]);
  });

  test("not applicable without instances", () => {
    // GIVEN
    const tf = stack({ aws_vpc_security_group_ingress_rule: { app: { security_group_id: SERVER_SG, cidr_ipv4: "0.0.0.0/0" } } });
    // WHEN / THEN
    expect(serversOnlyFromAlb.check(tf)).toEqual([]);
  });

  test.each([
    ["in its network interfaces", COMPLIANT_TEMPLATE],
    ["at the top level", { vpc_security_group_ids: [SERVER_SG] }],
  ])("servers launched from a template with the group %s are followed too", (_, template) => {
    // GIVEN no instance, only Auto Scaling servers from a launch template in the servers' group
    const { aws_instance: _instances, ...network } = NETWORK;
    const tf = stack({
      ...network,
      aws_launch_template: { llm: template },
      aws_vpc_security_group_ingress_rule: { app: { security_group_id: SERVER_SG, cidr_ipv4: "10.0.0.0/16" } },
    });
    // WHEN / THEN
    expect(serversOnlyFromAlb.check(tf).map((f) => f.message)).toEqual([
      'ingress to aws_security_group.servers (servers aws_launch_template.llm): cidr_ipv4 is "10.0.0.0/16"; referenced_security_group_id is not set',
    ]);
  });
});
