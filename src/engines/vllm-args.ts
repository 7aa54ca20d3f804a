// vLLM's command-line flags a vLLM model's `engine_args` may set: one table, read by the synth
// rules (TypeScript), the module's validation (HCL), the servers' bootstrap (bash, which checks
// every flag and value again before it runs vLLM) and the docs' table. A flag that is not here is
// refused, whatever its spelling; a flag we set ourselves, or one that would run code, read a file
// or hand out keys, is refused with the reason.
//
// Read from vLLM's own argument parser: vllm/engine/arg_utils.py (EngineArgs.add_cli_args and the
// config dataclasses it reads: CacheConfig, SchedulerConfig, ModelConfig, StructuredOutputsConfig)
// and vllm/entrypoints/openai/cli_args.py (the OpenAI server's frontend arguments); the parsers'
// names from vllm/tool_parsers/__init__.py and vllm/reasoning/__init__.py. A bool field of those
// dataclasses is an argparse BooleanOptionalAction: `--flag` sets it, `--no-flag` clears it.

/** How a flag's value is checked, and how it is written on vLLM's command line. */
export type VllmArgKind =
  | { readonly kind: "whole"; readonly min: number; readonly max: number }
  | { readonly kind: "number"; readonly max: number }
  | { readonly kind: "boolean" }
  | { readonly kind: "enum"; readonly values: readonly string[] };

export interface VllmArg {
  readonly flag: string;
  readonly value: VllmArgKind;
  /** What it does, for the docs. */
  readonly what: string;
  /** A flag that must be set too when this one is "true" (vLLM refuses to start otherwise). */
  readonly requires?: string;
}

/** The tool-call parsers vLLM registers (vllm/tool_parsers/__init__.py). */
export const VLLM_TOOL_CALL_PARSERS = [
  "apertus", "cohere_command3", "cohere_command4", "deepseek_v3", "deepseek_v31", "deepseek_v32", "deepseek_v4", "ernie45",
  "functiongemma", "gemma4", "gigachat3", "glm45", "glm47", "granite", "granite-20b-fc", "granite4", "hermes", "hunyuan_a13b",
  "hy_v3", "inkling", "internlm", "jamba", "kimi_k2", "kimi_k3", "lfm2", "llama3_json", "llama4_json", "llama4_pythonic",
  "longcat", "mimo", "minicpm5", "minimax_m2", "minimax_m3", "mistral", "olmo3", "openai", "phi4_mini_json", "poolside_v1",
  "pythonic", "qwen3_coder", "qwen3_xml", "seed_oss", "solar_open2", "step3", "step3p5", "xlam",
] as const;

/** The reasoning parsers vLLM registers (vllm/reasoning/__init__.py). */
export const VLLM_REASONING_PARSERS = [
  "cohere_command3", "cohere_command4", "deepseek_r1", "deepseek_v3", "deepseek_v4", "ernie45", "gemma4", "glm45", "glm47",
  "granite", "holo2", "hunyuan_a13b", "hy_v3", "inkling", "kimi_k2", "kimi_k3", "mimo", "minimax_m2", "minimax_m2_append_think",
  "minimax_m3", "mistral", "nemotron_v3", "olmo3", "openai_gptoss", "poolside_v1", "qwen3", "seed_oss", "solar_open2", "step3",
  "step3p5",
] as const;

