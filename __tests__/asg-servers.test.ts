import { Testing } from "cdktf";
import { readFileSync } from "fs";
import * as path from "path";
import { gunzipSync } from "zlib";
import { AutoscalingGroup, LaunchTemplate } from "../src/aws";
import { modelKey, targetGroupName } from "../src/config/derive";
import { PolicyError } from "../src/policy/check";
import { ModuleStack } from "../src/stacks/module-stack";
import { block, synthModule, Synthesized } from "./helpers/synth";
import { describeWithTerraform, planForEach } from "./helpers/terraform";
import { MODULE_PATH } from "./bootstrap/harness/render";
import { NETWORK_INPUTS } from "./helpers/network-inputs";

Testing.setupJest();

/** The grace period of a group: the input when the caller sets it, else the model's row (src/catalog/first-load.ts). */
const GRACE = "(var.asg_health_check_grace_period_seconds != null ? var.asg_health_check_grace_period_seconds : each.value.derived_grace_period)";

const EC2_SG = "${aws_security_group.llm_ec2_sg.id}";

const HF_MODEL = "hf.co/org/Model-GGUF:Q4_K_M";

// GIVEN three models, the second and third in asg mode (one by default_server_mode)
const INPUTS = {
  prefix: "acme",
  ...NETWORK_INPUTS,
  default_server_mode: "asg",
  llm_ec2_configs: [
    { llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434, server_mode: "instance" },
    { llm_model: "mistral-nemo:12b", instance_type: "g5.2xlarge", ami_id: "", ebs_volume_gb: 300, app_port: 11434, spot: true, max_size: 2 },
    { llm_model: HF_MODEL, instance_type: "g6.xlarge", ami_id: "", ebs_volume_gb: 100, app_port: 11435, warm_pool: true, min_size: 0 },
  ],
};

let stack: Synthesized;
beforeAll(() => {
  // WHEN
  stack = synthModule();
});

