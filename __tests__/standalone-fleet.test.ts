import { TerraformStack, Testing } from "cdktf";
import { writeFileSync } from "fs";
import * as path from "path";
import { AwsProvider } from "../src/aws";
import { DeepLearningAmis } from "../src/constructs/deep-learning-amis";
import { InternalAlb } from "../src/constructs/internal-alb";
import { ModelTable } from "../src/constructs/model-table";
import { Monitoring } from "../src/constructs/monitoring";
import { AsgServers } from "../src/constructs/servers/asg-servers";
import { InstanceServers } from "../src/constructs/servers/instance-servers";
import { LoadScaling } from "../src/constructs/servers/load-scaling";
import { ScaleToZero } from "../src/constructs/servers/scale-to-zero";
import { ModelPulls } from "../src/constructs/servers/model-pulls";
import { ScalingSchedules } from "../src/constructs/servers/scaling-schedules";
import { ServerFoundation } from "../src/constructs/servers/server-foundation";
import { MOCK_PROVIDER, SHARED_MOCKS, TerraformWorkspace } from "./helpers/terraform-workspace";

// The fleet's constructs from literal props: one instance model, one group on spot with a schedule
// that scales on requests and to zero, monitoring with an e-mail and an extra widget. No module
// variable anywhere.
const SUBNETS = ["subnet-0a0a0a0a0a0a0a0a1", "subnet-0b0b0b0b0b0b0b0b2"];

function fleetStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "fleet");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const amis = new DeepLearningAmis(stack, "amis");
  const models = new ModelTable(stack, "models", {
    configs: [
      { llm_model: "llama3.1:8b", instance_type: "g6.xlarge", ami_id: "", ebs_volume_gb: 150, app_port: 11434 },
      {
        llm_model: "phi3:mini", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 80, app_port: 11434, server_mode: "asg", spot: true,
        min_size: 0, max_size: 2, scaling: { requests_per_server_per_minute: 20, scale_to_zero_after_minutes: 15 },
      },
    ],
    subnetIds: SUBNETS,
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    prefix: "demo",
    amis,
    schedules: [{ name: "night", recurrence: "0 22 * * *", min_size: 0, max_size: 0, desired_capacity: 0 }],
  });
  const foundation = new ServerFoundation(stack, "servers", {
    prefix: "demo",
    vpcId: "vpc-0d0d0d0d0d0d0d0d0",
    ollamaVersion: "0.13.0",
    models,
    rootVolumeThroughputMibps: 500,
    rootVolumeIops: 3000,
  });
  const instances = new InstanceServers(stack, "instances", { foundation, models, prefix: "demo" });
  const groups = new AsgServers(stack, "groups", { foundation, models, prefix: "demo", subnetIds: SUBNETS, healthCheckGracePeriodSeconds: 900 });
  new ScalingSchedules(stack, "schedules", { models, servers: groups });
  const pulls = new ModelPulls(stack, "pulls", { foundation, models, servers: [instances, groups] });
  const alb = new InternalAlb(stack, "alb", {
    prefix: "demo",
    vpcId: "vpc-0d0d0d0d0d0d0d0d0",
    vpcCidrBlock: "10.20.0.0/16",
    subnetIds: SUBNETS,
    models,
    serverSecurityGroup: foundation.securityGroup,
    idleTimeoutSeconds: 900,
  });
  foundation.allowAppPortsFrom(alb.securityGroup);
  instances.registerWith(alb.targetGroups);
  groups.registerWith(alb.targetGroups);
  const scaling = { models, servers: groups, loadBalancer: alb.loadBalancer, targetGroups: alb.targetGroups, prefix: "demo" };
  new LoadScaling(stack, "load_scaling", scaling);
  new ScaleToZero(stack, "scale_to_zero", scaling);
  new Monitoring(stack, "monitoring", {
    enabled: true,
    prefix: "demo",
    models,
    loadBalancer: alb.loadBalancer,
    targetGroups: alb.targetGroups,
    instances: instances.instances,
    pulls: pulls.associations,
    alarmEmail: "ops@example.com",
    extraWidgets: [{ type: "text", width: 24, height: 1, properties: { markdown: "Router" } }],
  });
  return stack;
}

describe("the fleet's constructs on their own, from literal props", () => {
  const stack = fleetStack();
  const text = Testing.synth(stack);

  test("no module variable is referenced or declared", () => {
    expect(text).not.toMatch(/\bvar\./);
    expect(JSON.parse(text).variable).toBeUndefined();
  });

  test("terraform plans them (mock provider): an instance, a spot group and its schedule, monitoring with a topic", async () => {
    // GIVEN the synthesized stack with the module tests' mocks
    const workspace = TerraformWorkspace.create();
    try {
      const dir = workspace.copy(path.join(Testing.fullSynth(stack), "stacks", "fleet"), "stack");
      workspace.copy(SHARED_MOCKS, path.join("stack", "tests", "mocks"));
      writeFileSync(
        path.join(dir, "tests", "fleet.tftest.hcl"),
        `${MOCK_PROVIDER}
run "fleet" {
  command = plan
  assert {
    condition     = keys(aws_instance.llm) == ["llama318b"] && keys(aws_autoscaling_group.llm) == ["phi3mini"]
    error_message = "the instance model gets an instance, the asg model a group"
  }
  assert {
    condition     = aws_autoscaling_group.llm["phi3mini"].capacity_rebalance == true && aws_autoscaling_group.llm["phi3mini"].health_check_grace_period == 900
    error_message = "spot and the literal grace period"
  }
  assert {
    condition     = keys(aws_autoscaling_schedule.llm) == ["night/phi3mini"] && aws_autoscaling_group.llm["phi3mini"].min_size == 0
    error_message = "the literal schedule applies to the group only and widens its minimum"
  }
  assert {
    condition     = length(aws_sns_topic.alarms) == 1 && aws_sns_topic.alarms[0].name == "demo-alarms" && keys(aws_cloudwatch_metric_alarm.error_rate) == ["llama318b", "phi3mini"]
    error_message = "monitoring with a literal e-mail: a topic and alarms per model"
  }
  assert {
    condition     = aws_ssm_association.pull_models["phi3mini"].targets[0].key == "tag:aws:autoscaling:groupName"
    error_message = "the group's pulls follow its tag"
  }
  assert {
    condition     = keys(aws_autoscaling_policy.llm_requests) == ["phi3mini"] && aws_autoscaling_policy.llm_requests["phi3mini"].target_tracking_configuration[0].target_value == 20 && aws_autoscaling_group.llm["phi3mini"].default_instance_warmup == 900
    error_message = "the literal requests target on the group, which warms new servers for the literal grace period"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.llm_idle["phi3mini"].alarm_name == "demo-phi3mini-idle" && aws_cloudwatch_metric_alarm.llm_idle["phi3mini"].evaluation_periods == 15 && contains([for q in aws_cloudwatch_metric_alarm.llm_idle["phi3mini"].metric_query : try(q.metric[0].namespace, "")], "OllamaFleet/Router/demo")
    error_message = "the idle alarm after the literal minutes, reading the router's metrics under the literal prefix"
  }
}
`,
      );
      // WHEN
      await workspace.init("stack");
      const result = await workspace.test("stack");
      // THEN
      expect(result.stdout).toMatch(/1 passed, 0 failed/);
    } finally {
      workspace.dispose();
    }
  });
});