/** The allowlist, in the order of the docs' table. */
export const VLLM_ARGS: readonly VllmArg[] = [
  { flag: "max-num-seqs", value: { kind: "whole", min: 1, max: 65536 }, what: "most sequences in one batch: how many requests run at once" },
  { flag: "max-num-batched-tokens", value: { kind: "whole", min: 1, max: 16_777_216 }, what: "most tokens in one batch (prefill chunks and decodes)" },
  { flag: "enable-prefix-caching", value: { kind: "boolean" }, what: "reuse the KV cache of a shared prompt prefix (on by default)" },
  { flag: "enable-chunked-prefill", value: { kind: "boolean" }, what: "split long prompts into chunks batched with decodes" },
  { flag: "kv-cache-dtype", value: { kind: "enum", values: ["auto", "fp8", "fp8_e4m3", "fp8_e5m2"] }, what: "the KV cache's data type: fp8 holds twice the tokens" },
  { flag: "block-size", value: { kind: "enum", values: ["8", "16", "32", "64", "128"] }, what: "tokens per KV cache block" },
  { flag: "cpu-offload-gb", value: { kind: "number", max: 1024 }, what: "GiB of the weights kept in CPU memory per GPU (a model larger than the GPUs runs, slower)" },
  { flag: "enforce-eager", value: { kind: "boolean" }, what: "no CUDA graphs: less GPU memory and a faster start, slower decoding" },
  { flag: "seed", value: { kind: "whole", min: 0, max: 4_294_967_295 }, what: "the random seed of sampling" },
  { flag: "max-logprobs", value: { kind: "whole", min: 0, max: 1024 }, what: "most log probabilities a request may ask for" },
  { flag: "scheduling-policy", value: { kind: "enum", values: ["fcfs", "priority"] }, what: "first come first served, or by each request's priority" },
  { flag: "generation-config", value: { kind: "enum", values: ["auto", "vllm"] }, what: "sampling defaults from the model's generation_config.json (auto) or vLLM's own (vllm)" },
  {
    flag: "enable-auto-tool-choice",
    value: { kind: "boolean" },
    what: "let the model call tools on its own (`tool_choice: auto`)",
    requires: "tool-call-parser",
  },
  { flag: "tool-call-parser", value: { kind: "enum", values: VLLM_TOOL_CALL_PARSERS }, what: "how the model's tool calls are read: the model family's parser" },
  { flag: "reasoning-parser", value: { kind: "enum", values: VLLM_REASONING_PARSERS }, what: "how a reasoning model's thinking is split from its answer" },
];

/**
 * Flags of vLLM's parser refused with a reason: set by the bootstrap itself or by a field of the
 * model, or unsafe on a shared server. Any other flag not in VLLM_ARGS is refused too.
 */
export const VLLM_REFUSED_ARGS: Readonly<Record<string, string>> = {
  model: "the bootstrap sets it from llm_model",
  "served-model-name": "set served_model_name instead",
  host: "the bootstrap sets it: vLLM listens in its container, published on app_port",
  port: "the bootstrap sets it: vLLM listens in its container, published on app_port",
  revision: "write the revision into llm_model, org/name@revision",
  "max-model-len": "set max_model_len instead",
  "tensor-parallel-size": "set tensor_parallel_size instead",
  "gpu-memory-utilization": "set gpu_memory_utilization instead",
  dtype: "set dtype instead",
  quantization: "set quantization instead",
  "download-dir": "the bootstrap keeps the weights in its cache (instance store or root volume)",
  "trust-remote-code": "it runs code from the model's repository on the server",
  "code-revision": "it picks code from the model's repository to run",
  "api-key": "keys are the router's (output router_keys_parameter): neither door sends vLLM a key, and one on its command line is in every process listing",
  "chat-template": "it reads a file on the server, or takes a template that runs on every request",
  "tool-parser-plugin": "it loads a Python file on the server",
  middleware: "it imports Python code into the server",
  "allowed-local-media-path": "it lets requests read the server's files",
  "hf-token": "set hf_token_parameter instead: a token on the command line is in every process listing",
  tokenizer: "it names another repository or a path",
  "speculative-config": "its value is JSON we do not check",
  "compilation-config": "its value is JSON we do not check",
  "override-generation-config": "its value is JSON we do not check",
  "hf-overrides": "its value is JSON we do not check",
  "lora-modules": "it loads adapters from paths",
  "ssl-keyfile": "the load balancer speaks HTTP to the server; it reads a file on the server",
  "ssl-certfile": "the load balancer speaks HTTP to the server; it reads a file on the server",
  uds: "the load balancer needs vLLM on its TCP port",
};

export const VLLM_ARG_FLAGS: readonly string[] = VLLM_ARGS.map((a) => a.flag);

/** The longest value any flag takes (the SSM parameter's and the user data's bound). */
export const MAX_ENGINE_ARG_VALUE_LENGTH = 32;

/** The entry of a flag, if it is allowed. */
export const vllmArg = (flag: string): VllmArg | undefined => VLLM_ARGS.find((a) => a.flag === flag);

/** Whether a value is one the flag takes. */
export function vllmArgValueOk(arg: VllmArg, value: unknown): boolean {
  if (typeof value !== "string") return false;
  const v = arg.value;
  switch (v.kind) {
    case "whole":
      return /^(0|[1-9][0-9]{0,9})$/.test(value) && Number(value) >= v.min && Number(value) <= v.max;
    case "number":
      return /^[0-9]{1,5}(\.[0-9]{1,3})?$/.test(value) && Number(value) <= v.max;
    case "boolean":
      return value === "true" || value === "false";
    case "enum":
      return v.values.includes(value);
  }
}

