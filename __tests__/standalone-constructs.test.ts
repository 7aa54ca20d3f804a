import { TerraformStack, Testing } from "cdktf";
import { writeFileSync } from "fs";
import * as path from "path";
import { AwsProvider } from "../src/aws";
import { DeepLearningAmis } from "../src/constructs/deep-learning-amis";
import { HttpApi } from "../src/constructs/http-api";
import { InstanceTypeOfferings } from "../src/constructs/instance-type-offerings";
import { InternalAlb } from "../src/constructs/internal-alb";
import { ModelTable } from "../src/constructs/model-table";
import { RouterConcurrencyQuota } from "../src/constructs/router/concurrency-quota";
import { InstanceServers } from "../src/constructs/servers/instance-servers";
import { ModelPulls } from "../src/constructs/servers/model-pulls";
import { ReleaseRollout } from "../src/constructs/servers/release-rollout";
import { ServerFoundation } from "../src/constructs/servers/server-foundation";
import { block, Synthesized } from "./helpers/synth";
import { MOCK_PROVIDER, SHARED_MOCKS, TerraformWorkspace } from "./helpers/terraform-workspace";

// Each construct takes narrow props, literal values or tokens alike: here a stack with no module
// variable at all builds the whole service from literals, and terraform plans it.
const CONFIGS = [
  { llm_model: "llama3.1:8b", instance_type: "g6.xlarge", ami_id: "", ebs_volume_gb: 150, app_port: 11434 },
  { llm_model: "phi3:mini", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 80, app_port: 11500, context_length: 8192, kv_cache_type: "q8_0" as const },
];

function standaloneStack(): { stack: TerraformStack; synthesized: Synthesized } {
  const stack = new TerraformStack(Testing.app(), "standalone");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const amis = new DeepLearningAmis(stack, "amis");
  const models = new ModelTable(stack, "models", {
    configs: CONFIGS,
    subnetIds: ["subnet-0a0a0a0a0a0a0a0a1", "subnet-0b0b0b0b0b0b0b0b2"],
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    prefix: "demo",
    amis,
  });
  new InstanceTypeOfferings(stack, "offerings", { models, availabilityZones: ["eu-west-1a", "eu-west-1b"], regionZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] });
  const foundation = new ServerFoundation(stack, "servers", {
    prefix: "demo",
    vpcId: "vpc-0d0d0d0d0d0d0d0d0",
    ollamaVersion: "0.13.0",
    models,
    rootVolumeThroughputMibps: 250,
    rootVolumeIops: 3000,
  });
  const instances = new InstanceServers(stack, "instances", { foundation, models, prefix: "demo" });
  new ModelPulls(stack, "pulls", { foundation, models, servers: instances });
  new ReleaseRollout(stack, "release", { foundation, models, target: instances.releaseTarget, prefix: "demo", maxConcurrency: "2" });
  const alb = new InternalAlb(stack, "alb", {
    prefix: "demo",
    vpcId: "vpc-0d0d0d0d0d0d0d0d0",
    vpcCidrBlock: "10.20.0.0/16",
    subnetIds: ["subnet-0a0a0a0a0a0a0a0a1", "subnet-0b0b0b0b0b0b0b0b2"],
    models,
    serverSecurityGroup: foundation.securityGroup,
    idleTimeoutSeconds: 900,
  });
  foundation.allowAppPortsFrom(alb.securityGroup);
  instances.registerWith(alb.targetGroups);
  new HttpApi(stack, "api", {
    prefix: "demo",
    vpcId: "vpc-0d0d0d0d0d0d0d0d0",
    subnetIds: ["subnet-0a0a0a0a0a0a0a0a1", "subnet-0b0b0b0b0b0b0b0b2"],
    listener: alb.listener,
    albSecurityGroup: alb.securityGroup,
    throttlingRateLimit: 5,
    throttlingBurstLimit: 10,
    logRetentionDays: 7,
  });
  new RouterConcurrencyQuota(stack, "router_quota", { enabled: true, reservedConcurrency: 20 });
  const text = Testing.synth(stack);
  return { stack, synthesized: { text, json: JSON.parse(text) } };
}

/** The stack's folder as the synthesizer writes it (main JSON and assets). */
function synthesizedFolder(stack: TerraformStack): string {
  return path.join(Testing.fullSynth(stack), "stacks", stack.node.id);
}

