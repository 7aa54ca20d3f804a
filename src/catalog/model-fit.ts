import { KvCacheType, LlmEc2ConfigEntry } from "../config/types";
import { OLLAMA_DEFAULTS } from "../config/ollama-settings";
import { Architecture, INSTANCE_FAMILIES, instanceFamily, instanceSize } from "./instance-families";
import { GraphEstimate, KnownModel, knownModel, ModelShape } from "./model-architectures";
import { QUANTIZATION_BITS, quantizationOf } from "./quantizations";
import { parameterCount } from "./weights-on-disk";

/**
 * Will a model fit its instance's GPU memory, with the context length, parallel requests and KV
 * cache type its server is given? The estimate adds what Ollama 0.13 (the module's default release)
 * counts when it places a model on GPUs (llm/server.go, fs/ggml/ggml.go GraphSize, ml/device.go):
 *
 * - weights: parameters x bits per weight / 8, the quantization's bits from llama.cpp's table;
 * - KV cache: 2 (K and V) x layers x KV heads x head size x bytes per element x context x parallel
 *   requests; the context capped at the model's own, as Ollama caps it;
 * - per GPU in use: the compute graph (Ollama's formula for the architecture), Ollama's reserve of
 *   457 MiB, and one layer's weights and cache held back as a buffer.
 *
 * Ollama packs a model onto as few GPUs as hold it, splitting its layers across them (tensor
 * split): the estimate tries 1, 2, ... of the instance's GPUs and takes the first that holds it. A
 * model the catalog does not know (src/catalog/model-architectures.ts) gets a rough estimate: its
 * weights from the tag x 1.2, the KV cache not counted separately.
 */
export const GIB = 2 ** 30;
/** What Ollama sets aside on each CUDA GPU besides the model (ml.DeviceInfo.MinimumMemory, 457 MiB). */
export const GPU_RESERVE_GIB = 457 / 1024;
/** Ollama's default batch (api.Options NumBatch), capped at the context. */
export const BATCH = 512;
/** The rough estimate of a model the catalog does not know: weights x 1.2 for cache and graph at a default context. */
export const ROUGH_FACTOR = 1.2;
/** A tag that names neither a quantization the table knows nor a catalogued family: Ollama's usual default, q4_K_M. */
export const DEFAULT_QUANTIZATION = "q4_k_m";

/** Bytes per element of the KV cache types, as ggml stores them (q8_0: 34 bytes per 32 values, q4_0: 18). */
export const KV_BYTES: Readonly<Record<KvCacheType, number>> = { f16: 2, q8_0: 34 / 32, q4_0: 18 / 32 };

/** What the estimate reads of a model's entry. */
export type ModelEntry = Pick<LlmEc2ConfigEntry, "llm_model" | "instance_type" | "context_length" | "num_parallel" | "kv_cache_type">;

/** The parts of an estimate that do not depend on the instance. */
export interface ModelNeed {
  readonly model: string;
  /** The catalogued model the name stands for (`llama3.1:70b`), when there is one. */
  readonly known?: string;
  readonly quantization: string;
  readonly bitsPerWeight: number;
  readonly parametersB?: number;
  /** The context asked for (the entry's, else Ollama's default), and what Ollama gives: capped at the model's own. */
  readonly contextAsked: number;
  readonly context: number;
  readonly parallel: number;
  readonly kvCacheType: KvCacheType;
  /** Undefined: no parameter count in the tag of a model the catalog does not know. */
  readonly weightsGiB?: number;
  /** Undefined for a model the catalog does not know (its rough estimate counts it in ROUGH_FACTOR). */
  readonly kvCacheGiB?: number;
  /** Per GPU in use: the compute graph. */
  readonly graphGiB: number;
  /** Per GPU in use: Ollama's reserve and one layer held back. */
  readonly reserveGiB: number;
  /** Whether the estimate is the rough one (architecture unknown). */
  readonly rough: boolean;
}

export interface ModelFit extends ModelNeed {
  readonly instanceType: string;
  readonly architecture?: Architecture;
  readonly gpu?: string;
  readonly gpus?: number;
  readonly gpuMemoryGiB?: number;
  /** GPUs the model spreads over: the fewest that hold it (all of them when none do). */
  readonly gpusUsed?: number;
  /** Total need on those GPUs. */
  readonly needGiB?: number;
  /** undefined: not known (family not in the catalog, or no parameter count in the tag). */
  readonly fits?: boolean;
}

