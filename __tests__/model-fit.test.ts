import { familyArchitectures, familySizes, INSTANCE_FAMILIES } from "../src/catalog/instance-families";
import { GIB, GPU_RESERVE_GIB, graphGiB, kvCacheGiB, modelFit, modelNeed, needOn, typesThatFit } from "../src/catalog/model-fit";
import { knownModel, MODEL_FAMILIES } from "../src/catalog/model-architectures";
import { QUANTIZATION_BITS, quantizationOf } from "../src/catalog/quantizations";

const server = (llm_model: string, instance_type: string, settings: { context_length?: number; num_parallel?: number; kv_cache_type?: "f16" | "q8_0" | "q4_0" } = {}) => ({
  llm_model,
  instance_type,
  ...settings,
});

describe("instance-family catalog", () => {
  test("covers the GPU families the servers run on, with their architecture", () => {
    for (const family of ["g4dn", "g5", "g6", "gr6", "g6e", "p4d", "p4de", "p5", "p5e"]) expect(familyArchitectures()[family]).toBe("x86_64");
    expect(familyArchitectures().g5g).toBe("arm64");
  });

  test("multi-GPU sizes: g5.12xlarge has 4 x 24 GiB, g5g.16xlarge 2 x 16 GiB", () => {
    expect(modelFit(server("llama3.1:8b", "g5.12xlarge"))).toMatchObject({ gpus: 4, gpuMemoryGiB: 24 });
    expect(modelFit(server("llama3.1:8b", "g5g.16xlarge"))).toMatchObject({ gpus: 2, gpuMemoryGiB: 16 });
    expect(INSTANCE_FAMILIES.p5.gpusPerSize["48xlarge"]).toBe(8);
  });

  test("every family lists its sizes: g5 has xlarge to 48xlarge, p4d only 24xlarge, p5 also the one-GPU 4xlarge", () => {
    expect(familySizes().g5).toEqual(["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"]);
    expect(familySizes().g4dn).toEqual(["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "metal"]);
    expect(familySizes().p4d).toEqual(["24xlarge"]);
    expect(modelFit(server("llama3.1:8b", "p5.4xlarge"))).toMatchObject({ gpus: 1, gpuMemoryGiB: 80 });
    expect(Object.keys(familySizes()).sort()).toEqual(Object.keys(INSTANCE_FAMILIES).sort());
  });

  test("a size the family does not have, or a family the catalog does not know, has no GPUs to compare with: the fit is unknown", () => {
    for (const type of ["p4d.xlarge", "c7i.xlarge"]) {
      const fit = modelFit(server("llama3.1:8b", type));
      expect([fit.gpus, fit.needGiB, fit.fits]).toEqual([undefined, undefined, undefined]);
    }
  });
});

describe("model names and quantizations", () => {
  test.each([
    ["llama3.1:70b", "llama3.1:70b", ""],
    ["llama3.1", "llama3.1:8b", ""],
    ["llama3.1:latest", "llama3.1:8b", ""],
    ["Library/Llama3.1:70B-Instruct-Q8_0", "llama3.1:70b", "instruct-q8_0"],
    ["registry.ollama.ai/library/mixtral:8x7b-instruct-v0.1-q4_K_M", "mixtral:8x7b", "instruct-v0.1-q4_k_m"],
    ["llama3.3", "llama3.3:70b", ""],
    ["qwen2.5:32b", "qwen2.5:32b", ""],
  ])("%s is the catalog's %s (rest of the tag %p)", (name, known, tag) => {
    expect(knownModel(name)).toMatchObject({ name: known, tag });
  });

  test.each(["hf.co/bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M", "someone/llama3.1:70b", "llama3.1:13b", "phi3:3.8b", "nomic-embed-text"])(
    "%s is not in the catalog",
    (name) => expect(knownModel(name)).toBeUndefined(),
  );

  test.each([
    ["8b-instruct-q4_K_M", "q4_k_m"],
    ["70b-instruct-fp16", "f16"],
    ["Q8_0", "q8_0"],
    ["8x7b-instruct-v0.1-q4_0", "q4_0"],
    ["instruct-q5_K_S", "q5_k_s"],
    ["8b", undefined],
    ["q4", undefined],
  ])("tag %s names quantization %p", (tag, quantization) => {
    expect(quantizationOf(tag)).toBe(quantization);
  });

  test("a tag without a quantization takes its family's default tag's, as the library publishes them", () => {
    expect(modelNeed({ llm_model: "llama3:70b" }).quantization).toBe("q4_0");
    expect(modelNeed({ llm_model: "llama3.1:70b" }).quantization).toBe("q4_k_m");
    expect(modelNeed({ llm_model: "mixtral" }).quantization).toBe("q4_0");
    expect(modelNeed({ llm_model: "llama3.1:70b-instruct-q8_0" }).quantization).toBe("q8_0");
  });
});

// Figures published by others, which the estimate must reproduce.
describe("the estimate against cited figures", () => {
  // Hugging Face, "Llama 3.1 - 405B, 70B & 8B with multilinguality and long context"
  // (https://huggingface.co/blog/llama31, "Inference Memory Requirements"): the KV cache in FP16,
  // in GB of 2^30 bytes, for 1k (1024), 16k (16000) and 128k (128000) tokens.
  test.each([
    ["llama3.1:8b", 1024, 0.125],
    ["llama3.1:8b", 16000, 1.95],
    ["llama3.1:8b", 128000, 15.62],
    ["llama3.1:70b", 1024, 0.313],
    ["llama3.1:70b", 16000, 4.88],
    ["llama3.1:70b", 128000, 39.06],
  ])("KV cache of %s for %d tokens: %s GB (Hugging Face, to the hundredth it prints)", (model, tokens, gb) => {
    expect(Math.abs(kvCacheGiB(knownModel(model)!.shape, tokens, "f16") - gb)).toBeLessThan(0.006);
  });

  // llama.cpp's quantize README (https://github.com/ggml-org/llama.cpp, tools/quantize/README.md):
  // Llama 3.1 at Q4_K_M is 4.9 GB (8B), 43.1 GB (70B) and 249.1 GB (405B); Llama-3.1-8B is 4.58 GiB
  // at Q4_K_M, 7.95 GiB at Q8_0 and 14.96 GiB at F16.
  test.each([
    ["llama3.1:8b", 4.9e9],
    ["llama3.1:70b", 43.1e9],
    ["llama3.1:405b", 249.1e9],
    ["llama3.1:8b-instruct-q8_0", 7.95 * GIB],
    ["llama3.1:8b-instruct-fp16", 14.96 * GIB],
    ["llama3.1:8b-instruct-q4_K_M", 4.58 * GIB],
  ])("weights of %s: %d bytes within 1% (llama.cpp)", (model, bytes) => {
    const weights = modelNeed({ llm_model: model }).weightsGiB! * GIB;
    expect(Math.abs(weights / bytes - 1)).toBeLessThan(0.01);
  });

  // The library's download sizes of the default tags (ollama.com/library/<name>/tags), GB: each
  // family's default quantization, and the parameter counts of the shapes.
  test.each([
    ["llama3:8b", 4.7e9],
    ["llama3:70b", 40e9],
    ["llama3.1:70b", 43e9],
    ["qwen2:7b", 4.4e9],
    ["qwen2.5:32b", 20e9],
    ["mixtral:8x7b", 26e9],
  ])("weights of %s: the library's %d bytes within 5%", (model, bytes) => {
    const weights = modelNeed({ llm_model: model }).weightsGiB! * GIB;
    expect(Math.abs(weights / bytes - 1)).toBeLessThan(0.05);
  });

  // The shapes, as the models' config.json files publish them (layers, KV heads, head size) and the
  // context Ollama reads from the model: Llama-3.1-8B 32/8/128 and 131072; Qwen2.5-32B-Instruct
  // 64/8/128 and 32768; Llama-3.1-70B 80/8/128 and 131072; Mixtral-8x7B 32/8/128 and 32768.
  const CONFIGS = {
    "llama3.1:8b": { layers: 32, kvHeads: 8, headDim: 128, context: 131072 },
    "qwen2.5:32b": { layers: 64, kvHeads: 8, headDim: 128, context: 32768 },
    "llama3.1:70b": { layers: 80, kvHeads: 8, headDim: 128, context: 131072 },
    "mixtral:8x7b": { layers: 32, kvHeads: 8, headDim: 128, context: 32768 },
  } as const;
  const grid = Object.keys(CONFIGS).flatMap((model) =>
    [4096, 32768, 131072].flatMap((context) => [1, 4].flatMap((parallel) => (["f16", "q8_0"] as const).map((kv) => [model, context, parallel, kv] as const))),
  );
  test.each(grid)("%s at %d tokens x %d requests, %s cache: 2 x layers x KV heads x head size x bytes x context (capped) x parallel", (model, context, parallel, kv) => {
    const c = CONFIGS[model as keyof typeof CONFIGS];
    const bytes = kv === "f16" ? 2 : 34 / 32;
    const tokens = Math.min(context, c.context) * parallel;
    const need = modelNeed({ llm_model: model, context_length: context, num_parallel: parallel, kv_cache_type: kv });
    expect(need.context).toBe(Math.min(context, c.context));
    expect(need.kvCacheGiB! * GIB).toBeCloseTo(2 * c.layers * c.kvHeads * c.headDim * bytes * tokens, 0);
  });

  test("Ollama 0.13's compute graph for llama3.1:70b at 4096 tokens, one request (fs/ggml GraphSize, llama: the larger of full and partial offload)", () => {
    // embedding 8192, 64 heads, 8 KV heads of 128, vocabulary 128256, batch 512
    const full = Math.max(4 * 512 * (1 + 4 * 8192 + 4096 * (1 + 64)), 4 * 512 * (8192 + 128256));
    const partial =
      4 * 512 * 8192 +
      Math.max(4 * 512 * (1 + 8192 + 8192) + (8192 * 8192 * 9) / 16 + 4 * 4096 * (512 * 64 + 128 * 8), 4 * 512 * (8192 + 128256) + (8192 * 128256 * 105) / 128);
    expect(graphGiB(knownModel("llama3.1:70b")!.shape, "llama", 4096, 4096) * GIB).toBeCloseTo(Math.max(full, partial), 0);
    // qwen2's formula at 32768 tokens: the attention scores dominate
    const qwen = knownModel("qwen2.5:32b")!.shape;
    const qwenFull = 4 * 512 * (1 + 2 * 5120 + 32768 + 32768 * 40);
    const qwenPartial = 4 * (512 * (1 + 2 * 5120 + 32768 * 41) + 5120 * (1 + 32768));
    expect(graphGiB(qwen, "qwen2", 32768, 32768) * GIB).toBeCloseTo(Math.max(qwenFull, qwenPartial, 4 * 512 * (5120 + 152064) + (5120 * 152064 * 105) / 128), 0);
  });
});

// Ollama's own log of what it planned ("offload to cuda"/"offload" lines, printed with its
// format.HumanBytes2: one decimal, MiB or GiB), for models of the catalogued shapes.
describe("the estimate against Ollama's logged plans", () => {
  const humanBytes2 = (bytes: number) => (bytes >= GIB ? `${(bytes / GIB).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`);
  const shapeOf = (model: string) => knownModel(model)!.shape;

  // ollama/ollama#8098 (Ollama 0.5, December 2024): a 28-layer model of Llama 3.2 3B's shape,
  // `--ctx-size 8192 --parallel 4` (2048 tokens x 4): memory.required.kv="896.0 MiB"
  // memory.graph.full="424.0 MiB" memory.graph.partial="570.7 MiB".
  test("Llama 3.2 3B's shape at 2048 x 4: KV cache 896.0 MiB, graph 570.7 MiB (the larger of full 424.0 and partial)", () => {
    const need = modelNeed({ llm_model: "llama3.2:3b", context_length: 2048, num_parallel: 4 });
    expect(humanBytes2(need.kvCacheGiB! * GIB)).toBe("896.0 MiB");
    expect(humanBytes2(need.graphGiB * GIB)).toBe("570.7 MiB");
  });

  // ollama/ollama#9181 (Ollama 0.5.11, February 2025): an 80-layer Llama-architecture model of Llama
  // 3.1 70B's attention shape (8 KV heads of 128, embedding 8192, 64 heads), `--ctx-size 64000
  // --parallel 1`: memory.required.kv="19.5 GiB" memory.graph.partial="8.2 GiB".
  test("Llama 3.1 70B's shape at 64000 x 1: KV cache 19.5 GiB, graph 8.2 GiB", () => {
    const need = modelNeed({ llm_model: "llama3.1:70b", context_length: 64000 });
    expect(humanBytes2(need.kvCacheGiB! * GIB)).toBe("19.5 GiB");
    expect(humanBytes2(need.graphGiB * GIB)).toBe("8.2 GiB");
    // qwen2's formula for the same shape would say 9.9 GiB: the architecture's formula matters
    expect(humanBytes2(graphGiB(shapeOf("llama3.1:70b"), "qwen2", 64000, 64000) * GIB)).toBe("9.9 GiB");
  });

  test("Mixtral: Ollama 0.13's formulas for experts stored one tensor each (8x7B) and all in one (8x22B), not the plain llama one", () => {
    // 8x7B at 4096 x 1: embedding 4096, 32 heads, 8 KV heads of 128, experts' feed-forward 14336
    const [b, e, h, kv, d, ff, t] = [512, 4096, 32, 8, 128, 14336, 4096];
    const full = 4 * b * (2 + 3 * e + t * (1 + h) + 2 * kv + ff);
    const partial = Math.max(
      4 * b * (3 + d * kv + e + t * (1 + h) + ff) + ((e * e + 3 * e * kv * ff) * 9) / 16,
      4 * b * (1 + 2 * e + t * (1 + h)) + e * ((6 * t * kv) / h + (e * 9) / 16),
    );
    const mixtral = modelNeed({ llm_model: "mixtral:8x7b" });
    expect(mixtral.graphGiB * GIB).toBeCloseTo(Math.max(full, partial), 0);
    expect(mixtral.graphGiB).toBeGreaterThan(graphGiB({ ...shapeOf("mixtral:8x7b"), experts: undefined }, "llama", t, t) + 0.5);
    // 8x22B at 4096 x 1, q4_0: the gate tensor of 8 experts of 6144 x 16384 at 4.5 bits, three times over
    const [e2, h2, ff2] = [6144, 48, 16384];
    const gate = (8 * e2 * ff2 * 4.5) / 8;
    const llamaFull = Math.max(4 * b * (1 + 4 * e2 + t * (1 + h2)), 4 * b * (e2 + 32768));
    const mergedPartial = Math.max(3 * gate + 4 * b * (2 * ff2 + kv + e2 + t + d * kv), 4 * (t * b * h2 + t * d * kv + b * 1024 + d * kv * b));
    expect(modelNeed({ llm_model: "mixtral:8x22b" }).graphGiB * GIB).toBeCloseTo(Math.max(llamaFull, mergedPartial), 0);
  });
});

describe("the fit: the fewest GPUs that hold the model", () => {
  test("llama3.1:70b at Ollama's default 4096 x 1: one 48 GiB L40S holds it; one 24 GiB A10G does not; on g5.12xlarge it spreads over 2 of the 4", () => {
    expect(modelFit(server("llama3.1:70b", "g6e.xlarge"))).toMatchObject({ fits: true, gpusUsed: 1 });
    expect(modelFit(server("llama3.1:70b", "g5.xlarge"))).toMatchObject({ fits: false, gpusUsed: 1 });
    const split = modelFit(server("llama3.1:70b", "g5.12xlarge"));
    expect(split).toMatchObject({ fits: true, gpusUsed: 2, gpus: 4 });
    // each GPU in use carries the graph and the reserve once
    const need = modelNeed({ llm_model: "llama3.1:70b" });
    expect(split.needGiB).toBeCloseTo(need.weightsGiB! + need.kvCacheGiB! + 2 * (need.graphGiB + need.reserveGiB), 6);
    expect(need.reserveGiB).toBeCloseTo(GPU_RESERVE_GIB + (need.weightsGiB! + need.kvCacheGiB!) / 80, 6);
  });

  test("the context and parallel requests decide: 70b at 131072 x 1 no longer fits one L40S, a KV cache in q8_0 takes less", () => {
    expect(modelFit(server("llama3.1:70b", "g6e.xlarge", { context_length: 131072 })).fits).toBe(false);
    const f16 = modelNeed({ llm_model: "llama3.1:70b", context_length: 32768, num_parallel: 4 });
    const q8 = modelNeed({ llm_model: "llama3.1:70b", context_length: 32768, num_parallel: 4, kv_cache_type: "q8_0" });
    const q4 = modelNeed({ llm_model: "llama3.1:70b", context_length: 32768, num_parallel: 4, kv_cache_type: "q4_0" });
    expect(q8.kvCacheGiB! / f16.kvCacheGiB!).toBeCloseTo(34 / 64, 6);
    expect(q4.kvCacheGiB! / f16.kvCacheGiB!).toBeCloseTo(18 / 64, 6);
    expect(needOn(q8, 1)!).toBeLessThan(needOn(f16, 1)!);
  });

  test("a context longer than the model's own is capped, as Ollama caps it", () => {
    expect(modelNeed({ llm_model: "qwen2.5:32b", context_length: 131072 })).toMatchObject({ contextAsked: 131072, context: 32768 });
    expect(modelNeed({ llm_model: "llama3:8b", context_length: 32768 })).toMatchObject({ context: 8192 });
  });

  test("the smallest catalogued types that hold the model: least GPU memory, then fewest GPUs, then the ranking given", () => {
    const need = modelNeed({ llm_model: "llama3.1:70b" });
    const fits = typesThatFit(need, (type) => (type === "g6e.4xlarge" ? [0] : [1]));
    expect(fits[0].instanceType).toBe("g6e.4xlarge");
    expect(fits.slice(0, 5).map((f) => f.instanceType).sort()).toEqual(["g6e.16xlarge", "g6e.2xlarge", "g6e.4xlarge", "g6e.8xlarge", "g6e.xlarge"]);
    const memory = fits.map((f) => f.gpus! * f.gpuMemoryGiB!);
    expect(memory).toEqual([...memory].sort((a, b) => a - b));
    expect(fits.every((f) => f.fits && f.needGiB! <= f.gpusUsed! * f.gpuMemoryGiB!)).toBe(true);
    // nothing smaller holds it
    expect(fits.some((f) => f.gpus! * f.gpuMemoryGiB! < 48)).toBe(false);
  });

  test("a model the catalog does not know: a rough estimate from the tag (weights x 1.2), unknown without a parameter count", () => {
    const rough = modelFit(server("hf.co/org/Some-70B-GGUF:Q4_K_M", "g6e.xlarge"));
    expect(rough).toMatchObject({ rough: true, parametersB: 70, quantization: "q4_k_m" });
    expect(rough.kvCacheGiB).toBeUndefined();
    expect(rough.needGiB).toBeCloseTo(((70e9 * QUANTIZATION_BITS.q4_k_m) / 8 / GIB) * 1.2 + GPU_RESERVE_GIB, 6);
    const none = modelFit(server("nomic-embed-text", "g5.xlarge"));
    expect([none.weightsGiB, none.needGiB, none.fits]).toEqual([undefined, undefined, undefined]);
  });

  test("every catalogued shape is consistent: heads divide evenly into KV heads, context and sizes positive", () => {
    for (const [name, family] of Object.entries(MODEL_FAMILIES)) {
      expect({ name, latest: family.latest in family.sizes, quantization: family.defaultQuantization in QUANTIZATION_BITS }).toEqual({ name, latest: true, quantization: true });
      for (const [size, shape] of Object.entries(family.sizes)) {
        expect({ model: `${name}:${size}`, grouped: shape.attentionHeads % shape.kvHeads }).toEqual({ model: `${name}:${size}`, grouped: 0 });
        expect(Math.min(shape.parametersB, shape.layers, shape.headDim, shape.embedding, shape.vocab, shape.contextLength)).toBeGreaterThan(0);
      }
    }
  });
});
