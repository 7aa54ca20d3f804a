import { LlmEc2ConfigEntry } from "../config/types";

/**
 * The size of a model's weights on disk, from its tag alone: parameters (billions) x bits per weight
 * / 8, read as GiB (which overstates by 7%: the margin a disk estimate wants). A tag with no
 * parameter count (`:latest`) gives none. The module's check `root_volume_holds_models` runs the
 * same estimate in HCL (src/constructs/root-volume-check.ts), so its patterns are RE2 (no lookaround).
 */
export const DEFAULT_BITS = 4.5;

/** Quantization in the tag -> bits per weight, first match wins. */
export const QUANT_BITS: ReadonlyArray<readonly [string, number]> = [
  ["(^|[^a-z0-9])(fp32|f32)($|[^a-z0-9])", 32],
  ["(^|[^a-z0-9])(fp16|f16|bf16)($|[^a-z0-9])", 16],
  ["(^|[^a-z0-9])q8", 8.5],
  ["(^|[^a-z0-9])q6", 6.6],
  ["(^|[^a-z0-9])q5", 5.5],
  ["(^|[^a-z0-9])q4", 4.5],
  ["(^|[^a-z0-9])q3", 3.5],
  ["(^|[^a-z0-9])q2", 2.6],
];
/** `8x7b`: experts x billions (the first such count in the lower-cased name). */
export const EXPERTS_PATTERN = "(\\d+)x(\\d+(?:\\.\\d+)?)b(?:[^a-z]|$)";
/** `8b`, `0.5b` not inside a word or a version number (the last such count in the lower-cased name). */
export const PARAMETERS_PATTERN = "(?:^|[^a-z0-9.])(\\d+(?:\\.\\d+)?)b(?:[^a-z]|$)";

/** Parameters in billions from a tag such as `llama3:8b`, `qwen2:0.5b`, `mixtral:8x7b` (experts x size). */
export function parameterCount(model: string): number | undefined {
  const name = model.toLowerCase();
  const experts = new RegExp(EXPERTS_PATTERN).exec(name);
  if (experts) return Number(experts[1]) * Number(experts[2]);
  const plain = [...name.matchAll(new RegExp(PARAMETERS_PATTERN, "g"))];
  return plain.length === 0 ? undefined : Number(plain[plain.length - 1][1]);
}

/** The part after the first `:`, lower-cased; the whole name when there is none. */
function tagOf(model: string): string {
  return model.toLowerCase().split(":").slice(1).join(":") || model.toLowerCase();
}

export function bitsPerWeight(model: string): number {
  const tag = tagOf(model);
  return QUANT_BITS.find(([pattern]) => new RegExp(pattern).test(tag))?.[1] ?? DEFAULT_BITS;
}

/** The estimate of one model's weights on disk, GiB; undefined when the tag gives no parameter count. */
export function weightsGiB(model: string): number | undefined {
  const parametersB = parameterCount(model);
  return parametersB === undefined ? undefined : (parametersB * bitsPerWeight(model)) / 8;
}

/** What one server's root volume must hold: the weights of the models it pulls. */
export interface RootVolumeFit {
  /** The server's own model (its position names it). */
  readonly model: string;
  readonly volumeGiB: number;
  /** Every model the server pulls: every Ollama model on the main server, its own on another Ollama server, none on a vLLM server. */
  readonly pulls: readonly string[];
  /** Sum of the known weights estimates; models without one count 0. */
  readonly weightsGiB: number;
  /** Pulled models the tag gives no estimate for. */
  readonly unknown: readonly string[];
  readonly fits: boolean;
}

/**
 * Will the pulled models fit each server's root volume? The main server (the first Ollama model's)
 * pulls every Ollama model, the other Ollama servers their own. The volume also holds the AMI's
 * system: this counts the models only, so a warning means the volume is short even before the
 * system is counted.
 */
export function rootVolumeFits(configs: ReadonlyArray<Pick<LlmEc2ConfigEntry, "llm_model" | "ebs_volume_gb" | "engine">>): RootVolumeFit[] {
  // Ollama pulls its models onto the root volume, the main server (the first Ollama model's) all of
  // them; vLLM's weights go to a cache of their own (docs/engines.md).
  const ollama = configs.filter((c) => (c.engine ?? "ollama") === "ollama");
  return configs.map((config) => {
    const pulls = config === ollama[0] ? ollama.map((c) => c.llm_model) : ollama.includes(config) ? [config.llm_model] : [];
    const estimates = pulls.map((model) => [model, weightsGiB(model)] as const);
    const weights = estimates.reduce((sum, [, w]) => sum + (w ?? 0), 0);
    return {
      model: config.llm_model,
      volumeGiB: config.ebs_volume_gb,
      pulls,
      weightsGiB: Math.round(weights * 10) / 10,
      unknown: estimates.filter(([, w]) => w === undefined).map(([model]) => model),
      fits: weights <= config.ebs_volume_gb,
    };
  });
}
