// One model list from many servers: each server's answer to /api/tags, /api/ps or /v1/models,
// merged without duplicates and kept to the served models (the router refuses the others anyway).
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

/** @param results one per served model, in `table.served` order */
export function mergeLists(table: ModelTable, results: readonly JsonResult[], shape: ListShape): MergedList {
  const seen = new Set<string>();
  const merged: unknown[] = [];
  const failed: string[] = [];
  const reasons: string[] = [];
  results.forEach((result, i) => {
    const model = table.served[i];
    const list = result.ok ? (shape === "openai" ? (result.json as { data?: unknown }).data : (result.json as { models?: unknown }).models) : undefined;
    if (!Array.isArray(list)) {
      failed.push(model);
      reasons.push(`${model} (${result.ok ? `answer without a ${shape === "openai" ? "data" : "models"} list` : result.reason})`);
      return;
    }
    for (const entry of list) {
      const e = entry as { id?: unknown; model?: unknown; name?: unknown };
      const name = shape === "openai" ? e.id : (e.model ?? e.name);
      if (typeof name !== "string" || table.resolve(name) === undefined) continue;
      const key = canonicalModelName(name);
      if (seen.has(key)) continue;
      seen.add(key);
      merged.push(entry);
    }
  });
  return { body: shape === "openai" ? { object: "list", data: merged } : { models: merged }, failed, reasons };
}
