// Scaling on load and to zero planned by the real AWS provider (5.100.0), offline: the module as a
// caller calls it, AWS answered by the local stand-in. The provider's own schema and validation see
// every policy, alarm and metric query per model; the policies and alarms ask AWS nothing at plan.
// (The router's environment and role name the ALB and the groups' ARNs, known only at apply: the
// mock-provider suite, scaling.tftest.hcl, holds them.)
import * as path from "path";
import { MODULE_DIR } from "../src/module/module-files";
import { ModulePlan, planModules } from "./helpers/offline-plan";
import { readmeExampleInputs } from "./helpers/readme-example";
import { TerraformWorkspace } from "./helpers/terraform-workspace";

const OURS = path.resolve(__dirname, "..", MODULE_DIR);
const EXAMPLE = readmeExampleInputs();
const [LLAMA, QWEN] = EXAMPLE.llm_ec2_configs;
/** The README example with the router, its two models in Auto Scaling groups without scaling. */
const BASE = {
  ...EXAMPLE,
  api_gw_acknowledge_no_authorization: true,
  router_enabled: true,
  llm_ec2_configs: [
    { ...LLAMA, server_mode: "asg", min_size: 1, max_size: 3, desired_capacity: 1 },
    { ...QWEN, server_mode: "asg", min_size: 0, max_size: 2, desired_capacity: 0 },
  ],
};
/** The same, the first model scaling on requests and GPU, the second on requests in flight and to zero. */
const SCALING = {
  ...BASE,
  router_wake_wait_seconds: 300,
  llm_ec2_configs: [
    { ...BASE.llm_ec2_configs[0], scaling: { requests_per_server_per_minute: 30, gpu_utilization_percent: 70 } },
    { ...BASE.llm_ec2_configs[1], scaling: { concurrent_requests_per_server: 2, scale_to_zero_after_minutes: 30 } },
  ],
};
const [LLAMA_KEY, QWEN_KEY] = ["llama38b", "qwen27b"];

let scaling: ModulePlan;
let base: ModulePlan;
let workspace: TerraformWorkspace;

beforeAll(async () => {
  // GIVEN two Auto Scaling models behind the router, WHEN planned with scaling and without
  workspace = TerraformWorkspace.create();
  [scaling, base] = await planModules(workspace, [
    { source: OURS, inputs: SCALING },
    { source: OURS, inputs: BASE },
  ]);
}, 300_000);

afterAll(() => workspace?.dispose());

type Metric = { id: string; return_data: boolean; expression: string; metric_stat: Array<{ stat: string; metric: Array<{ namespace: string; metric_name: string; dimensions: Array<{ name: string; value: string }> }> }> };
const instancesOf = (plan: ModulePlan, resource: string) => [...plan.instances.values()].filter((x) => x.resource === resource);
const after = (plan: ModulePlan, address: string) => {
  const planned = plan.instances.get(address);
  if (planned === undefined) throw new Error(`${address} is not in the plan`);
  return planned.after as Record<string, any>;
};
/** A policy's metric queries by id: [what it reads, its statistic] or its expression, and which one it returns. */
function metricsOf(address: string): Record<string, unknown> {
  const metrics = after(scaling, address).target_tracking_configuration[0].customized_metric_specification[0].metrics as Metric[];
  return Object.fromEntries(
    metrics.map((m) => [
      m.id,
      {
        returns: m.return_data,
        reads: m.metric_stat.map((s) => [s.metric[0].namespace, s.metric[0].metric_name, Object.fromEntries(s.metric[0].dimensions.map((d) => [d.name, d.value])), s.stat])[0] ?? m.expression,
      },
    ]),
  );
}

