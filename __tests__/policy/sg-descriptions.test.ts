import { sgDescriptions } from "../../src/policy/rules/sg-descriptions";
import { SERVER_SG, stack, UNRELATED } from "./fixtures";

describe("sg-descriptions", () => {
  test("a described group with described standalone rules complies", () => {
    // GIVEN
    const tf = stack({
      aws_security_group: { servers: { description: "Security group for llm ec2" } },
      aws_vpc_security_group_ingress_rule: { http: { security_group_id: SERVER_SG, description: "HTTP from the ALB" } },
      aws_vpc_security_group_egress_rule: { all: { security_group_id: SERVER_SG, description: "${var.egress_description}" } },
    });
    // WHEN / THEN
    expect(sgDescriptions.check(tf)).toEqual([]);
  });

  test("a group, an ingress rule and an egress rule without descriptions are three findings", () => {
    // GIVEN one missing, one empty and one blank description
    const tf = stack({
      aws_security_group: { servers: { name: "servers" } },
      aws_vpc_security_group_ingress_rule: { http: { security_group_id: SERVER_SG, description: "" } },
      aws_vpc_security_group_egress_rule: { all: { security_group_id: SERVER_SG, description: "  " } },
    });
    // WHEN
    const findings = sgDescriptions.check(tf);
    // THEN
    expect(findings.map((f) => `${f.address}: ${f.message}`)).toEqual([
      "aws_security_group.servers: has no description",
      "aws_vpc_security_group_ingress_rule.http: has no description",
      "aws_vpc_security_group_egress_rule.all: has no description",
    ]);
  });

  test("inline ingress and egress rules need descriptions too", () => {
    // GIVEN
    const tf = stack({
      aws_security_group: {
        legacy: { description: "legacy", ingress: [{ description: "HTTP", from_port: 80 }, { from_port: 443 }], egress: [{ from_port: 0 }] },
      },
    });
    // WHEN
    const findings = sgDescriptions.check(tf);
    // THEN
    expect(findings.map((f) => f.message)).toEqual(["ingress[1] has no description", "egress[0] has no description"]);
  });

  test("not applicable without security groups or rules", () => {
    expect(sgDescriptions.check(UNRELATED)).toEqual([]);
  });
});
