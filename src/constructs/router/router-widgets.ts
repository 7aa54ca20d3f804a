// The router's row of the fleet dashboard. The router writes its metrics as CloudWatch Embedded
// Metric Format in its log lines (src/router/log.ts): these names, one series per `Model`.

/** The metric names of the router's log lines; a test checks them against what the router writes. */
export const ROUTER_METRICS = {
  requests: "Requests",
  errors: "Errors",
  timeToFirstByte: "TimeToFirstByte",
  outputTokens: "OutputTokens",
  tokensPerSecond: "TokensPerSecond",
} as const;

/** The metrics' one dimension. */
export const ROUTER_METRIC_DIMENSION = "Model";

/** A dynamic label naming the series' model, `${PROP('Dim.Model')}`, written as an HCL string literal sees it. */
const MODEL_LABEL = "$$" + `{PROP('Dim.${ROUTER_METRIC_DIMENSION}')}`;

/** Three widgets to a row of the 24-column grid; no position, so CloudWatch places them after the models' rows. */
const WIDTH = 8;
const HEIGHT = 6;

export interface RouterWidgetOperands {
  /** Whether the router exists (HCL operand): no router, no widgets. */
  readonly enabled: string;
  /** The metrics namespace (HCL operand). */
  readonly namespace: string;
  /** The function's name (HCL operand). */
  readonly functionName: string;
  /** The region of the metrics (HCL operand). */
  readonly region: string;
  /** The function's reserved concurrency (HCL operand), drawn as a line on the function's widget. */
  readonly reservedConcurrency: string;
}

/** The widgets as an HCL list operand: empty without the router. */
export function routerDashboardWidgets(o: RouterWidgetOperands): string {
  // One series per model: SEARCH finds every Model value the router has written.
  const search = (id: string, metric: string, stat: string, label?: string) =>
    `{ id = "${id}", ${label ? `label = "${label}", ` : ""}` +
    `expression = format("SEARCH('{\\"%s\\",${ROUTER_METRIC_DIMENSION}} MetricName=\\"${metric}\\"', '${stat}', 60)", ${o.namespace}) }`;
  const widget = (title: string, metrics: string, extra = "") =>
    `{ type = "metric", width = ${WIDTH}, height = ${HEIGHT}, properties = { title = "${title}", region = ${o.region}, view = "timeSeries", ` +
    `period = 60, metrics = ${metrics}${extra} } }`;
  const lambda = (metric: string, stat: string, label: string) =>
    `["AWS/Lambda", "${metric}", "FunctionName", ${o.functionName}, { stat = "${stat}", label = "${label}" }]`;
  const m = ROUTER_METRICS;
  const widgets = [
    widget("router: requests by model", `[[${search("requests", m.requests, "Sum")}]]`),
    widget("router: errors by model (5xx, cut streams)", `[[${search("errors", m.errors, "Sum")}]]`),
    widget(
      "router: time to first byte (ms), p50 and p99",
      `[[${search("ttfb_p50", m.timeToFirstByte, "p50", `${MODEL_LABEL} p50`)}], [${search("ttfb_p99", m.timeToFirstByte, "p99", `${MODEL_LABEL} p99`)}]]`,
    ),
    widget("router: output tokens by model", `[[${search("tokens", m.outputTokens, "Sum")}]]`),
    widget("router: tokens per second by model", `[[${search("tps", m.tokensPerSecond, "Average")}]]`),
    widget(
      "router: concurrent requests, throttled and failed invocations",
      `[${lambda("ConcurrentExecutions", "Maximum", "concurrent")}, ${lambda("Throttles", "Sum", "throttled (429)")}, ${lambda("Errors", "Sum", "failed")}]`,
      `, annotations = { horizontal = [{ label = "reserved concurrency", value = ${o.reservedConcurrency} }] }`,
    ),
  ];
  // A filter, not a conditional: the two results of a conditional must be tuples of one length.
  return `[for w in [${widgets.join(", ")}] : w if ${o.enabled}]`;
}
