import { readFileSync } from "fs";
import { VLLM } from "../engines/vllm";
import { ENGINE_ARGS_ENCODED_PATTERN, vllmArgsShell } from "../engines/vllm-args";
import { sharedHelpers, withoutComments } from "./shell-helpers";
import { escapeTemplate, sourcePath, SSM_PARAMETERS } from "./templates";

// The vLLM server's user data template and its SSM document, generated at synth like Ollama's: one
// body (vllm-bootstrap.sh, after the helpers it shares with bootstrap.sh), each caller's own header.

/** Asset file names, as they appear under the module's `assets/`. */
export const VLLM_USER_DATA_TEMPLATE = "vllm-user-data.sh.tftpl";
export const SERVE_VLLM_DOCUMENT = "serve-vllm.ssm.json";

/** The weight cache's variables of the vLLM user data ("" without a cache), and the type's bandwidth. */
export const VLLM_CACHE_VARIABLES = ["model_cache_bucket", "model_cache_prefix", "model_cache_region", "transfer_gbps"] as const;

/**
 * The association's word for "none" in a parameter whose value may be empty (no weight cache, no
 * quantization, no engine arguments, no token): the AWS provider reads an empty string in
 * `parameters` as no value (see UNCHANGED_PORT), so taking a setting out would leave the servers
 * with the old one. No bucket, prefix, region, method, flag list or parameter name is spelt `-`.
 */
export const NO_VALUE = "-";
export const NO_MODEL_CACHE = NO_VALUE;

/** The weight cache's parameters of the serve-vllm document (the association's, so turning the cache on or off updates it and runs it). */
export const VLLM_CACHE_PARAMETERS = {
  ModelCacheBucket: {
    type: "String",
    default: NO_MODEL_CACHE,
    description: "The weight cache's S3 bucket; - for none",
    allowedPattern: "^(-|[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$",
  },
  ModelCachePrefix: {
    type: "String",
    default: NO_MODEL_CACHE,
    description: "The weight cache's key prefix, ending in /; - for none",
    allowedPattern: "^(-|([A-Za-z0-9_-][A-Za-z0-9_.-]*/){1,64})$",
  },
  ModelCacheRegion: { type: "String", default: NO_MODEL_CACHE, description: "The weight cache's region; - for none", allowedPattern: "^(-|[a-z]{2}(-[a-z]+)+-[0-9]+)$" },
} as const;

/** The variables `templatefile()` passes to the vLLM user data template. */
export const VLLM_USER_DATA_VARIABLES = [
  "model",
  "served_name",
  "app_port",
  "image",
  "max_model_len",
  "tensor_parallel_size",
  "gpu_memory_utilization",
  "dtype",
  "quantization",
  "engine_args",
  "hf_token_parameter",
  "cache_on_instance_store",
  "timeout_seconds",
  "log_group",
  "metrics_namespace",
  ...VLLM_CACHE_VARIABLES,
] as const;

/**
 * The vLLM document's parameters. The SSM agent pastes each value into the script, so each has an
 * `allowedPattern` that admits no quote, space or shell metacharacter.
 */
export const VLLM_SSM_PARAMETERS = {
  Model: {
    type: "String",
    description: "The Hugging Face repository vLLM serves, org/name or org/name@revision",
    allowedPattern: "^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?/[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?(@[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$",
  },
  ServedModelName: {
    type: "String",
    description: "The name clients send as model",
    allowedPattern: "^[A-Za-z0-9][A-Za-z0-9_./:-]{0,127}$",
  },
  AppPort: {
    type: "String",
    description: "TCP port the server publishes vLLM on (1-65535)",
    allowedPattern: "^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$",
  },
  Image: {
    type: "String",
    description: "vLLM's image, vllm/vllm-openai pinned to a release tag or a digest",
    allowedPattern: "^(docker\\.io/)?vllm/vllm-openai(:v[0-9]+\\.[0-9]+\\.[0-9]+(\\.post[0-9]+)?(-[a-z0-9]+(\\.[a-z0-9]+)*)*)?(@sha256:[0-9a-f]{64})?$",
  },
  MaxModelLen: { type: "String", default: "0", description: "vLLM's --max-model-len in tokens; 0: the model's own", allowedPattern: "^[0-9]{1,8}$" },
  TensorParallelSize: { type: "String", description: "GPUs the model is split over (--tensor-parallel-size)", allowedPattern: "^[1-9][0-9]?$" },
  GpuMemoryUtilization: {
    type: "String",
    default: "0.9",
    description: "Fraction of each GPU's memory vLLM takes, above 0 and at most 1",
    allowedPattern: "^(0?\\.[0-9]*[1-9][0-9]*|1(\\.0*)?)$",
  },
  Dtype: { type: "String", description: "vLLM's --dtype", allowedPattern: "^(auto|half|float16|bfloat16|float|float32)$" },
  Quantization: { type: "String", default: NO_VALUE, description: "vLLM's --quantization; - : from the model's configuration", allowedPattern: "^(-|awq|awq_marlin|gptq|gptq_marlin|fp8)$" },
  EngineArgs: {
    type: "String",
    default: NO_VALUE,
    description: "vLLM's extra flags from the engine_args allowlist, flag=value pairs joined by commas, - for none; the script checks each again",
    allowedPattern: `^(-|${ENGINE_ARGS_ENCODED_PATTERN.slice(1, -1)})$`,
  },
  HfTokenParameter: {
    type: "String",
    default: NO_VALUE,
    description: "Name of the SSM SecureString holding a Hugging Face token; - for none",
    allowedPattern: "^(-|/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,14})$",
  },
  CacheOnInstanceStore: {
    type: "String",
    default: "true",
    description: "true: keep the weights on the instance store when the instance has one; false: on the root volume (servers of a warm pool)",
    allowedPattern: "^(true|false)$",
  },
  TimeoutSeconds: SSM_PARAMETERS.TimeoutSeconds,
  ...VLLM_CACHE_PARAMETERS,
  UpgradeInPlace: {
    ...SSM_PARAMETERS.UpgradeInPlace,
    description:
      "true: pull another image, rewrite the unit and restart vLLM when they differ; false: leave the running server as it is and only check that it serves the model (servers that take a new image through an instance refresh)",
  },
} as const;