/** What a flag takes, in words (errors and the docs). */
export function vllmArgValueText(arg: VllmArg): string {
  const v = arg.value;
  switch (v.kind) {
    case "whole":
      return `a whole number from ${v.min} to ${v.max}`;
    case "number":
      return `a number from 0 to ${v.max}, at most 3 decimals`;
    case "boolean":
      return '"true" or "false"';
    case "enum":
      return `one of ${v.values.join(", ")}`;
  }
}

/** The HCL condition that value `v` (a string) is one flag `arg` takes: errors are false, so it is safe in any branch. */
export function hclVllmArgValueOk(arg: VllmArg, v: string): string {
  const a = arg.value;
  switch (a.kind) {
    case "whole":
      return `(can(regex("^(0|[1-9][0-9]{0,9})$", ${v})) && try(tonumber(${v}) >= ${a.min} && tonumber(${v}) <= ${a.max}, false))`;
    case "number":
      return `(can(regex("^[0-9]{1,5}(\\\\.[0-9]{1,3})?$", ${v})) && try(tonumber(${v}) <= ${a.max}, false))`;
    case "boolean":
      return `contains(["true", "false"], ${v})`;
    case "enum":
      return `contains(${JSON.stringify(a.values)}, ${v})`;
  }
}

/** The HCL condition that flag `k` with value `v` is allowed. */
export const hclVllmArgOk = (k: string, v: string): string =>
  `(${VLLM_ARGS.map((a) => `(${k} == ${JSON.stringify(a.flag)} && ${hclVllmArgValueOk(a, v)})`).join(" || ")})`;

/**
 * What the encoded args may hold, whatever their flags: `flag=value` pairs of letters, digits and
 * `_ . -`, no quote, space or shell metacharacter (the SSM parameter's allowedPattern; the
 * bootstrap checks each flag and value against the table).
 */
export const ENGINE_ARGS_ENCODED_PATTERN = "^([a-z][a-z0-9-]{0,63}=[A-Za-z0-9_.-]{1,32}(,[a-z][a-z0-9-]{0,63}=[A-Za-z0-9_.-]{1,32}){0,31})?$";

/**
 * The bootstrap's check, generated into the server's script: `engine_arg_ok FLAG VALUE` succeeds
 * only for a flag of the table and a value it takes; `engine_arg_boolean FLAG` for a boolean flag;
 * `engine_arg_requires FLAG` prints the flag that must come with FLAG=true.
 */
export function vllmArgsShell(): string {
  const check = (a: VllmArg): string => {
    const v = a.value;
    switch (v.kind) {
      case "whole":
        return `[[ "$2" =~ ^(0|[1-9][0-9]{0,9})$ ]] && [ "$2" -ge ${v.min} ] && [ "$2" -le ${v.max} ]`;
      case "number":
        return `[[ "$2" =~ ^([0-9]{1,5})(\\.[0-9]{1,3})?$ ]] && { [ $((10#\${BASH_REMATCH[1]})) -lt ${v.max} ] || [[ "$2" =~ ^0*${v.max}(\\.0*)?$ ]]; }`;
      case "boolean":
        return `[[ "$2" =~ ^(true|false)$ ]]`;
      case "enum":
        return `[[ "$2" =~ ^(${v.values.map((x) => x.replace(/[.]/g, "\\.")).join("|")})$ ]]`;
    }
  };
  return [
    "# Generated from the engine_args allowlist (src/engines/vllm-args.ts): vLLM's flags engine_args may set.",
    "engine_arg_ok() {",
    '  case "$1" in',
    ...VLLM_ARGS.map((a) => `    ${a.flag}) ${check(a)} ;;`),
    "    *) return 1 ;;",
    "  esac",
    "}",
    "engine_arg_boolean() {",
    `  [[ "$1" =~ ^(${VLLM_ARGS.filter((a) => a.value.kind === "boolean").map((a) => a.flag).join("|")})$ ]]`,
    "}",
    "engine_arg_requires() {",
    '  case "$1" in',
    ...VLLM_ARGS.filter((a) => a.requires !== undefined).map((a) => `    ${a.flag}) echo ${a.requires} ;;`),
    "  esac",
    "}",
  ].join("\n");
}