describe("AsgServers: launch templates", () => {
  test("IMDSv2, an encrypted gp3 root on the AMI's root device, no public IP, the servers' group and profile", () => {
    expect(stack.text).toHaveResourceWithProperties(LaunchTemplate, {
      name: "${each.value.group_name}",
      image_id: "${each.value.ami}",
      instance_type: "${each.value.instance_type}",
      iam_instance_profile: { name: "${aws_iam_instance_profile.llm_ec2_iam_profile.name}" },
      metadata_options: { http_endpoint: "enabled", http_put_response_hop_limit: 1, http_tokens: "required", instance_metadata_tags: "disabled" },
      network_interfaces: [expect.objectContaining({ associate_public_ip_address: "false", security_groups: [EC2_SG] })],
      block_device_mappings: [
        expect.objectContaining({
          device_name: expect.stringContaining(".root_device_name"),
          ebs: expect.objectContaining({ encrypted: "true", volume_type: "gp3", volume_size: "${each.value.ebs_volume_gb}" }),
        }),
      ],
    });
  });

  test("the user data is the instances' rendering of the template, gzipped; a warm-pool model's adds the model-ready part", () => {
    const template = block(stack.json, "aws_launch_template", "llm").user_data as string;
    expect(block(stack.json, "aws_instance", "llm").user_data_base64).toBe("${base64gzip(local.server_user_data[each.key])}");
    expect(template.startsWith("${base64gzip(each.value.warm_pool ? format(")).toBe(true);
    expect(template.endsWith(" : (local.server_user_data[each.key]))}")).toBe(true);
    expect(template).toContain("/var/lib/cloud/scripts/per-boot/model-ready.sh");
    // the model-ready wait is the group's grace period, the same operand as the group's
    expect(template).toContain(`timeout_seconds = ${GRACE},`);
  });

  test("a newer AMI does not roll the servers, and a root volume smaller than the AMI's snapshot stops the plan", () => {
    const lifecycle = block(stack.json, "aws_launch_template", "llm").lifecycle as { ignore_changes: string[]; postcondition: Array<{ condition: string; error_message: string }> };
    expect(lifecycle.ignore_changes).toEqual(["image_id"]);
    // Checked only for a template on the AMI looked up now: a newer, larger AMI must not stop its plans.
    expect(lifecycle.postcondition).toEqual([
      expect.objectContaining({
        condition: expect.stringMatching(/^\$\{self\.image_id != each\.value\.ami \|\| each\.value\.ebs_volume_gb >= /),
        error_message: expect.stringContaining("[root-volume-size]"),
      }),
    ]);
  });
});

describe("AsgServers: groups", () => {
  test("ELB health checks with the grace period input, else the model's derived one, registered with the model's target group, every subnet", () => {
    expect(stack.text).toHaveResourceWithProperties(AutoscalingGroup, {
      health_check_type: "ELB",
      health_check_grace_period: `\${${GRACE}}`,
      target_group_arns: ["${aws_lb_target_group.llm_http[each.key].arn}"],
      vpc_zone_identifier: "${var.subnet_ids}",
      capacity_rebalance: "${each.value.spot}",
    });
  });

  test("instance refresh launches the new server before the old one goes; applies never undo the schedules' capacity nor replace a group for its hook", () => {
    const group = block(stack.json, "aws_autoscaling_group", "llm");
    expect(group.instance_refresh).toEqual({
      strategy: "Rolling",
      preferences: { min_healthy_percentage: 100, max_healthy_percentage: 200, instance_warmup: `\${${GRACE}}` },
    });
    // initial_lifecycle_hook is ForceNew in the provider: a change of it (a warm pool turned on or off,
    // a new grace period) would replace the group; the hook resource follows the config instead.
    expect(group.lifecycle).toEqual({ ignore_changes: ["desired_capacity", "initial_lifecycle_hook"] });
  });

  test("the model-ready hook: given at creation to a warm-pool group, then a resource of its own per warm-pool group, heartbeat 30-7200 s", () => {
    const dynamic = block(stack.json, "aws_autoscaling_group", "llm").dynamic as Record<string, { for_each: string; content: Record<string, unknown> }>;
    const heartbeat = `\${max(30, min(7200, ${GRACE}))}`;
    const settings = { name: "model-ready", lifecycle_transition: "autoscaling:EC2_INSTANCE_LAUNCHING", default_result: "CONTINUE", heartbeat_timeout: heartbeat };
    expect(dynamic.initial_lifecycle_hook).toEqual({ for_each: "${each.value.warm_pool ? [each.key] : []}", content: settings });
    const hook = block(stack.json, "aws_autoscaling_lifecycle_hook", "model_ready");
    expect(hook).toEqual({
      for_each: '${{ for k, m in { for k, m in local.llm_models : k => m if m.server_mode == "asg" } : k => m if m.warm_pool }}',
      autoscaling_group_name: "${aws_autoscaling_group.llm[each.key].name}",
      ...settings,
    });
  });

  test("launch template, mixed instances policy and warm pool are dynamic blocks chosen by the row", () => {
    const dynamic = block(stack.json, "aws_autoscaling_group", "llm").dynamic as Record<string, { for_each: string }>;
    expect(dynamic.launch_template.for_each).toBe("${each.value.spot ? [] : [each.key]}");
    expect(dynamic.mixed_instances_policy.for_each).toBe("${each.value.spot ? [each.key] : []}");
    expect(dynamic.warm_pool.for_each).toBe("${each.value.warm_pool ? [each.key] : []}");
  });

  test("a second registration is refused", () => {
    const module = new ModuleStack(Testing.app());
    expect(() => module.service.groups.registerWith(module.service.alb.targetGroups)).toThrow(/already registered/);
  });
});

describe("AsgServers and the policy rules", () => {
  test("GIVEN a launch template without IMDSv2 WHEN the module synthesizes THEN the policy aspect fails it", () => {
    // GIVEN
    const module = new ModuleStack(Testing.app());
    module.service.groups.launchTemplates.addOverride("metadata_options.http_tokens", "optional");
    // WHEN / THEN
    let error: unknown;
    try {
      Testing.synth(module, true);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).findings).toEqual([expect.objectContaining({ rule: "imdsv2-required", address: "aws_launch_template.llm" })]);
  });

  test("GIVEN a group with EC2 health checks WHEN the module synthesizes THEN the policy aspect fails it", () => {
    const module = new ModuleStack(Testing.app());
    module.service.groups.groups.healthCheckType = "EC2";
    expect(() => Testing.synth(module, true)).toThrow(/\[asg-elb-health-check\] aws_autoscaling_group\.llm/);
  });
});