export type VllmSsmParameterName = keyof typeof VLLM_SSM_PARAMETERS;

/** The body after the shared helpers, without their comments (the servers' user data must stay within 16 KB, compressed). */
function body(): string {
  const text = withoutComments(
    `${sharedHelpers(readFileSync(sourcePath("bootstrap.sh"), "utf8"))}\n${vllmArgsShell()}\n${readFileSync(sourcePath(VLLM.bootstrap.script), "utf8")}`,
  );
  if (text.includes("{{")) throw new Error(`${VLLM.bootstrap.script} must not contain "{{" (SSM document parameter syntax)`);
  return text;
}

/** The vLLM user data: a header of template variables, then the body escaped for templatefile(). */
export function vllmUserDataTemplate(): string {
  const header = [
    "#!/bin/bash",
    "# ollama-fleet vLLM server bootstrap, run once by cloud-init at first boot. The SSM document",
    "# <prefix>-serve-vllm runs the same script at creation and on a schedule. Its comments are in",
    "# src/userdata/vllm-bootstrap.sh of ollama-fleet (the servers get it without them).",
    "MODEL='${model}'",
    "SERVED_NAME='${served_name}'",
    "APP_PORT='${app_port}'",
    "IMAGE='${image}'",
    "MAX_MODEL_LEN='${max_model_len}'",
    "TENSOR_PARALLEL_SIZE='${tensor_parallel_size}'",
    "GPU_MEMORY_UTILIZATION='${gpu_memory_utilization}'",
    "DTYPE='${dtype}'",
    "QUANTIZATION='${quantization}'",
    "ENGINE_ARGS='${engine_args}'",
    "HF_TOKEN_PARAMETER='${hf_token_parameter}'",
    "CACHE_ON_INSTANCE_STORE='${cache_on_instance_store}'",
    "RUN_TIMEOUT_SECONDS='${timeout_seconds}'",
    // First boot sets the server up whatever its kind.
    "UPGRADE_IN_PLACE=true",
    "LOG_GROUP='${log_group}'",
    "METRICS_NAMESPACE='${metrics_namespace}'",
    "MODEL_CACHE_BUCKET='${model_cache_bucket}'",
    "MODEL_CACHE_PREFIX='${model_cache_prefix}'",
    "MODEL_CACHE_REGION='${model_cache_region}'",
    "TRANSFER_GBPS='${transfer_gbps}'",
    "CALLER=user-data",
  ];
  return `${header.join("\n")}\n${escapeTemplate(body())}`;
}

/** The serve-vllm Command document, a template for templatefile() (the log group and namespace follow the prefix). */
export function serveVllmDocument(): string {
  const header = [
    "#!/bin/bash",
    "# ollama-fleet vLLM server bootstrap, run by State Manager (document <prefix>-serve-vllm).",
    "MODEL='{{ Model }}'",
    "SERVED_NAME='{{ ServedModelName }}'",
    "APP_PORT='{{ AppPort }}'",
    "IMAGE='{{ Image }}'",
    "MAX_MODEL_LEN='{{ MaxModelLen }}'",
    "TENSOR_PARALLEL_SIZE='{{ TensorParallelSize }}'",
    "GPU_MEMORY_UTILIZATION='{{ GpuMemoryUtilization }}'",
    "DTYPE='{{ Dtype }}'",
    "QUANTIZATION='{{ Quantization }}'",
    "ENGINE_ARGS='{{ EngineArgs }}'",
    "HF_TOKEN_PARAMETER='{{ HfTokenParameter }}'",
    "CACHE_ON_INSTANCE_STORE='{{ CacheOnInstanceStore }}'",
    "RUN_TIMEOUT_SECONDS='{{ TimeoutSeconds }}'",
    "UPGRADE_IN_PLACE='{{ UpgradeInPlace }}'",
    "LOG_GROUP='${log_group}'",
    "METRICS_NAMESPACE='${metrics_namespace}'",
    "MODEL_CACHE_BUCKET='{{ ModelCacheBucket }}'",
    "MODEL_CACHE_PREFIX='{{ ModelCachePrefix }}'",
    "MODEL_CACHE_REGION='{{ ModelCacheRegion }}'",
    // The document serves every vLLM model: the user data's figure stays in the CLI's configuration.
    "TRANSFER_GBPS=''",
    "CALLER=ssm",
  ];
  const document = {
    schemaVersion: "2.2",
    description:
      "Run vLLM's pinned image as the unit vllm.service (docker, all GPUs) serving one Hugging Face model, its weights cached on the " +
      "instance store where there is one; waits until vLLM serves the model. Safe to run again. With UpgradeInPlace=false it only checks.",
    parameters: VLLM_SSM_PARAMETERS,
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "serveVllm",
        inputs: {
          timeoutSeconds: "{{ TimeoutSeconds }}",
          runCommand: [...header, ...escapeTemplate(body()).replace(/\n$/, "").split("\n")],
        },
      },
    ],
  };
  return JSON.stringify(document, null, 2) + "\n";
}
