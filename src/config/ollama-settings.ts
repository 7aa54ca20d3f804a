/**
 * Ollama's own settings a model entry may give its server (environment variables of the server's
 * unit, read by Ollama's envconfig): their limits and defaults, shared by the rules, the bootstrap's
 * parameters and the GPU memory estimate.
 */

/** How long a model stays loaded after its last request when the entry says nothing: the original module's value. */
export const OLLAMA_KEEP_ALIVE = "6h";

/**
 * Tokens of context: from 512 (llama.cpp's default batch; a smaller window cannot hold a chat) to
 * 2^20. Ollama caps a larger value at the model's own context.
 */
export const CONTEXT_LENGTH = { min: 512, max: 1_048_576 } as const;

/**
 * Parallel requests: at most 64, the sequence limit of the llama.cpp that Ollama 0.12 ships
 * (LLAMA_MAX_SEQ; 256 from 0.13 on), so every release the servers may run takes it.
 */
export const NUM_PARALLEL = { min: 1, max: 64 } as const;

/** What OLLAMA_KV_CACHE_TYPE takes (fs/ggml SupportsKVCacheType); anything else Ollama ignores with a warning. */
export const KV_CACHE_TYPES = ["f16", "q8_0", "q4_0"] as const;

/**
 * Keep-alive as Ollama parses it (a Go duration, or whole seconds; negative is for ever), narrowed
 * to what a person writes: -1, whole seconds, or a number and one unit (s, m, h).
 */
export const KEEP_ALIVE_PATTERN = "^(-1|[0-9]{1,7}|[0-9]{1,5}[smh])$";

/**
 * What the bootstrap's parameters say for a setting the entry leaves out: Ollama's own default, no
 * line in the unit. A word, not an empty string: the AWS provider reads an empty string in an
 * association's `parameters` as no value and plans no change, so a setting left out again would
 * stay on the servers.
 */
export const OLLAMA_DEFAULT_SETTING = "default";

/** What a server runs with when the entry leaves a setting out: Ollama 0.13's defaults (envconfig). */
export const OLLAMA_DEFAULTS = { context_length: 4096, num_parallel: 1, kv_cache_type: "f16" } as const;

/** The environment variable of each setting, as Ollama reads it. */
export const OLLAMA_VARIABLES = {
  context_length: "OLLAMA_CONTEXT_LENGTH",
  num_parallel: "OLLAMA_NUM_PARALLEL",
  kv_cache_type: "OLLAMA_KV_CACHE_TYPE",
  keep_alive: "OLLAMA_KEEP_ALIVE",
} as const;
