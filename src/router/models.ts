// Model names as the engines and the ALB compare them. An Ollama model: case does not matter, and a
// name without a tag means `:latest` (as Ollama and the ALB's case-insensitive rules read it). A model
// of an engine that compares names exactly (vLLM): the name as it is served, nothing else.
import { DEFAULT_ENGINE, Engine, engineOf, EngineName } from "../engines";

/** `llama3` -> `llama3:latest`; a colon in an earlier path segment (`host:5000/m`) is not a tag. */
export function canonicalModelName(name: string): string {
  const lower = name.trim().toLowerCase();
  const lastSegment = lower.slice(lower.lastIndexOf("/") + 1);
  return lastSegment.includes(":") ? lower : `${lower}:latest`;
}

/** The served models, looked up the way their engines (and the ALB) match them. */
export class ModelTable {
  private readonly byCanonical = new Map<string, string>();
  private readonly engines = new Map<string, Engine>();

  /** @param engines the engine of each served name that is not the default engine's (Ollama's) */
  constructor(readonly served: readonly string[], engines: Readonly<Record<string, EngineName>> = {}) {
    for (const name of served) {
      // Names that differ only in case or a `:latest` would share a listener rule's match: refused for every engine.
      const key = canonicalModelName(name);
      const other = this.byCanonical.get(key);
      if (other !== undefined) {
        throw new Error(`models "${other}" and "${name}" are the same model (names compare case-insensitively, no tag means :latest); list it once`);
      }
      this.byCanonical.set(key, name);
      this.engines.set(name, engineOf(engines[name] ?? DEFAULT_ENGINE));
    }
    for (const name of Object.keys(engines)) {
      if (!this.engines.has(name)) throw new Error(`model "${name}" has an engine but is not served`);
    }
  }

  /** The served spelling of `requested`, or undefined when no server has it. */
  resolve(requested: string): string | undefined {
    const served = this.byCanonical.get(canonicalModelName(requested));
    if (served === undefined) return undefined;
    return this.engineOf(served).routing.names === "exact" && requested !== served ? undefined : served;
  }

  /** The engine of a served model. */
  engineOf(served: string): Engine {
    const engine = this.engines.get(served);
    if (engine === undefined) throw new Error(`model "${served}" is not served`);
    return engine;
  }

  /** The served models whose engine answers `path` (an allowlisted path, as endpoints.ts writes it). */
  servedFor(path: string): readonly string[] {
    return this.served.filter((name) => this.engineOf(name).routing.serves(path));
  }
}
