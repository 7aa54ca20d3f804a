import { albNoOpenEgress } from "../../src/policy/rules/alb-no-open-egress";
import { ALB_SG, NETWORK, SERVER_SG, stack } from "./fixtures";

describe("alb-no-open-egress", () => {
  test("load balancer egress to the servers' group or the VPC complies", () => {
    // GIVEN
    const tf = stack({
      ...NETWORK,
      aws_vpc_security_group_egress_rule: {
        to_servers: { security_group_id: ALB_SG, referenced_security_group_id: SERVER_SG },
        to_vpc: { security_group_id: ALB_SG, cidr_ipv4: "${var.vpc_cidr_block}" },
      },
    });
    // WHEN / THEN
    expect(albNoOpenEgress.check(tf)).toEqual([]);
  });

  test.each([
    ["cidr_ipv4", "0.0.0.0/0"],
    ["cidr_ipv6", "::/0"],
  ])("egress from the load balancer's group to %s %s is a finding", (attribute, cidr) => {
    // GIVEN
    const tf = stack({ ...NETWORK, aws_vpc_security_group_egress_rule: { all: { security_group_id: ALB_SG, [attribute]: cidr } } });
    // WHEN
    const findings = albNoOpenEgress.check(tf);
    // THEN
    expect(findings).toEqual([
      expect.objectContaining({
        rule: "alb-no-open-egress",
        address: "aws_vpc_security_group_egress_rule.all",
        message: `allows egress to ${attribute} ${cidr} from aws_security_group.alb, the security group of aws_lb.llm`,
      }),
    ]);
  });

  test("the group is matched through an index and inside a larger expression", () => {
    // GIVEN a counted group, used by the load balancer in a concat()
    const tf = stack({
      aws_security_group: { alb: { count: 1, description: "alb" } },
      aws_lb: { llm: { security_groups: "${concat([aws_security_group.alb[0].id], var.extra_sg_ids)}" } },
      aws_vpc_security_group_egress_rule: { all: { security_group_id: "${aws_security_group.alb[0].id}", cidr_ipv4: "0.0.0.0/0" } },
    });
    // WHEN / THEN
    expect(albNoOpenEgress.check(tf).map((f) => f.address)).toEqual(["aws_vpc_security_group_egress_rule.all"]);
  });

  test("open egress of a group no load balancer uses is not this rule's business", () => {
    // GIVEN the servers' group (pulling models from the internet) and a data source of the same name
    const tf = stack({
      ...NETWORK,
      aws_vpc_security_group_egress_rule: {
        servers: { security_group_id: SERVER_SG, cidr_ipv4: "0.0.0.0/0" },
        other: { security_group_id: "${data.aws_security_group.alb.id}", cidr_ipv4: "0.0.0.0/0" },
      },
    });
    // WHEN / THEN
    expect(albNoOpenEgress.check(tf)).toEqual([]);
  });

  test("not applicable without load balancers", () => {
    // GIVEN
    const tf = stack({ aws_vpc_security_group_egress_rule: { all: { security_group_id: ALB_SG, cidr_ipv4: "0.0.0.0/0" } } });
    // WHEN / THEN
    expect(albNoOpenEgress.check(tf)).toEqual([]);
  });
});
