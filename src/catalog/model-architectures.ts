/**
 * The shapes of the models in Ollama's library that the GPU memory estimate knows: parameters,
 * layers, attention and KV heads, head size, embedding, vocabulary and the model's own context,
 * each from the model's published config.json (its Hugging Face repository, named per family), and
 * the quantization of the library's tags that name none (ollama.com/library/<name>/tags).
 */

/** How Ollama 0.13 sizes a model's compute graph: its llama.cpp runner's formula for the architecture, or by measuring (its own engine). */
export type GraphEstimate = "llama" | "qwen2" | "measured";

/**
 * The experts of a mixture-of-experts model, which Ollama's llama formula sizes differently: by how
 * its GGUF file stores them. The library's Mixtral 8x7B keeps one tensor per expert
 * (`blk.N.ffn_gate.E.weight`, "split"), Mixtral 8x22B one tensor for all of them
 * (`blk.N.ffn_gate_exps.weight`, "merged"), as Ollama's GraphSize names them.
 */
export interface Experts {
  readonly count: number;
  /** The feed-forward size of one expert (config.json intermediate_size). */
  readonly feedForward: number;
  readonly layout: "split" | "merged";
}

export interface ModelShape {
  /** Parameters, billions (the model card's figure). */
  readonly parametersB: number;
  readonly layers: number;
  readonly attentionHeads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** Hidden size. */
  readonly embedding: number;
  readonly vocab: number;
  /** The context the model was made for, as Ollama reads it from the model file; Ollama caps a longer one to it. */
  readonly contextLength: number;
  /** A mixture of experts (Mixtral). */
  readonly experts?: Experts;
}

export interface ModelFamily {
  /** The size `latest` (and a tag without a size) stands for. */
  readonly latest: string;
  /** Quantization of a tag that names none (a key of QUANTIZATION_BITS). */
  readonly defaultQuantization: string;
  readonly graph: GraphEstimate;
  /** Where the shapes come from. */
  readonly source: string;
  readonly sizes: Readonly<Record<string, ModelShape>>;
}

const LLAMA3_VOCAB = 128256;
const QWEN2_VOCAB = 152064;
const QWEN3_VOCAB = 151936;

const llama3 = (parametersB: number, layers: number, attentionHeads: number, embedding: number, contextLength: number, headDim = 128): ModelShape => ({
  parametersB,
  layers,
  attentionHeads,
  kvHeads: 8,
  headDim,
  embedding,
  vocab: LLAMA3_VOCAB,
  contextLength,
});
const LLAMA31_8B = llama3(8.03, 32, 32, 4096, 131072);
const LLAMA31_70B = llama3(70.6, 80, 64, 8192, 131072);

