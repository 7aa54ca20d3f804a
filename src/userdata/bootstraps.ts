import { ServerMode } from "../config/types";
import { EngineName } from "../engines";
import { OLLAMA_DEFAULT_SETTING } from "../config/ollama-settings";
import { PULL_MODELS_DOCUMENT, pullModelsDocument, UNCHANGED_PORT, USER_DATA_TEMPLATE, userDataTemplate } from "./templates";
import {
  NO_MODEL_CACHE,
  NO_VALUE,
  SERVE_VLLM_DOCUMENT,
  serveVllmDocument,
  VLLM_CACHE_PARAMETERS,
  VLLM_CACHE_VARIABLES,
  VLLM_USER_DATA_TEMPLATE,
  vllmUserDataTemplate,
} from "./vllm-templates";

// Each engine's bootstrap as the servers' constructs use it: its user data template and SSM document
// (generated at synth from its script), and what a model's row passes each. The values are HCL
// operands over a model table row `m` and the module's inputs.

/** The module's inputs a bootstrap may read, as HCL operands. */
export interface BootstrapInputs {
  readonly ollamaVersion: string;
  readonly vllmImage: string;
  readonly hfTokenParameter: string;
  /** The run's time limit, seconds (a number). */
  readonly timeoutSeconds: string;
  readonly logGroup: string;
  readonly metricsNamespace: string;
  /** Where the weight cache is, each "" without one. */
  readonly modelCacheBucket: string;
  readonly modelCachePrefix: string;
  readonly modelCacheRegion: string;
  /** A map of instance type to its network bandwidth in Gbps. */
  readonly networkGbps: string;
}

/**
 * The `UpgradeInPlace` parameter of each kind's per-model association, per engine.
 *
 * Ollama: `false` for both. An association runs on all its servers as soon as it changes, and each
 * instance model has its own, so a new release carried by them would restart every instance server
 * at once: the release rollout (release-rollout.ts) brings it, one server at a time. An Auto Scaling
 * group's servers take it through the instance refresh of a new launch template. Either way a
 * model's own association keeps the release a server runs, and installs one only where none is.
 *
 * vLLM: an instance model's association applies a new image or settings (`true`: its one server
 * restarts once; no release rollout serves vLLM servers); an Auto Scaling group's servers take them
 * through the instance refresh (`false`: the association only checks that vLLM serves).
 */
export const UPGRADE_IN_PLACE: Readonly<Record<EngineName, Record<ServerMode, "true" | "false">>> = {
  ollama: { instance: "false", asg: "false" },
  vllm: { instance: "true", asg: "false" },
};

/**
 * The `AppPort` Ollama's associations pass: an instance moves to its model's new port and Ollama
 * settings when its association runs (one server, restarted once); an Auto Scaling group's servers
 * keep theirs (`unchanged`) until its instance refresh replaces them with servers on the new ones.
 */
const OLLAMA_APP_PORT = (m: string) => `(${m}.server_mode == "asg" ? ${JSON.stringify(UNCHANGED_PORT)} : tostring(${m}.app_port))`;

/**
 * A model row's Ollama settings as the bootstrap's text parameters, for the row `m`: a setting left
 * unset is OLLAMA_DEFAULT_SETTING (Ollama's own default).
 */
export function ollamaSettings(m: string): { context_length: string; num_parallel: string; kv_cache_type: string; keep_alive: string } {
  const text = (field: string) => `(${m}.${field} == null ? ${JSON.stringify(OLLAMA_DEFAULT_SETTING)} : tostring(${m}.${field}))`;
  return { context_length: text("context_length"), num_parallel: text("num_parallel"), kv_cache_type: text("kv_cache_type"), keep_alive: `${m}.keep_alive` };
}

const upgradeInPlace = (engine: EngineName, m: string) =>
  `(${m}.server_mode == "asg" ? "${UPGRADE_IN_PLACE[engine].asg}" : "${UPGRADE_IN_PLACE[engine].instance}")`;

export interface EngineBootstrapFiles {
  /** The user data template's asset file name, and its text. */
  readonly userDataFile: string;
  userDataTemplate(): string;
  /** The SSM document's asset file name, and its text (a template of the log group and namespace). */
  readonly documentFile: string;
  document(inputs: BootstrapInputs): string;
  /**
   * Whether the SSM document itself is a template of where the weight cache is (Ollama's: one
   * document for the fleet's pull runs). vLLM's association passes it as parameters instead, so
   * turning the cache on or off updates each vLLM model's association and runs it at once.
   */
  readonly weightCache: boolean;
  /** templatefile()'s variables for the row `m`. */
  templateVariables(m: string, inputs: BootstrapInputs): Record<string, string>;
  /** The association's parameters for the row `m` (strings). */
  documentParameters(m: string, inputs: BootstrapInputs): Record<string, string>;
}

