import { ListTerraformIterator, MapTerraformIterator, TerraformIterator, TerraformLocal, Token } from "cdktf";
import { Construct } from "constructs";
import { familyArchitectures, familySizes } from "../catalog/instance-families";
import { ELB_NAME_PATTERN, hclAlternateModelName, TARGET_GROUP_STEM_LENGTH } from "../config/derive";
import { FAMILY_SIZES_LOCAL } from "../config/rules";
import { LlmEc2Config } from "../config/types";
import { DeepLearningAmis } from "./deep-learning-amis";
import { hcl } from "./hcl";

/** Characters the original module strips from a model name to make its key (`llama3:8b` -> `llama38b`). */
export const KEY_STRIP_REGEX = "/[-_.:]/";

/** Model-ready health check: `GET /v1/models/<model>` (OpenAI-compatible route of Ollama). */
export const HEALTH_CHECK_PATH_PREFIX = "/v1/models/";
/** For model names with `/`: Ollama's root, "Ollama is running". */
export const HEALTH_CHECK_FALLBACK_PATH = "/";

export interface ModelTableProps {
  /** The model servers, in order: the first is the main server, which pulls every model. */
  readonly configs: readonly LlmEc2Config[];
  /** Private subnets; the n-th model runs in the n-th, wrapping around. */
  readonly subnetIds: readonly string[];
  /** The availability zone of each subnet, in the order of `subnetIds`. */
  readonly availabilityZones: readonly string[];
  /** Prefix of the servers' `Name` tags. */
  readonly prefix: string;
  /** Where a model without an `ami_id` finds its AMI, by its family's architecture. */
  readonly amis: DeepLearningAmis;
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

  constructor(scope: Construct, id: string, props: ModelTableProps) {
    super(scope, id);
    // A literal list of objects goes through a local of its own (hcl() explains why).
    const configs = Token.isUnresolved(props.configs) ? hcl(props.configs) : literalConfigs(this, props.configs);
    const prefix = hcl(props.prefix);

    const familyArch = new TerraformLocal(this, "instance_family_arch", familyArchitectures());
    familyArch.overrideLogicalId("instance_family_arch");
    // Read by the instance-size rule's precondition (src/config/rules.ts).
    new TerraformLocal(this, FAMILY_SIZES_LOCAL, familySizes()).overrideLogicalId(FAMILY_SIZES_LOCAL);

    const key = `replace(c.llm_model, "${KEY_STRIP_REGEX}", "")`;
    // Mirrors targetGroupName() in src/config/derive.ts: valid keys stay as they are.
    const stem = `trim(substr(trim(replace(lower(${key}), "/[^a-z0-9]+/", "-"), "-"), 0, ${TARGET_GROUP_STEM_LENGTH}), "-")`;
    const targetGroupName =
      `can(regex(${JSON.stringify(ELB_NAME_PATTERN)}, ${key})) ? ${key} : ` +
      `format("%s-%s", ${stem} == "" ? "model" : ${stem}, substr(sha1(c.llm_model), 0, 8))`;
    const family = `split(".", c.instance_type)[0]`;
    const arch = `lookup(${familyArch.expression}, ${family}, "")`;
    const defaultAmi = `${arch} == "arm64" ? ${props.amis.arm64.id} : ${props.amis.x86.id}`;
    const row = [
      `index = i`,
      `llm_model = c.llm_model`,
      // The same model spelled the other way (`llama3` / `llama3:latest`), or null: requests may use either.
      `alternate_llm_model = ${hclAlternateModelName("c.llm_model")}`,
      `instance_type = c.instance_type`,
      `ami = c.ami_id != "" ? c.ami_id : (${defaultAmi})`,
      `subnet_id = element(${hcl(props.subnetIds)}, i)`,
      `availability_zone = element(${hcl(props.availabilityZones)}, i)`,
      `ebs_volume_gb = c.ebs_volume_gb`,
      `app_port = c.app_port`,
      `is_main = i == 0`,
      `pull_models = i == 0 ? [for m in ${configs} : m.llm_model] : [c.llm_model]`,
      `priority = i + 1`,
      `name = i == 0 ? format("%s-main-%s", ${prefix}, c.llm_model) : format("%s-%s", ${prefix}, c.llm_model)`,
      `target_group_name = ${targetGroupName}`,
      // Ollama answers 404 here until the model is pulled; a name with "/" is no single path
      // segment, so its server is checked for running only (see README, health checks).
      `health_check_path = strcontains(c.llm_model, "/") ? "${HEALTH_CHECK_FALLBACK_PATH}" : format("${HEALTH_CHECK_PATH_PREFIX}%s", c.llm_model)`,
    ];
    this.models = new TerraformLocal(this, "llm_models", `\${{ for i, c in ${configs} : ${key} => { ${row.join(", ")} } }}`);
    this.models.overrideLogicalId("llm_models");

    this.mainKey = new TerraformLocal(this, "main_model_key", `\${replace(${configs}[0].llm_model, "${KEY_STRIP_REGEX}", "")}`);
    this.mainKey.overrideLogicalId("main_model_key");

    this.appPorts = new TerraformLocal(this, "app_ports", `\${toset([for m in ${this.models.expression} : tostring(m.app_port)])}`);
    this.appPorts.overrideLogicalId("app_ports");

    this.iterator = TerraformIterator.fromMap(this.models.expression);
  }

  /** `for_each` over the distinct app ports: `each.key` is the port as a string. */
  public appPortIterator(): ListTerraformIterator {
    return TerraformIterator.fromList(this.appPorts.asList);
  }
}

function literalConfigs(scope: Construct, configs: readonly LlmEc2Config[]): string {
  const local = new TerraformLocal(scope, "llm_ec2_configs", configs);
  local.overrideLogicalId("llm_ec2_configs");
  return local.expression;
}
