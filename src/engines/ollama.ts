import { alternateModelName, hclAlternateModelName } from "../config/derive";
import { Engine, EngineEntry } from "./engine";

/** Model-ready health check: `GET /v1/models/<model>` (Ollama's OpenAI-compatible route), 404 until the model is pulled. */
export const OLLAMA_HEALTH_CHECK_PATH_PREFIX = "/v1/models/";
/** For model names with `/` (no single path segment): Ollama's root, "Ollama is running". */
export const OLLAMA_HEALTH_CHECK_FALLBACK_PATH = "/";

/**
 * Ollama: one binary installed by the bootstrap, the model pulled from its registry with `ollama
 * pull`; it speaks its own API (/api/*) and OpenAI's and Anthropic's compatible routes. The main
 * server (the load balancer's default target) pulls every Ollama model, as the original module did.
 */
export const OLLAMA: Engine = {
  name: "ollama",
  title: "Ollama",
  servedName: (entry: EngineEntry) => entry.llm_model,
  alternateName: (entry: EngineEntry) => alternateModelName(entry.llm_model),
  healthCheckPath: (entry: EngineEntry) =>
    entry.llm_model.includes("/") ? OLLAMA_HEALTH_CHECK_FALLBACK_PATH : `${OLLAMA_HEALTH_CHECK_PATH_PREFIX}${entry.llm_model}`,
  hcl: {
    servedName: (c) => `${c}.llm_model`,
    alternateName: (c) => hclAlternateModelName(`${c}.llm_model`),
    healthCheckPath: (c) =>
      `strcontains(${c}.llm_model, "/") ? "${OLLAMA_HEALTH_CHECK_FALLBACK_PATH}" : format("${OLLAMA_HEALTH_CHECK_PATH_PREFIX}%s", ${c}.llm_model)`,
    readyPath: (c) => OLLAMA.hcl.healthCheckPath(c),
    readyMatch: () => `""`,
  },
  routing: {
    names: "ollama",
    // Every call of the allowlist is one of Ollama's.
    serves: () => true,
    speaks: "Ollama's API (/api/*) and its OpenAI- and Anthropic-compatible routes (/v1/*)",
    equivalent: () => undefined,
  },
  bootstrap: {
    script: "bootstrap.sh",
    documentId: "pull_models",
    documentSuffix: "pull-models",
    pulledByMainServer: true,
    weights: "pulled from the Ollama registry by `ollama pull` (the main server pulls every Ollama model), or copied from the S3 weight cache when there is one",
  },
};