export const BOOTSTRAPS: Readonly<Record<EngineName, EngineBootstrapFiles>> = {
  ollama: {
    userDataFile: USER_DATA_TEMPLATE,
    userDataTemplate,
    documentFile: PULL_MODELS_DOCUMENT,
    document: () => pullModelsDocument(),
    weightCache: true,
    templateVariables: (m, inputs) => ({
      app_port: `${m}.app_port`,
      ...ollamaSettings(m),
      ollama_version: inputs.ollamaVersion,
      // The server's own model at first boot; the association pulls the main server's full list.
      models: `${m}.llm_model`,
      timeout_seconds: inputs.timeoutSeconds,
      log_group: inputs.logGroup,
      metrics_namespace: inputs.metricsNamespace,
      model_cache_bucket: inputs.modelCacheBucket,
      model_cache_prefix: inputs.modelCachePrefix,
      model_cache_region: inputs.modelCacheRegion,
      // What the AWS CLI's transfer client may aim at: the type's bandwidth ("" for a type the catalog does not know).
      transfer_gbps: `try(tostring(${inputs.networkGbps}[${m}.instance_type]), "")`,
    }),
    documentParameters: (m, inputs) => ({
      Models: `join(",", ${m}.pull_models)`,
      AppPort: OLLAMA_APP_PORT(m),
      OllamaVersion: inputs.ollamaVersion,
      TimeoutSeconds: `tostring(${inputs.timeoutSeconds})`,
      UpgradeInPlace: upgradeInPlace("ollama", m),
      // A changed setting changes the parameters and State Manager runs the association again: an
      // instance's script rewrites the unit and restarts Ollama once; a group's servers keep theirs
      // (AppPort unchanged) until the instance refresh of the new launch template replaces them.
      ContextLength: ollamaSettings(m).context_length,
      NumParallel: ollamaSettings(m).num_parallel,
      KvCacheType: ollamaSettings(m).kv_cache_type,
      KeepAlive: ollamaSettings(m).keep_alive,
    }),
  },
  vllm: {
    userDataFile: VLLM_USER_DATA_TEMPLATE,
    userDataTemplate: vllmUserDataTemplate,
    documentFile: SERVE_VLLM_DOCUMENT,
    document: () => serveVllmDocument(),
    weightCache: false,
    templateVariables: (m, inputs) => ({
      model: `${m}.llm_model`,
      served_name: `${m}.served_name`,
      app_port: `${m}.app_port`,
      image: inputs.vllmImage,
      max_model_len: `${m}.max_model_len`,
      tensor_parallel_size: `${m}.tensor_parallel_size`,
      gpu_memory_utilization: `${m}.gpu_memory_utilization`,
      dtype: `${m}.dtype`,
      quantization: `${m}.quantization`,
      engine_args: `${m}.engine_args`,
      hf_token_parameter: inputs.hfTokenParameter,
      cache_on_instance_store: `${m}.cache_on_instance_store`,
      timeout_seconds: inputs.timeoutSeconds,
      log_group: inputs.logGroup,
      metrics_namespace: inputs.metricsNamespace,
      ...vllmCacheVariables(m, inputs),
    }),
    documentParameters: (m, inputs) => ({
      Model: `${m}.llm_model`,
      ServedModelName: `${m}.served_name`,
      AppPort: `tostring(${m}.app_port)`,
      Image: inputs.vllmImage,
      MaxModelLen: `tostring(${m}.max_model_len)`,
      TensorParallelSize: `tostring(${m}.tensor_parallel_size)`,
      GpuMemoryUtilization: `tostring(${m}.gpu_memory_utilization)`,
      Dtype: `${m}.dtype`,
      Quantization: orNoValue(`${m}.quantization`),
      EngineArgs: orNoValue(`${m}.engine_args`),
      HfTokenParameter: orNoValue(inputs.hfTokenParameter),
      CacheOnInstanceStore: `tostring(${m}.cache_on_instance_store)`,
      TimeoutSeconds: `tostring(${inputs.timeoutSeconds})`,
      ...vllmCacheParameters(inputs),
      UpgradeInPlace: upgradeInPlace("vllm", m),
    }),
  },
};

/** An association parameter's operand, NO_VALUE where it is empty (an empty value would keep the old one). */
const orNoValue = (operand: string) => `(${operand} == "" ? ${JSON.stringify(NO_VALUE)} : ${operand})`;

/** The weight cache's template variables of a vLLM model's user data, for the row `m` (each "" without a cache). */
function vllmCacheVariables(m: string, inputs: BootstrapInputs): Record<(typeof VLLM_CACHE_VARIABLES)[number], string> {
  return {
    model_cache_bucket: inputs.modelCacheBucket,
    model_cache_prefix: inputs.modelCachePrefix,
    model_cache_region: inputs.modelCacheRegion,
    transfer_gbps: `try(tostring(${inputs.networkGbps}[${m}.instance_type]), "")`,
  };
}

/** The weight cache's association parameters of a vLLM model: NO_MODEL_CACHE for each without a cache. */
function vllmCacheParameters(inputs: BootstrapInputs): Record<keyof typeof VLLM_CACHE_PARAMETERS, string> {
  const orNone = (operand: string) => `(${inputs.modelCacheBucket} == "" ? ${JSON.stringify(NO_MODEL_CACHE)} : ${operand})`;
  return {
    ModelCacheBucket: orNone(inputs.modelCacheBucket),
    ModelCachePrefix: orNone(inputs.modelCachePrefix),
    ModelCacheRegion: orNone(inputs.modelCacheRegion),
  };
}

/** An HCL object literal of operands. */
export function hclObjectOf(values: Readonly<Record<string, string>>): string {
  return `{ ${Object.entries(values)
    .map(([name, value]) => `${name} = ${value}`)
    .join(", ")} }`;
}
