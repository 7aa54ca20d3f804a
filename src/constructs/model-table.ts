import { ListTerraformIterator, MapTerraformIterator, TerraformIterator, TerraformLocal, Token } from "cdktf";
import { Construct } from "constructs";
import { familyArchitectures, INSTANCE_FAMILIES } from "../catalog/instance-families";
import { gpusByInstanceType } from "../config/rules/engines";
import {
  ELB_NAME_PATTERN,
  hclDerivedListenerPriority,
  hclPrefixedTargetGroupName,
  TARGET_GROUP_STEM_LENGTH,
  TargetGroupNames,
} from "../config/derive";
import { hclDerivedGracePeriod } from "../catalog/first-load";
import { GP3 } from "../config/rules/kit";
import { DEFAULT_ENGINE, hclPerEngine } from "../engines";
import { OLLAMA_HEALTH_CHECK_FALLBACK_PATH, OLLAMA_HEALTH_CHECK_PATH_PREFIX } from "../engines/ollama";
import { BFLOAT16_MIN_COMPUTE_CAPABILITY } from "../engines/vllm";
import { OLLAMA_KEEP_ALIVE } from "../config/ollama-settings";
import { LlmEc2ConfigEntry, ScalingSchedule, ServerMode } from "../config/types";
import { CustomAmis } from "./custom-amis";
import { DeepLearningAmis } from "./deep-learning-amis";
import { hclText } from "./hcl";
import { address } from "./refs";

/** The fields of a model's `scaling`, each a column of the row (null when not set). */
export const SCALING_FIELDS = ["requests_per_server_per_minute", "gpu_utilization_percent", "concurrent_requests_per_server", "scale_to_zero_after_minutes"] as const;

/** Characters the original module strips from a model name to make its key (`llama3:8b` -> `llama38b`). */
export const KEY_STRIP_REGEX = "/[-_.:]/";

/** Ollama's model-ready health check: `GET /v1/models/<model>` (its OpenAI-compatible route). */
export const HEALTH_CHECK_PATH_PREFIX = OLLAMA_HEALTH_CHECK_PATH_PREFIX;
/** For Ollama model names with `/`: Ollama's root, "Ollama is running". */
export const HEALTH_CHECK_FALLBACK_PATH = OLLAMA_HEALTH_CHECK_FALLBACK_PATH;

/**
 * The fields an entry may leave out and their values, as the module's variable type fills them: a
 * literal list (the constructs built from literal values) gets them filled the same way.
 */
export const ENGINE_FIELD_DEFAULTS = {
  engine: DEFAULT_ENGINE,
  served_model_name: "",
  max_model_len: 0,
  tensor_parallel_size: 0,
  gpu_memory_utilization: 0.9,
  dtype: "",
  quantization: "",
} as const;

export interface ModelTableProps {
  /** The model servers, in order: the first is the main server, which pulls every model. */
  readonly configs: readonly LlmEc2ConfigEntry[];
  /**
   * Private subnets; a new server of the n-th model goes to the n-th, wrapping around, as the
   * original placed them (running servers never move: the servers ignore their placement).
   */
  readonly subnetIds: readonly string[];
  /** The availability zone of each subnet, in the order of `subnetIds`. */
  readonly availabilityZones: readonly string[];
  /** Prefix of the servers' `Name` tags. */
  readonly prefix: string;
  /** Where a model without an `ami_id` finds its AMI, by its family's architecture. */
  readonly amis: DeepLearningAmis;
  /** server_mode of the models that set none. @default "instance" */
  readonly defaultServerMode?: ServerMode;
  /** Scheduled sizes of the Auto Scaling groups: a scheduled group's min and max cover every schedule of it. @default [] */
  readonly schedules?: readonly ScalingSchedule[];
  /** Target groups named after the model's key ("model"), or with the prefix and port too ("prefixed"). @default "model" */
  readonly targetGroupNames?: TargetGroupNames;
  /**
   * The servers' root volume throughput, MiB/s: how fast a vLLM model without an instance store reads
   * its weights, for its derived grace period. @default 125 (gp3's baseline: the longest grace)
   */
  readonly rootVolumeThroughputMibps?: number;
}

