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
 * @param results one per asked model, in `asked` order
 * @param asked the served models whose servers were asked (those whose engine answers the list)
 */
export function mergeLists(table: ModelTable, results: readonly JsonResult[], shape: ListShape, asked: readonly string[] = table.served): MergedList {
  const seen = new Set<string>();
  const merged: unknown[] = [];
  const failed: string[] = [];
  const reasons: string[] = [];
  results.forEach((result, i) => {
    const model = asked[i];
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
