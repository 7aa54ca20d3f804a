// One model list from many servers: each server's answer to /api/tags, /api/ps or /v1/models,
// merged without duplicates and kept to the served models (the router refuses the others anyway),
// each listed only by a server of its own engine.
import { JsonResult } from "./upstream";
import { canonicalModelName, ModelTable } from "./models";

export type ListShape = "ollama" | "openai";

export interface MergedList {
  /** `{"models": [...]}` (Ollama) or `{"object": "list", "data": [...]}` (OpenAI). */
  readonly body: unknown;
  /** The served models whose servers did not answer with a list. */
  readonly failed: string[];
  /** `model (reason)` for each failure. */
  readonly reasons: string[];
}

/**
/**
 * What a list says of a model with no server now, which a request for it would start: its name, as
 * Ollama writes it (OpenAI's `owned_by` is the name's namespace, "library" without one); the sizes
 * and digests only its server knows are left out.
 */
export function asleepEntry(model: string, shape: ListShape): unknown {
  if (shape === "ollama") return { name: model, model };
  const parts = model.split("/");
  return { id: model, object: "model", created: 0, owned_by: parts.length >= 2 ? parts[parts.length - 2] : "library" };
}

/**
 * @param results one per asked model, in `asked` order
 * @param asked the served models whose servers were asked (those whose engine answers the list)
 * @param asleep models with no server now: listed by name (asleepEntry), whatever their result
 * @param skipped models whose result is no failure however it reads (asleep, or absent from /api/ps)
 */
export function mergeLists(
  table: ModelTable,
  results: readonly JsonResult[],
  shape: ListShape,
  asked: readonly string[] = table.served,
  asleep: readonly string[] = [],
  skipped: readonly string[] = asleep,
): MergedList {
  const seen = new Set<string>();
  const merged: unknown[] = [];
  const failed: string[] = [];
  const reasons: string[] = [];
  results.forEach((result, i) => {
    const model = asked[i];
    if (asleep.includes(model)) {
      const key = canonicalModelName(model);
      if (!seen.has(key)) {
        seen.add(key);
        merged.push(asleepEntry(model, shape));
      }
      return;
    }
    if (skipped.includes(model)) return;
    const list = result.ok ? (shape === "openai" ? (result.json as { data?: unknown }).data : (result.json as { models?: unknown }).models) : undefined;
    if (!Array.isArray(list)) {
      failed.push(model);
      reasons.push(`${model} (${result.ok ? `answer without a ${shape === "openai" ? "data" : "models"} list` : result.reason})`);
      return;
    }
    for (const entry of list) {
      const e = entry as { id?: unknown; model?: unknown; name?: unknown };
      const name = shape === "openai" ? e.id : (e.model ?? e.name);
      if (typeof name !== "string") continue;
      const served = table.resolve(name);
      // a model is listed by a server of its own engine only
      if (served === undefined || table.engineOf(served) !== table.engineOf(model)) continue;
      const key = canonicalModelName(name);
      if (seen.has(key)) continue;
      seen.add(key);
      merged.push(entry);
    }
  });
  return { body: shape === "openai" ? { object: "list", data: merged } : { models: merged }, failed, reasons };
}
