// The weight cache's widget on the fleet dashboard: its four counts, fleet-wide.
import { CACHE_EVENTS, CacheEvent } from "./cache-events";

export interface CacheWidgetOperands {
  /** Whether there is a cache (HCL operand): none, no widget. */
  readonly enabled: string;
  /** The servers' metrics namespace (HCL operand). */
  readonly namespace: string;
  /** The region of the metrics (HCL operand). */
  readonly region: string;
}

const LABELS: Readonly<Record<CacheEvent, string>> = {
  hit: "from the cache",
  miss: "from the registry (misses)",
  corrupt: "damaged in the cache",
  seeded: "uploaded (seeds)",
};

/** The widget as an HCL list operand: empty without a cache. */
export function cacheDashboardWidgets(o: CacheWidgetOperands): string {
  const metrics = (Object.keys(CACHE_EVENTS) as CacheEvent[])
    .map((event) => `[${o.namespace}, "${CACHE_EVENTS[event]}", { stat = "Sum", label = "${LABELS[event]}" }]`)
    .join(", ");
  const widget =
    `{ type = "metric", width = 8, height = 6, properties = { title = "weight cache: models per hour", region = ${o.region}, ` +
    `view = "timeSeries", period = 3600, metrics = [${metrics}] } }`;
  return `[for w in [${widget}] : w if ${o.enabled}]`;
}
