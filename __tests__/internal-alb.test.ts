import { Testing } from "cdktf";
import {
  Lb,
  LbListener,
  LbListenerRule,
  LbTargetGroup,
  LbTargetGroupAttachment,
  SecurityGroup,
  VpcSecurityGroupIngressRule,
} from "../src/aws";
import { derivedListenerPriority, ELB_NAME_PATTERN, modelKey, prefixedTargetGroupName } from "../src/config/derive";
import { ROUTING_HEADER } from "../src/router/endpoints";
import { block, synthModule, Synthesized } from "./helpers/synth";
import { describeWithTerraform, evaluate, planForEach } from "./helpers/terraform";
import { NETWORK_INPUTS } from "./helpers/network-inputs";

Testing.setupJest();

const ALB_SG = "${aws_security_group.llm_alb_sg.id}";
const EC2_SG = "${aws_security_group.llm_ec2_sg.id}";
const VPC_CIDR = "${var.vpc_cidr_block}";

// GIVEN three models on two ports; the second is the one a default request must not reach
const INPUTS = {
  ...NETWORK_INPUTS,
  llm_ec2_configs: [
    { llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
    { llm_model: "mistral-nemo:12b", instance_type: "g5.2xlarge", ami_id: "", ebs_volume_gb: 300, app_port: 11434 },
    { llm_model: "qwen2:7b", instance_type: "g4dn.xlarge", ami_id: "", ebs_volume_gb: 100, app_port: 11435 },
  ],
};
// Stand-ins for other resources' attributes: `tg-<key>` / `i-<key>`, to see what points where.
const FAKES = {
  replace: { "aws_lb_target_group.llm_http[": "local.fake_tgs[", "aws_instance.llm[": "local.fake_instances[" },
  locals: {
    fake_tgs: '${{ for k, v in local.llm_models : k => { arn = "tg-${k}" } }}',
    fake_instances: '${{ for k, v in local.llm_models : k => { id = "i-${k}" } }}',
  },
};

let stack: Synthesized;
beforeAll(() => {
  // WHEN
  stack = synthModule();
});

describe("InternalAlb", () => {
  test("an internal application load balancer in the given subnets, behind its own SG, dropping invalid headers", () => {
    expect(stack.text).toHaveResourceWithProperties(Lb, {
      name: "${var.prefix}-alb",
      load_balancer_type: "application",
      internal: true,
      enable_deletion_protection: "${var.alb_deletion_protection}",
      drop_invalid_header_fields: true,
      idle_timeout: "${var.alb_idle_timeout_seconds}",
      subnets: "${var.subnet_ids}",
      security_groups: [ALB_SG],
    });
  });

  test("access logs: a dynamic block, one when a bucket is named, none otherwise", () => {
    expect(block(stack.json, "aws_lb", "llm").dynamic).toEqual({
      access_logs: {
        for_each: '${var.alb_access_logs_bucket == "" ? [] : [var.alb_access_logs_bucket]}',
        content: { bucket: "${access_logs.value}", prefix: "${var.alb_access_logs_prefix}", enabled: true },
      },
    });
  });

  test("target groups: HTTP1 to instances, cross-zone on, lb_cookie stickiness for a day, model-ready health check", () => {
    expect(stack.text).toHaveResourceWithProperties(LbTargetGroup, {
      protocol: "HTTP",
      protocol_version: "HTTP1",
      target_type: "instance",
      vpc_id: "${var.vpc_id}",
      load_balancing_cross_zone_enabled: "true",
      stickiness: { type: "lb_cookie", enabled: true, cookie_duration: 86400 },
      health_check: {
        enabled: true,
        healthy_threshold: 2,
        unhealthy_threshold: 3,
        interval: 30,
        matcher: "200",
        path: "${each.value.health_check_path}",
        port: "traffic-port",
        protocol: "HTTP",
        timeout: 10,
      },
    });
  });

  test("target group attachments use the same key for group and instance", () => {
    expect(stack.text).toHaveResourceWithProperties(LbTargetGroupAttachment, {
      target_group_arn: "${aws_lb_target_group.llm_http[each.key].arn}",
      target_id: "${aws_instance.llm[each.key].id}",
    });
  });

  test("listener: port 80 HTTP, default forward to the main model's group", () => {
    expect(stack.text).toHaveResourceWithProperties(LbListener, {
      load_balancer_arn: "${aws_lb.llm.arn}",
      port: 80,
      protocol: "HTTP",
      default_action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.llm_http[local.main_model_key].arn}" }],
    });
  });

  test("listener rules: forward to the model's group on one condition, the routing header the doors set", () => {
    expect(stack.text).toHaveResourceWithProperties(LbListenerRule, {
      listener_arn: "${aws_lb_listener.llm_http.arn}",
      action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.llm_http[each.key].arn}" }],
      condition: [
        {
          http_header: {
            http_header_name: ROUTING_HEADER,
            values: "${each.value.alternate_llm_model == null ? [each.value.served_name] : [each.value.served_name, each.value.alternate_llm_model]}",
          },
        },
      ],
    });
    expect(JSON.stringify(block(stack.json, "aws_lb_listener_rule", "llm_http"))).not.toMatch(/query_string|redirect_/);
  });

  test("the ALB security group and its rules", () => {
    expect(stack.text).toHaveResourceWithProperties(SecurityGroup, {
      name: "${var.prefix}-alb-sg",
      description: "Security group for llm internal ALB",
      vpc_id: "${var.vpc_id}",
    });
    expect(stack.text).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      security_group_id: ALB_SG,
      ip_protocol: "tcp",
      from_port: 80,
      to_port: 80,
      cidr_ipv4: VPC_CIDR,
      description: "Traffic over HTTP (llm ec2) from VPC",
    });
    // No 443 ingress (no HTTPS listener) and no egress but to the servers; the streaming router's
    // security group on 80 (only with router_enabled).
    expect(rulesOf("aws_vpc_security_group_ingress_rule", ALB_SG)).toEqual(["llm_alb_ingress_2", "llm_alb_ingress_3", "llm_alb_ingress_router"]);
    expect(rulesOf("aws_vpc_security_group_egress_rule", ALB_SG)).toEqual(["llm_alb_egress_app_port"]);
  });

  test("no egress rule of the ALB's security group has a CIDR: it reaches the servers' group only", () => {
    const egress = Object.values(stack.json.resource?.aws_vpc_security_group_egress_rule ?? {}).filter((r) => r.security_group_id === ALB_SG);
    expect(egress.length).toBeGreaterThan(0);
    for (const rule of egress) {
      expect(rule).not.toHaveProperty("cidr_ipv4");
      expect(rule.referenced_security_group_id).toBe(EC2_SG);
    }
  });

  test("segmentation: ALB -> servers on each distinct app port, both directions by security group", () => {
    expect(block(stack.json, "aws_vpc_security_group_egress_rule", "llm_alb_egress_app_port")).toEqual({
      for_each: "${toset(local.app_ports)}",
      security_group_id: ALB_SG,
      ip_protocol: "tcp",
      from_port: "${tonumber(each.key)}",
      to_port: "${tonumber(each.key)}",
      referenced_security_group_id: EC2_SG,
      description: "Traffic to the model servers' Application (ollama) Port",
    });
    expect(block(stack.json, "aws_vpc_security_group_ingress_rule", "llm_ec2_ingress_app_port")).toEqual({
      for_each: "${toset(local.app_ports)}",
      security_group_id: EC2_SG,
      ip_protocol: "tcp",
      from_port: "${tonumber(each.key)}",
      to_port: "${tonumber(each.key)}",
      referenced_security_group_id: ALB_SG,
      description: "Traffic over Application (ollama) Port from the internal ALB",
      lifecycle: { create_before_destroy: true },
    });
  });

  test("Open WebUI ingress exists only when open_webui_port is set (the original's inverted condition, fixed)", () => {
    expect(block(stack.json, "aws_vpc_security_group_ingress_rule", "llm_alb_ingress_3")).toMatchObject({
      count: "${var.open_webui_port != 0 ? 1 : 0}",
      security_group_id: ALB_SG,
      ip_protocol: "tcp",
      from_port: "${var.open_webui_port}",
      to_port: "${var.open_webui_port}",
      cidr_ipv4: VPC_CIDR,
      description: "Traffic over port (for open webui) from VPC",
    });
  });
});