/**
 * The one place where per-model values are derived: a map from model key to everything the
 * per-model resources need. Every per-model resource iterates over it, so its keys are the keys
 * of their addresses (`aws_instance.llm["llama38b"]`).
 */
export class ModelTable extends Construct {
  public readonly models: TerraformLocal;
  public readonly mainKey: TerraformLocal;
  /** The distinct app ports, as strings (the keys of the per-port ingress rules). */
  public readonly appPorts: TerraformLocal;
  /** `for_each` over `models`: `each.key` is the model key, `each.value` its row. */
  public readonly iterator: MapTerraformIterator;
  /** The look-ups of the `ami_id`s models give (their root device and snapshot size). */
  public readonly customAmis: CustomAmis;
  private readonly amiRootsOperand: string;
  /** The schedules, as an HCL operand (a list of objects with `time_zone` and `models`, which may be null). */
  public readonly schedules: string;

  constructor(scope: Construct, id: string, props: ModelTableProps) {
    super(scope, id);
    // A literal list of objects goes through a local of its own (hcl() explains why).
    const configs = Token.isUnresolved(props.configs) ? hclText(this, props.configs) : literalConfigs(this, props.configs);
    const prefix = hclText(this, props.prefix);

    const familyArch = new TerraformLocal(this, "instance_family_arch", familyArchitectures());
    familyArch.overrideLogicalId("instance_family_arch");
    // What an engine needs of the instance type: its GPUs and their compute capability (from the catalog).
    const typeGpus = new TerraformLocal(this, "instance_type_gpus", gpusByInstanceType());
    typeGpus.overrideLogicalId("instance_type_gpus");
    const familyCc = new TerraformLocal(
      this,
      "instance_family_compute_capability",
      Object.fromEntries(Object.entries(INSTANCE_FAMILIES).map(([name, f]) => [name, f.computeCapability])),
    );
    familyCc.overrideLogicalId("instance_family_compute_capability");
    // Each entry with the engine fields it left out filled, as the module's variable type fills them
    // (the defaults in a local of their own: hcl() explains why).
    const fieldDefaults = new TerraformLocal(this, "engine_field_defaults", { ...ENGINE_FIELD_DEFAULTS });
    fieldDefaults.overrideLogicalId("engine_field_defaults");
    const entries = `[for c in ${configs} : merge(${hclText(this, fieldDefaults.expression)}, c)]`;
    // The main server: the load balancer's default target, which answers the calls that name no model
    // (Ollama's /api/tags, /api/version through the API door). The first Ollama model's, so adding a
    // model of another engine anywhere in the list moves nothing; the first model's when none is Ollama's.
    this.mainKey = new TerraformLocal(
      this,
      "main_model_key",
      `\${replace(try([for c in ${entries} : c.llm_model if c.engine == "ollama"][0], ${configs}[0].llm_model), "${KEY_STRIP_REGEX}", "")}`,
    );
    this.mainKey.overrideLogicalId("main_model_key");
    const mainKey = hclText(this, this.mainKey.expression);

    const key = `replace(c.llm_model, "${KEY_STRIP_REGEX}", "")`;
    // Mirrors targetGroupName() in src/config/derive.ts: valid keys stay as they are.
    const stem = `trim(substr(trim(replace(lower(${key}), "/[^a-z0-9]+/", "-"), "-"), 0, ${TARGET_GROUP_STEM_LENGTH}), "-")`;
    const stableName =
      `can(regex(${JSON.stringify(ELB_NAME_PATTERN)}, ${key})) ? ${key} : ` +
      `format("%s-%s", ${stem} == "" ? "model" : ${stem}, substr(sha1(c.llm_model), 0, 8))`;
    const defaultMode = hclText(this, props.defaultServerMode ?? "instance");
    // Optional fields through try(): the module's variable type fills them, a literal list may leave them out.
    const mode = `coalesce(try(c.server_mode, null), ${defaultMode})`;
    // Mirrors targetGroupNameFor() in src/config/derive.ts: an Auto Scaling model's group is always
    // prefixed (its servers register on the group's port, so a new port needs a new group).
    const targetGroupName =
      `${hclText(this, props.targetGroupNames ?? "model")} == "prefixed" || ${mode} == "asg" ? ${hclPrefixedTargetGroupName(prefix, "c.llm_model", key, "c.app_port")} : (${stableName})`;
    // Only groups' AMIs: a launch template maps its root volume by the AMI's root device name. An
    // instance's own AMI is not looked up: one deregistered since must not fail a running server's plan.
    const customAmiIds = new TerraformLocal(
      this,
      "custom_ami_ids",
      `\${toset([for c in ${configs} : c.ami_id if c.ami_id != "" && ${mode} == "asg"])}`,
    );
    customAmiIds.overrideLogicalId("custom_ami_ids");
    this.customAmis = new CustomAmis(this, "custom_amis", { amiIds: customAmiIds.asList, configs });
    const schedules = Token.isUnresolved(props.schedules) ? hclText(this, props.schedules) : literalSchedules(this, props.schedules ?? []);
    this.schedules = schedules;

    const family = `split(".", c.instance_type)[0]`;
    const arch = `lookup(${hclText(this, familyArch.expression)}, ${family}, "")`;
    // Each Deep Learning AMI is looked up only when a model without an ami_id runs on its
    // architecture: a region without a public arm64 (or x86_64) one still plans.
    const usesDlami = (isArm: boolean) => `length([for c in ${configs} : c if c.ami_id == "" && ${isArm ? "" : "!"}(${arch} == "arm64")]) > 0`;
    props.amis.lookUpOnlyWhen({ arm64: usesDlami(true), x86_64: usesDlami(false) });
    const defaultAmi = `${arch} == "arm64" ? ${props.amis.arm64Id} : ${props.amis.x86Id}`;
    // Root device name and root snapshot size of each AMI a model may run: the launch template maps
    // the root volume by name, and a root volume smaller than the snapshot fails at launch. Not a
    // local: it reads whole look-ups, and llm_models stays evaluable from the AMI ids alone.
    this.amiRootsOperand =
      `{ for k, ami in merge({ for k, looked in { arm64 = ${address(props.amis.arm64, true)}, x86_64 = ${address(props.amis.x86, true)} } : k => looked[0] if length(looked) > 0 }, ` +
      `${address(this.customAmis.lookUps, true)}) : k => { ` +
      `device_name = ami.root_device_name, ` +
      `snapshot_gb = try(max([for m in ami.block_device_mappings : tonumber(m.ebs["volume_size"]) if m.device_name == ami.root_device_name]...), 0) } }`;
    // The key of the model's AMI among those roots: its ami_id, or its family's architecture.
    const amiKey = `c.ami_id != "" ? c.ami_id : (${arch} == "arm64" ? "arm64" : "x86_64")`;
    const size = (field: string) => `try(c.${field}, 1)`;
    const scheduled = (field: string) =>
      `[for s in ${schedules} : s.${field} if ${mode} == "asg" && (try(s.models, null) == null ? true : contains(try(s.models, []), c.llm_model))]`;
    const engine = `c.engine`;
    const gpus = `lookup(${hclText(this, typeGpus.expression)}, c.instance_type, 1)`;
    const computeCapability = `lookup(${hclText(this, familyCc.expression)}, ${family}, 0)`;
    const subnets = hclText(this, props.subnetIds);
    const row = [
      `index = i`,
      `llm_model = c.llm_model`,
      // The engine that serves it, and the name clients send as `model` (the listener rule's value).
      `engine = ${engine}`,
      `served_name = ${hclPerEngine(engine, (e) => e.hcl.servedName("c"))}`,
      // The same model spelled the other way (`llama3` / `llama3:latest`), or null: requests may use either.
      `alternate_llm_model = ${hclPerEngine(engine, (e) => e.hcl.alternateName("c"))}`,
      `instance_type = c.instance_type`,
      `ami = c.ami_id != "" ? c.ami_id : (${defaultAmi})`,
      // Where a new server goes: by position, round robin over the subnets, as the original. The
      // servers ignore it once they run, so a reorder or a new subnet moves none.
      `subnet_id = element(${subnets}, i)`,
      `availability_zone = element(${hclText(this, props.availabilityZones)}, i)`,
      `ebs_volume_gb = c.ebs_volume_gb`,
      `app_port = c.app_port`,
      `is_main = ${key} == ${mainKey}`,
      // What the bootstrap pulls with `ollama pull`: on the main server its own model first, then
      // the other Ollama models sorted (a reorder of the list does not change its association, whose
      // every update runs it again); the server's own on the others; nothing on another engine's.
      `pull_models = ${engine} != "ollama" ? [] : (${key} == ${mainKey} ? concat([c.llm_model], sort([for m in ${entries} : m.llm_model if m.engine == "ollama" && m.llm_model != c.llm_model])) : [c.llm_model])`,
      // Derived from the model's key unless the entry sets it: other models never move it, and it
      // is 1000 or more, so it never takes a priority the original module gave by position (1-100).
      `listener_priority = coalesce(try(c.listener_priority, null), ${hclDerivedListenerPriority(key)})`,
      `name = ${key} == ${mainKey} ? format("%s-main-%s", ${prefix}, c.llm_model) : format("%s-%s", ${prefix}, c.llm_model)`,
      // The same without the main server's mark: what a launch template writes into its versions,
      // so a new first entry does not roll a group's servers.
      `server_name = format("%s-%s", ${prefix}, c.llm_model)`,
      // The model in names that must not follow target_group_names or the port (groups, alarms).
      `stable_name = ${stableName}`,
      `target_group_name = ${targetGroupName}`,
      // Ollama answers 404 on its path until the model is pulled (a name with "/" is no single path
      // segment, so its server is checked for running only; see docs/fleet.md, "Health checks"); vLLM's
      // /health answers once the model is loaded.
      `health_check_path = ${hclPerEngine(engine, (e) => e.hcl.healthCheckPath("c"))}`,
      // What the model-ready hook polls, and what the answer must hold ("" : the status is enough).
      `ready_path = ${hclPerEngine(engine, (e) => e.hcl.readyPath("c"))}`,
      `ready_match = ${hclPerEngine(engine, (e) => e.hcl.readyMatch("c"))}`,
      // The engine's settings, resolved for the instance type: every GPU unless told otherwise, and
      // float16 ("half") where the GPU has no bfloat16.
      `tensor_parallel_size = c.tensor_parallel_size != 0 ? c.tensor_parallel_size : ${gpus}`,
      `dtype = c.dtype != "" ? c.dtype : (${computeCapability} > 0 && ${computeCapability} < ${BFLOAT16_MIN_COMPUTE_CAPABILITY} ? "half" : "auto")`,
      `max_model_len = c.max_model_len`,
      `gpu_memory_utilization = c.gpu_memory_utilization`,
      `quantization = c.quantization`,
      // vLLM's extra flags as the bootstrap reads them: flag=value pairs in the flags' order (a map's).
      `engine_args = join(",", [for k, v in try(c.engine_args, {}) : format("%s=%s", k, v)])`,
      // A warm pool stops its servers, which empties an instance store: their weights stay on the root volume.
      `cache_on_instance_store = !try(c.warm_pool, false)`,
      // The health check grace period of the model's group when the caller sets none: the model's
      // first load (src/catalog/first-load.ts); 1800 for an Ollama model.
      `derived_grace_period = ${hclDerivedGracePeriod("c", hclText(this, props.rootVolumeThroughputMibps ?? GP3.minThroughput))}`,
      `server_mode = ${mode}`,
      // The Auto Scaling group and launch template name: the prefix and the stable name (valid, unique per model).
      `group_name = format("%s-%s", ${prefix}, ${stableName})`,
      `ami_key = ${amiKey}`,
      `desired_capacity = ${size("desired_capacity")}`,
      // A scheduled group's bounds cover every schedule of it, so an apply between two scheduled
      // actions widens them and never moves the capacity a schedule set (docs/fleet.md, "Schedules").
      `min_size = min(concat([${size("min_size")}], ${scheduled("min_size")})...)`,
      `max_size = max(concat([${size("max_size")}], ${scheduled("max_size")})...)`,
      `scheduled = length(${scheduled("name")}) > 0`,
      `spot = try(c.spot, false)`,
      `warm_pool = try(c.warm_pool, false)`,
      // Ollama's settings: null leaves Ollama's own default (the server's unit names none).
      `context_length = try(c.context_length, null)`,
      `num_parallel = try(c.num_parallel, null)`,
      `kv_cache_type = try(c.kv_cache_type, null)`,
      `keep_alive = coalesce(try(c.keep_alive, null), ${JSON.stringify(OLLAMA_KEEP_ALIVE)})`,
      // Load scaling (docs/scaling.md): each target null when the entry sets none.
      ...SCALING_FIELDS.map((f) => `${f} = ${mode} == "asg" ? try(c.scaling.${f}, null) : null`),
    ];
    this.models = new TerraformLocal(this, "llm_models", `\${{ for i, c in ${entries} : ${key} => { ${row.join(", ")} } }}`);
    this.models.overrideLogicalId("llm_models");

    this.appPorts = new TerraformLocal(this, "app_ports", `\${toset([for m in ${this.models.expression} : tostring(m.app_port)])}`);
    this.appPorts.overrideLogicalId("app_ports");

    this.iterator = TerraformIterator.fromMap(this.models.expression);
  }

