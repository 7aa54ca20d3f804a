import { gib1, ModelEntry, ModelFit, modelFit, ModelNeed, ROUGH_FACTOR, typesThatFit } from "./model-fit";
import { HOURS_PER_MONTH, onDemandPrice } from "./prices";

/** Share of the GPUs' memory above which a fit is called tight: the driver keeps a few percent of what EC2 lists. */
export const TIGHT_SHARE = 0.95;

/**
 * How types of equal GPU memory are ordered: those the region has a price for first, by it; then
 * those us-east-1 has one for, by that; then the rest.
 */
export const priceIn =
  (region: string | undefined) =>
  (instanceType: string): number[] => {
    const here = region ? onDemandPrice(instanceType, region)?.usd : undefined;
    if (here !== undefined) return [0, here];
    const base = onDemandPrice(instanceType, "us-east-1")?.usd;
    return base !== undefined ? [1, base] : [2, 0];
  };

const gib = gib1;

/** `4096 x 1, f16` (and the cap when Ollama lowers the context asked for). */
export function settingsText(need: ModelNeed): string {
  const context = need.context === need.contextAsked ? `${need.context}` : `${need.context} (of ${need.contextAsked})`;
  return `${context} x ${need.parallel}, ${need.kvCacheType}`;
}

/** `yes`, `yes, tight`, `NO` or `unknown`. */
export function verdict(fit: ModelFit): string {
  if (fit.fits === undefined) return "unknown";
  if (!fit.fits) return "NO";
  const memory = (fit.gpusUsed ?? 0) * (fit.gpuMemoryGiB ?? 0);
  return (fit.needGiB ?? 0) > TIGHT_SHARE * memory ? "yes, tight" : "yes";
}

/** `2 x 48 GiB` (or `1 of 4 x 24 GiB` when the model uses fewer GPUs than the instance has). */
export function gpusText(fit: ModelFit): string {
  if (fit.gpus === undefined) return "?";
  const used = fit.gpusUsed !== undefined && fit.gpusUsed < fit.gpus ? `${fit.gpusUsed} of ` : "";
  return `${used}${fit.gpus} x ${fit.gpuMemoryGiB} GiB`;
}

/** Left-aligned columns, two spaces apart. */
export function columns(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** The smallest catalogued type that holds the model, as a phrase: `g6e.xlarge (1 x 48 GiB)`. */
export function smallestFitText(fit: ModelNeed, region?: string): string | undefined {
  const best = typesThatFit(fit, priceIn(region))[0];
  return best === undefined ? undefined : `${best.instanceType} (${gpusText(best)})`;
}

/** The synth warning of a model that does not fit: its estimate in parts, and where it would. */
export function fitWarning(f: ModelFit, region?: string): string {
  const parts = f.rough
    ? `weights ${gib(f.weightsGiB)} GiB x ${ROUGH_FACTOR} (rough)`
    : `weights ${gib(f.weightsGiB)} + KV cache ${gib(f.kvCacheGiB)} (${settingsText(f)}) + ${f.gpusUsed} x (graph ${gib(f.graphGiB)} + reserve ${gib(f.reserveGiB)})`;
  const where = smallestFitText(f, region);
  return (
    `${f.model} probably does not fit ${f.instanceType}: it needs about ${gib(f.needGiB)} GiB of GPU memory (${parts}), ` +
    `the instance has ${gpusText(f)}. ${where ? `The smallest catalogued type that fits: ${where}.` : "No catalogued type holds it."} ` +
    "Or lower context_length or num_parallel, set kv_cache_type, or pick a smaller quantization (docs/sizing.md; npm run fit)."
  );
}

/** Lines after the table: capped contexts, rough estimates (what does not fit is the synth's warning, fitWarning). */
export function fitNotes(fits: readonly ModelFit[]): string[] {
  return fits.flatMap((f) => [
    ...(f.context < f.contextAsked ? [`${f.model}: context_length ${f.contextAsked} is more than the model's own ${f.context}; Ollama caps it there.`] : []),
    ...(f.rough && f.weightsGiB !== undefined
      ? [`${f.model}: not in the catalog of model shapes, so a rough estimate (weights from the tag x 1.2); the KV cache of ${f.context} x ${f.parallel} tokens is not counted.`]
      : []),
  ]);
}

/** The synth report: one row per model, its parts, and notes. */
export function fitTable(configs: readonly ModelEntry[]): string {
  const fits = configs.map(modelFit);
  const rows = fits.map((f) => [
    f.model,
    f.instanceType,
    gpusText(f),
    settingsText(f),
    gib(f.weightsGiB),
    f.rough ? "?" : gib(f.kvCacheGiB),
    f.rough ? gib(f.reserveGiB) : `${gib(f.graphGiB)} + ${gib(f.reserveGiB)}`,
    f.needGiB === undefined ? "?" : `${gib(f.needGiB)} GiB`,
    verdict(f),
  ]);
  const header = ["model", "instance type", "GPUs", "context x parallel, KV", "weights", "KV cache", "per GPU: graph + reserve", "need", "fits"];
  const notes = fitNotes(fits);
  return [columns(header, rows), ...(notes.length > 0 ? ["", ...notes] : [])].join("\n");
}

/** A month of on-demand hours of a type in a region, with whether the figure is an estimate; undefined without a figure. */
export function monthlyPrice(instanceType: string, region: string): { usd: number; estimate: boolean } | undefined {
  const price = onDemandPrice(instanceType, region);
  return price === undefined ? undefined : { usd: price.usd * HOURS_PER_MONTH, estimate: price.status === "estimate" };
}