describeWithTerraform("InternalAlb, planned by terraform", () => {
  test("one target group per model: named by the key, on the model's port", () => {
    const plan = planForEach(stack.json, {
      variables: INPUTS,
      resource: { type: "aws_lb_target_group", name: "llm_http" },
      attributes: ["name", "port"],
    });
    expect(plan).toEqual({
      llama38b: { name: "llama38b", port: 11434 },
      mistralnemo12b: { name: "mistralnemo12b", port: 11434 },
      qwen27b: { name: "qwen27b", port: 11435 },
    });
  });

  test('target_group_names = "prefixed": the TypeScript twin\'s names, 32 characters at most, unique per prefix, new for a new port', () => {
    // GIVEN a long prefix and a long, namespaced model among the three
    const configs = [...INPUTS.llm_ec2_configs, { ...INPUTS.llm_ec2_configs[0], llm_model: "hf.co/bartowski/Meta-Llama-3.1-8B-Instruct-GGUF:Q4_K_M" }];
    const names = (prefix: string, entries: typeof configs) =>
      planForEach(stack.json, {
        variables: { ...INPUTS, prefix, target_group_names: "prefixed", llm_ec2_configs: entries },
        resource: { type: "aws_lb_target_group", name: "llm_http" },
        attributes: ["name"],
      }) as Record<string, { name: string }>;
    // WHEN terraform plans them under two prefixes, and with one port changed
    const acme = names("acme-production-inference-x", configs);
    const other = names("llm", configs);
    const moved = names("llm", configs.map((c, i) => (i === 2 ? { ...c, app_port: 11499 } : c)));
    // THEN
    expect(Object.fromEntries(Object.entries(acme).map(([k, v]) => [k, v.name]))).toEqual(
      Object.fromEntries(configs.map((c) => [modelKey(c.llm_model), prefixedTargetGroupName("acme-production-inference-x", c.llm_model, c.app_port)])),
    );
    for (const { name } of [...Object.values(acme), ...Object.values(other)]) expect(name).toMatch(new RegExp(ELB_NAME_PATTERN));
    expect(acme.llama38b.name).toMatch(/^acme-production-inferen-[0-9a-f]{8}$/);
    expect(other.llama38b.name).toMatch(/^llm-llama38b-[0-9a-f]{8}$/);
    expect(new Set([...Object.values(acme), ...Object.values(other)].map((v) => v.name)).size).toBe(8);
    expect(moved.qwen27b.name).not.toBe(other.qwen27b.name);
    expect(moved.llama38b.name).toBe(other.llama38b.name);
  });

  test("target groups drain a leaving server for deregistration_delay_seconds (900 s unless set), and are created before the old one goes", () => {
    const group = block(stack.json, "aws_lb_target_group", "llm_http");
    // and whose port never replaces them (instances are registered with their own; a group's servers
    // register on a group whose name carries the port)
    expect(group.lifecycle).toEqual({ create_before_destroy: true, ignore_changes: ["port"] });
    const delay = (inputs: Record<string, unknown>) =>
      evaluate(stack.json, { variables: { ...INPUTS, ...inputs }, expressions: { d: group.deregistration_delay as string } }).d;
    expect(delay({})).toBe(900);
    expect(delay({ deregistration_delay_seconds: 60 })).toBe(60);
  });

  test("health checks ask for the model itself, or for Ollama's root when the name has a /", () => {
    const plan = planForEach(stack.json, {
      variables: {
        ...INPUTS,
        llm_ec2_configs: [
          ...INPUTS.llm_ec2_configs,
          { llm_model: "hf.co/org/x", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 100, app_port: 11434 },
        ],
      },
      resource: { type: "aws_lb_target_group", name: "llm_http" },
      attributes: ["health_check.path"],
    });
    expect(plan).toEqual({
      llama38b: { "health_check.path": "/v1/models/llama3:8b" },
      mistralnemo12b: { "health_check.path": "/v1/models/mistral-nemo:12b" },
      qwen27b: { "health_check.path": "/v1/models/qwen2:7b" },
      "hfco/org/x": { "health_check.path": "/" },
    });
  });

  test("one ALB egress rule per distinct app port, keyed by the port", () => {
    const plan = planForEach(stack.json, {
      variables: INPUTS,
      resource: { type: "aws_vpc_security_group_egress_rule", name: "llm_alb_egress_app_port" },
      attributes: ["from_port", "to_port"],
    });
    expect(plan).toEqual({
      "11434": { from_port: 11434, to_port: 11434 },
      "11435": { from_port: 11435, to_port: 11435 },
    });
  });

  test.each([
    ["defaults: 600 s idle timeout, no deletion protection, no access logs", {}, { idle: 600, protection: false, logs: [] }],
    [
      "1200 s idle timeout, deletion protection, access logs to a bucket",
      { alb_idle_timeout_seconds: 1200, alb_deletion_protection: true, alb_access_logs_bucket: "acme-alb-logs" },
      { idle: 1200, protection: true, logs: ["acme-alb-logs"] },
    ],
  ])("ALB settings, %s", (_case, inputs, expected) => {
    const alb = block(stack.json, "aws_lb", "llm");
    const values = evaluate(stack.json, {
      variables: { ...INPUTS, ...inputs },
      expressions: {
        idle: alb.idle_timeout as string,
        protection: alb.enable_deletion_protection as string,
        logs: (alb.dynamic as { access_logs: { for_each: string } }).access_logs.for_each,
      },
    });
    expect(values).toEqual(expected);
  });

  test("each attachment puts the model's instance in the model's group on the model's port", () => {
    const plan = planForEach(stack.json, {
      variables: INPUTS,
      resource: { type: "aws_lb_target_group_attachment", name: "llm_http" },
      attributes: ["target_group_arn", "target_id", "port"],
      ...FAKES,
    });
    expect(plan).toEqual({
      llama38b: { target_group_arn: "tg-llama38b", target_id: "i-llama38b", port: 11434 },
      mistralnemo12b: { target_group_arn: "tg-mistralnemo12b", target_id: "i-mistralnemo12b", port: 11434 },
      qwen27b: { target_group_arn: "tg-qwen27b", target_id: "i-qwen27b", port: 11435 },
    });
  });

  test("the listener's default action goes to the first model's group", () => {
    const listener = block(stack.json, "aws_lb_listener", "llm_http");
    const [action] = listener.default_action as Array<{ target_group_arn: string }>;
    const { target } = evaluate(stack.json, { variables: INPUTS, expressions: { target: action.target_group_arn }, ...FAKES });
    expect(target).toBe("tg-llama38b");
  });

  test("listener rules: priority derived from the model's key, the model's group, its name in the routing header", () => {
    const plan = planForEach(stack.json, {
      variables: INPUTS,
      resource: { type: "aws_lb_listener_rule", name: "llm_http" },
      attributes: ["priority", "action.0.target_group_arn", "condition.0.http_header.http_header_name", "condition.0.http_header.values"],
      ...FAKES,
    });
    const rule = (key: string, model: string) => ({
      priority: derivedListenerPriority(model),
      "action.0.target_group_arn": `tg-${key}`,
      "condition.0.http_header.http_header_name": "x-ollama-fleet-model",
      "condition.0.http_header.values": [model],
    });
    expect(plan).toEqual({
      llama38b: rule("llama38b", "llama3:8b"),
      mistralnemo12b: rule("mistralnemo12b", "mistral-nemo:12b"),
      qwen27b: rule("qwen27b", "qwen2:7b"),
    });
  });

  test("listener rules: a model named without a tag, or with :latest, matches both spellings as two values of its one condition", () => {
    // GIVEN one model per case: no tag, :latest, another tag, a namespaced name without a tag, a name too long for :latest
    const long = `${"n".repeat(44)}/${"m".repeat(80)}`; // namespace and model parts at most 80 each
    const configs = ["llama3", "qwen2:latest", "mistral-nemo:12b", "hf.co/org/Model-GGUF", long].map((llm_model, i) => ({
      ...INPUTS.llm_ec2_configs[0],
      llm_model,
      app_port: 11434 + i,
    }));
    // WHEN terraform plans the rules' conditions
    const plan = planForEach(stack.json, {
      variables: { ...INPUTS, llm_ec2_configs: configs },
      resource: { type: "aws_lb_listener_rule", name: "llm_http" },
      attributes: ["condition.0.http_header.values"],
      ...FAKES,
    });
    const values = (key: string) => plan[key]["condition.0.http_header.values"];
    // THEN the other spelling is a second value, never an empty key that any query parameter could fill
    expect(values("llama3")).toEqual(["llama3", "llama3:latest"]);
    expect(values("qwen2latest")).toEqual(["qwen2:latest", "qwen2"]);
    expect(values("mistralnemo12b")).toEqual(["mistral-nemo:12b"]);
    expect(values("hfco/org/ModelGGUF")).toEqual(["hf.co/org/Model-GGUF", "hf.co/org/Model-GGUF:latest"]);
    // an ALB condition value holds 128 characters: a 125-character name keeps its one spelling
    expect(values(long)).toEqual([long]);
  });

  test.each([
    [0, 0],
    [8080, 1],
  ])("open_webui_port %i -> %i Open WebUI ingress rule(s)", (port, count) => {
    const rule = block(stack.json, "aws_vpc_security_group_ingress_rule", "llm_alb_ingress_3");
    const values = evaluate(stack.json, {
      variables: { ...INPUTS, open_webui_port: port },
      expressions: { count: rule.count as string },
    });
    expect(values.count).toBe(count);
  });
});

/** Names of the `type` rules (ingress or egress) of security group `group`, sorted. */
function rulesOf(type: string, group: string): string[] {
  return Object.entries(stack.json.resource?.[type] ?? {})
    .filter(([, body]) => body.security_group_id === group)
    .map(([name]) => name)
    .sort();
}
