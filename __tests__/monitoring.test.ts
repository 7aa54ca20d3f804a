import { Testing } from "cdktf";
import { CloudwatchEventRule, CloudwatchMetricAlarm, SnsTopicSubscription } from "../src/aws";
import { GPU_MEMORY_USED_METRIC, GPU_UTILIZATION_METRIC } from "../src/constructs/fleet-dashboard";
import { GPU_GROUP_DIMENSION } from "../src/constructs/servers/server-telemetry";
import { block, synthModule, Synthesized } from "./helpers/synth";
import { describeWithTerraform, evaluate } from "./helpers/terraform";
import { NETWORK_INPUTS } from "./helpers/network-inputs";

Testing.setupJest();

// GIVEN one instance model and one in asg mode
const INPUTS = {
  prefix: "acme",
  ...NETWORK_INPUTS,
  llm_ec2_configs: [
    { llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
    { llm_model: "qwen2:7b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434, server_mode: "asg" },
  ],
};
// Stand-ins for what only AWS knows: the load balancer's and target groups' ARNs, the instance ids.
const STAND_INS = {
  "aws_lb.llm.": "local.fake_lb.",
  "aws_lb_target_group.llm_http[": "local.fake_tgs[",
  "aws_instance.llm[": "local.fake_instances[",
};
const STAND_IN_LOCALS = {
  fake_lb: '${{ arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/acme-alb/0123", arn_suffix = "app/acme-alb/0123" }}',
  fake_tgs: '${{ for k, v in local.llm_models : k => { arn_suffix = "targetgroup/${k}/abcd" } }}',
  fake_instances: '${{ for k, v in local.llm_models : k => { id = "i-${k}" } }}',
};

let stack: Synthesized;
beforeAll(() => {
  stack = synthModule();
});

describe("Monitoring", () => {
  test("every monitoring resource follows monitoring_enabled", () => {
    expect(block(stack.json, "aws_cloudwatch_dashboard", "fleet").count).toBe("${var.monitoring_enabled ? 1 : 0}");
    for (const [type, name] of [
      ["aws_cloudwatch_metric_alarm", "no_healthy_host"],
      ["aws_cloudwatch_metric_alarm", "error_rate"],
      ["aws_cloudwatch_event_rule", "pull_failed"],
    ]) {
      expect(block(stack.json, type, name).for_each).toBe("${var.monitoring_enabled ? local.llm_models : {}}");
    }
  });

  test("a topic of our own only for an e-mail without a topic ARN; the subscription for any e-mail", () => {
    expect(block(stack.json, "aws_sns_topic", "alarms").count).toBe('${var.monitoring_enabled && var.alarm_email != "" && var.alarm_topic_arn == "" ? 1 : 0}');
    // The topic's policy is its policy document, so the policy rules can read every statement's principal and condition.
    expect(block(stack.json, "aws_sns_topic_policy", "alarms")).toMatchObject({
      count: block(stack.json, "aws_sns_topic", "alarms").count,
      policy: "${data.aws_iam_policy_document.alarms[0].json}",
    });
    expect(stack.text).toHaveResourceWithProperties(SnsTopicSubscription, { protocol: "email", endpoint: "${var.alarm_email}" });
  });

  test("the no-healthy-host alarm: minutes from the input, a group counts only while it wants servers", () => {
    expect(stack.text).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      evaluation_periods: "${var.alarm_no_healthy_host_minutes}",
      datapoints_to_alarm: "${var.alarm_no_healthy_host_minutes}",
      comparison_operator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
    });
    const alarm = block(stack.json, "aws_cloudwatch_metric_alarm", "no_healthy_host");
    expect(JSON.stringify(alarm.metric_query)).toContain("GroupDesiredCapacity");
  });

  test("the failed-pull rule listens to State Manager's per-server association events of the model's association", () => {
    expect(stack.text).toHaveResourceWithProperties(CloudwatchEventRule, {
      event_pattern: expect.stringContaining('"EC2 State Manager Instance Association State Change"'),
    });
    expect(block(stack.json, "aws_cloudwatch_event_rule", "pull_failed").event_pattern).toContain("aws_ssm_association.pull_models[each.key].association_id");
  });
});

