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
}

/** The metric dimension of requests that named no served model: a bounded set of values, never client text. */
export const NO_MODEL_DIMENSION = "(none)";

const round = (n: number) => Math.round(n * 100) / 100;

export function logLine(r: RequestRecord, namespace: string, timestamp: number): string {
  const metrics: { Name: string; Unit: string }[] = [
    { Name: "Requests", Unit: "Count" },
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

  // EMF target members: the dimension and each metric, numeric, on the root node.
  doc.Model = r.servedModel ?? NO_MODEL_DIMENSION;
  doc.Requests = 1;
  doc.Errors = r.failed ? 1 : 0;
  if (r.ttfbMs !== undefined) {
    doc.TimeToFirstByte = round(r.ttfbMs);
    metrics.push({ Name: "TimeToFirstByte", Unit: "Milliseconds" });
  }
  if (r.outputTokens !== undefined) {
    doc.OutputTokens = r.outputTokens;
    metrics.push({ Name: "OutputTokens", Unit: "Count" });
  }
  if (r.tokensPerSecond !== undefined) {
    doc.TokensPerSecond = round(r.tokensPerSecond);
    metrics.push({ Name: "TokensPerSecond", Unit: "Count/Second" });
  }
  doc._aws = {
    Timestamp: timestamp,
    CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [["Model"]], Metrics: metrics }],
  };
  return JSON.stringify(doc);
}
