import { Testing } from "cdktf";
import {
  Lb,
  LbListener,
  LbListenerRule,
  LbTargetGroup,
  LbTargetGroupAttachment,
  SecurityGroup,
  VpcSecurityGroupEgressRule,
  VpcSecurityGroupIngressRule,
} from "../src/aws";
import { block, synthModule, Synthesized } from "./helpers/synth";
import { describeWithTerraform, evaluate, planForEach } from "./helpers/terraform";

Testing.setupJest();

const ALB_SG = "${aws_security_group.llm_alb_sg.id}";
const VPC_CIDR = "${var.vpc_cidr_block}";

// GIVEN three models on two ports; the second is the one a default request must not reach
const INPUTS = {
  azs: ["ap-southeast-1a", "ap-southeast-1b"],
  subnet_ids: ["subnet-aaaa", "subnet-bbbb"],
  vpc_id: "vpc-1234",
  vpc_cidr_block: "10.0.0.0/16",
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
  test("an internal application load balancer in the given subnets, behind its own SG", () => {
    expect(stack.text).toHaveResourceWithProperties(Lb, {
      name: "${var.prefix}-alb",
      load_balancer_type: "application",
      internal: true,
      enable_deletion_protection: false,
      subnets: "${var.subnet_ids}",
      security_groups: [ALB_SG],
    });
  });

  test("target groups: HTTP1 to instances, cross-zone on, lb_cookie stickiness for a day, health check", () => {
    expect(stack.text).toHaveResourceWithProperties(LbTargetGroup, {
      protocol: "HTTP",
      protocol_version: "HTTP1",
      target_type: "instance",
      vpc_id: "${var.vpc_id}",
      load_balancing_cross_zone_enabled: "true",
      stickiness: { type: "lb_cookie", enabled: true, cookie_duration: 86400 },
      health_check: {
        enabled: true,
        healthy_threshold: 5,
        unhealthy_threshold: 2,
        interval: 30,
        matcher: "200",
        path: "/",
        port: "traffic-port",
        protocol: "HTTP",
        timeout: 5,
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

  test("listener rules: forward to the model's group on redirect_model or redirect_name", () => {
    expect(stack.text).toHaveResourceWithProperties(LbListenerRule, {
      listener_arn: "${aws_lb_listener.llm_http.arn}",
      action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.llm_http[each.key].arn}" }],
      condition: [
        {
          query_string: [
            { key: "redirect_model", value: "${each.value.llm_model}" },
            { key: "redirect_name", value: "${each.value.llm_model}" },
          ],
        },
      ],
    });
  });

  test("the ALB security group and its rules", () => {
    expect(stack.text).toHaveResourceWithProperties(SecurityGroup, {
      name: "${var.prefix}-alb-sg",
      description: "Security group for llm internal ALB",
      vpc_id: "${var.vpc_id}",
    });
    const rule = { security_group_id: ALB_SG, ip_protocol: "tcp" };
    expect(stack.text).toHaveResourceWithProperties(VpcSecurityGroupEgressRule, {
      ...rule,
      from_port: 0,
      to_port: 65535,
      cidr_ipv4: "0.0.0.0/0",
      description: "Allow all tcp outbound",
    });
    expect(stack.text).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      ...rule,
      from_port: 443,
      to_port: 443,
      cidr_ipv4: VPC_CIDR,
      description: "Traffic over TLS from VPC",
    });
    expect(stack.text).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      ...rule,
      from_port: 80,
      to_port: 80,
      cidr_ipv4: VPC_CIDR,
      description: "Traffic over HTTP (llm ec2) from VPC",
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

  test("listener rules: priority by position, the model's group, its name in either query key", () => {
    const plan = planForEach(stack.json, {
      variables: INPUTS,
      resource: { type: "aws_lb_listener_rule", name: "llm_http" },
      attributes: ["priority", "action.0.target_group_arn", "condition.0.query_string.0.value", "condition.0.query_string.1.value"],
      ...FAKES,
    });
    const rule = (priority: number, key: string, model: string) => ({
      priority,
      "action.0.target_group_arn": `tg-${key}`,
      "condition.0.query_string.0.value": model,
      "condition.0.query_string.1.value": model,
    });
    expect(plan).toEqual({
      llama38b: rule(1, "llama38b", "llama3:8b"),
      mistralnemo12b: rule(2, "mistralnemo12b", "mistral-nemo:12b"),
      qwen27b: rule(3, "qwen27b", "qwen2:7b"),
    });
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
