// The engines, and what the module and the router ask of them by name. HCL that depends on a model's
// engine is generated here from ENGINES, one branch per engine, so a new engine adds no branch
// anywhere else.
import { DEFAULT_ENGINE, Engine, ENGINE_NAMES, EngineEntry, EngineName } from "./engine";
import { OLLAMA } from "./ollama";
import { VLLM } from "./vllm";

export { DEFAULT_ENGINE, ENGINE_NAMES } from "./engine";
export type { Engine, EngineEntry, EngineName } from "./engine";

export const ENGINES: Readonly<Record<EngineName, Engine>> = { ollama: OLLAMA, vllm: VLLM };

/** The engine of `name`; throws for a name no engine has (the rules refuse it first). */
export function engineOf(name: string): Engine {
  const engine = (ENGINES as Record<string, Engine | undefined>)[name];
  if (engine === undefined) throw new Error(`no engine "${name}"; engines: ${ENGINE_NAMES.join(", ")}`);
  return engine;
}

/** The engine of a config entry (the default engine when it names none). */
export function entryEngine(entry: { readonly engine?: string }): Engine {
  return engineOf(entry.engine ?? DEFAULT_ENGINE);
}

/** The name clients send as `model` for the entry's model. */
export function servedName(entry: Partial<EngineEntry> & { readonly llm_model: string }): string {
  return entryEngine(entry).servedName(filled(entry));
}

/** The entry with its engine fields filled as the module's variable type fills them. */
export function filled(entry: Partial<EngineEntry> & { readonly llm_model: string }): EngineEntry {
  return { llm_model: entry.llm_model, engine: entry.engine ?? DEFAULT_ENGINE, served_model_name: entry.served_model_name ?? "" };
}

/**
 * An HCL expression that picks each engine's own expression by the engine expression `engine`:
 * `engine == "vllm" ? <vllm's> : <ollama's>`. Terraform evaluates only the chosen side.
 */
export function hclPerEngine(engine: string, of: (e: Engine) => string): string {
  const [first, ...others] = Object.values(ENGINES).filter((e) => e.name !== DEFAULT_ENGINE);
  if (first === undefined) return of(ENGINES[DEFAULT_ENGINE]);
  return [first, ...others].reduceRight(
    (otherwise, e) => `(${engine} == "${e.name}" ? (${of(e)}) : ${otherwise})`,
    `(${of(ENGINES[DEFAULT_ENGINE])})`,
  );
}

/**
 * How the router's model list (ROUTER_MODELS, --models) names a model's engine: `<served name>=<engine>`,
 * the default engine's models by their name alone (so a list of Ollama models reads as it always did).
 * No model name holds `=` (Ollama's names cannot, and served names may not).
 */
export const ROUTER_ENGINE_SEPARATOR = "=";

/** A model's item of the router's model list. */
export function routerModelItem(entry: Partial<EngineEntry> & { readonly llm_model: string }): string {
  const engine = entryEngine(entry);
  const name = engine.servedName(filled(entry));
  return engine.name === DEFAULT_ENGINE ? name : `${name}${ROUTER_ENGINE_SEPARATOR}${engine.name}`;
}

/** routerModelItem in HCL, over an expression with `engine` and `served_name` (a model table row). */
export function hclRouterModelItem(row: string): string {
  return `${row}.engine == "${DEFAULT_ENGINE}" ? ${row}.served_name : format("%s${ROUTER_ENGINE_SEPARATOR}%s", ${row}.served_name, ${row}.engine)`;
}
