import { App, TerraformStack, Testing } from "cdktf";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { AwsProvider, SecurityGroup } from "../src/aws";
import { findProblems, MAX_PREFIX_LENGTH, MAX_ROUTER_MODELS_LENGTH } from "../src/config/rules";
import { LAMBDA_ENVIRONMENT_LIMIT_BYTES, MAX_ALB_URL_LENGTH, maxWakeEntryBytes, routerKeysParameterName, wakeVariablesBytes } from "../src/config/router-environment";
import { MAX_WAKE_WAIT_SECONDS } from "../src/config/rules/scaling";
import { VARIABLES } from "../src/config/variables";
import { DeepLearningAmis } from "../src/constructs/deep-learning-amis";
import { InternalAlb } from "../src/constructs/internal-alb";
import { ModelTable } from "../src/constructs/model-table";
import { ROUTER_METRIC_DIMENSION, ROUTER_METRICS } from "../src/constructs/router/router-widgets";
import { PUBLIC_INVOKE_REASON, PUBLIC_URL_REASON, StreamingRouter, StreamingRouterProps } from "../src/constructs/router/streaming-router";
import { checkPolicies } from "../src/policy/check";
import { TerraformJson as PolicyJson } from "../src/policy/types";
import { suppressionsOf } from "../src/policy/suppressions";
import { DEFAULT_PARAMETER } from "../src/router/keys-cli";
import { logLine } from "../src/router/log";
import { inputsOf, ServiceStack } from "../src/stacks/service-stack";
import { ModuleStack } from "../src/stacks/module-stack";
import { parseServiceConfig } from "../src/config/load";
import { block, synthModule, TerraformJson, unwrap } from "./helpers/synth";
import { describeWithTerraform, evaluate } from "./helpers/terraform";
import { readmeExampleInputs } from "./helpers/readme-example";
import { MOCK_PROVIDER, SHARED_MOCKS, TerraformWorkspace } from "./helpers/terraform-workspace";

const VPC = "vpc-0d0d0d0d0d0d0d0d0";
const SUBNETS = ["subnet-0a0a0a0a0a0a0a0a1", "subnet-0b0b0b0b0b0b0b0b2"];
const CONFIGS = [
  { llm_model: "llama3.1:8b", instance_type: "g6.xlarge", ami_id: "", ebs_volume_gb: 150, app_port: 11434 },
  { llm_model: "phi3:mini", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 80, app_port: 11500 },
];

/** A stack with no module variable: the model table, the ALB and the router, from literal props alone. */
function routerStack(props: Partial<StreamingRouterProps> = {}, app = Testing.app()): { stack: TerraformStack; router: StreamingRouter } {
  const stack = new TerraformStack(app, "router");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const amis = new DeepLearningAmis(stack, "amis");
  const models = new ModelTable(stack, "models", { configs: CONFIGS, subnetIds: SUBNETS, availabilityZones: ["eu-west-1a", "eu-west-1b"], prefix: "demo", amis });
  const servers = new SecurityGroup(stack, "servers", { name: "demo-ec2-sg", description: "model servers", vpcId: VPC });
  servers.overrideLogicalId("llm_ec2_sg");
  const alb = new InternalAlb(stack, "alb", {
    prefix: "demo",
    vpcId: VPC,
    vpcCidrBlock: "10.20.0.0/16",
    subnetIds: SUBNETS,
    models,
    serverSecurityGroup: servers,
    idleTimeoutSeconds: 600,
  });
  const router = new StreamingRouter(stack, "router", {
    prefix: "demo",
    vpcId: VPC,
    subnetIds: SUBNETS,
    loadBalancer: alb.loadBalancer,
    albSecurityGroup: alb.securityGroup,
    models,
    ...props,
  });
  return { stack, router };
}

const synthJson = (stack: TerraformStack): TerraformJson => JSON.parse(Testing.synth(stack));

