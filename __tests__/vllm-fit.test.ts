import { MODEL_DEFAULTS } from "../src/config/load";
import { vllmFit, vllmFitTable, vllmFitWarning, weightFormat, VllmEntry } from "../src/catalog/vllm-fit";

const VLLM_DEFAULTS = { ...MODEL_DEFAULTS, engine: "vllm" as const };
const entry = (llm_model: string, instance_type: string, more: Partial<VllmEntry> = {}): VllmEntry => ({ ...VLLM_DEFAULTS, llm_model, instance_type, ...more });
const LLAMA_8B = "meta-llama/Llama-3.1-8B-Instruct";

describe("vLLM weights' format", () => {
  test.each([
    [entry(LLAMA_8B, "g5.xlarge"), "16-bit", 16],
    [entry(LLAMA_8B, "g4dn.xlarge"), "float16", 16],
    [entry(LLAMA_8B, "g5.xlarge", { dtype: "bfloat16" }), "bfloat16", 16],
    [entry(LLAMA_8B, "g5.xlarge", { dtype: "float32" }), "float32", 32],
    [entry("Qwen/Qwen2.5-7B-Instruct-AWQ", "g4dn.xlarge"), "awq 4-bit", 4.5],
    [entry("TheBloke/Mistral-7B-Instruct-v0.2-GPTQ", "g5.xlarge"), "gptq 4-bit", 4.5],
    [entry("neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8", "g6.xlarge"), "fp8", 8],
    [entry(LLAMA_8B, "g6.xlarge", { quantization: "fp8" }), "fp8", 8],
    [entry(LLAMA_8B, "g5.xlarge", { quantization: "awq_marlin" }), "awq 4-bit", 4.5],
    // "awq" inside a word is no method
    [entry("org/hawqish-7b", "g5.xlarge"), "16-bit", 16],
  ])("%j: %s", (e, format, bits) => {
    expect(weightFormat(e)).toEqual({ format, bits });
  });
});

describe("vLLM fit: weights and KV cache within gpu_memory_utilization of the GPUs it is split over", () => {
  test("Llama 3.1 8B in 16 bits on one A10G: 14.9 GiB of weights in a 21.6 GiB share leave room for a 32k context, not its own 128k", () => {
    // 8 x 10^9 x 2 bytes = 14.9 GiB; (21.6 - 14.9 - 1.5) GiB / 128 KiB per token = 42,588 tokens
    const fit = vllmFit(entry(LLAMA_8B, "g5.xlarge", { max_model_len: 32768 }));
    expect(fit).toMatchObject({ servedName: LLAMA_8B, tensorParallel: 1, budgetGiB: 21.6, weightsGiB: 14.9, kvTokens: 42588, fits: true });
    expect(vllmFit(entry(LLAMA_8B, "g5.xlarge", { max_model_len: 131072 }))).toMatchObject({ kvTokens: 42588, fits: false });
    // a smaller share leaves less room
    expect(vllmFit(entry(LLAMA_8B, "g5.xlarge", { max_model_len: 32768, gpu_memory_utilization: 0.8 })).fits).toBe(false);
  });

  test("tensor_parallel_size 0 takes every GPU of the instance type; a smaller size counts only its GPUs", () => {
    expect(vllmFit(entry(LLAMA_8B, "g5.12xlarge"))).toMatchObject({ gpus: 4, tensorParallel: 4, budgetGiB: 86.4 });
    expect(vllmFit(entry(LLAMA_8B, "g5.12xlarge", { tensor_parallel_size: 2 }))).toMatchObject({ gpus: 4, tensorParallel: 2, budgetGiB: 43.2 });
  });

  test("a 70B model: not in 16 bits on four A10Gs (130 GiB of weights), but as a 4-bit AWQ checkpoint with a long context", () => {
    const bf16 = vllmFit(entry("meta-llama/Llama-3.3-70B-Instruct", "g5.12xlarge"));
    expect(bf16).toMatchObject({ weightsGiB: 130.4, fits: false });
    expect(bf16.kvTokens).toBeLessThan(0);
    const awq = vllmFit(entry("casperhansen/llama-3.3-70b-instruct-awq", "g5.12xlarge", { max_model_len: 65536 }));
    expect(awq).toMatchObject({ format: "awq 4-bit", weightsGiB: 36.7, fits: true });
    expect(awq.kvTokens).toBeGreaterThan(65536);
  });

  test("unknown when the name has no parameter count or the catalog does not know the instance type", () => {
    expect(vllmFit(entry("BAAI/bge-m3", "g5.xlarge")).fits).toBeUndefined();
    expect(vllmFit(entry(LLAMA_8B, "x9.xlarge")).fits).toBeUndefined();
  });
});

describe("the synth report and its warnings", () => {
  test("a row per vLLM model: its served name, GPUs used, vLLM's share, weights, KV room, context and verdict", () => {
    const table = vllmFitTable([
      entry(LLAMA_8B, "g5.xlarge", { served_model_name: "llama-8b", max_model_len: 32768 }),
      entry("meta-llama/Llama-3.3-70B-Instruct", "g5.12xlarge", { tensor_parallel_size: 2 }),
      entry("Qwen/Qwen2.5-7B-Instruct-AWQ", "g4dn.xlarge"),
    ]).split("\n");
    expect(table[0]).toMatch(/^served name\s+instance type\s+GPUs used\s+vLLM's share\s+weights\s+KV room \(tokens\)\s+max_model_len\s+fits$/);
    expect(table[1]).toMatch(/^llama-8b\s+g5\.xlarge\s+1 of 1 x 24 GiB\s+21\.6 GiB\s+14\.9 GiB \(16-bit\)\s+42588\s+32768\s+yes$/);
    expect(table[2]).toMatch(/^meta-llama\/Llama-3\.3-70B-Instruct\s+g5\.12xlarge\s+2 of 4 x 24 GiB\s+43\.2 GiB\s+130\.4 GiB \(16-bit\)\s+none\s+model's own\s+NO$/);
    expect(table[3]).toMatch(/^Qwen\/Qwen2\.5-7B-Instruct-AWQ\s+g4dn\.xlarge\s+1 of 1 x 16 GiB\s+14\.4 GiB\s+3\.7 GiB \(awq 4-bit\)\s+\d+\s+model's own\s+weights yes$/);
  });

  test("warnings say what to change: a larger instance or a quantized checkpoint when the weights do not fit, a shorter context when the KV cache does not", () => {
    expect(vllmFitWarning(entry(LLAMA_8B, "g5.xlarge", { max_model_len: 8192 }))).toBeUndefined();
    expect(vllmFitWarning(entry("meta-llama/Llama-3.3-70B-Instruct", "g5.12xlarge"))).toBe(
      "meta-llama/Llama-3.3-70B-Instruct (meta-llama/Llama-3.3-70B-Instruct) probably does not fit g5.12xlarge: its weights take about 130.4 GiB (16-bit) " +
        "and vLLM's share of the GPUs is 4 x 24 GiB x 0.9 = 86.4 GiB. Pick a larger size or family, or a quantized checkpoint (AWQ, GPTQ, FP8).",
    );
    expect(vllmFitWarning(entry(LLAMA_8B, "g5.xlarge", { served_model_name: "llama", max_model_len: 131072 }))).toMatch(
      /^llama \(meta-llama\/Llama-3\.1-8B-Instruct\) probably cannot start on g5\.xlarge: max_model_len 131072 needs more KV cache than the about 42588 tokens left .* Lower max_model_len/,
    );
  });
});
