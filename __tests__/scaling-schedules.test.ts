import { Testing } from "cdktf";
import { AutoscalingSchedule } from "../src/aws";
import { synthModule, Synthesized } from "./helpers/synth";
import { describeWithTerraform, planForEach } from "./helpers/terraform";
import { NETWORK_INPUTS } from "./helpers/network-inputs";

Testing.setupJest();

// GIVEN two models in asg mode and one instance
const INPUTS = {
  ...NETWORK_INPUTS,
  llm_ec2_configs: [
    { llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434, server_mode: "asg" },
    { llm_model: "qwen2:7b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434, server_mode: "asg" },
    { llm_model: "phi3:mini", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 100, app_port: 11434 },
  ],
};
// Stand-in group names, to see which group an action resizes.
const FAKE_GROUPS = { "aws_autoscaling_group.llm[": "local.fake_groups[" };
const FAKE_GROUP_LOCALS = { fake_groups: '${{ for k, v in local.llm_models : k => { name = "group-${k}" } }}' };

let stack: Synthesized;
beforeAll(() => {
  stack = synthModule();
});

describe("ScalingSchedules", () => {
  test("each action carries its schedule's name, cron, time zone and sizes onto its model's group", () => {
    expect(stack.text).toHaveResourceWithProperties(AutoscalingSchedule, {
      for_each: "${local.scaling_schedules}",
      scheduled_action_name: "${each.value.name}",
      autoscaling_group_name: "${aws_autoscaling_group.llm[each.value.model_key].name}",
      recurrence: "${each.value.recurrence}",
      time_zone: "${each.value.time_zone}",
      min_size: "${each.value.min_size}",
      max_size: "${each.value.max_size}",
      desired_capacity: "${each.value.desired_capacity}",
    });
  });
});

describeWithTerraform("ScalingSchedules, planned by terraform", () => {
  const plan = (schedules: unknown[]) =>
    planForEach(stack.json, {
      variables: { ...INPUTS, schedules },
      resource: { type: "aws_autoscaling_schedule", name: "llm" },
      attributes: ["scheduled_action_name", "autoscaling_group_name", "recurrence", "time_zone", "desired_capacity"],
      replace: FAKE_GROUPS,
      locals: FAKE_GROUP_LOCALS,
    });

  test("a schedule without models applies to every model in asg mode, never to an instance", () => {
    // WHEN
    const actions = plan([{ name: "night", recurrence: "0 20 * * 1-5", min_size: 0, max_size: 0, desired_capacity: 0 }]);
    // THEN
    expect(actions).toEqual({
      "night/llama38b": { scheduled_action_name: "night", autoscaling_group_name: "group-llama38b", recurrence: "0 20 * * 1-5", time_zone: "UTC", desired_capacity: 0 },
      "night/qwen27b": { scheduled_action_name: "night", autoscaling_group_name: "group-qwen27b", recurrence: "0 20 * * 1-5", time_zone: "UTC", desired_capacity: 0 },
    });
  });

  test("a schedule with models applies to those only", () => {
    const actions = plan([
      { name: "morning", recurrence: "0 7 * * 1-5", time_zone: "Asia/Singapore", min_size: 1, max_size: 2, desired_capacity: 2, models: ["qwen2:7b"] },
    ]);
    expect(Object.keys(actions)).toEqual(["morning/qwen27b"]);
    expect(actions["morning/qwen27b"]).toMatchObject({ time_zone: "Asia/Singapore", desired_capacity: 2, autoscaling_group_name: "group-qwen27b" });
  });

  test("no schedule, no action", () => {
    expect(plan([])).toEqual({});
  });
});