describe("StreamingRouter from literal props", () => {
  test("GIVEN literal props WHEN synthesized THEN no module variable is referenced and the literals land in the function", () => {
    // GIVEN
    const { stack } = routerStack({ timeoutSeconds: 120, memoryMb: 512, reservedConcurrency: 3, logRetentionDays: 7 });
    // WHEN
    const json = synthJson(stack);
    // THEN
    expect(JSON.stringify(json)).not.toMatch(/\bvar\./);
    expect(json.variable).toBeUndefined();
    expect(block(json, "aws_lambda_function", "router")).toMatchObject({
      timeout: 120,
      memory_size: 512,
      reserved_concurrent_executions: 3,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
    });
    expect(block(json, "aws_cloudwatch_log_group", "router").retention_in_days).toBe(7);
    expect(block(json, "aws_lambda_function_url", "router").invoke_mode).toBe("RESPONSE_STREAM");
    // The keys are set outside Terraform, and a long list moves the parameter to the Advanced tier.
    expect(block(json, "aws_ssm_parameter", "router_keys").lifecycle).toEqual({ ignore_changes: ["value", "tier"] });
  });

  test.each([
    ["API_KEY (the default)", {}, "NONE", [{ rule: "lambda-url-auth", reason: PUBLIC_URL_REASON }]],
    ["AWS_IAM", { auth: "AWS_IAM" as const }, "AWS_IAM", undefined],
  ])("auth %s: the URL's auth type is a literal, suppressed from lambda-url-auth only when public", (_, props, type, suppressions) => {
    // GIVEN / WHEN
    const { stack } = routerStack(props);
    // THEN
    expect(block(synthJson(stack), "aws_lambda_function_url", "router").authorization_type).toBe(type);
    expect(suppressionsOf(stack).get("aws_lambda_function_url.router")).toEqual(suppressions);
  });

  test("without their suppressions, the public URL and its two public grants are the policy findings of the router's stack", () => {
    // GIVEN the router with API keys, its resources as synthesized
    const { stack } = routerStack();
    // WHEN every policy rule checks them
    const findings = checkPolicies(synthJson(stack) as PolicyJson);
    // THEN the function URL's auth type and the two grants to everyone are found: each suppression is needed, and covers nothing else
    expect(findings.map((f) => `${f.rule} ${f.address}`).sort()).toEqual([
      "lambda-permission-public aws_lambda_permission.router_invoke",
      "lambda-permission-public aws_lambda_permission.router_url",
      "lambda-url-auth aws_lambda_function_url.router",
    ]);
    expect(suppressionsOf(stack).get("aws_lambda_permission.router_url")).toEqual([{ rule: "lambda-permission-public", reason: PUBLIC_URL_REASON }]);
    expect(suppressionsOf(stack).get("aws_lambda_permission.router_invoke")).toEqual([{ rule: "lambda-permission-public", reason: PUBLIC_INVOKE_REASON }]);
  });

  test("literal CORS origins make the cors block's for_each a literal list", () => {
    const { stack } = routerStack({ corsAllowOrigins: ["https://chat.example.com"] });
    const url = block(synthJson(stack), "aws_lambda_function_url", "router") as { dynamic: { cors: { for_each: string } } };
    expect(url.dynamic.cors.for_each).toBe('${length(["https://chat.example.com"]) > 0 ? [["https://chat.example.com"]] : []}');
  });

  test.each([
    ["auth", { auth: "NONE" as never }, /auth "NONE" is not API_KEY or AWS_IAM/],
    ["timeoutSeconds", { timeoutSeconds: 901 }, /timeoutSeconds 901 is not a whole number of seconds from 1 to 900/],
    ["idleTimeoutSeconds", { idleTimeoutSeconds: 0 }, /idleTimeoutSeconds 0 is not a whole number of seconds from 1 to 900/],
    ["memoryMb", { memoryMb: 100 }, /memoryMb 100 is not a whole number from 128 to 10240/],
    ["reservedConcurrency", { reservedConcurrency: 0 }, /reservedConcurrency 0 is not a whole number from 1 to 10000/],
    ["logRetentionDays", { logRetentionDays: 0 }, /logRetentionDays 0 is not a CloudWatch Logs retention/],
    ["corsAllowOrigins", { corsAllowOrigins: ["https://ok.example.com", "chat.example.com/"] }, /corsAllowOrigins \["chat\.example\.com\/"\] are not origins/],
  ])("a literal %s that cannot work is refused when the construct is built", (_, props, message) => {
    expect(() => routerStack(props)).toThrow(message);
  });
});