/** GPUs of a catalogued instance type; undefined for a family or size the catalog does not know. */
export function gpusOf(instanceType: string): { gpus: number; gpuMemoryGiB: number; gpu: string; architecture: Architecture } | undefined {
  const family = INSTANCE_FAMILIES[instanceFamily(instanceType)];
  const gpus = family?.gpusPerSize[instanceSize(instanceType)];
  if (!family || gpus === undefined) return undefined;
  return { gpus, gpuMemoryGiB: family.gpuMemoryGiB, gpu: family.gpu, architecture: family.architecture };
}

/** KV cache, GiB: 2 x layers x KV heads x head size x bytes per element x tokens (context x parallel). */
export function kvCacheGiB(shape: ModelShape, tokens: number, type: KvCacheType): number {
  return (2 * shape.layers * shape.kvHeads * shape.headDim * KV_BYTES[type] * tokens) / GIB;
}

/**
 * The compute graph Ollama 0.13 plans on each GPU it uses, GiB: the larger of its full and partial
 * offload figures (fs/ggml GraphSize) for the llama runner's architectures, over `tokens` (context
 * x parallel). Ollama's own engine measures the graph instead; for its models the figure is the
 * output buffer (batch x (embedding + vocabulary) floats), most of a graph with flash attention.
 * Mixtral's experts have formulas of their own, by how the file stores them; the merged layout's
 * counts the gate tensor of all experts, at `bitsPerWeight`.
 */
export function graphGiB(shape: ModelShape, graph: GraphEstimate, tokens: number, context: number, bitsPerWeight = 4.5): number {
  const batch = Math.min(BATCH, context);
  const { embedding: e, attentionHeads: heads, kvHeads, headDim, vocab } = shape;
  const output = 4 * batch * (e + vocab);
  let full: number;
  let partial: number;
  if (graph === "llama") {
    full = Math.max(4 * batch * (1 + 4 * e + tokens * (1 + heads)), output);
    partial =
      4 * batch * e +
      Math.max(
        4 * batch * (1 + e + Math.max(tokens, e)) + (e * e * 9) / 16 + 4 * tokens * (batch * heads + headDim * kvHeads),
        output + (e * vocab * 105) / 128,
      );
    const experts = shape.experts;
    if (experts?.layout === "merged") {
      const gateBytes = (experts.count * e * experts.feedForward * bitsPerWeight) / 8;
      partial = Math.max(
        3 * gateBytes + 4 * batch * (2 * experts.feedForward + kvHeads + e + tokens + headDim * kvHeads),
        4 * (tokens * batch * heads + tokens * headDim * kvHeads + batch * 1024 + headDim * kvHeads * batch),
      );
    } else if (experts?.layout === "split") {
      const ff = experts.feedForward;
      full = 4 * batch * (2 + 3 * e + tokens * (1 + heads) + 2 * kvHeads + ff);
      partial = Math.max(
        4 * batch * (3 + headDim * kvHeads + e + tokens * (1 + heads) + ff) + ((e * e + 3 * e * kvHeads * ff) * 9) / 16,
        4 * batch * (1 + 2 * e + tokens * (1 + heads)) + e * ((6 * tokens * kvHeads) / heads + (e * 9) / 16),
      );
    }
  } else if (graph === "qwen2") {
    full = Math.max(output, 4 * batch * (1 + 2 * e + tokens + tokens * heads));
    partial = Math.max(output + (e * vocab * 105) / 128, 4 * (batch * (1 + 2 * e + tokens * (1 + heads)) + e * (1 + tokens)));
  } else {
    full = partial = output;
  }
  return Math.max(full, partial) / GIB;
}