  /** `for_each` over the models of one server kind, keyed and shaped like `iterator`. */
  public iteratorFor(mode: ServerMode): MapTerraformIterator {
    return TerraformIterator.fromMap(Token.asAnyMap(this.modelsOf(mode)));
  }

  /** The rows of the models of one server kind, as a `${...}` map expression. */
  public modelsOf(mode: ServerMode): string {
    return `\${${this.modelsOfOperand(mode)}}`;
  }

  /** The same map as an operand of a larger expression (no `${}` around it). */
  public modelsOfOperand(mode: ServerMode): string {
    return `{ for k, m in ${this.modelsOperand} : k => m if m.server_mode == "${mode}" }`;
  }

  /**
   * Inside a `for_each` over the models: the root device of the model's AMI, `device_name` or
   * `snapshot_gb` (0 when the look-up tells none), as an operand.
   */
  public rootDevice(attribute: "device_name" | "snapshot_gb"): string {
    // An instance with its own ami_id has no look-up: nothing to check it against.
    return `try(${this.amiRootsOperand}[${this.modelsOperand}[each.key].ami_key].${attribute}, ${attribute === "snapshot_gb" ? "0" : "null"})`;
  }

  /** `local.llm_models`, as an operand of a larger expression. */
  public get modelsOperand(): string {
    return hclText(this, this.models.expression);
  }

  /** `for_each` over the distinct app ports: `each.key` is the port as a string. */
  public appPortIterator(): ListTerraformIterator {
    return TerraformIterator.fromList(this.appPorts.asList);
  }
}

function literalSchedules(scope: Construct, schedules: readonly ScalingSchedule[]): string {
  if (schedules.length === 0) return "[]";
  const local = new TerraformLocal(scope, "schedules", schedules.map((s) => ({ time_zone: "UTC", models: null, ...s })));
  local.overrideLogicalId("schedules");
  return hclText(scope, local.expression);
}

function literalConfigs(scope: Construct, configs: readonly LlmEc2ConfigEntry[]): string {
  const local = new TerraformLocal(scope, "llm_ec2_configs", configs);
  local.overrideLogicalId("llm_ec2_configs");
  return hclText(scope, local.expression);
}
