import { readdirSync } from "fs";
import { join } from "path";
import { checkPolicies, formatFinding, PolicyError } from "../../src/policy/check";
import { POLICY_RULES } from "../../src/policy/rules";
import { Finding, PolicyRule } from "../../src/policy/types";
import { ALB_SG, SERVER_SG, stack } from "./fixtures";

const METADATA = { "//": { metadata: { path: "llm-service/servers/llm" } } };

// GIVEN a stack that follows every rule, with cdktf's `//` metadata in place
const COMPLIANT = stack({
  aws_instance: {
    llm: {
      ...METADATA,
      for_each: "${local.llm_models}",
      associate_public_ip_address: false,
      metadata_options: { http_tokens: "required" },
      root_block_device: { encrypted: true },
      vpc_security_group_ids: [SERVER_SG],
    },
  },
  aws_iam_role_policy_attachment: { core: { policy_arn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" } },
  aws_lb: { llm: { ...METADATA, internal: true, load_balancer_type: "application", drop_invalid_header_fields: true, security_groups: [ALB_SG] } },
  aws_security_group: { alb: { description: "load balancer" }, servers: { description: "servers" } },
  aws_vpc_security_group_ingress_rule: { app: { security_group_id: SERVER_SG, referenced_security_group_id: ALB_SG, description: "Ollama from the ALB" } },
  aws_vpc_security_group_egress_rule: { to_servers: { security_group_id: ALB_SG, referenced_security_group_id: SERVER_SG, description: "to the servers" } },
  aws_apigatewayv2_stage: {
    llm: {
      access_log_settings: { destination_arn: "${aws_cloudwatch_log_group.api.arn}", format: "$context.requestId" },
      default_route_settings: { throttling_rate_limit: 50, throttling_burst_limit: 100 },
    },
  },
  aws_apigatewayv2_domain_name: { llm: { domain_name_configuration: { security_policy: "TLS_1_2" } } },
  aws_ssm_association: { pull_models: { sync_compliance: "AUTO" } },
});

const FINDING: Finding = {
  rule: "imdsv2-required",
  address: "aws_instance.llm",
  message: 'metadata_options.http_tokens is "optional"; it must be "required"',
  fix: 'set metadata_options { http_tokens = "required" } on the instance',
};

describe("checkPolicies", () => {
  test("a stack that follows every rule has no findings", () => {
    // WHEN / THEN
    expect(checkPolicies(COMPLIANT)).toEqual([]);
  });

  test("an empty stack has no findings", () => {
    expect(checkPolicies({})).toEqual([]);
    expect(checkPolicies({ terraform: {}, variable: {} })).toEqual([]);
  });

  test("findings of several rules come in rule order", () => {
    // GIVEN a bare instance and an internet-facing load balancer
    const tf = stack({ aws_lb: { llm: { internal: false, drop_invalid_header_fields: true } }, aws_instance: { llm: {} } });
    // WHEN
    const findings = checkPolicies(tf);
    // THEN
    expect(findings.map((f) => `${f.rule} ${f.address}`)).toEqual([
      "imdsv2-required aws_instance.llm",
      "root-volume-encrypted aws_instance.llm",
      "no-public-ip aws_instance.llm",
      "alb-internal aws_lb.llm",
    ]);
  });

  test("runs only the rules it is given", () => {
    // GIVEN
    const everything: PolicyRule = {
      id: "no-resources",
      mirrors: [],
      description: "no resources at all",
      fix: "delete them",
      check: (tf) => Object.keys(tf.resource ?? {}).map((type) => ({ rule: "no-resources", address: type, message: "exists", fix: "delete them" })),
    };
    // WHEN
    const findings = checkPolicies(stack({ aws_instance: { llm: {} } }), [everything]);
    // THEN
    expect(findings).toEqual([{ rule: "no-resources", address: "aws_instance", message: "exists", fix: "delete them" }]);
  });
});

describe("formatFinding", () => {
  test("one line: rule, address, message, fix and the public rules it mirrors", () => {
    expect(formatFinding(FINDING)).toBe(
      '[imdsv2-required] aws_instance.llm: metadata_options.http_tokens is "optional"; it must be "required". ' +
        'Fix: set metadata_options { http_tokens = "required" } on the instance. (mirrors CKV_AWS_79, AVD-AWS-0028, AVD-AWS-0130)',
    );
  });

  test("a rule with no public counterpart, or one not in the list, ends after the fix", () => {
    expect(formatFinding(FINDING, [])).toBe(
      '[imdsv2-required] aws_instance.llm: metadata_options.http_tokens is "optional"; it must be "required". Fix: set metadata_options { http_tokens = "required" } on the instance.',
    );
  });
});

describe("PolicyError", () => {
  test("lists every finding, one per line", () => {
    // GIVEN
    const other: Finding = { rule: "alb-internal", address: "aws_lb.llm", message: "internal is false; it must be true", fix: "set internal = true on the load balancer" };
    // WHEN
    const error = new PolicyError([FINDING, other]);
    // THEN
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("PolicyError");
    expect(error.findings).toEqual([FINDING, other]);
    expect(error.message.split("\n")).toEqual(["2 policy finding(s):", formatFinding(FINDING), formatFinding(other)]);
  });

  test("is what a caller throws on findings", () => {
    // GIVEN
    const findings = checkPolicies(stack({ aws_lb: { llm: { drop_invalid_header_fields: true } } }));
    // WHEN / THEN
    expect(() => {
      throw new PolicyError(findings);
    }).toThrow(/\[alb-internal\] aws_lb\.llm: internal is not set; it must be true\. Fix: set internal = true/);
  });
});

describe("POLICY_RULES", () => {
  const ruleFiles = readdirSync(join(__dirname, "../../src/policy/rules"))
    .filter((file) => file.endsWith(".ts") && file !== "index.ts")
    .map((file) => file.replace(/\.ts$/, ""));

  test("holds one rule per file under src/policy/rules, named after its file", () => {
    expect(POLICY_RULES.map((rule) => rule.id).sort()).toEqual(ruleFiles.sort());
  });

  test.each(POLICY_RULES.map((rule) => [rule.id, rule]))("%s has a description, mirrors and a fix that fits the one-line format", (_, rule) => {
    expect(rule.description).not.toBe("");
    expect(rule.mirrors.length).toBeGreaterThan(0);
    expect(rule.fix).not.toMatch(/(^$|\.$)/);
  });

  test.each(POLICY_RULES.map((rule) => [rule.id, rule]))("%s has a test file", (id) => {
    expect(readdirSync(__dirname)).toContain(`${id}.test.ts`);
  });
});