/** Library model name -> its family. */
export const MODEL_FAMILIES: Readonly<Record<string, ModelFamily>> = {
  llama3: {
    latest: "8b",
    defaultQuantization: "q4_0",
    graph: "llama",
    source: "https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json, .../Meta-Llama-3-70B/blob/main/config.json",
    sizes: { "8b": llama3(8.03, 32, 32, 4096, 8192), "70b": llama3(70.6, 80, 64, 8192, 8192) },
  },
  "llama3.1": {
    latest: "8b",
    defaultQuantization: "q4_k_m",
    graph: "llama",
    source: "https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json, .../Llama-3.1-70B, .../Llama-3.1-405B",
    sizes: { "8b": LLAMA31_8B, "70b": LLAMA31_70B, "405b": llama3(405, 126, 128, 16384, 131072) },
  },
  "llama3.2": {
    latest: "3b",
    defaultQuantization: "q4_k_m",
    graph: "llama",
    source: "https://huggingface.co/meta-llama/Llama-3.2-1B/blob/main/config.json, .../Llama-3.2-3B/blob/main/config.json",
    sizes: { "1b": llama3(1.24, 16, 32, 2048, 131072, 64), "3b": llama3(3.21, 28, 24, 3072, 131072) },
  },
  "llama3.3": {
    latest: "70b",
    defaultQuantization: "q4_k_m",
    graph: "llama",
    source: "https://huggingface.co/meta-llama/Llama-3.3-70B-Instruct/blob/main/config.json",
    sizes: { "70b": LLAMA31_70B },
  },
  qwen2: {
    latest: "7b",
    defaultQuantization: "q4_0",
    graph: "qwen2",
    source: "https://huggingface.co/Qwen/Qwen2-7B-Instruct/blob/main/config.json, .../Qwen2-72B-Instruct/blob/main/config.json",
    sizes: {
      "7b": { parametersB: 7.62, layers: 28, attentionHeads: 28, kvHeads: 4, headDim: 128, embedding: 3584, vocab: QWEN2_VOCAB, contextLength: 32768 },
      "72b": { parametersB: 72.7, layers: 80, attentionHeads: 64, kvHeads: 8, headDim: 128, embedding: 8192, vocab: QWEN2_VOCAB, contextLength: 32768 },
    },
  },
  "qwen2.5": {
    latest: "7b",
    defaultQuantization: "q4_k_m",
    graph: "qwen2",
    source: "https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/config.json, .../Qwen2.5-14B-Instruct, .../Qwen2.5-32B-Instruct, .../Qwen2.5-72B-Instruct",
    sizes: {
      "7b": { parametersB: 7.61, layers: 28, attentionHeads: 28, kvHeads: 4, headDim: 128, embedding: 3584, vocab: QWEN2_VOCAB, contextLength: 32768 },
      "14b": { parametersB: 14.7, layers: 48, attentionHeads: 40, kvHeads: 8, headDim: 128, embedding: 5120, vocab: QWEN2_VOCAB, contextLength: 32768 },
      "32b": { parametersB: 32.5, layers: 64, attentionHeads: 40, kvHeads: 8, headDim: 128, embedding: 5120, vocab: QWEN2_VOCAB, contextLength: 32768 },
      "72b": { parametersB: 72.7, layers: 80, attentionHeads: 64, kvHeads: 8, headDim: 128, embedding: 8192, vocab: QWEN2_VOCAB, contextLength: 32768 },
    },
  },
  qwen3: {
    latest: "8b",
    defaultQuantization: "q4_k_m",
    graph: "measured",
    source: "https://huggingface.co/Qwen/Qwen3-8B/blob/main/config.json, .../Qwen3-14B, .../Qwen3-32B",
    sizes: {
      "8b": { parametersB: 8.19, layers: 36, attentionHeads: 32, kvHeads: 8, headDim: 128, embedding: 4096, vocab: QWEN3_VOCAB, contextLength: 40960 },
      "14b": { parametersB: 14.8, layers: 40, attentionHeads: 40, kvHeads: 8, headDim: 128, embedding: 5120, vocab: QWEN3_VOCAB, contextLength: 40960 },
      "32b": { parametersB: 32.8, layers: 64, attentionHeads: 64, kvHeads: 8, headDim: 128, embedding: 5120, vocab: QWEN3_VOCAB, contextLength: 40960 },
    },
  },
  mixtral: {
    latest: "8x7b",
    defaultQuantization: "q4_0",
    graph: "llama",
    source: "https://huggingface.co/mistralai/Mixtral-8x7B-Instruct-v0.1/blob/main/config.json, .../Mixtral-8x22B-Instruct-v0.1/blob/main/config.json",
    sizes: {
      "8x7b": {
        parametersB: 46.7,
        layers: 32,
        attentionHeads: 32,
        kvHeads: 8,
        headDim: 128,
        embedding: 4096,
        vocab: 32000,
        contextLength: 32768,
        experts: { count: 8, feedForward: 14336, layout: "split" },
      },
      "8x22b": {
        parametersB: 141,
        layers: 56,
        attentionHeads: 48,
        kvHeads: 8,
        headDim: 128,
        embedding: 6144,
        vocab: 32768,
        contextLength: 65536,
        experts: { count: 8, feedForward: 16384, layout: "merged" },
      },
    },
  },
};

export interface KnownModel {
  /** `llama3.1:70b`: the library name and the size the tag stands for. */
  readonly name: string;
  readonly family: ModelFamily;
  readonly shape: ModelShape;
  /** The part of the tag after the size (`instruct-q8_0`), where a quantization may be named. */
  readonly tag: string;
}

/**
 * The catalogued model a name stands for: a library name (`llama3.1:70b`, `library/llama3.1:70b-instruct-q8_0`,
 * `registry.ollama.ai/library/llama3.1`, `llama3.3`), matched as Ollama matches names, regardless of
 * case; undefined for another namespace or registry, or a size the catalog does not know.
 */
export function knownModel(llmModel: string): KnownModel | undefined {
  let name = llmModel.toLowerCase();
  if (name.startsWith("registry.ollama.ai/")) name = name.slice("registry.ollama.ai/".length);
  if (name.startsWith("library/")) name = name.slice("library/".length);
  if (name.includes("/")) return undefined;
  const colon = name.indexOf(":");
  const [model, tag] = colon < 0 ? [name, "latest"] : [name.slice(0, colon), name.slice(colon + 1)];
  const family = MODEL_FAMILIES[model];
  if (!family) return undefined;
  const sized = /^(\d+x\d+b|\d+(?:\.\d+)?b)(?:-|$)/.exec(tag);
  const size = sized ? sized[1] : family.latest;
  const shape = family.sizes[size];
  if (!shape) return undefined;
  const rest = sized ? tag.slice(sized[0].length) : tag === "latest" ? "" : tag;
  return { name: `${model}:${size}`, family, shape, tag: rest };
}