describe("the router in the module and the stack", () => {
  function infos(stack: TerraformStack): string[] {
    return stack.node.metadata.filter((m) => m.type === "@cdktf/info").map((m) => String(m.data));
  }

  test.each([
    ["the module", (app: App) => new ModuleStack(app)],
    ["the llm-service stack of the example config", (app: App) => new ServiceStack(app, "llm-service", exampleConfig())],
  ])("%s synthesizes through the policy rules with three suppressions, the public function URL's and its two grants', and their reasons", (_, make) => {
    // GIVEN
    const outdir = mkdtempSync(path.join(tmpdir(), "router-policy-"));
    try {
      const app = new App({ outdir, skipBackendValidation: true });
      const stack = make(app);
      // WHEN
      app.synth();
      // THEN
      expect(infos(stack)).toEqual([
        `policy [lambda-url-auth] suppressed on aws_lambda_function_url.router: ${PUBLIC_URL_REASON}`,
        `policy [lambda-permission-public] suppressed on aws_lambda_permission.router_url: ${PUBLIC_URL_REASON}`,
        `policy [lambda-permission-public] suppressed on aws_lambda_permission.router_invoke: ${PUBLIC_INVOKE_REASON}`,
      ]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test("npm run keys prints the command for the module's parameter under the default prefix", () => {
    const prefix = VARIABLES.find((v) => v.name === "prefix")!.default as string;
    expect(DEFAULT_PARAMETER).toBe(routerKeysParameterName(prefix));
    expect(DEFAULT_PARAMETER).toBe("/llm/router/api-keys");
  });

  test("the dashboard searches the metric names and the dimension the router writes", () => {
    // GIVEN a log line of a streamed request, in the Embedded Metric Format
    const line = logLine(
      { key: "ci", model: "llama3", servedModel: "llama3:latest", method: "POST", path: "/api/chat", status: 200, ttfbMs: 12, durationMs: 900, bytesOut: 10, outputTokens: 5, tokensPerSecond: 6, failed: false },
      "OllamaFleet/Router/llm",
      0,
    );
    // WHEN its metric directive is read
    const directive = JSON.parse(line)._aws.CloudWatchMetrics[0] as { Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> };
    // THEN the widgets' names are those
    expect(directive.Metrics.map((m) => m.Name).sort()).toEqual(Object.values(ROUTER_METRICS).sort());
    expect(directive.Dimensions).toEqual([[ROUTER_METRIC_DIMENSION]]);
  });
});

function exampleConfig() {
  const file = path.join(__dirname, "..", "config", "llm-service.example.json");
  return parseServiceConfig(readFileSync(file, "utf8"), file);
}

describeWithTerraform("the function's environment against Lambda's 4 KB", () => {
  /** Model names whose comma-separated list is exactly `length` characters, each a valid, distinct name. */
  function modelsOfLength(length: number): string[] {
    const names: string[] = [];
    let used = -1;
    for (let i = 0; used < length; i++) {
      const left = length - used - 1;
      const stem = `hf.co/org/m${String(i).padStart(3, "0")}-`;
      const size = Math.min(128, left);
      // model and tag each within Ollama's 80 characters: "m000-" and up to 75 q's, then a tag of t's
      const rest = size - stem.length - 1;
      if (rest < 2) throw new Error("the last name would be too short; pick another length");
      const qs = Math.min(75, rest - 1);
      names.push(`${stem}${"q".repeat(qs)}:${"t".repeat(rest - qs)}`);
      used += size + 1;
    }
    return names;
  }

  test("GIVEN the longest prefix, the longest ALB name and a model list at the rule's limit WHEN the environment is computed THEN it fits, and one character more is refused", () => {
    // GIVEN
    const json = synthModule().json;
    const models = modelsOfLength(MAX_ROUTER_MODELS_LENGTH);
    expect(models.join(",").length).toBe(MAX_ROUTER_MODELS_LENGTH);
    const prefix = "p".repeat(MAX_PREFIX_LENGTH);
    const dnsName = "d".repeat(MAX_ALB_URL_LENGTH - "http://".length);
    const inputs = {
      ...readmeExampleInputs(),
      prefix,
      router_enabled: true,
      llm_ec2_configs: models.map((llm_model) => ({ llm_model, instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 100, app_port: 11434 })),
    };
    // WHEN the module computes the function's environment, as Lambda measures it
    const variables = (block(json, "aws_lambda_function", "router").environment as { variables: string }).variables;
    const { size } = evaluate(json, {
      variables: inputs,
      expressions: { size: `length(jsonencode(${unwrap(variables)}))` },
      replace: { "aws_lb.llm.dns_name": JSON.stringify(dnsName), "aws_ssm_parameter.router_keys": "local.fake_keys" },
      locals: { fake_keys: `\${[{ name = ${JSON.stringify(routerKeysParameterName(prefix))} }]}` },
    });
    // THEN
    expect(size).toBeLessThanOrEqual(LAMBDA_ENVIRONMENT_LIMIT_BYTES);
    expect(size).toBeGreaterThan(LAMBDA_ENVIRONMENT_LIMIT_BYTES - 64);
    const config = parseServiceConfig(JSON.stringify(inputs), "at-limit.json");
    expect(findProblems(inputsOf(config)).map((p) => p.rule)).toEqual([]);
    const over = { ...inputs, llm_ec2_configs: modelsOfLength(MAX_ROUTER_MODELS_LENGTH + 1).map((llm_model) => ({ ...inputs.llm_ec2_configs[0], llm_model })) };
    expect(() => parseServiceConfig(JSON.stringify(over), "over.json")).toThrow(/\[router-models-fit\]/);
  });

  test("GIVEN ten models that scale to zero, with the longest group names and indices, and the list at the rule's limit WHEN the environment is computed THEN it fits, and one character more is refused", () => {
    // GIVEN the last ten models (two-digit indices) scale to zero; their names are no valid target group names, so their groups' names are the longest
    const waking = 10;
    const prefix = "p".repeat(MAX_PREFIX_LENGTH);
    const length = MAX_ROUTER_MODELS_LENGTH - wakeVariablesBytes(MAX_WAKE_WAIT_SECONDS) - waking * maxWakeEntryBytes(MAX_PREFIX_LENGTH);
    const configsOf = (names: string[]) =>
      names.map((llm_model, i) => ({
        llm_model,
        instance_type: "g5.xlarge",
        ami_id: "",
        ebs_volume_gb: 100,
        app_port: 11434,
        ...(i >= names.length - waking ? { server_mode: "asg", min_size: 0, max_size: 1, desired_capacity: 0, scaling: { scale_to_zero_after_minutes: 30 } } : {}),
      }));
    const models = modelsOfLength(length);
    expect(models.length - waking).toBeGreaterThanOrEqual(10);
    const inputs = { ...readmeExampleInputs(), prefix, router_enabled: true, router_wake_wait_seconds: MAX_WAKE_WAIT_SECONDS, llm_ec2_configs: configsOf(models) };
    // WHEN the module computes the function's environment, as Lambda measures it
    const json = synthModule().json;
    const variables = (block(json, "aws_lambda_function", "router").environment as { variables: string }).variables;
    const { size, wake } = evaluate(json, {
      variables: inputs,
      expressions: { size: `length(jsonencode(${unwrap(variables)}))`, wake: `${unwrap(variables)}["ROUTER_WAKE_GROUPS"]` },
      replace: { "aws_lb.llm.dns_name": JSON.stringify("d".repeat(MAX_ALB_URL_LENGTH - "http://".length)), "aws_ssm_parameter.router_keys": "local.fake_keys" },
      locals: { fake_keys: `\${[{ name = ${JSON.stringify(routerKeysParameterName(prefix))} }]}` },
    });
    // THEN every group is named, in full, and the whole fits
    expect((wake as string).split(",")).toHaveLength(waking);
    expect((wake as string).split(",").every((entry) => entry.length === maxWakeEntryBytes(MAX_PREFIX_LENGTH) - 1)).toBe(true);
    expect(size).toBeLessThanOrEqual(LAMBDA_ENVIRONMENT_LIMIT_BYTES);
    expect(size).toBeGreaterThan(LAMBDA_ENVIRONMENT_LIMIT_BYTES - 64);
    expect(findProblems(inputsOf(parseServiceConfig(JSON.stringify(inputs), "at-limit.json"))).map((p) => p.rule)).toEqual([]);
    const over = { ...inputs, llm_ec2_configs: configsOf(modelsOfLength(length + 1)) };
    expect(() => parseServiceConfig(JSON.stringify(over), "over.json")).toThrow(/\[router-models-fit\]/);
  });
});

describe("planned by terraform (mock provider), from literal props", () => {
  let workspace: TerraformWorkspace;
  let outdir: string;
  afterAll(() => {
    workspace?.dispose();
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  test("plans the function, its streaming URL, role, network, logs, keys parameter and permissions under the literal names", async () => {
    // GIVEN the router's stack from literal props, synthesized with its assets (the package), beside the module tests' mocks
    outdir = mkdtempSync(path.join(tmpdir(), "router-standalone-"));
    const app = new App({ outdir });
    routerStack({ corsAllowOrigins: ["https://chat.example.com"], timeoutSeconds: 300 }, app);
    app.synth();
    workspace = TerraformWorkspace.create();
    const dir = workspace.copy(path.join(outdir, "stacks", "router"), "stack");
    workspace.copy(SHARED_MOCKS, path.join("stack", "tests", "mocks"));
    writeFileSync(
      path.join(dir, "tests", "router.tftest.hcl"),
      `${MOCK_PROVIDER}
run "standalone_router" {
  command = plan
  assert {
    condition     = aws_lambda_function.router[0].function_name == "demo-router" && aws_lambda_function.router[0].timeout == 300
    error_message = "the function takes the literal prefix and timeout"
  }
  assert {
    condition     = aws_lambda_function_url.router[0].invoke_mode == "RESPONSE_STREAM" && aws_lambda_function_url.router[0].authorization_type == "NONE"
    error_message = "a public streaming URL"
  }
  assert {
    condition     = toset(aws_lambda_function_url.router[0].cors[0].allow_origins) == toset(["https://chat.example.com"])
    error_message = "the literal origin"
  }
  assert {
    condition     = toset(split(",", aws_lambda_function.router[0].environment[0].variables["ROUTER_MODELS"])) == toset(["llama3.1:8b", "phi3:mini"]) && aws_lambda_function.router[0].environment[0].variables["ROUTER_UPSTREAM_TIMEOUT_SECONDS"] == "295" && aws_lambda_function.router[0].environment[0].variables["ROUTER_IDLE_TIMEOUT_SECONDS"] == "295"
    error_message = "the literal models, and the upstream wait within the timeout"
  }
  assert {
    condition     = aws_ssm_parameter.router_keys[0].name == "/demo/router/api-keys" && length(aws_lambda_permission.router_url) == 1 && length(aws_lambda_permission.router_invoke) == 1
    error_message = "the keys parameter and both permissions"
  }
  assert {
    condition     = aws_iam_role.router[0].name == "demo-router-iamr" && aws_security_group.router[0].name == "demo-router-sg" && aws_cloudwatch_log_group.router[0].name == "/aws/lambda/demo-router"
    error_message = "role, security group and log group under the literal prefix"
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.llm_alb_ingress_router[0].security_group_id == aws_security_group.llm_alb_sg.id
    error_message = "the ALB accepts the router"
  }
}
`,
    );
    // WHEN terraform tests it
    await workspace.init("stack", []);
    const result = await workspace.test("stack");
    // THEN
    expect(result.stdout).toMatch(/1 passed, 0 failed/);
  });
});
