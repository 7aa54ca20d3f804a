import { LlmEc2Config } from "../config/types";
import { BFLOAT16_MIN_COMPUTE_CAPABILITY, repoOf } from "../engines/vllm";
import { servedName } from "../engines";
import { computeCapabilityOf } from "./instance-families";
import { gpusOf } from "./model-fit";
import { parameterCount } from "./weights-on-disk";

/** What the vLLM estimate reads of a model's entry. */
export type VllmEntry = Pick<
  LlmEc2Config,
  "llm_model" | "instance_type" | "served_model_name" | "max_model_len" | "tensor_parallel_size" | "gpu_memory_utilization" | "dtype" | "quantization"
>;

/**
 * Will a vLLM model fit its GPUs? vLLM takes `gpu_memory_utilization` of each GPU it is split over and
 * fills it with the weights, its runtime (activations, CUDA graphs) and, in what is left, the KV cache;
 * it refuses to start when that cache cannot hold one sequence of `max_model_len` tokens. An estimate
 * from the repository's name and the entry:
 *
 *   budget (GiB)  = gpu_memory_utilization x GPU memory x tensor_parallel_size
 *   weights (GiB) = parameters (billions, from the name) x 10^9 x bytes per weight / 2^30
 *                   (2 bytes for bfloat16 and float16, 1 for FP8, 0.5625 for 4-bit AWQ and GPTQ: 4 bits
 *                   plus a 16-bit scale and zero point per group of 128 weights, 4 for float32)
 *   runtime (GiB) = RUNTIME_GIB_PER_GPU x tensor_parallel_size
 *   KV cache per token = KV_KIB_PER_TOKEN_8B x sqrt(parameters / 8) KiB (two bytes per value)
 *   KV room (tokens)   = (budget - weights - runtime) / KV cache per token
 *
 * The KV figure is that of an 8-billion model with grouped-query attention (Llama 3 8B, Mistral 7B:
 * 32 layers x 8 KV heads x 128 dimensions x 2 (K and V) x 2 bytes = 128 KiB per token), scaled by the
 * square root of the size (Llama 3 70B: 320 KiB; the estimate says 378). A model with full multi-head
 * attention needs up to four times as much; the model's config.json has the real numbers, and vLLM
 * logs its own count at start ("Maximum concurrency for N tokens per request").
 */
export const RUNTIME_GIB_PER_GPU = 1.5;
export const KV_KIB_PER_TOKEN_8B = 128;
/** Bits per weight of a 4-bit AWQ or GPTQ checkpoint (group size 128, a 16-bit scale and zero point per group). */
export const FOUR_BIT_BITS = 4.5;

export interface VllmFit {
  readonly model: string;
  /** What clients send as `model`. */
  readonly servedName: string;
  readonly instanceType: string;
  /** GPUs of the instance type; undefined when the catalog does not know it. */
  readonly gpus?: number;
  readonly gpuMemoryGiB?: number;
  /** GPUs vLLM is split over (tensor_parallel_size, 0: all of them). */
  readonly tensorParallel?: number;
  /** How the weights are stored, as this estimate reads it. */
  readonly format: string;
  readonly bits: number;
  readonly parametersB?: number;
  readonly budgetGiB?: number;
  readonly weightsGiB?: number;
  /** Tokens of KV cache left once weights and runtime are in; undefined when unknown, negative when the weights do not fit. */
  readonly kvTokens?: number;
  /** The context the entry asks for; 0: the model's own, which this estimate does not know. */
  readonly maxModelLen: number;
  /** undefined: not known (family or parameter count unknown). */
  readonly fits?: boolean;
}

/** A quantization method the repository's name says (`...-AWQ`, `...-FP8`): the second group, lower-cased name. */
export const QUANTIZATION_IN_NAME_PATTERN = "(^|[^a-z0-9])(awq|gptq|fp8)([^a-z0-9]|$)";

/** The weights' format: the quantization asked for, else one the repository's name says, else the dtype. */
export function weightFormat(entry: Pick<VllmEntry, "llm_model" | "instance_type" | "dtype" | "quantization">): { format: string; bits: number } {
  const name = repoOf(entry.llm_model).toLowerCase();
  const method: string = entry.quantization !== "" ? entry.quantization : (new RegExp(QUANTIZATION_IN_NAME_PATTERN).exec(name)?.[2] ?? "");
  if (method.startsWith("awq") || method.startsWith("gptq")) return { format: `${method.replace(/_marlin$/, "")} 4-bit`, bits: FOUR_BIT_BITS };
  if (method === "fp8") return { format: "fp8", bits: 8 };
  if (entry.dtype === "float" || entry.dtype === "float32") return { format: "float32", bits: 32 };
  const cc = computeCapabilityOf(entry.instance_type);
  const half = entry.dtype === "half" || entry.dtype === "float16" || (entry.dtype === "" && cc !== undefined && cc < BFLOAT16_MIN_COMPUTE_CAPABILITY);
  return { format: half ? "float16" : entry.dtype === "bfloat16" ? "bfloat16" : "16-bit", bits: 16 };
}

