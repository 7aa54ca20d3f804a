// What an engine is to the rest of the service: the servers of a model run one engine (Ollama, or
// vLLM for high-concurrency serving), and the load balancer, the router, the rules and the bootstrap
// see it through this one interface. A new engine is a new file beside ollama.ts and vllm.ts, added
// to ENGINES in index.ts. Pure data and pure functions: the streaming router bundles this folder.

/** The engines a model may name in `engine`. */
export const ENGINE_NAMES = ["ollama", "vllm"] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** The engine of an entry that names none. */
export const DEFAULT_ENGINE: EngineName = "ollama";

/** What an engine reads of a model's entry (its config fields, engine fields filled with their defaults). */
export interface EngineEntry {
  readonly llm_model: string;
  readonly engine: EngineName;
  readonly served_model_name: string;
}

/**
 * HCL twins of the engine's per-model values, each an expression over `c`, a config entry whose
 * engine fields are filled (the module's variable type fills them; the model table fills a literal
 * list's with try()).
 */
export interface EngineHcl {
  /** The name clients send as `model`, which the listener rule matches (a string expression). */
  servedName(c: string): string;
  /** The other spelling of that name a request may use, or null. */
  alternateName(c: string): string;
  /** The target group's health check path. */
  healthCheckPath(c: string): string;
  /** The path the model-ready hook polls until it answers 200. */
  readyPath(c: string): string;
  /** Text that answer must hold, or "" when the status is enough. */
  readyMatch(c: string): string;
}

/** How the router treats the models of an engine. */
export interface EngineRouting {
  /**
   * How a requested name finds the served one: "ollama" as Ollama compares names (case-insensitive,
   * no tag means `:latest`), or "exact" (the engine itself compares names as they are).
   */
  readonly names: "ollama" | "exact";
  /** Whether the engine's servers answer this canonical path of the allowlist (src/router/endpoints.ts). */
  serves(path: string): boolean;
  /** The calls the engine speaks, said in a refusal: "the OpenAI API (...)". */
  readonly speaks: string;
  /** The call of the engine's own dialect that does what `path` asks, if there is one. */
  equivalent(path: string): string | undefined;
}

/** How a model's servers get the engine running and its weights in place. */
export interface EngineBootstrap {
  /** The engine's bootstrap body under src/userdata, rendered into its user data and its SSM document. */
  readonly script: string;
  /** The SSM document's logical id in the module (`aws_ssm_document.<id>`), and its name suffix (`<prefix>-<suffix>`). */
  readonly documentId: string;
  readonly documentSuffix: string;
  /** Whether the main server (the load balancer's default target) pulls this engine's models too. */
  readonly pulledByMainServer: boolean;
  /** Where the weights come from, said in reports and docs. */
  readonly weights: string;
}

export interface Engine {
  readonly name: EngineName;
  /** As people write it: "Ollama", "vLLM". */
  readonly title: string;
  /** The name clients send as `model`. */
  servedName(entry: EngineEntry): string;
  /** The other spelling of the served name a request may use (Ollama's `:latest`), if any. */
  alternateName(entry: EngineEntry): string | undefined;
  /** The target group's health check path. */
  healthCheckPath(entry: EngineEntry): string;
  readonly hcl: EngineHcl;
  readonly routing: EngineRouting;
  readonly bootstrap: EngineBootstrap;
}
