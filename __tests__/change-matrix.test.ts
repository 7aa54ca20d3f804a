// What each change a user makes to a running fleet plans, with the real AWS provider (5.100.0),
// offline: a base of instance and Auto Scaling models (one with a warm pool) is applied to a state,
// and each row's inputs are planned against that state (helpers/change-planner.ts). Per row: which
// resources are replaced (and whether the new one comes first), which are updated in place and in
// which attributes, and that no other model's server, target group or rule priority is touched.
import * as path from "path";
import { modelKey } from "../src/config/derive";
import { RELEASE_ROLLOUT_TAG } from "../src/constructs/servers/release-rollout";
import { UNCHANGED_PORT } from "../src/userdata/templates";
import { NO_VALUE } from "../src/userdata/vllm-templates";
import { MODULE_DIR } from "../src/module/module-files";
import { ChangePlans, planChanges, PlannedRow } from "./helpers/change-planner";
import { OFFLINE_REGION } from "./helpers/offline-root";
import { NETWORK_INPUTS } from "./helpers/network-inputs";
import { PlannedChange } from "./helpers/plan-json";
import { killAllChildren } from "./helpers/processes";

const MODULE = path.resolve(__dirname, "..", MODULE_DIR);

const entry = (llm_model: string, extra: object = {}) => ({ llm_model, instance_type: "g6.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434, ...extra });

// GIVEN a fleet of three instance-mode models (the first is the main server) and two Auto Scaling
// models, the first of them with a warm pool
const MODELS = [
  entry("llama3.1:8b"),
  entry("qwen2.5:7b"),
  entry("mistral:7b", { server_mode: "asg", warm_pool: true }),
  entry("gemma2:9b"),
  entry("phi3:14b", { server_mode: "asg" }),
];
const ADDED = entry("deepseek-r1:8b");
// A model served by vLLM (a Hugging Face repository), and gemma2:9b moved to vLLM (its repository is another key)
const VLLM_MODEL = entry("mistralai/Mistral-7B-Instruct-v0.3", { engine: "vllm", served_model_name: "mistral-7b", app_port: 8000 });
const GEMMA_ON_VLLM = { llm_model: "google/gemma-2-9b-it", engine: "vllm", app_port: 8000 };
const [MAIN, QWEN, MISTRAL, GEMMA, PHI, NEW, VLLM, GEMMA_VLLM] = [...MODELS, ADDED, VLLM_MODEL, GEMMA_ON_VLLM].map((m) => modelKey(m.llm_model));
// The weight cache with vLLM models: VLLM on an instance, and a second one in an Auto Scaling group
const VLLM_CACHE_GROUP_MODEL = entry("Qwen/Qwen2.5-7B-Instruct", { engine: "vllm", app_port: 8000, server_mode: "asg" });
const VLLM_CACHE_GROUP = modelKey(VLLM_CACHE_GROUP_MODEL.llm_model);
const ALL_KEYS = [MAIN, QWEN, MISTRAL, GEMMA, PHI, NEW, VLLM, GEMMA_VLLM, modelKey("meta-llama/Llama-3.3-70B-Instruct"), VLLM_CACHE_GROUP];

const BASE = { ...NETWORK_INPUTS, prefix: "fleet", llm_ec2_configs: MODELS };
// AND the same fleet deployed with target groups named "prefixed"
const PREFIXED = { ...BASE, target_group_names: "prefixed" };
// AND the same fleet behind the router (IAM-authorized: no keys parameter, whose value the made-up
// state cannot hold), the second Auto Scaling model scaling on requests and to zero
const SCALING = { requests_per_server_per_minute: 30, scale_to_zero_after_minutes: 30 };
const ROUTED = { ...BASE, router_enabled: true, router_auth: "AWS_IAM", llm_ec2_configs: MODELS.map((m, j) => (j === 4 ? { ...m, min_size: 0, max_size: 3, scaling: SCALING } : m)) };
const editRouted = (i: number, change: object, top: object = {}) => ({ ...ROUTED, ...top, llm_ec2_configs: ROUTED.llm_ec2_configs.map((m, j) => (j === i ? { ...m, ...change } : m)) });
// AND the same fleet deployed with the weight cache in an existing bucket
const CACHED = { ...BASE, model_cache_bucket: "acme-model-weights" };
const withModels = (models: object[]) => ({ ...BASE, llm_ec2_configs: models });
// AND the fleet with a vLLM model on an instance
const WITH_VLLM = withModels([...MODELS, VLLM_MODEL]);
// AND the fleet with a 70B vLLM model in an Auto Scaling group with a warm pool, its grace period derived
// from its size (asg_health_check_grace_period_seconds left out)
const VLLM_70B = entry("meta-llama/Llama-3.3-70B-Instruct", {
  engine: "vllm", served_model_name: "llama-70b", instance_type: "g6e.12xlarge", ebs_volume_gb: 300, app_port: 8000, server_mode: "asg", warm_pool: true,
});
const VLLM_GROUP = modelKey(VLLM_70B.llm_model);
const WITH_VLLM_GROUP = withModels([...MODELS, VLLM_70B]);
// AND the fleet with both vLLM models, without and with the weight cache
const WITH_VLLMS = withModels([...MODELS, VLLM_MODEL, VLLM_CACHE_GROUP_MODEL]);
const WITH_VLLMS_CACHED = { ...WITH_VLLMS, model_cache_bucket: "acme-model-weights" };
const editModel = (i: number, change: object, base: object = BASE) => ({ ...base, llm_ec2_configs: MODELS.map((m, j) => (j === i ? { ...m, ...change } : m)) });

/** Ollama's settings of one model, each changed from Ollama's default (keep_alive from the original's 6h). */
const OLLAMA_SETTINGS = { context_length: 32768, num_parallel: 2, kv_cache_type: "q8_0", keep_alive: "-1" };

const at = {
  instance: (k: string) => `aws_instance.llm["${k}"]`,
  group: (k: string) => `aws_autoscaling_group.llm["${k}"]`,
  template: (k: string) => `aws_launch_template.llm["${k}"]`,
  hook: (k: string) => `aws_autoscaling_lifecycle_hook.model_ready["${k}"]`,
  targetGroup: (k: string) => `aws_lb_target_group.llm_http["${k}"]`,
  attachment: (k: string) => `aws_lb_target_group_attachment.llm_http["${k}"]`,
  rule: (k: string) => `aws_lb_listener_rule.llm_http["${k}"]`,
  association: (k: string) => `aws_ssm_association.pull_models["${k}"]`,
  errorAlarm: (k: string) => `aws_cloudwatch_metric_alarm.error_rate["${k}"]`,
  healthAlarm: (k: string) => `aws_cloudwatch_metric_alarm.no_healthy_host["${k}"]`,
  pullFailed: (k: string) => `aws_cloudwatch_event_rule.pull_failed["${k}"]`,
  policy: (name: string, k: string) => `aws_autoscaling_policy.llm_${name}["${k}"]`,
  idleAlarm: (k: string) => `aws_cloudwatch_metric_alarm.llm_idle["${k}"]`,
};
const ROUTER_FUNCTION = "aws_lambda_function.router[0]";
const ROUTER_POLICY = "aws_iam_role_policy.router[0]";
/** The one association over every instance server that brings them to ollama_version, one at a time. */
const ROLLOUT = "aws_ssm_association.release_rollout[0]";
const DASHBOARD = "aws_cloudwatch_dashboard.fleet[0]";
const MODEL_READY_POLICY = "aws_iam_role_policy.llm_ec2_model_ready[0]";
const DOCUMENT = "aws_ssm_document.pull_models";
/** The document's new content in place: its new version, hash and parameters are known after the apply. */
const documentUpdate = { [DOCUMENT]: "update: content, default_version, document_version, hash, latest_version, parameter" };
const CACHE_POLICY = "aws_iam_role_policy.llm_ec2_model_cache[0]";
const CACHE_METRICS = ["hit", "miss", "corrupt", "seeded"].map((event) => `aws_cloudwatch_log_metric_filter.model_cache["${event}"]`);
/** The created bucket and its settings. */
const CACHE_BUCKET = ["s3_bucket", "s3_bucket_server_side_encryption_configuration", "s3_bucket_public_access_block", "s3_bucket_ownership_controls", "s3_bucket_policy", "s3_bucket_lifecycle_configuration"].map(
  (type) => `aws_${type}.model_cache[0]`,
);
/** The Auto Scaling models' launch templates get the new user data: their groups roll through the instance refresh, new servers first. */
const groupsRoll = Object.fromEntries(
  [MISTRAL, PHI].flatMap((k) => [
    [at.template(k), "update: default_version, latest_version, user_data"],
    [at.group(k), "update: launch_template[0].version"],
  ]),
);
const dashboardUpdate = { [DASHBOARD]: "update: dashboard_body" };
/**
 * A target group replaced for its port: its name carries the port, so the new one is created first
 * under a new name (names are unique per account and region). `port` itself never replaces a group.
 */
const NEW_GROUP_FOR_PORT = "replace (new first) for name: name, port";

const instanceModel = (k: string, action: string) =>
  Object.fromEntries([at.instance, at.targetGroup, at.attachment, at.rule, at.association, at.errorAlarm, at.healthAlarm, at.pullFailed].map((a) => [a(k), action]));
const asgModel = (k: string, action: string, warmPool: boolean) =>
  Object.fromEntries(
    [at.group, at.template, at.targetGroup, at.rule, at.association, at.errorAlarm, at.healthAlarm, at.pullFailed, ...(warmPool ? [at.hook] : [])].map((a) => [a(k), action]),
  );

interface Row {
  /** The inputs the fleet was deployed with. @default BASE */
  readonly base?: object;
  readonly inputs: object;
  /** The models the change is about: no other model's resources may change. */
  readonly models: readonly string[];
  /** The main server pulls every model: adding or removing one updates its pull list. */
  readonly pullListChanges?: boolean;
}

const ROWS: Record<string, Row> = {
  "nothing, the base with its defaults spelled out": {
    inputs: withModels(MODELS.map((m) => ({ server_mode: "instance", min_size: 1, max_size: 1, desired_capacity: 1, spot: false, warm_pool: false, ...m }))),
    models: [],
  },
  "a model added at the end": { inputs: withModels([...MODELS, ADDED]), models: [NEW], pullListChanges: true },
  "a model added in the middle": { inputs: withModels([...MODELS.slice(0, 2), ADDED, ...MODELS.slice(2)]), models: [NEW], pullListChanges: true },
  "the middle model removed": { inputs: withModels([...MODELS.slice(0, 2), ...MODELS.slice(3)]), models: [MISTRAL], pullListChanges: true },
  "the models after the main one reordered": { inputs: withModels([MODELS[0], MODELS[4], MODELS[3], MODELS[2], MODELS[1]]), models: [] },
  "an instance model's app_port": { inputs: editModel(1, { app_port: 11500 }), models: [QWEN] },
  "an Auto Scaling model's app_port": { inputs: editModel(4, { app_port: 11500 }), models: [PHI] },
  "an instance model's app_port, target groups prefixed": { base: PREFIXED, inputs: editModel(1, { app_port: 11500 }, PREFIXED), models: [QWEN] },
  "an Auto Scaling model's app_port, target groups prefixed": { base: PREFIXED, inputs: editModel(4, { app_port: 11500 }, PREFIXED), models: [PHI] },
  "ollama_version": { inputs: { ...BASE, ollama_version: "0.13.1" }, models: [MAIN, QWEN, MISTRAL, GEMMA, PHI] },
  "warm pool turned on": { inputs: editModel(4, { warm_pool: true }), models: [PHI] },
  "warm pool turned off": { inputs: editModel(2, { warm_pool: false }), models: [MISTRAL] },
  "server_mode instance to asg": { inputs: editModel(1, { server_mode: "asg" }), models: [QWEN] },
  "server_mode asg to instance": { inputs: editModel(4, { server_mode: "instance" }), models: [PHI] },
  "server_mode instance to asg, target groups prefixed": { base: PREFIXED, inputs: editModel(1, { server_mode: "asg" }, PREFIXED), models: [QWEN] },
  "server_mode asg to instance, target groups prefixed": { base: PREFIXED, inputs: editModel(4, { server_mode: "instance" }, PREFIXED), models: [PHI] },
  "a subnet added": {
    inputs: { ...BASE, azs: [...NETWORK_INPUTS.azs, "ap-southeast-1c"], subnet_ids: [...NETWORK_INPUTS.subnet_ids, "subnet-cccc"] },
    models: [MISTRAL, PHI],
  },
  'target_group_names "model" to "prefixed"': { inputs: { ...BASE, target_group_names: "prefixed" }, models: [MAIN, QWEN, MISTRAL, GEMMA, PHI] },
  "a model's instance_type": { inputs: editModel(3, { instance_type: "g6.2xlarge" }), models: [GEMMA] },
  "an instance model's Ollama settings": { inputs: editModel(1, OLLAMA_SETTINGS), models: [QWEN] },
  "an Auto Scaling model's Ollama settings": { inputs: editModel(4, OLLAMA_SETTINGS), models: [PHI] },
  "an instance model's context_length back to Ollama's default": { base: editModel(1, { context_length: 32768 }), inputs: BASE, models: [QWEN] },
  "the prefix": { inputs: { ...BASE, prefix: "fleet2" }, models: [MAIN, QWEN, MISTRAL, GEMMA, PHI] },
  "a model's engine, Ollama to vLLM": { inputs: editModel(3, GEMMA_ON_VLLM), models: [GEMMA, GEMMA_VLLM], pullListChanges: true },
  "vllm_image": { base: WITH_VLLM, inputs: { ...WITH_VLLM, vllm_image: "vllm/vllm-openai:v0.29.0-cu129" }, models: [VLLM] },
  "a vLLM model's max_model_len": {
    base: WITH_VLLM,
    inputs: withModels([...MODELS, { ...VLLM_MODEL, max_model_len: 8192 }]),
    models: [VLLM],
  },
  "hf_token_parameter": { base: WITH_VLLM, inputs: { ...WITH_VLLM, hf_token_parameter: "/fleet/hf-token" }, models: [VLLM] },
  "a vLLM model's engine_args": {
    base: WITH_VLLM,
    inputs: withModels([...MODELS, { ...VLLM_MODEL, engine_args: { "max-num-seqs": "64", "enable-prefix-caching": "false" } }]),
    models: [VLLM],
  },
  // AND back: a vLLM setting taken out again (the association must say so: an empty value would keep the old one)
  "a vLLM model's quantization taken out": { base: withModels([...MODELS, { ...VLLM_MODEL, quantization: "awq" }]), inputs: WITH_VLLM, models: [VLLM] },
  "a vLLM model's engine_args taken out": {
    base: withModels([...MODELS, { ...VLLM_MODEL, engine_args: { "max-num-seqs": "64" } }]),
    inputs: WITH_VLLM,
    models: [VLLM],
  },
  "hf_token_parameter taken out": { base: { ...WITH_VLLM, hf_token_parameter: "/fleet/hf-token" }, inputs: WITH_VLLM, models: [VLLM] },
  "scaling on load turned on for a running Auto Scaling model": {
    inputs: editModel(4, { max_size: 3, scaling: { requests_per_server_per_minute: 30, gpu_utilization_percent: 70 } }),
    models: [PHI],
  },
  "a scaling target": { base: ROUTED, inputs: editRouted(4, { scaling: { ...SCALING, requests_per_server_per_minute: 60 } }), models: [PHI] },
  "scale to zero turned on for a running Auto Scaling model": {
    base: ROUTED,
    inputs: editRouted(2, { min_size: 0, scaling: { scale_to_zero_after_minutes: 20 } }),
    models: [MISTRAL],
  },
  "scaling removed": { base: ROUTED, inputs: editRouted(4, { scaling: undefined }), models: [PHI] },
  "router_wake_wait_seconds": { base: ROUTED, inputs: { ...ROUTED, router_wake_wait_seconds: 300 }, models: [] },
  "the weight cache turned on, a bucket of its own": { inputs: { ...BASE, model_cache_bucket: "create" }, models: [MISTRAL, PHI] },
  "the weight cache turned on, an existing bucket and a gateway endpoint": {
    inputs: { ...CACHED, model_cache_gateway_endpoint_route_table_ids: ["rtb-0a1b2c3d4e5f67890"] },
    models: [MISTRAL, PHI],
  },
  "model_cache_prefix, the cache on": { base: CACHED, inputs: { ...CACHED, model_cache_prefix: "weights/" }, models: [MISTRAL, PHI] },
  "the weight cache turned off": { base: CACHED, inputs: BASE, models: [MISTRAL, PHI] },
  "asg_health_check_grace_period_seconds set, a vLLM Auto Scaling model's derived before": {
    base: WITH_VLLM_GROUP,
    inputs: { ...WITH_VLLM_GROUP, asg_health_check_grace_period_seconds: 2400 },
    models: [MISTRAL, PHI, VLLM_GROUP],
  },
  "asg_health_check_grace_period_seconds set to the Ollama models' 1800, a vLLM Auto Scaling model's derived before": {
    base: WITH_VLLM_GROUP,
    inputs: { ...WITH_VLLM_GROUP, asg_health_check_grace_period_seconds: 1800 },
    models: [VLLM_GROUP],
  },
  "a vLLM Auto Scaling model's engine_args": {
    base: WITH_VLLMS,
    inputs: withModels([...MODELS, VLLM_MODEL, { ...VLLM_CACHE_GROUP_MODEL, engine_args: { "max-num-seqs": "64" } }]),
    models: [VLLM_CACHE_GROUP],
  },
  "the weight cache turned on, with vLLM models": { base: WITH_VLLMS, inputs: WITH_VLLMS_CACHED, models: [MISTRAL, PHI, VLLM, VLLM_CACHE_GROUP] },
  "the weight cache turned off, with vLLM models": { base: WITH_VLLMS_CACHED, inputs: WITH_VLLMS, models: [MISTRAL, PHI, VLLM, VLLM_CACHE_GROUP] },
};

/** One line per change: "create", "update: a, b", "replace (new first) for port: name, port". */
function describeChange(change: PlannedChange): string {
  const actions = change.actions.join();
  if (actions === "create" || actions === "delete") return actions;
  if (actions === "update") return `update: ${change.changed.join(", ")}`;
  const order = actions === "create,delete" ? "new first" : "old first";
  return `replace (${order}) for ${change.replacedBy.join(", ")}${change.changed.length ? `: ${change.changed.join(", ")}` : ""}`;
}

let plans: ChangePlans;

/** The model's replacement group has the new port and a name the old one does not hold. */
function expectNewGroupOnNewPort(name: string, k: string): void {
  const group = row(name).changes.get(at.targetGroup(k))!.change;
  const [before, after] = [group.before, group.after] as Array<{ name: string; port: number }>;
  expect({ before: before.port, after: after.port }).toEqual({ before: 11434, after: 11500 });
  expect(after.name).not.toBe(before.name);
  expect(after.name).toMatch(/^fleet-[a-z0-9-]+$/);
  expect(after.name.length).toBeLessThanOrEqual(32);
}
/** The row's plan; a row terraform could not plan fails its tests with terraform's message. */
function row(name: string): PlannedRow {
  const planned = plans.rows[name];
  if ("error" in planned) throw new Error(`the row "${name}" did not plan:\n${planned.error}`);
  return planned;
}
const changesOf = (name: string): Record<string, string> =>
  Object.fromEntries(Object.entries(row(name).summary).map(([address, change]) => [address, describeChange(change)]));
const modelOf = (address: string) => ALL_KEYS.find((k) => address.endsWith(`["${k}"]`));

beforeAll(async () => {
  // WHEN each base is applied to a state and each row's inputs are planned against its base's
  plans = await planChanges(MODULE, Object.fromEntries(Object.entries(ROWS).map(([name, { base, inputs }]) => [name, { base: base ?? BASE, inputs }])));
}, 1_200_000);

// A beforeAll that timed out leaves its plans running: end them with the test file.
afterAll(() => killAllChildren());

describe("the harness", () => {
  test("the base settles against its own state, and spelling out its defaults plans nothing", () => {
    expect(plans.settlePasses).toBeLessThanOrEqual(3);
    expect(changesOf("nothing, the base with its defaults spelled out")).toEqual({});
  });

  test("it tells a replacement from an update: a new prefix replaces the load balancer and the security groups (new first, they are in use) and updates the servers in place", () => {
    const changes = changesOf("the prefix");
    expect(changes).toMatchObject({
      "aws_lb.llm": "replace (old first) for name: name",
      "aws_security_group.llm_ec2_sg": "replace (new first) for name: name",
      "aws_security_group.llm_alb_sg": "replace (new first) for name: name",
    });
    for (const k of [MAIN, QWEN, GEMMA]) expect(changes[at.instance(k)]).toMatch(/^update: .*vpc_security_group_ids/);
  });
});

describe.each(Object.entries(ROWS))("changing %s", (name, { models, pullListChanges }) => {
  test("touches no other model", () => {
    const others = Object.entries(changesOf(name)).filter(([address]) => {
      const k = modelOf(address);
      return k !== undefined && !models.includes(k);
    });
    const allowed = pullListChanges ? [[at.association(MAIN), "update: parameters.Models"]] : [];
    expect(Object.fromEntries(others)).toEqual(Object.fromEntries(allowed));
  });

  test("replaces no server (the prefix renames them) and renumbers no rule; a new rule takes a priority no other rule has", () => {
    const summary = row(name).summary;
    const replacedServers = Object.entries(summary)
      .filter(([address, c]) => /^aws_(instance|autoscaling_group)\./.test(address) && c.actions.length === 2)
      .map(([address]) => address);
    expect(replacedServers).toEqual(name === "the prefix" ? [at.group(MISTRAL), at.group(PHI)] : []);
    const renumbered = Object.entries(summary).filter(([address, c]) => address.startsWith("aws_lb_listener_rule.") && c.changed.includes("priority"));
    expect(renumbered).toEqual([]);
    const priorities = [...row(name).changes.entries()]
      .filter(([address, c]) => address.startsWith("aws_lb_listener_rule.") && c.change.after !== null)
      .map(([, c]) => (c.change.after as { priority: number }).priority);
    expect(new Set(priorities).size).toBe(priorities.length);
  });

  test("no model's own association upgrades a server in place, and an Auto Scaling model's keeps its servers' port; only the release rollout upgrades, over the instance servers", () => {
    const inputs = ROWS[name].inputs as { prefix: string; llm_ec2_configs: Array<{ llm_model: string; app_port: number; server_mode?: string; engine?: string }> };
    const models = new Map(inputs.llm_ec2_configs.map((m) => [modelKey(m.llm_model), m]));
    const planned = [...row(name).changes.entries()].filter(
      ([address, c]) => address.startsWith("aws_ssm_association.") && c.change.after !== null && !c.change.actions.includes("no-op"),
    );
    const parameters = (c: { change: { after: unknown } }) => (c.change.after as { parameters: Record<string, string> }).parameters;
    const own = planned.filter(([address]) => address.startsWith("aws_ssm_association.pull_models["));
    expect(own.map(([address, c]) => ({ address, upgradeInPlace: parameters(c).UpgradeInPlace, appPort: parameters(c).AppPort }))).toEqual(
      own.map(([address]) => {
        const m = models.get(modelOf(address)!)!;
        // A vLLM instance server takes a new image or setting from its own association (no release
        // rollout serves it); a vLLM group's servers through the instance refresh, on their port.
        if (m.engine === "vllm") return { address, upgradeInPlace: m.server_mode === "asg" ? "false" : "true", appPort: String(m.app_port) };
        return { address, upgradeInPlace: "false", appPort: m.server_mode === "asg" ? UNCHANGED_PORT : String(m.app_port) };
      }),
    );
    for (const [address, c] of planned.filter(([address]) => !address.startsWith("aws_ssm_association.pull_models["))) {
      const after = c.change.after as { parameters: Record<string, string>; targets: Array<{ key: string; values: string[] }> };
      expect({ address, parameters: after.parameters, targets: after.targets }).toEqual({
        address: ROLLOUT,
        parameters: expect.objectContaining({ UpgradeInPlace: "true", AppPort: UNCHANGED_PORT }),
        targets: [{ key: `tag:${RELEASE_ROLLOUT_TAG}`, values: [inputs.prefix] }],
      });
    }
  });

  test("every association it creates or updates runs one server at a time", () => {
    const rolled = [...row(name).changes.entries()]
      .filter(([address, c]) => address.startsWith("aws_ssm_association.") && c.change.after !== null && !c.change.actions.includes("no-op"))
      .map(([address, c]) => {
        const after = c.change.after as { max_concurrency: string | null; max_errors: string | null };
        return { address, max_concurrency: after.max_concurrency, max_errors: after.max_errors };
      });
    for (const r of rolled) expect(r).toEqual({ address: r.address, max_concurrency: "1", max_errors: expect.stringMatching(/^\d+%?$/) });
  });
});

describe("what each change plans", () => {
  test("a model added at the end: its own resources, and the main server's pull list", () => {
    expect(changesOf("a model added at the end")).toEqual({
      ...instanceModel(NEW, "create"),
      [at.association(MAIN)]: "update: parameters.Models",
      ...dashboardUpdate,
    });
  });

  test("a model's engine, Ollama to vLLM: the model has another name (a Hugging Face repository), so its own resources are replaced under the new key; the main server stops pulling it; vLLM's document comes with the first vLLM model", () => {
    expect(changesOf("a model's engine, Ollama to vLLM")).toEqual({
      ...instanceModel(GEMMA, "delete"),
      ...instanceModel(GEMMA_VLLM, "create"),
      [at.association(MAIN)]: "update: parameters.Models",
      "aws_ssm_document.serve_vllm[0]": "create",
      'aws_vpc_security_group_egress_rule.llm_alb_egress_app_port["8000"]': "create",
      'aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port["8000"]': "create",
      ...dashboardUpdate,
    });
    const after = (address: string) => row("a model's engine, Ollama to vLLM").changes.get(address)!.change.after as Record<string, unknown>;
    expect((after(at.association(MAIN)).parameters as Record<string, string>).Models).toBe("llama3.1:8b,mistral:7b,phi3:14b,qwen2.5:7b");
    expect(after(at.association(GEMMA_VLLM)).name).toBe("fleet-serve-vllm");
    expect((after(at.instance(GEMMA_VLLM)).tags as Record<string, string>)[RELEASE_ROLLOUT_TAG]).toBeUndefined();
  });

  test.each([
    ["vllm_image", "Image", "vllm/vllm-openai:v0.29.0-cu129"],
    ["a vLLM model's max_model_len", "MaxModelLen", "8192"],
    ["hf_token_parameter", "HfTokenParameter", "/fleet/hf-token"],
    ["a vLLM model's engine_args", "EngineArgs", "enable-prefix-caching=false,max-num-seqs=64"],
  ])("%s: only the vLLM model's association, updated in place (its server applies it, restarting vLLM once; the instance ignores its new user data)", (name, parameter, value) => {
    expect(changesOf(name)).toEqual({
      [at.association(VLLM)]: `update: parameters.${parameter}`,
      ...(name === "hf_token_parameter" ? { "aws_iam_role_policy.llm_ec2_hf_token[0]": "create" } : {}),
    });
    expect((row(name).changes.get(at.association(VLLM))!.change.after as { parameters: Record<string, string> }).parameters).toMatchObject({ [parameter]: value, UpgradeInPlace: "true" });
  });

  test.each([
    ["a vLLM model's quantization taken out", "Quantization"],
    ["a vLLM model's engine_args taken out", "EngineArgs"],
    ["hf_token_parameter taken out", "HfTokenParameter"],
  ])("%s: the vLLM model's association says none (%s), updated in place; nothing else but the token's grant", (name, parameter) => {
    expect(changesOf(name)).toEqual({
      [at.association(VLLM)]: `update: parameters.${parameter}`,
      ...(name === "hf_token_parameter taken out" ? { "aws_iam_role_policy.llm_ec2_hf_token[0]": "delete" } : {}),
    });
    expect((row(name).changes.get(at.association(VLLM))!.change.after as { parameters: Record<string, string> }).parameters[parameter]).toBe(NO_VALUE);
  });

  test("a vLLM Auto Scaling model's engine_args: its association (which leaves running servers as they are) and a new launch template version its instance refresh rolls; nothing replaced", () => {
    const name = "a vLLM Auto Scaling model's engine_args";
    expect(changesOf(name)).toEqual({
      [at.association(VLLM_CACHE_GROUP)]: "update: parameters.EngineArgs",
      [at.template(VLLM_CACHE_GROUP)]: "update: default_version, latest_version, user_data",
      [at.group(VLLM_CACHE_GROUP)]: "update: launch_template[0].version",
    });
    expect((row(name).changes.get(at.association(VLLM_CACHE_GROUP))!.change.after as { parameters: Record<string, string> }).parameters).toMatchObject({
      EngineArgs: "max-num-seqs=64",
      UpgradeInPlace: "false",
    });
  });

  test("a model added in the middle plans exactly what one added at the end plans", () => {
    expect(row("a model added in the middle").summary).toEqual(row("a model added at the end").summary);
  });

  test("the middle model removed: its own resources, the main server's pull list, and the model-ready grant no group needs any more", () => {
    expect(changesOf("the middle model removed")).toEqual({
      ...asgModel(MISTRAL, "delete", true),
      [at.association(MAIN)]: "update: parameters.Models",
      [MODEL_READY_POLICY]: "delete",
      ...dashboardUpdate,
    });
  });

  test("the models reordered: only the dashboard follows the new order", () => {
    expect(changesOf("the models after the main one reordered")).toEqual({ ...dashboardUpdate });
  });

  test("an instance model's app_port, target groups named by model: the group and its name stay; the instance is registered again on the new port, where the health check follows it, and its association moves Ollama there", () => {
    const name = "an instance model's app_port";
    expect(changesOf(name)).toEqual({
      [at.attachment(QWEN)]: "replace (old first) for port: port",
      [at.association(QWEN)]: "update: parameters.AppPort",
      'aws_vpc_security_group_egress_rule.llm_alb_egress_app_port["11500"]': "create",
      'aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port["11500"]': "create",
    });
    // The group's own port is only the default of targets registered without one: it stays, and
    // the traffic and the health check go to the port the instance is registered on.
    const group = row(name).changes.get(at.targetGroup(QWEN))!.change;
    expect(group.actions).toEqual(["no-op"]);
    expect(group.after).toMatchObject({ name: QWEN, port: 11434, health_check: [expect.objectContaining({ port: "traffic-port" })] });
    expect(row(name).changes.get(at.attachment(QWEN))!.change.after).toMatchObject({ port: 11500 });
    expect((row(name).changes.get(at.association(QWEN))!.change.after as { parameters: Record<string, string> }).parameters).toMatchObject({ AppPort: "11500", UpgradeInPlace: "false" });
  });

  test("an instance model's app_port, target groups prefixed: its target group (whose name carries the port) is created on the new port before the old one goes, and what uses it follows", () => {
    const name = "an instance model's app_port, target groups prefixed";
    expect(changesOf(name)).toEqual({
      [at.targetGroup(QWEN)]: NEW_GROUP_FOR_PORT,
      [at.attachment(QWEN)]: "replace (old first) for port, target_group_arn: port",
      [at.rule(QWEN)]: "update: action[0].target_group_arn",
      [at.association(QWEN)]: "update: parameters.AppPort",
      [at.errorAlarm(QWEN)]: "update: metric_query[*].metric[0].dimensions",
      [at.healthAlarm(QWEN)]: "update: metric_query[*].metric[0].dimensions",
      'aws_vpc_security_group_egress_rule.llm_alb_egress_app_port["11500"]': "create",
      'aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port["11500"]': "create",
      ...dashboardUpdate,
    });
    expectNewGroupOnNewPort(name, QWEN);
  });

  test.each(["an Auto Scaling model's app_port", "an Auto Scaling model's app_port, target groups prefixed"])(
    "%s: its target group (always prefixed: its servers register on the group's port) is created on the new port before the old one goes; the servers take the port through the group's instance refresh (their association, which keeps a server's port, is untouched)",
    (name) => {
    expect(changesOf(name)).toEqual({
      [at.targetGroup(PHI)]: NEW_GROUP_FOR_PORT,
      [at.group(PHI)]: "update: launch_template[0].version, target_group_arns",
      [at.template(PHI)]: "update: default_version, latest_version, user_data",
      [at.rule(PHI)]: "update: action[0].target_group_arn",
      [at.errorAlarm(PHI)]: "update: metric_query[*].metric[0].dimensions",
      [at.healthAlarm(PHI)]: "update: metric_query[*].metric[0].dimensions",
      'aws_vpc_security_group_egress_rule.llm_alb_egress_app_port["11500"]': "create",
      'aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port["11500"]': "create",
      ...dashboardUpdate,
    });
    expectNewGroupOnNewPort(name, PHI);
    },
  );

  test("an Auto Scaling model's app_port plans the same with either naming", () => {
    expect(row("an Auto Scaling model's app_port").summary).toEqual(row("an Auto Scaling model's app_port, target groups prefixed").summary);
  });

  test("ollama_version: instance servers through the release rollout, Auto Scaling groups through their instance refresh (every model's own association runs again, keeping the release its servers run)", () => {
    expect(changesOf("ollama_version")).toEqual({
      [ROLLOUT]: "update: parameters.OllamaVersion",
      ...Object.fromEntries([MAIN, QWEN, GEMMA, MISTRAL, PHI].map((k) => [at.association(k), "update: parameters.OllamaVersion"])),
      ...Object.fromEntries([MISTRAL, PHI].map((k) => [at.template(k), "update: default_version, latest_version, user_data"])),
      ...Object.fromEntries([MISTRAL, PHI].map((k) => [at.group(k), "update: launch_template[0].version"])),
    });
  });

  test("ollama_version: the instance servers upgrade one at a time, not all in the same apply", () => {
    // An association runs as soon as it is updated; each instance model has its own, so the
    // associations' max_concurrency paces nothing between them.
    const changes = row("ollama_version").changes;
    const upgradedAtOnce = [...changes.entries()]
      .filter(([address, c]) => address.startsWith("aws_ssm_association.") && c.change.actions.join() === "update")
      .filter(([, c]) => (c.change.after as { parameters: Record<string, string> }).parameters.UpgradeInPlace === "true")
      .map(([address]) => address);
    expect(upgradedAtOnce.length).toBeLessThanOrEqual(1);
    // The one that upgrades paces every instance server: one at a time, stopping at the first failure,
    // over the tag that every instance server carries and no Auto Scaling group puts on its servers.
    expect(upgradedAtOnce).toEqual([ROLLOUT]);
    expect(changes.get(ROLLOUT)!.change.after).toMatchObject({
      max_concurrency: "1",
      max_errors: "0",
      targets: [{ key: `tag:${RELEASE_ROLLOUT_TAG}`, values: ["fleet"] }],
      parameters: { OllamaVersion: "0.13.1", AppPort: UNCHANGED_PORT, UpgradeInPlace: "true" },
    });
    // It pulls nothing: no Models, the document's default (none).
    expect(Object.keys((changes.get(ROLLOUT)!.change.after as { parameters: object }).parameters).sort()).toEqual(["AppPort", "OllamaVersion", "TimeoutSeconds", "UpgradeInPlace"]);
    for (const k of [MAIN, QWEN, GEMMA]) expect(changes.get(at.instance(k))!.change.after).toMatchObject({ tags: { [RELEASE_ROLLOUT_TAG]: "fleet" } });
    for (const k of [MISTRAL, PHI]) {
      const tags = (changes.get(at.group(k))!.change.after as { tag: Array<{ key: string }> }).tag.map((t) => t.key);
      expect(tags).not.toContain(RELEASE_ROLLOUT_TAG);
    }
  });

  test("a warm pool turned on: the group is updated in place (its servers roll for the model-ready part of the user data), and its model-ready hook created as a resource of its own", () => {
    expect(changesOf("warm pool turned on")).toEqual({
      [at.group(PHI)]: "update: launch_template[0].version, wait_for_capacity_timeout, warm_pool",
      [at.template(PHI)]: "update: default_version, latest_version, user_data",
      [at.hook(PHI)]: "create",
    });
  });

  test("a warm pool turned off: the group is updated in place, its hook deleted, and the model-ready grant no group needs any more", () => {
    expect(changesOf("warm pool turned off")).toEqual({
      [at.group(MISTRAL)]: "update: launch_template[0].version, wait_for_capacity_timeout, warm_pool",
      [at.template(MISTRAL)]: "update: default_version, latest_version, user_data",
      [at.hook(MISTRAL)]: "delete",
      [MODEL_READY_POLICY]: "delete",
    });
  });

  test("an instance model moved to an Auto Scaling group, target groups prefixed, keeps its target group and rule", () => {
    expect(changesOf("server_mode instance to asg, target groups prefixed")).toEqual({
      [at.instance(QWEN)]: "delete",
      [at.attachment(QWEN)]: "delete",
      [at.group(QWEN)]: "create",
      [at.template(QWEN)]: "create",
      [at.association(QWEN)]: "update: parameters.AppPort, targets[0].key, targets[0].values[0]",
      [at.healthAlarm(QWEN)]: expect.stringMatching(/^update: .*dimensions\.AutoScalingGroupName/),
      ...dashboardUpdate,
    });
  });

  test("an Auto Scaling model moved to an instance, target groups prefixed, keeps its target group and rule", () => {
    expect(changesOf("server_mode asg to instance, target groups prefixed")).toEqual({
      [at.group(PHI)]: "delete",
      [at.template(PHI)]: "delete",
      [at.instance(PHI)]: "create",
      [at.attachment(PHI)]: "create",
      [at.association(PHI)]: "update: parameters.AppPort, targets[0].key, targets[0].values",
      [at.healthAlarm(PHI)]: expect.stringMatching(/^update: .*dimensions\.AutoScalingGroupName/),
      ...dashboardUpdate,
    });
  });

  // With model names an instance's group is named by its key, and a group's always carries the
  // prefix and port: the group changes name, so it is replaced, the new one first.
  test("an instance model moved to an Auto Scaling group, target groups named by model: its target group is replaced new first under its prefixed name", () => {
    expect(changesOf("server_mode instance to asg")).toEqual({
      [at.instance(QWEN)]: "delete",
      [at.attachment(QWEN)]: "delete",
      [at.group(QWEN)]: "create",
      [at.template(QWEN)]: "create",
      [at.targetGroup(QWEN)]: "replace (new first) for name: name",
      [at.rule(QWEN)]: "update: action[0].target_group_arn",
      [at.association(QWEN)]: "update: parameters.AppPort, targets[0].key, targets[0].values[0]",
      [at.errorAlarm(QWEN)]: "update: metric_query[*].metric[0].dimensions",
      [at.healthAlarm(QWEN)]: expect.stringMatching(/^update: .*dimensions\.AutoScalingGroupName/),
      ...dashboardUpdate,
    });
  });

  test("an Auto Scaling model moved to an instance, target groups named by model: its target group is replaced new first under its key", () => {
    expect(changesOf("server_mode asg to instance")).toEqual({
      [at.group(PHI)]: "delete",
      [at.template(PHI)]: "delete",
      [at.instance(PHI)]: "create",
      [at.attachment(PHI)]: "create",
      [at.targetGroup(PHI)]: "replace (new first) for name: name",
      [at.rule(PHI)]: "update: action[0].target_group_arn",
      [at.association(PHI)]: "update: parameters.AppPort, targets[0].key, targets[0].values",
      [at.errorAlarm(PHI)]: "update: metric_query[*].metric[0].dimensions",
      // The alarm's metrics move from the group's to the target group's, whose ARN changes too.
      [at.healthAlarm(PHI)]:
        "update: metric_query[*].expression, metric_query[*].metric[0].dimensions, metric_query[*].metric[0].metric_name, metric_query[*].metric[0].namespace, treat_missing_data",
      ...dashboardUpdate,
    });
    expect((row("server_mode asg to instance").changes.get(at.targetGroup(PHI))!.change.after as { name: string }).name).toBe(PHI);
  });

  test("a subnet added: the load balancer and the groups take it in place, no instance moves, and the API's VPC link (which cannot change its subnets) is replaced new first", () => {
    expect(changesOf("a subnet added")).toEqual({
      "aws_lb.llm": "update: subnet_mapping, subnets",
      [at.group(MISTRAL)]: "update: vpc_zone_identifier",
      [at.group(PHI)]: "update: vpc_zone_identifier",
      "aws_apigatewayv2_vpc_link.llm[0]": "replace (new first) for subnet_ids: subnet_ids",
      // Every integration the API has (model management, and so root_delete, is off by default).
      ...Object.fromEntries(["get_model_in_path", "root_get", "root_head", "root_post"].map((i) => [`aws_apigatewayv2_integration.${i}[0]`, "update: connection_id"])),
    });
    // Under the same name: API Gateway identifies a link by its id.
    const link = row("a subnet added").changes.get("aws_apigatewayv2_vpc_link.llm[0]")!.change;
    expect((link.after as { name: string }).name).toBe((link.before as { name: string }).name);
  });

  test('target_group_names "prefixed": every instance model\'s group is created anew under the prefix before the old one goes, and what uses it follows; the Auto Scaling models\' groups, prefixed already, stay; no server is replaced', () => {
    const name = 'target_group_names "model" to "prefixed"';
    const all = [MAIN, QWEN, MISTRAL, GEMMA, PHI];
    const instances = [MAIN, QWEN, GEMMA];
    expect(changesOf(name)).toEqual({
      ...Object.fromEntries(instances.map((k) => [at.targetGroup(k), "replace (new first) for name: name"])),
      ...Object.fromEntries(instances.map((k) => [at.rule(k), "update: action[0].target_group_arn"])),
      ...Object.fromEntries(instances.map((k) => [at.attachment(k), "replace (old first) for target_group_arn"])),
      ...Object.fromEntries(instances.flatMap((k) => [at.errorAlarm(k), at.healthAlarm(k)].map((a) => [a, "update: metric_query[*].metric[0].dimensions"]))),
      "aws_lb_listener.llm_http": "update: default_action[0].target_group_arn",
      ...dashboardUpdate,
    });
    const names = all.map((k) => (row(name).changes.get(at.targetGroup(k))?.change.after as { name: string }).name);
    for (const n of names) expect(n).toMatch(/^fleet-[a-z0-9-]+$/);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(32);
    expect(new Set(names).size).toBe(names.length);
  });

  test("an instance model's Ollama settings: only its association's parameters, in place; its run rewrites the unit and restarts Ollama once (the server is not replaced, its user data is ignored)", () => {
    const name = "an instance model's Ollama settings";
    expect(changesOf(name)).toEqual({
      [at.association(QWEN)]: "update: parameters.ContextLength, parameters.KeepAlive, parameters.KvCacheType, parameters.NumParallel",
    });
    expect((row(name).changes.get(at.association(QWEN))!.change.after as { parameters: Record<string, string> }).parameters).toMatchObject({
      ContextLength: "32768",
      NumParallel: "2",
      KvCacheType: "q8_0",
      KeepAlive: "-1",
      AppPort: "11434",
      UpgradeInPlace: "false",
    });
  });

  test("an Auto Scaling model's Ollama settings: a new launch template version that its group's instance refresh rolls out (new servers first); its association passes them but keeps the running servers' (AppPort unchanged)", () => {
    const name = "an Auto Scaling model's Ollama settings";
    expect(changesOf(name)).toEqual({
      [at.template(PHI)]: "update: default_version, latest_version, user_data",
      [at.group(PHI)]: "update: launch_template[0].version",
      [at.association(PHI)]: "update: parameters.ContextLength, parameters.KeepAlive, parameters.KvCacheType, parameters.NumParallel",
    });
    expect((row(name).changes.get(at.association(PHI))!.change.after as { parameters: Record<string, string> }).parameters).toMatchObject({
      AppPort: UNCHANGED_PORT,
      UpgradeInPlace: "false",
    });
    const group = row(name).changes.get(at.group(PHI))!.change.after as { instance_refresh: Array<{ strategy: string; preferences: Array<{ min_healthy_percentage: number }> }> };
    expect(group.instance_refresh[0]).toMatchObject({ strategy: "Rolling", preferences: [expect.objectContaining({ min_healthy_percentage: 100 })] });
  });

  // The word, not an empty string: the provider plans no change from "32768" to "", and the server would keep 32768.
  test("an instance model's context_length left out again: its association goes back to Ollama's default", () => {
    const name = "an instance model's context_length back to Ollama's default";
    expect(changesOf(name)).toEqual({ [at.association(QWEN)]: "update: parameters.ContextLength" });
    const change = row(name).changes.get(at.association(QWEN))!.change;
    expect({
      before: (change.before as { parameters: Record<string, string> }).parameters.ContextLength,
      after: (change.after as { parameters: Record<string, string> }).parameters.ContextLength,
    }).toEqual({ before: "32768", after: "default" });
  });

  test("the weight cache turned on with a bucket of its own: the bucket, the servers' grant and the metrics created; the document and the launch templates learn the bucket; no instance changes", () => {
    expect(changesOf("the weight cache turned on, a bucket of its own")).toEqual({
      ...Object.fromEntries([...CACHE_BUCKET, CACHE_POLICY, ...CACHE_METRICS].map((a) => [a, "create"])),
      ...documentUpdate,
      ...groupsRoll,
      ...dashboardUpdate,
    });
  });

  test("the weight cache turned on in an existing bucket, with a gateway endpoint: the grant, the endpoint and the metrics, the same updates, and no bucket of its own", () => {
    expect(changesOf("the weight cache turned on, an existing bucket and a gateway endpoint")).toEqual({
      ...Object.fromEntries([CACHE_POLICY, "aws_vpc_endpoint.model_cache[0]", ...CACHE_METRICS].map((a) => [a, "create"])),
      ...documentUpdate,
      ...groupsRoll,
      ...dashboardUpdate,
    });
  });

  test("the cache's prefix: the servers' grant and their scripts follow it in place", () => {
    expect(changesOf("model_cache_prefix, the cache on")).toEqual({
      [CACHE_POLICY]: "update: policy",
      ...documentUpdate,
      ...groupsRoll,
    });
  });

  test("the weight cache turned off: the grant and the metrics go, the scripts forget the bucket; no instance changes", () => {
    expect(changesOf("the weight cache turned off")).toEqual({
      ...Object.fromEntries([CACHE_POLICY, ...CACHE_METRICS].map((a) => [a, "delete"])),
      ...documentUpdate,
      ...groupsRoll,
      ...dashboardUpdate,
    });
  });

  // vLLM's servers learn the cache from their association's parameters: turning it on or off runs
  // each vLLM model's association at once (an instance server restores or seeds, restarting nothing);
  // a vLLM group's new launch template rolls its servers like an Ollama group's.
  test.each([
    ["the weight cache turned on, with vLLM models", "create", { ModelCacheBucket: "acme-model-weights", ModelCachePrefix: "model-cache/", ModelCacheRegion: OFFLINE_REGION }],
    ["the weight cache turned off, with vLLM models", "delete", { ModelCacheBucket: "-", ModelCachePrefix: "-", ModelCacheRegion: "-" }],
  ])("%s: what the Ollama-only fleet plans, and each vLLM model's association and a vLLM group's launch template version; no server replaced", (name, action, parameters) => {
    const cacheParameters = "update: parameters.ModelCacheBucket, parameters.ModelCachePrefix, parameters.ModelCacheRegion";
    expect(changesOf(name)).toEqual({
      ...Object.fromEntries([CACHE_POLICY, ...CACHE_METRICS].map((a) => [a, action])),
      ...documentUpdate,
      ...groupsRoll,
      ...dashboardUpdate,
      [at.association(VLLM)]: cacheParameters,
      [at.association(VLLM_CACHE_GROUP)]: cacheParameters,
      [at.template(VLLM_CACHE_GROUP)]: "update: default_version, latest_version, user_data",
      [at.group(VLLM_CACHE_GROUP)]: "update: launch_template[0].version",
    });
    for (const k of [VLLM, VLLM_CACHE_GROUP]) {
      expect((row(name).changes.get(at.association(k))!.change.after as { parameters: Record<string, string> }).parameters).toMatchObject(parameters);
    }
  });

  test("a model's instance_type: its server is updated in place (stopped and started), nothing else", () => {
    expect(changesOf("a model's instance_type")).toEqual({ [at.instance(GEMMA)]: "update: instance_type, public_dns, public_ip" });
  });
});

// A model's scaling is its policies and alarms: turning it on, changing a target or turning it off
// never touches a server, a launch template or another model; the group changes in place (its
// warm-up, and the sizes the row sets), and the router learns which groups it may start.
describe("what a grace period changes plan", () => {
  // The vLLM group's warm pool: its model-ready hook and wait follow the grace period, and so does the
  // model-ready part of its user data (a new launch template version, rolled by the instance refresh).
  const graceChanged = (k: string, warmPool: boolean) => ({
    [at.group(k)]: `update: health_check_grace_period, instance_refresh[0].preferences[0].instance_warmup${warmPool ? ", launch_template[0].version, wait_for_capacity_timeout" : ""}`,
    ...(warmPool ? { [at.hook(k)]: "update: heartbeat_timeout", [at.template(k)]: "update: default_version, latest_version, user_data" } : {}),
  });

  test("set on a fleet with a vLLM Auto Scaling model: every group (and warm-pool hook) takes it in place, nothing is replaced", () => {
    const name = "asg_health_check_grace_period_seconds set, a vLLM Auto Scaling model's derived before";
    expect(changesOf(name)).toEqual({ ...graceChanged(MISTRAL, true), ...graceChanged(PHI, false), ...graceChanged(VLLM_GROUP, true) });
    const after = row(name).changes.get(at.group(VLLM_GROUP))!.change.after as { health_check_grace_period: number };
    expect(after.health_check_grace_period).toBe(2400);
  });

  test("set to 1800: only the vLLM model's group changes (from its derived 3540 s), the Ollama groups have 1800 already", () => {
    const name = "asg_health_check_grace_period_seconds set to the Ollama models' 1800, a vLLM Auto Scaling model's derived before";
    expect(changesOf(name)).toEqual(graceChanged(VLLM_GROUP, true));
    const group = row(name).changes.get(at.group(VLLM_GROUP))!.change;
    expect([(group.before as { health_check_grace_period: number }).health_check_grace_period, (group.after as { health_check_grace_period: number }).health_check_grace_period]).toEqual([3540, 1800]);
  });
});

describe("what scaling changes plan", () => {
  test("scaling on load turned on (with the max_size a target needs): the group in place, one policy per target; no launch template, so no server rolls", () => {
    expect(changesOf("scaling on load turned on for a running Auto Scaling model")).toEqual({
      [at.group(PHI)]: "update: default_instance_warmup, max_size",
      [at.policy("requests", PHI)]: "create",
      [at.policy("gpu", PHI)]: "create",
    });
  });

  test("a scaling target: that policy, in place, and nothing else", () => {
    expect(changesOf("a scaling target")).toEqual({ [at.policy("requests", PHI)]: "update: target_tracking_configuration[0].target_value" });
  });

  test("scale to zero turned on: the group in place, its idle alarm and scale-to-zero policy, and the router's list of groups it may start and its permission on them", () => {
    expect(changesOf("scale to zero turned on for a running Auto Scaling model")).toEqual({
      [at.group(MISTRAL)]: "update: default_instance_warmup, min_size",
      [at.policy("scale_to_zero", MISTRAL)]: "create",
      [at.idleAlarm(MISTRAL)]: "create",
      [ROUTER_FUNCTION]: "update: environment[0].variables.ROUTER_WAKE_GROUPS",
      [ROUTER_POLICY]: "update: policy",
    });
  });

  test("scaling removed: its policies and alarm go, the group's warm-up is switched off in place, and the router may start no group (nor call out)", () => {
    expect(changesOf("scaling removed")).toEqual({
      "aws_vpc_security_group_egress_rule.router_to_ssm[0]": "delete",
      [at.group(PHI)]: "update: default_instance_warmup",
      [at.policy("requests", PHI)]: "delete",
      [at.policy("scale_to_zero", PHI)]: "delete",
      [at.idleAlarm(PHI)]: "delete",
      [ROUTER_FUNCTION]: expect.stringMatching(/^update: environment\[0\]\.variables\.ROUTER_WAKE_GROUPS, environment\[0\]\.variables\.ROUTER_WAKE_WAIT_SECONDS$/),
      [ROUTER_POLICY]: "update: policy",
    });
  });

  test("router_wake_wait_seconds: the router's environment alone", () => {
    expect(changesOf("router_wake_wait_seconds")).toEqual({ [ROUTER_FUNCTION]: "update: environment[0].variables.ROUTER_WAKE_WAIT_SECONDS" });
  });
});
