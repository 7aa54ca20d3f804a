import { CONTEXT_LENGTH, KEEP_ALIVE_PATTERN, KV_CACHE_TYPES, NUM_PARALLEL } from "../ollama-settings";
import { nearest } from "../nearest";
import { eachModel, hclList, hclMatches, hclWhole, matches, Rule, whole } from "./kit";

/** Unset (undefined in TypeScript, null in HCL) is Ollama's own default. */
const unset = (value: unknown): boolean => value === undefined || value === null;
// Terraform's || evaluates both sides: a conditional keeps null away from the comparison.
const hclUnsetOr = (field: string, condition: string): string => `c.${field} == null ? true : (${condition})`;

/** Ollama's settings per model: what each server's unit gives Ollama. */
export const ollamaSettingsRules: readonly Rule[] = [
  eachModel(
    "context-length",
    "context_length",
    `is not a context length Ollama is given (a whole number of tokens from ${CONTEXT_LENGTH.min} to ${CONTEXT_LENGTH.max})`,
    "use e.g. 8192 or 32768, or leave it out for Ollama's default; each token of context costs GPU memory (docs/sizing.md)",
    (c) => unset(c.context_length) || whole(c.context_length as number, CONTEXT_LENGTH.min, CONTEXT_LENGTH.max),
    hclUnsetOr("context_length", hclWhole("c.context_length", CONTEXT_LENGTH.min, CONTEXT_LENGTH.max)),
  ),
  eachModel(
    "num-parallel",
    "num_parallel",
    `is not a number of parallel requests (a whole number from ${NUM_PARALLEL.min} to ${NUM_PARALLEL.max})`,
    "use e.g. 4, or leave it out for one request at a time; each parallel request holds its own context_length of KV cache",
    (c) => unset(c.num_parallel) || whole(c.num_parallel as number, NUM_PARALLEL.min, NUM_PARALLEL.max),
    hclUnsetOr("num_parallel", hclWhole("c.num_parallel", NUM_PARALLEL.min, NUM_PARALLEL.max)),
  ),
  {
    ...eachModel(
      "kv-cache-type",
      "kv_cache_type",
      `is not a KV cache type Ollama takes (${KV_CACHE_TYPES.join(", ")}, written so)`,
      'use "q8_0" to halve the cache\'s GPU memory, "q4_0" to quarter it, or leave it out for "f16"',
      (c) => unset(c.kv_cache_type) || (KV_CACHE_TYPES as readonly string[]).includes(c.kv_cache_type as string),
      hclUnsetOr("kv_cache_type", `contains(${hclList(KV_CACHE_TYPES)}, c.kv_cache_type)`),
    ),
    suggest: (value) => (typeof value === "string" ? nearest(value, KV_CACHE_TYPES) : undefined),
  },
  eachModel(
    "keep-alive",
    "keep_alive",
    'is not a keep-alive Ollama reads as meant ("-1" for ever, whole seconds, or a number and one unit s, m or h)',
    'write e.g. "6h", "30m", "3600", "0" to unload at once or "-1" to keep the model loaded',
    (c) => matches(KEEP_ALIVE_PATTERN, c.keep_alive),
    hclMatches(KEEP_ALIVE_PATTERN, "c.keep_alive"),
  ),
];
