import { LlmEc2ConfigEntry } from "../config/types";

/** What the estimate reads of a model's entry. */
export type ModelEntry = Pick<LlmEc2ConfigEntry, "llm_model" | "instance_type">;
import { Architecture, INSTANCE_FAMILIES, instanceFamily } from "./instance-families";

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

const QUANT_BITS: ReadonlyArray<[RegExp, number]> = [
  [/(^|[^a-z0-9])(fp32|f32)($|[^a-z0-9])/, 32],
  [/(^|[^a-z0-9])(fp16|f16|bf16)($|[^a-z0-9])/, 16],
  [/(^|[^a-z0-9])q8/, 8.5],
  [/(^|[^a-z0-9])q6/, 6.6],
  [/(^|[^a-z0-9])q5/, 5.5],
  [/(^|[^a-z0-9])q4/, 4.5],
  [/(^|[^a-z0-9])q3/, 3.5],
  [/(^|[^a-z0-9])q2/, 2.6],
];

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
  const experts = /(\d+)x(\d+(?:\.\d+)?)b(?![a-z])/.exec(name);
  if (experts) return Number(experts[1]) * Number(experts[2]);
  const plain = /(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)b(?![a-z])/g;
  let found: number | undefined;
  for (let m = plain.exec(name); m; m = plain.exec(name)) found = Number(m[1]);
  return found;
}

export function bitsPerWeight(model: string): number {
  const tag = model.toLowerCase().split(":").slice(1).join(":") || model.toLowerCase();
  return QUANT_BITS.find(([pattern]) => pattern.test(tag))?.[1] ?? DEFAULT_BITS;
}

export function gpusOf(instanceType: string): { gpus: number; gpuMemoryGiB: number; architecture: Architecture } | undefined {
  const family = INSTANCE_FAMILIES[instanceFamily(instanceType)];
  if (!family) return undefined;
  const size = instanceType.split(".")[1] ?? "";
  return { gpus: family.multiGpuSizes?.[size] ?? 1, gpuMemoryGiB: family.gpuMemoryGiB, architecture: family.architecture };
}

export function modelFit(config: ModelEntry): ModelFit {
  const parametersB = parameterCount(config.llm_model);
  const bits = bitsPerWeight(config.llm_model);
  const gpu = gpusOf(config.instance_type);
  const needGiB = parametersB === undefined ? undefined : round1(((parametersB * bits) / 8) * OVERHEAD_FACTOR + RUNTIME_GIB);
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