describeWithTerraform("FleetDashboard, evaluated by terraform", () => {
  function widgets(variables: Record<string, unknown>): Array<{ x: number; y: number; properties: { title: string; region: string; metrics: unknown[] } }> {
    const body = block(stack.json, "aws_cloudwatch_dashboard", "fleet").dashboard_body as string;
    const { value } = evaluate(stack.json, {
      variables,
      // The body as written (`${...}`): it holds escaped `$${` sequences, so it must not be rewrapped.
      expressions: { value: body },
      replace: STAND_INS,
      locals: STAND_IN_LOCALS,
    });
    return JSON.parse(value as string).widgets;
  }

  test("one row of four widgets per model, in order, in the load balancer's region", () => {
    const all = widgets(INPUTS);
    expect(all.map((w) => [w.x, w.y])).toEqual([[0, 0], [6, 0], [12, 0], [18, 0], [0, 6], [6, 6], [12, 6], [18, 6]]);
    expect(new Set(all.map((w) => w.properties.region))).toEqual(new Set(["eu-west-1"]));
    expect(all[0].properties.title).toBe("llama3:8b: servers");
    expect(all[4].properties.title).toBe("qwen2:7b: servers");
  });

  test("GPU series: the servers' own namespace (quoted: it has a /), the instance's by instance id, the group's roll-up by group name", () => {
    const all = widgets(INPUTS);
    const searches = (i: number) => (all[i].properties.metrics as Array<[{ expression: string }]>).map(([m]) => m.expression);
    const search = (metric: string, filter: string) => `SEARCH('{"OllamaFleet/Servers/acme"} MetricName="${metric}" ${filter}', 'Average', 60)`;
    expect([GPU_UTILIZATION_METRIC, GPU_MEMORY_USED_METRIC]).toEqual(["nvidia_smi_utilization_gpu", "nvidia_smi_memory_used"]);
    expect(searches(3)).toEqual([search(GPU_UTILIZATION_METRIC, 'InstanceId="i-llama38b"'), search(GPU_MEMORY_USED_METRIC, 'InstanceId="i-llama38b"')]);
    // a group's: the one series per group the agent rolls up, which its GPU scaling policy reads too
    expect(all[7].properties.metrics).toEqual([
      ["OllamaFleet/Servers/acme", GPU_UTILIZATION_METRIC, GPU_GROUP_DIMENSION, "acme-qwen27b", { stat: "Average", label: "GPU utilization" }],
      ["OllamaFleet/Servers/acme", GPU_MEMORY_USED_METRIC, GPU_GROUP_DIMENSION, "acme-qwen27b", { stat: "Average", label: "memory used" }],
    ]);
  });

  test("target group metrics are the model's own", () => {
    const all = widgets(INPUTS);
    expect(all[1].properties.metrics).toEqual([
      ["AWS/ApplicationELB", "RequestCount", "TargetGroup", "targetgroup/llama38b/abcd", "LoadBalancer", "app/acme-alb/0123", { stat: "Sum", label: "requests" }],
      ["AWS/ApplicationELB", "HTTPCode_Target_4XX_Count", "TargetGroup", "targetgroup/llama38b/abcd", "LoadBalancer", "app/acme-alb/0123", { stat: "Sum", label: "4xx" }],
      ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "TargetGroup", "targetgroup/llama38b/abcd", "LoadBalancer", "app/acme-alb/0123", { stat: "Sum", label: "5xx" }],
    ]);
    expect(JSON.stringify(all[6].properties.metrics)).toContain('"p99"');
  });

  test("extra widgets come after the models' rows", () => {
    const extra = { type: "text", width: 24, height: 1, properties: { markdown: "Router" } };
    const all = widgets({ ...INPUTS, dashboard_extra_widgets: [extra] });
    expect(all).toHaveLength(9);
    expect(all[8]).toEqual(extra);
  });
});