describe("scaling, planned by the real provider", () => {
  test("both are real plans, and scaling asks AWS nothing more than the same fleet without it", () => {
    const actions = (plan: ModulePlan) => plan.requests.map((r) => r.action).sort();
    for (const plan of [scaling, base]) expect(plan.requests.filter((r) => r.proxy || r.status !== 200)).toEqual([]);
    expect(actions(scaling)).toEqual(actions(base));
  });

  test("one target tracking policy per target a model sets, each created on that model's group only", () => {
    const policies = [...scaling.instances.values()].filter((x) => x.resource.startsWith("aws_autoscaling_policy."));
    expect(Object.fromEntries(policies.map((p) => [`${p.resource}${p.key}`, [p.actions, p.after.name, p.after.autoscaling_group_name, p.after.policy_type]]))).toEqual({
      [`aws_autoscaling_policy.llm_requests["${LLAMA_KEY}"]`]: [["create"], "llm-llama38b-requests", "llm-llama38b", "TargetTrackingScaling"],
      [`aws_autoscaling_policy.llm_gpu["${LLAMA_KEY}"]`]: [["create"], "llm-llama38b-gpu", "llm-llama38b", "TargetTrackingScaling"],
      [`aws_autoscaling_policy.llm_in_flight["${QWEN_KEY}"]`]: [["create"], "llm-qwen27b-in-flight", "llm-qwen27b", "TargetTrackingScaling"],
      [`aws_autoscaling_policy.llm_scale_to_zero["${QWEN_KEY}"]`]: [["create"], "llm-qwen27b-scale-to-zero", "llm-qwen27b", "SimpleScaling"],
    });
    expect(after(scaling, `aws_autoscaling_policy.llm_requests["${LLAMA_KEY}"]`).target_tracking_configuration[0].target_value).toBe(30);
    expect(after(scaling, `aws_autoscaling_policy.llm_gpu["${LLAMA_KEY}"]`).target_tracking_configuration[0].target_value).toBe(70);
    expect(after(scaling, `aws_autoscaling_policy.llm_in_flight["${QWEN_KEY}"]`).target_tracking_configuration[0].target_value).toBe(2);
    expect(after(scaling, `aws_autoscaling_policy.llm_scale_to_zero["${QWEN_KEY}"]`)).toMatchObject({ adjustment_type: "ExactCapacity", scaling_adjustment: 0, cooldown: 300 });
  });

  test("the GPU policy reads the series the servers' agent rolls up per group, the in-flight policy the router's busy time, both floored", () => {
    expect(metricsOf(`aws_autoscaling_policy.llm_gpu["${LLAMA_KEY}"]`)).toEqual({
      gpu: { returns: false, reads: ["OllamaFleet/Servers/llm", "nvidia_smi_utilization_gpu", { AutoScalingGroupName: "llm-llama38b" }, "Average"] },
      utilization: { returns: true, reads: "IF(FILL(gpu, 0) < 0.0001, 0.0001, FILL(gpu, 0))" },
    });
    const inFlight = metricsOf(`aws_autoscaling_policy.llm_in_flight["${QWEN_KEY}"]`);
    expect(inFlight.busy).toEqual({ returns: false, reads: ["OllamaFleet/Router/llm", "BusySeconds", { Model: "qwen2:7b" }, "Sum"] });
    expect(inFlight.servers).toEqual({ returns: false, reads: ["AWS/AutoScaling", "GroupInServiceInstances", { AutoScalingGroupName: "llm-qwen27b" }, "Average"] });
    expect(inFlight.per_server).toEqual({ returns: true, reads: expect.stringMatching(/^IF\(.* < 0\.0001, 0\.0001, .*\)$/) });
  });

  test("the idle alarm of the model that scales to zero: its minutes in a row, its four metrics, missing data as use", () => {
    expect(instancesOf(scaling, "aws_cloudwatch_metric_alarm.llm_idle").map((x) => [x.key, x.actions])).toEqual([[`["${QWEN_KEY}"]`, ["create"]]]);
    const alarm = after(scaling, `aws_cloudwatch_metric_alarm.llm_idle["${QWEN_KEY}"]`);
    expect(alarm).toMatchObject({ alarm_name: "llm-qwen27b-idle", evaluation_periods: 30, datapoints_to_alarm: 30, threshold: 1, treat_missing_data: "notBreaching" });
    const queries = alarm.metric_query as Array<{ id: string; return_data: boolean; metric: Array<{ namespace: string; metric_name: string }> }>;
    expect(queries.map((q) => [q.id, q.return_data, q.metric.map((m) => `${m.namespace} ${m.metric_name}`)]).sort()).toEqual([
      ["desired", false, ["AWS/AutoScaling GroupDesiredCapacity"]],
      ["idle", true, []],
      ["lists", false, ["OllamaFleet/Router/llm ListRequests"]],
      ["routed", false, ["OllamaFleet/Router/llm Requests"]],
      ["served", false, ["AWS/ApplicationELB RequestCount"]],
    ]);
  });

  test("the groups that scale warm new servers for the grace period", () => {
    for (const key of [LLAMA_KEY, QWEN_KEY]) {
      expect(after(scaling, `aws_autoscaling_group.llm["${key}"]`).default_instance_warmup).toBe(1800);
      expect(after(base, `aws_autoscaling_group.llm["${key}"]`).default_instance_warmup).toBeNull();
    }
  });

  test("without scaling none of it is planned, and everything else is planned alike", () => {
    const added = [...scaling.instances.keys()].filter((address) => !base.instances.has(address)).sort();
    expect(added).toEqual([
      `aws_autoscaling_policy.llm_gpu["${LLAMA_KEY}"]`,
      `aws_autoscaling_policy.llm_in_flight["${QWEN_KEY}"]`,
      `aws_autoscaling_policy.llm_requests["${LLAMA_KEY}"]`,
      `aws_autoscaling_policy.llm_scale_to_zero["${QWEN_KEY}"]`,
      `aws_cloudwatch_metric_alarm.llm_idle["${QWEN_KEY}"]`,
    ]);
    expect([...base.instances.keys()].filter((address) => !scaling.instances.has(address))).toEqual([]);
    // the servers themselves: same launch templates, same groups but for the warm-up
    for (const key of [LLAMA_KEY, QWEN_KEY]) {
      expect(after(scaling, `aws_launch_template.llm["${key}"]`)).toEqual(after(base, `aws_launch_template.llm["${key}"]`));
      expect({ ...after(scaling, `aws_autoscaling_group.llm["${key}"]`), default_instance_warmup: null }).toEqual(after(base, `aws_autoscaling_group.llm["${key}"]`));
    }
  });
});