describe("the constructs on their own, from literal props", () => {
  let synthesized: Synthesized;
  let stack: TerraformStack;
  beforeAll(() => ({ synthesized, stack } = standaloneStack()));

  test("no module variable is referenced or declared", () => {
    expect(synthesized.text).not.toMatch(/\bvar\./);
    expect(synthesized.json.variable).toBeUndefined();
  });

  test("literal props land in the resources: names, idle timeout, throttling, retention, no optional extras", () => {
    const json = synthesized.json;
    expect(block(json, "aws_lb", "llm")).toMatchObject({ name: "demo-alb", idle_timeout: 900, enable_deletion_protection: false });
    expect(block(json, "aws_vpc_security_group_ingress_rule", "llm_alb_ingress_3").count).toBe("${0 != 0 ? 1 : 0}");
    expect(block(json, "aws_apigatewayv2_stage", "llm_auto_deploy")).toMatchObject({
      default_route_settings: { throttling_rate_limit: 5, throttling_burst_limit: 10 },
    });
    expect(block(json, "aws_cloudwatch_log_group", "llm_api_access").retention_in_days).toBe(7);
    expect(block(json, "aws_apigatewayv2_route", "endpoint")).toMatchObject({ authorization_type: "NONE" });
    expect(block(json, "aws_apigatewayv2_route", "endpoint")).not.toHaveProperty("authorizer_id");
    expect(block(json, "aws_apigatewayv2_integration", "root_delete").count).toBe("${true && false ? 1 : 0}");
    expect(json.resource?.aws_apigatewayv2_authorizer).toBeUndefined();
    expect(json.resource?.aws_apigatewayv2_domain_name).toBeUndefined();
    expect(json.locals?.api_gw_custom_domain).toBe(false);
    expect(block(json, "aws_instance", "llm").tags).toBe(
      '${merge({ System = "demo", Name = each.value.name }, each.value.engine == "ollama" ? { OllamaReleaseRollout = "demo" } : {})}',
    );
    const quota = block(json, "aws_servicequotas_service_quota", "lambda_concurrency", "data");
    expect(quota).toMatchObject({ count: "${true ? 1 : 0}", service_code: "lambda", quota_code: "L-B99A9384" });
    expect((quota.lifecycle as { postcondition: Array<{ condition: string }> }).postcondition[0].condition).toBe("${20 <= (self.value - min(100, self.value))}");
  });

  test("half a literal custom domain, or JWT without its settings, is refused when the construct is built", () => {
    const { stack: other } = standaloneStack();
    const alb = other.node.findChild("alb") as InternalAlb;
    const base = {
      prefix: "x",
      vpcId: "vpc-0d0d0d0d0d0d0d0d0",
      subnetIds: ["subnet-0a0a0a0a0a0a0a0a1"],
      listener: alb.listener,
      albSecurityGroup: alb.securityGroup,
      throttlingRateLimit: 1,
      throttlingBurstLimit: 1,
      logRetentionDays: 1,
    };
    expect(() => new HttpApi(other, "half", { ...base, customDomain: { domainName: "llm.example.com", route53ZoneId: "", certificateArn: "" } })).toThrow(
      /customDomain .*llm\.example\.com.* sets only some of domainName, route53ZoneId and certificateArn/,
    );
    expect(() => new HttpApi(other, "jwt", { ...base, authorization: "JWT" })).toThrow(/authorization "JWT" needs jwt \{ issuer, audiences \}/);
  });

  test("registering the servers twice is refused (it would claim the attachments' address twice)", () => {
    const { stack } = standaloneStack();
    const instances = stack.node.findChild("instances") as InstanceServers;
    const alb = stack.node.findChild("alb") as InternalAlb;
    expect(() => instances.registerWith(alb.targetGroups)).toThrow(/already registered/);
  });

  describe("planned by terraform (mock provider)", () => {
    let workspace: TerraformWorkspace;
    afterAll(() => workspace?.dispose());

    test("plans one server, target group, attachment and rule per literal model, with literal names", async () => {
      // GIVEN the synthesized stack in a workspace, with the module tests' mocks
      workspace = TerraformWorkspace.create();
      const dir = workspace.copy(synthesizedFolder(stack), "stack");
      workspace.copy(SHARED_MOCKS, path.join("stack", "tests", "mocks"));
      writeFileSync(
        path.join(dir, "tests", "standalone.tftest.hcl"),
        `${MOCK_PROVIDER}
# The shared mocks' zones are ap-southeast-1's; this stack is in eu-west-1.
override_data {
  target = data.aws_ec2_instance_type_offerings.offered
  values = { locations = ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }
}

run "standalone" {
  command = plan
  assert {
    condition     = toset(keys(aws_instance.llm)) == toset(["llama318b", "phi3mini"])
    error_message = "one server per literal model"
  }
  assert {
    condition     = aws_instance.llm["phi3mini"].ami == "ami-0a4a4a4a4a4a4a4a4" && aws_instance.llm["llama318b"].ami == "ami-0b8b8b8b8b8b8b8b8"
    error_message = "g5g takes the arm64 AMI, g6 the x86_64 one"
  }
  assert {
    condition     = aws_instance.llm["llama318b"].tags["Name"] == "demo-main-llama3.1:8b" && aws_instance.llm["phi3mini"].availability_zone == "eu-west-1b"
    error_message = "the literal prefix names the main server; the second model takes the second zone"
  }
  assert {
    condition     = toset(keys(aws_lb_target_group_attachment.llm_http)) == toset(["llama318b", "phi3mini"]) && aws_lb_target_group.llm_http["phi3mini"].port == 11500
    error_message = "one attachment per server, the target group on its app port"
  }
  assert {
    condition     = toset(keys(aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port)) == toset(["11434", "11500"])
    error_message = "one ingress rule per distinct app port"
  }
  assert {
    condition     = aws_ssm_association.pull_models["llama318b"].parameters.Models == "llama3.1:8b,phi3:mini"
    error_message = "the main server pulls every model"
  }
  assert {
    condition     = aws_ssm_association.pull_models["phi3mini"].parameters.AppPort == "11500" && aws_ssm_association.pull_models["phi3mini"].schedule_expression == null
    error_message = "each association passes its server's port; no schedule unless one is given"
  }
  assert {
    condition = (aws_ssm_association.pull_models["phi3mini"].parameters.ContextLength == "8192" && aws_ssm_association.pull_models["phi3mini"].parameters.KvCacheType == "q8_0" &&
    aws_ssm_association.pull_models["llama318b"].parameters.ContextLength == "default" && aws_ssm_association.pull_models["llama318b"].parameters.KeepAlive == "6h")
    error_message = "a literal model's Ollama settings reach its association; one without them gets Ollama's defaults"
  }
  assert {
    condition     = sort(keys(data.aws_ec2_instance_type_offerings.offered)) == tolist(["g5g.xlarge", "g6.xlarge"])
    error_message = "one offering look-up per literal instance type"
  }
  assert {
    condition     = aws_ssm_association.pull_models["phi3mini"].parameters.UpgradeInPlace == "false" && aws_ssm_association.release_rollout[0].parameters.UpgradeInPlace == "true"
    error_message = "a model's own association keeps the release its server runs; the release rollout upgrades"
  }
  assert {
    condition     = aws_ssm_association.release_rollout[0].max_concurrency == "2" && one(aws_ssm_association.release_rollout[0].targets).values == tolist(["demo"]) && aws_instance.llm["phi3mini"].tags["OllamaReleaseRollout"] == "demo"
    error_message = "the literal pacing reaches the rollout, which finds the instance servers by the tag they carry"
  }
  assert {
    condition     = aws_instance.llm["phi3mini"].root_block_device[0].throughput == 250
    error_message = "the literal root volume throughput reaches the servers"
  }
  assert {
    condition     = length(data.aws_servicequotas_service_quota.lambda_concurrency) == 1
    error_message = "a literal enabled reads the Lambda quota once (the mock's 1000 leaves room for 20)"
  }
  assert {
    condition     = contains(keys(aws_apigatewayv2_route.endpoint), "POST /api/chat") && !contains(keys(aws_apigatewayv2_route.endpoint), "DELETE /api/delete") && length(aws_apigatewayv2_integration.root_delete) == 0
    error_message = "the API routes the inference endpoints, and no model management by default"
  }
  assert {
    condition     = one(one(aws_lb_listener_rule.llm_http["phi3mini"].condition).http_header).values == toset(["phi3:mini"])
    error_message = "each model's rule matches the routing header"
  }
}
`,
      );
      // WHEN
      await workspace.init("stack");
      const result = await workspace.test("stack");
      // THEN
      expect(result.stdout).toMatch(/1 passed, 0 failed/);
    });
  });
});
