import { LlmEc2ConfigEntry } from "../config/types";
import { Architecture, INSTANCE_FAMILIES, instanceFamily, instanceSize } from "./instance-families";

/** What the estimate reads of a model's entry. */
export type ModelEntry = Pick<LlmEc2ConfigEntry, "llm_model" | "instance_type">;

/**
 * Will the model fit the instance's GPU memory? An estimate from the model tag only:
 *
 *   need (GiB) = parameters (billions) x bits per weight / 8 x 1.2 + 0.5
 *
 * bits per weight from the tag's quantization (q4_K_M -> 4.5, q8_0 -> 8.5, fp16 -> 16, ...),
 * 4.5 (Ollama's default 4-bit) when it names none; x 1.2 for KV cache and activations at
 * default context; + 0.5 GiB for the CUDA runtime. A tag with no parameter count (`:latest`)
 * gives no estimate.
 */
export const OVERHEAD_FACTOR = 1.2;
export const RUNTIME_GIB = 0.5;
export const DEFAULT_BITS = 4.5;

/**
 * Quantization in the tag -> bits per weight, first match wins. The patterns are RE2 (no
 * lookaround), so the module's HCL twin of the estimate uses them as they are.
 */
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

export interface ModelFit {
  readonly model: string;
  readonly instanceType: string;
  readonly architecture?: Architecture;
  readonly gpus?: number;
  readonly gpuMemoryGiB?: number;
  /** Parameters in billions, from the tag. */
  readonly parametersB?: number;
  readonly bits: number;
  readonly needGiB?: number;
  /** undefined: not known (family not in the catalog, or no parameter count in the tag). */
  readonly fits?: boolean;
}

/** Parameters in billions from a tag such as `llama3:8b`, `qwen2:0.5b`, `mixtral:8x7b`. */
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

/**
 * Size of the model's weights on disk (GiB), estimated from the tag: parameters (billions) x bits
 * per weight / 8. Undefined when the tag gives no parameter count.
 */
export function weightsGiB(model: string): number | undefined {
  const parametersB = parameterCount(model);
  return parametersB === undefined ? undefined : (parametersB * bitsPerWeight(model)) / 8;
}

/** GPUs of a catalogued instance type; undefined for a family or size the catalog does not know. */
export function gpusOf(instanceType: string): { gpus: number; gpuMemoryGiB: number; architecture: Architecture } | undefined {
  const family = INSTANCE_FAMILIES[instanceFamily(instanceType)];
  const gpus = family?.gpusPerSize[instanceSize(instanceType)];
  if (!family || gpus === undefined) return undefined;
  return { gpus, gpuMemoryGiB: family.gpuMemoryGiB, architecture: family.architecture };
}

export function modelFit(config: ModelEntry): ModelFit {
  const parametersB = parameterCount(config.llm_model);
  const bits = bitsPerWeight(config.llm_model);
  const gpu = gpusOf(config.instance_type);
  const weights = weightsGiB(config.llm_model);
  const needGiB = weights === undefined ? undefined : round1(weights * OVERHEAD_FACTOR + RUNTIME_GIB);
  const fits = needGiB === undefined || !gpu ? undefined : needGiB <= gpu.gpus * gpu.gpuMemoryGiB;
  return { model: config.llm_model, instanceType: config.instance_type, ...gpu, parametersB, bits, needGiB, fits };
}

/** The synth report: one row per model. */
export function fitTable(configs: readonly ModelEntry[]): string {
  const rows = configs.map(modelFit).map((f) => [
    f.model,
    f.instanceType,
    f.architecture ?? "?",
    f.gpus === undefined ? "?" : `${f.gpus} x ${f.gpuMemoryGiB} GiB`,
    f.needGiB === undefined ? "?" : `${f.needGiB} GiB`,
    f.fits === undefined ? "unknown" : f.fits ? "yes" : "NO",
  ]);
  const header = ["model", "instance type", "arch", "GPUs x memory", "estimated need", "fits"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** What one server's root volume must hold: the weights of the models it pulls. */
export interface RootVolumeFit {
  /** The server's own model (its position names it). */
  readonly model: string;
  readonly volumeGiB: number;
  /** Every model the server pulls: all of them on the main server, its own elsewhere. */
  readonly pulls: readonly string[];
  /** Sum of the known weights estimates; models without one count 0. */
  readonly weightsGiB: number;
  /** Pulled models the tag gives no estimate for. */
  readonly unknown: readonly string[];
  readonly fits: boolean;
}

/**
 * Will the pulled models fit each server's root volume? The main server (the first Ollama model's)
 * pulls every Ollama model, the other Ollama servers their own. The volume also holds the AMI's system: this counts the
 * models only, so a warning means the volume is short even before the system is counted.
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
      weightsGiB: round1(weights),
      unknown: estimates.filter(([, w]) => w === undefined).map(([model]) => model),
      fits: weights <= config.ebs_volume_gb,
    };
  });
}
