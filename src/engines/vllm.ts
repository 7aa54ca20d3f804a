import { Engine, EngineEntry } from "./engine";

/**
 * The vLLM image the servers run unless `vllm_image` says otherwise: vLLM's official OpenAI-compatible
 * server image on Docker Hub, pinned to a release (docs/engines.md says where the release is from).
 */
export const DEFAULT_VLLM_IMAGE = "vllm/vllm-openai:v0.29.0";

/**
 * What `vllm_image` may be: vLLM's official image (`vllm/vllm-openai`, optionally `docker.io/`),
 * pinned by a release tag (`v0.29.0`, `v0.22.0-cu129`), by a digest, or both. A moving tag
 * (`latest`, `nightly`) would change what new servers run behind an unchanged plan.
 */
export const VLLM_IMAGE_PATTERN =
  "^(docker\\.io/)?vllm/vllm-openai(:v[0-9]+\\.[0-9]+\\.[0-9]+(\\.post[0-9]+)?(-[a-z0-9]+(\\.[a-z0-9]+)*)*)?(@sha256:[0-9a-f]{64})?$";
/** A pin: the pattern with a tag or a digest (the bare repository is the latest image). */
export const VLLM_IMAGE_PINNED_PATTERN = "(:v[0-9][^@]*|@sha256:[0-9a-f]{64})$";

/**
 * A Hugging Face model repository as vLLM loads it: `namespace/name` (Hugging Face's own rule: letters,
 * digits, `-`, `_` and `.`, neither `--` nor `..`, no `-` or `.` first or last; 96 characters at most),
 * optionally `@` and a revision (a branch, a tag or a commit: letters, digits, `.`, `_`, `-`). A bare
 * name without a namespace is refused: vLLM would read it as a local path first.
 */
const REPO_PART = "[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?";
export const VLLM_REPO_PATTERN = `^${REPO_PART}/${REPO_PART}(@[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$`;
/** Hugging Face refuses repository ids with these sequences. */
export const VLLM_REPO_FORBIDDEN = "(--|\\.\\.)";
export const MAX_REPO_ID_LENGTH = 96;

/**
 * A served name: what clients send as `model`, an ALB listener rule value (128 characters at most,
 * no `*` or `?`, which the ALB reads as wildcards) and an item of the router's comma-separated model
 * list (no `,` or `=`); letters, digits and `_ . - / :`, a letter or digit first.
 */
export const SERVED_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_./:-]{0,127}$";

/** `--dtype` values vLLM takes; "" leaves the choice to the family (half on a GPU without bfloat16, else auto). */
export const VLLM_DTYPES = ["", "auto", "half", "float16", "bfloat16", "float", "float32"] as const;
/**
 * `--quantization` methods we let through, each one the fit estimate knows; "" (the default) lets
 * vLLM read the method from the model's own configuration, which is how AWQ, GPTQ and FP8 checkpoints
 * are usually served.
 */
export const VLLM_QUANTIZATIONS = ["", "awq", "awq_marlin", "gptq", "gptq_marlin", "fp8"] as const;
/**
 * Methods that need compute capability 8.0 (Ampere) or newer: vLLM's Marlin kernels and its FP8
 * path (vLLM's quantization hardware table: Marlin and FP8 not on Turing).
 */
export const VLLM_AMPERE_QUANTIZATIONS = ["awq_marlin", "gptq_marlin", "fp8"] as const;

/** vLLM's CUDA builds need compute capability 7.5 or newer (T4 and later). */
export const VLLM_MIN_COMPUTE_CAPABILITY = 7.5;
/** bfloat16 needs compute capability 8.0 (Ampere) or newer: a T4 computes in float16 ("half"). */
export const BFLOAT16_MIN_COMPUTE_CAPABILITY = 8.0;
/** The fraction of each GPU's memory vLLM takes unless `gpu_memory_utilization` says otherwise (vLLM's default). */
export const DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;
/** The longest context we accept in `max_model_len` (0: the model's own). */
export const MAX_MODEL_LEN = 16_777_216;

/** The port vLLM listens on inside its container; the host's app_port is published to it. */
export const VLLM_CONTAINER_PORT = 8000;

/** The repository of `org/name@revision` (`org/name`). */
export function repoOf(llmModel: string): string {
  const at = llmModel.indexOf("@");
  return at < 0 ? llmModel : llmModel.slice(0, at);
}

/**
 * vLLM: the pinned `vllm/vllm-openai` image run by a systemd unit around `docker run`; the weights
 * come from the weight cache (a checked local copy) when there is one, else from Hugging Face on the
 * first start, into a cache on the instance store where there is one, and every later start is
 * offline. It speaks OpenAI's API and Anthropic's Messages API, not Ollama's; the target group checks `/health`, and readiness waits for the served name in `/v1/models`.
 */
export const VLLM: Engine = {
  name: "vllm",
  title: "vLLM",
  servedName: (entry: EngineEntry) => (entry.served_model_name !== "" ? entry.served_model_name : repoOf(entry.llm_model)),
  alternateName: () => undefined,
  healthCheckPath: () => "/health",
  hcl: {
    servedName: (c) => `(${c}.served_model_name != "" ? ${c}.served_model_name : split("@", ${c}.llm_model)[0])`,
    alternateName: () => "null",
    healthCheckPath: () => `"/health"`,
    readyPath: () => `"/v1/models"`,
    // vLLM answers /v1/models as compact JSON: the served model is listed as "id":"<name>".
    readyMatch: (c) => `format("\\"id\\":\\"%s\\"", ${VLLM.hcl.servedName(c)})`,
  },
  routing: {
    names: "exact",
    serves: (path) => VLLM_PATHS.has(path),
    speaks: "the OpenAI API (/v1/chat/completions, /v1/completions, /v1/embeddings, /v1/responses, GET /v1/models) and Anthropic's /v1/messages",
    equivalent: (path) => VLLM_EQUIVALENTS[path],
  },
  bootstrap: {
    script: "vllm-bootstrap.sh",
    documentId: "serve_vllm",
    documentSuffix: "serve-vllm",
    pulledByMainServer: false,
    weights:
      "copied from the S3 weight cache, each file checked, when there is one; else downloaded from Hugging Face by vLLM at its first start, into a cache on the instance store where the instance has one; later starts run offline",
  },
};

/** The allowlisted calls vLLM's server answers, as src/router/endpoints.ts writes their paths. */
const VLLM_PATHS: ReadonlySet<string> = new Set([
  "/v1/chat/completions",
  "/v1/completions",
  "/v1/embeddings",
  "/v1/responses",
  "/v1/messages",
  "/v1/models",
]);

/** The call of vLLM's dialect that does what an Ollama call asks. */
const VLLM_EQUIVALENTS: Readonly<Record<string, string>> = {
  "/api/chat": "POST /v1/chat/completions",
  "/api/generate": "POST /v1/completions",
  "/api/embed": "POST /v1/embeddings",
  "/api/embeddings": "POST /v1/embeddings",
  "/api/show": "GET /v1/models",
  "/api/tags": "GET /v1/models",
  "/api/ps": "GET /v1/models",
  "/v1/models/{model}": "GET /v1/models",
};