describeWithTerraform("AsgServers, planned by terraform", () => {
  test("one group per model in asg mode (its own server_mode, else default_server_mode), with its sizes and names", () => {
    const plan = planForEach(stack.json, {
      variables: INPUTS,
      resource: { type: "aws_autoscaling_group", name: "llm" },
      attributes: ["name", "min_size", "max_size", "desired_capacity", "capacity_rebalance", "tag.0.value"],
    });
    expect(plan).toEqual({
      mistralnemo12b: { name: "acme-mistralnemo12b", min_size: 1, max_size: 2, desired_capacity: 1, capacity_rebalance: true, "tag.0.value": "acme-mistral-nemo:12b" },
      [modelKey(HF_MODEL)]: {
        // The target group name's TypeScript twin: a key with "/" is no valid name.
        name: `acme-${targetGroupName(HF_MODEL)}`,
        min_size: 0,
        max_size: 1,
        desired_capacity: 1,
        capacity_rebalance: false,
        "tag.0.value": "acme-hf.co/org/Model-GGUF:Q4_K_M",
      },
    });
  });

  test("schedules widen a group's bounds to cover them; groups without schedules keep theirs", () => {
    const schedules = [
      { name: "night", recurrence: "0 20 * * *", time_zone: "UTC", min_size: 0, max_size: 0, desired_capacity: 0, models: ["mistral-nemo:12b"] },
      { name: "burst", recurrence: "0 9 * * 1", time_zone: "UTC", min_size: 2, max_size: 4, desired_capacity: 4, models: ["mistral-nemo:12b"] },
    ];
    const plan = planForEach(stack.json, {
      variables: { ...INPUTS, schedules },
      resource: { type: "aws_autoscaling_group", name: "llm" },
      attributes: ["min_size", "max_size", "desired_capacity"],
    });
    expect(plan).toEqual({
      mistralnemo12b: { min_size: 0, max_size: 4, desired_capacity: 1 },
      [modelKey(HF_MODEL)]: { min_size: 0, max_size: 1, desired_capacity: 1 },
    });
  });

  test("the instance model has an instance and no group", () => {
    const instances = planForEach(stack.json, { variables: INPUTS, resource: { type: "aws_instance", name: "llm" }, attributes: ["instance_type"] });
    expect(instances).toEqual({ llama38b: { instance_type: "g5g.xlarge" } });
  });
});

describeWithTerraform("AsgServers: user data as EC2 receives it, rendered from the committed module", () => {
  // GIVEN the longest model names the rules allow, one with a warm pool (the largest user data)
  // 128 characters, the most a name may have: host, namespace, model and tag each within Ollama's limits
  const longName = (suffix: string) => `${"h".repeat(40)}/${"n".repeat(40)}/${"a".repeat(43)}:${suffix}`;
  const variables = {
    azs: ["ap-southeast-1a", "ap-southeast-1b"],
    subnet_ids: ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"],
    vpc_id: "vpc-0a1b2c3d4e5f67890",
    vpc_cidr_block: "172.31.0.0/16",
    llm_ec2_configs: [
      { llm_model: longName("q4"), instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434, server_mode: "asg", warm_pool: true },
      { llm_model: longName("q8"), instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11435, server_mode: "asg" },
    ],
  };
  let userData: Record<string, Buffer>;
  beforeAll(() => {
    const json = JSON.parse(readFileSync(path.join(MODULE_PATH, "main.tf.json"), "utf8"));
    const plan = planForEach(json, {
      variables,
      resource: { type: "aws_launch_template", name: "llm" },
      attributes: ["user_data"],
      replace: { "${path.module}": MODULE_PATH },
    });
    userData = Object.fromEntries(Object.entries(plan).map(([key, row]) => [key, Buffer.from(row.user_data as string, "base64")]));
  });

  test("every launch template's user data fits EC2's 16 KB (gzip), though the warm-pool one unpacks to more", () => {
    const sizes = Object.values(userData).map((bytes) => [bytes.length, gunzipSync(bytes).length]);
    for (const [packed] of sizes) expect(packed).toBeLessThanOrEqual(16384);
    expect(Math.max(...sizes.map(([, unpacked]) => unpacked))).toBeGreaterThan(16384);
  });

  test("a warm-pool model gets the per-boot model-ready part and its bootstrap; another model the plain bootstrap", () => {
    const [warm, plain] = variables.llm_ec2_configs.map((c) => gunzipSync(userData[modelKey(c.llm_model)]).toString("utf8"));
    expect(warm.startsWith("Content-Type: multipart/mixed")).toBe(true);
    expect(warm).toContain("path: /var/lib/cloud/scripts/per-boot/model-ready.sh");
    expect(warm).toContain(`MODELS='${longName("q4")}'`);
    expect(plain.startsWith("#!/bin/bash\n")).toBe(true);
    expect(plain).toContain(`MODELS='${longName("q8")}'`);
    expect(plain).toContain("APP_PORT='11435'");
  });
});