/** The parts of the estimate for a model and its settings, whatever the instance. */
export function modelNeed(entry: Omit<ModelEntry, "instance_type">): ModelNeed {
  const known = knownModel(entry.llm_model);
  const tag = known ? known.tag : entry.llm_model.toLowerCase().split(":").slice(1).join(":");
  const quantization = quantizationOf(tag) ?? known?.family.defaultQuantization ?? DEFAULT_QUANTIZATION;
  const bitsPerWeight = QUANTIZATION_BITS[quantization];
  const contextAsked = entry.context_length ?? OLLAMA_DEFAULTS.context_length;
  const parallel = entry.num_parallel ?? OLLAMA_DEFAULTS.num_parallel;
  const kvCacheType = entry.kv_cache_type ?? OLLAMA_DEFAULTS.kv_cache_type;
  const common = { model: entry.llm_model, quantization, bitsPerWeight, contextAsked, parallel, kvCacheType };
  if (known) return { ...common, ...knownNeed(known, bitsPerWeight, contextAsked, parallel, kvCacheType) };
  const parametersB = parameterCount(entry.llm_model);
  const weights = parametersB === undefined ? undefined : (parametersB * 1e9 * bitsPerWeight) / 8 / GIB;
  return { ...common, parametersB, context: contextAsked, weightsGiB: weights, graphGiB: 0, reserveGiB: GPU_RESERVE_GIB, rough: true };
}

function knownNeed(known: KnownModel, bits: number, contextAsked: number, parallel: number, type: KvCacheType) {
  const { shape } = known;
  const context = Math.min(contextAsked, shape.contextLength);
  const weights = (shape.parametersB * 1e9 * bits) / 8 / GIB;
  const kv = kvCacheGiB(shape, context * parallel, type);
  return {
    known: known.name,
    parametersB: shape.parametersB,
    context,
    weightsGiB: weights,
    kvCacheGiB: kv,
    graphGiB: graphGiB(shape, known.family.graph, context * parallel, context, bits),
    reserveGiB: GPU_RESERVE_GIB + (weights + kv) / shape.layers,
    rough: false,
  };
}

/** What the model needs spread over `gpus` GPUs, GiB; undefined without a weights estimate. */
export function needOn(need: ModelNeed, gpus: number): number | undefined {
  if (need.weightsGiB === undefined) return undefined;
  const body = need.rough ? need.weightsGiB * ROUGH_FACTOR : need.weightsGiB + (need.kvCacheGiB ?? 0);
  return body + gpus * (need.graphGiB + need.reserveGiB);
}

/** The estimate for a model entry on its instance type. */
export function modelFit(entry: ModelEntry): ModelFit {
  return fitOn(modelNeed(entry), entry.instance_type);
}

/** A model's need placed on an instance type: the fewest of its GPUs that hold it. */
export function fitOn(need: ModelNeed, instanceType: string): ModelFit {
  const gpu = gpusOf(instanceType);
  if (!gpu || need.weightsGiB === undefined) return { ...need, instanceType, ...gpu };
  for (let used = 1; used <= gpu.gpus; used++) {
    const total = needOn(need, used) as number;
    if (total <= used * gpu.gpuMemoryGiB) return { ...need, instanceType, ...gpu, gpusUsed: used, needGiB: total, fits: true };
  }
  return { ...need, instanceType, ...gpu, gpusUsed: gpu.gpus, needGiB: needOn(need, gpu.gpus), fits: false };
}

/** Every catalogued instance type, `family.size`. */
export function catalogedInstanceTypes(): string[] {
  return Object.entries(INSTANCE_FAMILIES).flatMap(([family, f]) => Object.keys(f.gpusPerSize).map((size) => `${family}.${size}`));
}

/**
 * The catalogued instance types that hold the model, smallest first: least GPU memory in all, then
 * fewest GPUs, then by `rank` (e.g. price), then by name.
 */
export function typesThatFit(need: ModelNeed, rank: (instanceType: string) => readonly number[] = () => []): ModelFit[] {
  const key = (f: ModelFit) => [(f.gpus ?? 0) * (f.gpuMemoryGiB ?? 0), f.gpus ?? 0, ...rank(f.instanceType)];
  const compare = (a: ModelFit, b: ModelFit) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return a.instanceType.localeCompare(b.instanceType);
  };
  return catalogedInstanceTypes()
    .map((type) => fitOn(need, type))
    .filter((f) => f.fits === true)
    .sort(compare);
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;
/** GiB with one decimal, as the reports print it. */
export const gib1 = (n: number | undefined): string => (n === undefined ? "?" : n.toFixed(1));