export function vllmFit(entry: VllmEntry): VllmFit {
  const gpu = gpusOf(entry.instance_type);
  const parametersB = parameterCount(repoOf(entry.llm_model));
  const { format, bits } = weightFormat(entry);
  const tensorParallel = gpu === undefined ? undefined : entry.tensor_parallel_size > 0 ? entry.tensor_parallel_size : gpu.gpus;
  const budgetGiB = gpu === undefined || tensorParallel === undefined ? undefined : entry.gpu_memory_utilization * gpu.gpuMemoryGiB * tensorParallel;
  const weightsGiB = parametersB === undefined ? undefined : (parametersB * 1e9 * bits) / 8 / 2 ** 30;
  const kvTokens =
    budgetGiB === undefined || weightsGiB === undefined || tensorParallel === undefined
      ? undefined
      : Math.floor(((budgetGiB - weightsGiB - RUNTIME_GIB_PER_GPU * tensorParallel) * 2 ** 20) / kvKiBPerToken(parametersB!));
  const fits = kvTokens === undefined ? undefined : kvTokens >= Math.max(entry.max_model_len, 1);
  return {
    model: entry.llm_model,
    servedName: servedName({ engine: "vllm", ...entry }),
    instanceType: entry.instance_type,
    ...(gpu ? { gpus: gpu.gpus, gpuMemoryGiB: gpu.gpuMemoryGiB } : {}),
    tensorParallel,
    format,
    bits,
    parametersB,
    budgetGiB: budgetGiB === undefined ? undefined : round1(budgetGiB),
    weightsGiB: weightsGiB === undefined ? undefined : round1(weightsGiB),
    kvTokens,
    maxModelLen: entry.max_model_len,
    fits,
  };
}

/** KV cache per token (KiB, two bytes per value) of a model of `parametersB` billion parameters. */
export function kvKiBPerToken(parametersB: number): number {
  return KV_KIB_PER_TOKEN_8B * Math.sqrt(parametersB / 8);
}

/** The synth report for the vLLM models: one row per model. */
export function vllmFitTable(entries: readonly VllmEntry[]): string {
  const rows = entries.map(vllmFit).map((f) => [
    f.servedName,
    f.instanceType,
    f.tensorParallel === undefined ? "?" : `${f.tensorParallel} of ${f.gpus} x ${f.gpuMemoryGiB} GiB`,
    f.budgetGiB === undefined ? "?" : `${f.budgetGiB} GiB`,
    f.weightsGiB === undefined ? `? (${f.format})` : `${f.weightsGiB} GiB (${f.format})`,
    f.kvTokens === undefined ? "?" : f.kvTokens < 0 ? "none" : String(f.kvTokens),
    f.maxModelLen === 0 ? "model's own" : String(f.maxModelLen),
    f.fits === undefined ? "unknown" : f.fits ? (f.maxModelLen === 0 ? "weights yes" : "yes") : "NO",
  ]);
  const header = ["served name", "instance type", "GPUs used", "vLLM's share", "weights", "KV room (tokens)", "max_model_len", "fits"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** A warning for the synth output, or undefined when the model probably fits (or the estimate cannot tell). */
export function vllmFitWarning(entry: VllmEntry): string | undefined {
  const f = vllmFit(entry);
  if (f.fits !== false) return undefined;
  const share = `${f.tensorParallel} x ${f.gpuMemoryGiB} GiB x ${entry.gpu_memory_utilization} = ${f.budgetGiB} GiB`;
  if (f.kvTokens! < 0) {
    return (
      `${f.servedName} (${f.model}) probably does not fit ${f.instanceType}: its weights take about ${f.weightsGiB} GiB (${f.format}) ` +
      `and vLLM's share of the GPUs is ${share}. Pick a larger size or family, or a quantized checkpoint (AWQ, GPTQ, FP8).`
    );
  }
  return (
    `${f.servedName} (${f.model}) probably cannot start on ${f.instanceType}: max_model_len ${f.maxModelLen} needs more KV cache than the ` +
    `about ${f.kvTokens} tokens left of vLLM's share (${share}) once the weights (${f.weightsGiB} GiB) are in. Lower max_model_len, ` +
    "raise gpu_memory_utilization, or pick a larger instance."
  );
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
