import { TerraformLocal, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { DEFAULT_BITS, EXPERTS_PATTERN, PARAMETERS_PATTERN, QUANT_BITS } from "../catalog/weights-on-disk";
import { ModelTable } from "./model-table";

/** Name of the module's `check` block. */
export const ROOT_VOLUME_CHECK = "root_volume_holds_models";
/** model name -> estimated GiB of its weights, or null when the tag gives no parameter count. */
export const MODEL_WEIGHTS_LOCAL = "model_weights_gib";

export interface RootVolumeCheckProps {
  /** The servers: each pulls `pull_models` onto a root volume of `ebs_volume_gb`. */
  readonly models: ModelTable;
}

/**
 * A warning at plan, not an error, when a server's models probably do not fit its root volume:
 * the main server pulls every Ollama model (a vLLM server's `pull_models` is empty: vLLM downloads
 * its own weights into a cache of its own). The estimate is `weightsGiB` of
 * src/catalog/weights-on-disk.ts, in HCL; the stack prints the same warning at synth from the TypeScript.
 */
export class RootVolumeCheck extends Construct {
  public readonly weights: TerraformLocal;

  constructor(scope: Construct, id: string, props: RootVolumeCheckProps) {
    super(scope, id);
    const rows = props.models.models.expression;
    this.weights = new TerraformLocal(this, MODEL_WEIGHTS_LOCAL, `\${${hclWeightsByModel(rows)}}`);
    this.weights.overrideLogicalId(MODEL_WEIGHTS_LOCAL);

    const pulled = (m: string) => `sum(concat([0], [for p in ${m}.pull_models : coalesce(${this.weights.expression}[p], 0)]))`;
    const short = `[for k, m in ${rows} : format("the server of %s pulls about %.1f GiB of model weights onto a root volume of %d GiB", m.llm_model, ${pulled("m")}, m.ebs_volume_gb) if ${pulled("m")} > m.ebs_volume_gb]`;
    // cdktf has no check block: written as the stack's JSON. The error message is a warning.
    TerraformStack.of(this).addOverride(`check.${ROOT_VOLUME_CHECK}`, {
      assert: [
        {
          condition: `\${length(${short}) == 0}`,
          error_message:
            `\${join("; ", ${short})}: the models probably do not fit (estimated from the tags as parameters x bits per weight / 8; ` +
            "the main server pulls every Ollama model, and the volume also holds the AMI's system). Raise that entry's ebs_volume_gb.",
        },
      ],
    });
  }
}

/**
 * `weightsGiB` in HCL: a map from each model name of the `rows` map (`local.llm_models`) to its
 * estimate, null where TypeScript gives undefined. Same patterns, first experts count, else the
 * last plain count; bits from the part after the first `:`.
 */
export function hclWeightsByModel(rows: string): string {
  const name = "lower(m.llm_model)";
  const parts =
    `{ for k, m in ${rows} : m.llm_model => { ` +
    `experts = regexall(${JSON.stringify(EXPERTS_PATTERN)}, ${name}), ` +
    `plain = regexall(${JSON.stringify(PARAMETERS_PATTERN)}, ${name}), ` +
    `tag = coalesce(join(":", slice(split(":", ${name}), 1, length(split(":", ${name})))), ${name}) } }`;
  const parameters =
    `(length(p.experts) > 0 ? tonumber(p.experts[0][0]) * tonumber(p.experts[0][1]) : ` +
    `(length(p.plain) > 0 ? tonumber(p.plain[length(p.plain) - 1][0]) : null))`;
  const bits = QUANT_BITS.reduceRight((rest, [pattern, b]) => `(can(regex(${JSON.stringify(pattern)}, p.tag)) ? ${b} : ${rest})`, String(DEFAULT_BITS));
  return `{ for model, p in ${parts} : model => (${parameters} == null ? null : ${parameters} * ${bits} / 8) }`;
}
