// Model names as Ollama (and the ALB's case-insensitive query-string rules) compare them: case does
// not matter, and a name without a tag means `:latest`.

/** `llama3` -> `llama3:latest`; a colon in an earlier path segment (`host:5000/m`) is not a tag. */
export function canonicalModelName(name: string): string {
  const lower = name.trim().toLowerCase();
  const lastSegment = lower.slice(lower.lastIndexOf("/") + 1);
  return lastSegment.includes(":") ? lower : `${lower}:latest`;
}

/** The served models, looked up the way Ollama and the ALB match them. */
export class ModelTable {
  private readonly byCanonical = new Map<string, string>();

  constructor(readonly served: readonly string[]) {
    for (const name of served) {
      const key = canonicalModelName(name);
      const other = this.byCanonical.get(key);
      if (other !== undefined) {
        throw new Error(`models "${other}" and "${name}" are the same model (names compare case-insensitively, no tag means :latest); list it once`);
      }
      this.byCanonical.set(key, name);
    }
  }

  /** The served spelling of `requested`, or undefined when no server has it. */
  resolve(requested: string): string | undefined {
    return this.byCanonical.get(canonicalModelName(requested));
  }
}
