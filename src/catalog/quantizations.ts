/**
 * Bits per weight of the GGUF quantizations Ollama serves, as llama.cpp measured them on
 * Llama-3.1-8B (tools/quantize/README.md of https://github.com/ggml-org/llama.cpp: "bits/weight"
 * column), and, for the legacy block types the table leaves out, their block size (ggml's
 * block_q4_0 holds 32 weights in 18 bytes: 4.5 bits; q4_1 20 bytes, q5_0 22, q5_1 24). A whole
 * model's average differs a little from model to model (its embedding and output tensors are kept
 * at a higher precision), so a size from this table is good to a few percent.
 */
export const QUANTIZATION_BITS: Readonly<Record<string, number>> = {
  f32: 32,
  f16: 16.0005,
  bf16: 16.0005,
  q8_0: 8.5008,
  q6_k: 6.5633,
  q5_k_m: 5.7036,
  q5_k_s: 5.5704,
  q5_1: 6,
  q5_0: 5.5,
  q4_k_m: 4.8944,
  q4_k_s: 4.6672,
  q4_1: 5,
  q4_0: 4.5,
  iq4_nl: 4.6818,
  iq4_xs: 4.4597,
  q3_k_l: 4.2979,
  q3_k_s: 3.6429,
  iq3_m: 3.7628,
  q2_k: 3.1593,
};

/** Spellings of a quantization in tags that name the same one (`fp16` is Ollama's name for f16). */
const ALIASES: Readonly<Record<string, string>> = { fp16: "f16", fp32: "f32" };

/**
 * The quantization a model tag names (`8b-instruct-q4_K_M` -> `q4_k_m`, `Q8_0` -> `q8_0`), as a key
 * of QUANTIZATION_BITS, or undefined when it names none the table knows.
 */
export function quantizationOf(tag: string): string | undefined {
  for (const word of tag.toLowerCase().split(/[^a-z0-9_]+/)) {
    // `instruct-q4_K_M` splits at "-"; a word may still carry a prefix, as `v0.1-q4_0` does not but `it_q8_0` could.
    const names = [word, ...word.split("_").map((_, i, parts) => parts.slice(i).join("_"))];
    for (const name of names) {
      const canonical = ALIASES[name] ?? name;
      if (canonical in QUANTIZATION_BITS) return canonical;
    }
  }
  return undefined;
}
