// The default case (every model in instance mode, no router) plans exactly what the baseline
// module planned, resource by resource: nothing added, nothing changed but the deliberate
// differences, each computed here from the inputs (see deliberately()). Both modules are planned by the real AWS provider (5.100.0), offline: the provider is configured
// with placeholder credentials and skips its account and metadata look-ups, and the data sources
// that would call AWS (AMIs, zones, the Lambda quota) become locals (helpers/offline-root.ts).
// The baseline is the committed module of the revision this work started from
// (__tests__/fixtures/module-baseline, written by scripts/baseline-module.sh).
import { writeFileSync } from "fs";
import * as path from "path";
import { derivedListenerPriority, modelKey, placementIndex } from "../src/config/derive";
import { DEFAULT_DEREGISTRATION_DELAY_SECONDS } from "../src/constructs/internal-alb";
import { MODULE_DIR } from "../src/module/module-files";
import { SSM_PARAMETERS } from "../src/userdata/templates";
import { CUSTOM_AMI, offlineRoot } from "./helpers/offline-root";
import { TerraformWorkspace } from "./helpers/terraform-workspace";

const BASELINE = path.join(__dirname, "fixtures", "module-baseline");
const CURRENT = path.resolve(__dirname, "..", MODULE_DIR);
const SEED = {
  azs: ["ap-southeast-1a", "ap-southeast-1b"],
  vpc_id: "vpc-0a1b2c3d4e5f67890",
  vpc_cidr_block: "172.31.0.0/16",
  subnet_ids: ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"],
  llm_ec2_configs: [
    { llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
    { llm_model: "qwen2:7b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
  ],
  open_webui_port: 8080,
  api_gw_domain: "llm.example.com",
  api_gw_domain_route53_zone: "Z0123456789ABCDEFGHIJ",
  api_gw_domain_ssl_cert_arn: "arn:aws:acm:ap-southeast-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef",
};
const THREE_MODELS_NO_API = {
  ...SEED,
  prefix: "acme",
  create_api_gw: false,
  open_webui_port: 0,
  llm_ec2_configs: [
    { llm_model: "llama3.1:8b", instance_type: "g6.xlarge", ami_id: "", ebs_volume_gb: 150, app_port: 11434 },
    { llm_model: "mistral-nemo:12b", instance_type: "g5.2xlarge", ami_id: CUSTOM_AMI, ebs_volume_gb: 300, app_port: 11435 },
    { llm_model: "hf.co/org/Model-GGUF:Q4_K_M", instance_type: "g4dn.xlarge", ami_id: "", ebs_volume_gb: 100, app_port: 11434 },
  ],
};

interface PlannedChange {
  readonly actions: string[];
  readonly after: unknown;
  readonly after_unknown: unknown;
}

type Inputs = { readonly subnet_ids: readonly string[]; readonly azs: readonly string[]; readonly llm_ec2_configs: ReadonlyArray<{ llm_model: string }> };

/**
 * The baseline's plan with what this module plans differently on purpose, each value computed here
 * from the inputs and the TypeScript twins, not read from the module: a model's listener priority
 * and a new server's subnet and zone come from its key; target groups drain 900 s; associations run
 * one server at a time, stop at the first failure and say whether to upgrade in place; the main
 * server pulls its own model first, then the others sorted; the pull document declares that
 * parameter. Anything else that differs from the baseline fails the test.
 */
function deliberately(before: Map<string, PlannedChange>, inputs: Inputs): Map<string, PlannedChange> {
  const models = new Map(inputs.llm_ec2_configs.map((c) => [modelKey(c.llm_model), c.llm_model]));
  const main = inputs.llm_ec2_configs[0].llm_model;
  const key = (address: string) => JSON.parse(/\[(".*")\]$/.exec(address)![1]) as string;
  const changed = new Map<string, PlannedChange>();
  for (const [address, change] of before) {
    const after = structuredClone(change.after) as Record<string, any>;
    if (address.startsWith("aws_lb_listener_rule.llm_http[")) after.priority = derivedListenerPriority(models.get(key(address))!);
    if (address.startsWith("aws_lb_target_group.llm_http[")) after.deregistration_delay = String(DEFAULT_DEREGISTRATION_DELAY_SECONDS);
    if (address.startsWith("aws_instance.llm[")) {
      const i = placementIndex(models.get(key(address))!, inputs.subnet_ids);
      after.subnet_id = inputs.subnet_ids[i];
      after.availability_zone = inputs.azs[i];
    }
    if (address.startsWith("aws_ssm_association.pull_models[")) {
      Object.assign(after, { max_concurrency: "1", max_errors: "0" });
      after.parameters = { ...after.parameters, UpgradeInPlace: "true" };
      if (models.get(key(address)) === main) after.parameters.Models = [main, ...[...models.values()].filter((m) => m !== main).sort()].join(",");
    }
    if (address === "aws_ssm_document.pull_models") {
      const document = JSON.parse(after.content);
      document.parameters = { ...document.parameters, UpgradeInPlace: SSM_PARAMETERS.UpgradeInPlace };
      after.content = JSON.stringify(document, null, 2) + "\n";
    }
    changed.set(address, { ...change, after });
  }
  return changed;
}

/**
 * Plans each (module, inputs) in a folder of its own, the plans side by side; then reads every plan
 * back with `terraform show -json` through one shared provider process (show only reads the
 * provider's schema; a plan configures it, and a provider process takes one configuration).
 */
async function planAll(runs: ReadonlyArray<{ source: string; inputs: object }>): Promise<Array<Map<string, PlannedChange>>> {
  const workspace = TerraformWorkspace.create();
  try {
    const dirs = runs.map((_, i) => `plan-${i}`);
    await Promise.all(
      runs.map(async ({ source, inputs }, i) => {
        const target = workspace.copy(source, dirs[i]);
        writeFileSync(path.join(target, "main.tf.json"), JSON.stringify(offlineRoot(source)));
        writeFileSync(path.join(target, "terraform.tfvars.json"), JSON.stringify(inputs));
        await workspace.init(dirs[i]);
        const planned = await workspace.run(dirs[i], ["plan", "-refresh=false", "-input=false", "-no-color", "-out=plan.bin"]);
        if (planned.status !== 0) throw new Error(`terraform plan of ${source} failed:\n${planned.stdout}\n${planned.stderr}`);
      }),
    );
    await workspace.shareProvider(dirs[0]);
    const shown = await Promise.all(dirs.map((dir) => workspace.runOrThrow(dir, ["show", "-json", "plan.bin"])));
    return shown.map(({ stdout }) => {
      const changes = JSON.parse(stdout).resource_changes as Array<{ address: string; change: PlannedChange }>;
      return new Map(changes.map(({ address, change }) => [address, { actions: change.actions, after: change.after, after_unknown: change.after_unknown }]));
    });
  } finally {
    workspace.dispose();
  }
}

/** The baseline planned with the seed's inputs, shared by the tests that compare with it. */
let seedBaseline: Promise<Map<string, PlannedChange>> | undefined;

describe.each([
  ["the seed's usage (two models, Open WebUI port, custom domain)", SEED],
  ["three models, a custom AMI, two app ports, no API", THREE_MODELS_NO_API],
])("default server mode, %s", (_, inputs) => {
  let before: Map<string, PlannedChange>;
  let after: Map<string, PlannedChange>;

  beforeAll(async () => {
    // GIVEN the baseline module and the current one, WHEN both are planned with the same inputs
    if (inputs === SEED) {
      // The router's tests below compare with the same baseline plan.
      const both = planAll([{ source: BASELINE, inputs }, { source: CURRENT, inputs }]);
      seedBaseline = both.then(([baseline]) => baseline);
      [before, after] = await both;
    } else {
      [before, after] = await planAll([{ source: BASELINE, inputs }, { source: CURRENT, inputs }]);
    }
  }, 300_000);

  test("every resource the baseline plans is planned with the same values, but for the deliberate differences", () => {
    // A real plan: the servers, the load balancer and its rules at least.
    expect(before.size).toBeGreaterThanOrEqual(25);
    const same = new Map([...before.keys()].map((address) => [address, after.get(address)]));
    expect(Object.fromEntries(same)).toEqual(Object.fromEntries(deliberately(before, inputs)));
  });

  test("the deliberate differences are real: priorities leave the original's 1-100", () => {
    const priorities = [...before].filter(([a]) => a.startsWith("aws_lb_listener_rule.")).map(([a]) => (after.get(a)!.after as { priority: number }).priority);
    expect(priorities.length).toBe(inputs.llm_ec2_configs.length);
    for (const p of priorities) expect(p).toBeGreaterThanOrEqual(1000);
  });

  test("nothing is added", () => {
    expect([...after.keys()].filter((address) => !before.has(address))).toEqual([]);
  });
});

// The router is opt-in: with router_enabled the real provider (5.100.0) plans it offline, and changes
// nothing the baseline plans.
describe("router_enabled, the seed's usage", () => {
  const ROUTER = {
    aws_lambda_function: ["router"],
    aws_lambda_function_url: ["router"],
    aws_lambda_permission: ["router_url", "router_invoke"],
    aws_iam_role: ["router"],
    aws_iam_role_policy: ["router"],
    aws_cloudwatch_log_group: ["router"],
    aws_ssm_parameter: ["router_keys"],
    aws_security_group: ["router"],
    aws_vpc_security_group_egress_rule: ["router_to_alb", "router_to_ssm"],
    aws_vpc_security_group_ingress_rule: ["llm_alb_ingress_router"],
  };
  let before: Map<string, PlannedChange>;
  let after: Map<string, PlannedChange>;

  beforeAll(async () => {
    // GIVEN the baseline planned with the seed's inputs, WHEN the current module is planned with the router too
    [[after], before] = await Promise.all([
      planAll([{ source: CURRENT, inputs: { ...SEED, router_enabled: true } }]),
      seedBaseline ?? planAll([{ source: BASELINE, inputs: SEED }]).then(([baseline]) => baseline),
    ]);
  }, 300_000);

  test("the additions are the router's resources, each created", () => {
    const added = [...after.keys()].filter((address) => !before.has(address)).sort();
    const expected = Object.entries(ROUTER).flatMap(([type, names]) => names.map((name) => `${type}.${name}[0]`)).sort();
    expect(added).toEqual(expected);
    for (const address of added) expect({ address, actions: after.get(address)?.actions }).toEqual({ address, actions: ["create"] });
  });

  test("the function and its URL as the real provider plans them: nodejs22.x on arm64, streaming, in the VPC", () => {
    const fn = after.get("aws_lambda_function.router[0]")?.after as Record<string, unknown>;
    expect(fn).toMatchObject({ function_name: "llm-router", runtime: "nodejs22.x", architectures: ["arm64"], timeout: 900, reserved_concurrent_executions: 20 });
    expect((fn.vpc_config as Array<{ subnet_ids: string[] }>)[0].subnet_ids.sort()).toEqual([...SEED.subnet_ids].sort());
    expect(after.get("aws_lambda_function_url.router[0]")?.after).toMatchObject({ invoke_mode: "RESPONSE_STREAM", authorization_type: "NONE" });
  });

  test("everything the baseline plans is planned with the same values (but the deliberate differences); the dashboard's body (with the router's row) is known at apply", () => {
    const same = new Map([...before.keys()].map((address) => [address, after.get(address)]));
    expect(Object.fromEntries(same)).toEqual(Object.fromEntries(deliberately(before, SEED)));
    expect(after.get("aws_cloudwatch_dashboard.fleet[0]")?.after_unknown).toMatchObject({ dashboard_body: true });
  });
});
