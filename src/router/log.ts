// One JSON line per request, which is also a CloudWatch Embedded Metric Format document: CloudWatch
// Logs turns its `_aws` directive into metrics per model, with no API call from the router.

export interface RequestRecord {
  /** The key's name (never the key); null when keys are not checked or none was accepted. */
  key: string | null;
  /** The model as the client named it; null when the request named none. */
  model: string | null;
  /** The served spelling it resolved to (the metric dimension); null when it matched none. */
  servedModel: string | null;
  method: string;
  path: string;
  status: number;
  ttfbMs?: number;
  durationMs: number;
  bytesOut: number;
  promptTokens?: number;
  outputTokens?: number;
  tokensPerSecond?: number;
  /** The request failed on the router's side or upstream (5xx, or a stream cut short). */
  failed: boolean;
  error?: string;
  /** Merged lists: the models whose servers did not answer. */
  failedModels?: string[];
  /** Merged lists: the models that scale to zero and have no server now (listed without asking). */
  sleepingModels?: string[];
  /** Seconds spent on the request since its last BUSY line (a served model's only). */
  busySeconds?: number;
  /** A model with no server: what starting it came to (started, starting, refused, failed). */
  wake?: string;
}

/** The metric dimension of requests that named no served model: a bounded set of values, never client text. */
export const NO_MODEL_DIMENSION = "(none)";

/** The one dimension of every metric: the served model (as llm_ec2_configs spells it), or NO_MODEL_DIMENSION. */
export const MODEL_DIMENSION = "Model";
/** Requests per model, each counted once: what the idle alarm of a model that scales to zero reads. */
export const REQUESTS_METRIC = "Requests";
/**
 * Seconds the router spent on a model's requests: a request's line carries the seconds since its last
 * BUSY line, and a request still running writes a BUSY line every minute. Summed over a minute and
 * divided by 60, the average number of the model's requests in flight (Little's law).
 */
export const BUSY_SECONDS_METRIC = "BusySeconds";
/**
 * The router's own requests to a model's servers for a merged list (/api/tags, /api/ps, /v1/models)
 * that reached them: the idle alarm subtracts them from the target group's request count, so a client
 * listing models does not keep every model awake.
 */
export const LIST_REQUESTS_METRIC = "ListRequests";

/** A metric line of its own: `event` names it in the log, `values` are the metrics (one dimension, the model). */
export function metricLine(event: string, model: string, values: Record<string, { readonly value: number; readonly unit: string }>, namespace: string, timestamp: number): string {
  const doc: Record<string, unknown> = { time: new Date(timestamp).toISOString(), event, [MODEL_DIMENSION]: model };
  for (const [name, { value }] of Object.entries(values)) doc[name] = round(value);
  doc._aws = {
    Timestamp: Math.round(timestamp),
    CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [[MODEL_DIMENSION]], Metrics: Object.entries(values).map(([name, { unit }]) => ({ Name: name, Unit: unit })) }],
  };
  return JSON.stringify(doc);
}

const round = (n: number) => Math.round(n * 100) / 100;

export function logLine(r: RequestRecord, namespace: string, timestamp: number): string {
  const metrics: { Name: string; Unit: string }[] = [
    { Name: REQUESTS_METRIC, Unit: "Count" },
    { Name: "Errors", Unit: "Count" },
  ];
  const doc: Record<string, unknown> = {
    time: new Date(timestamp).toISOString(),
    key: r.key,
    model: r.model,
    method: r.method,
    path: r.path,
    status: r.status,
    ttfbMs: r.ttfbMs === undefined ? null : round(r.ttfbMs),
    durationMs: round(r.durationMs),
    bytesOut: r.bytesOut,
    promptTokens: r.promptTokens ?? null,
    outputTokens: r.outputTokens ?? null,
    tokensPerSecond: r.tokensPerSecond === undefined ? null : round(r.tokensPerSecond),
  };
  if (r.error !== undefined) doc.error = r.error;
  if (r.failedModels !== undefined) doc.failedModels = r.failedModels;
  if (r.sleepingModels !== undefined) doc.sleepingModels = r.sleepingModels;
  if (r.wake !== undefined) doc.wake = r.wake;

  // EMF target members: the dimension and each metric, numeric, on the root node.
  doc[MODEL_DIMENSION] = r.servedModel ?? NO_MODEL_DIMENSION;
  doc[REQUESTS_METRIC] = 1;
  doc.Errors = r.failed ? 1 : 0;
  if (r.ttfbMs !== undefined) {
    doc.TimeToFirstByte = round(r.ttfbMs);
    metrics.push({ Name: "TimeToFirstByte", Unit: "Milliseconds" });
  }
  if (r.outputTokens !== undefined) {
    doc.OutputTokens = r.outputTokens;
    metrics.push({ Name: "OutputTokens", Unit: "Count" });
  }
  if (r.busySeconds !== undefined) {
    doc[BUSY_SECONDS_METRIC] = round(r.busySeconds);
    metrics.push({ Name: BUSY_SECONDS_METRIC, Unit: "Seconds" });
  }
  if (r.tokensPerSecond !== undefined) {
    doc.TokensPerSecond = round(r.tokensPerSecond);
    metrics.push({ Name: "TokensPerSecond", Unit: "Count/Second" });
  }
  doc._aws = {
    Timestamp: timestamp,
    CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [[MODEL_DIMENSION]], Metrics: metrics }],
  };
  return JSON.stringify(doc);
}
