import { TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import { CloudwatchLogMetricFilter } from "../../aws";
import { hclText } from "../hcl";
import { CACHE_EVENTS, cacheLogMarker, CacheEvent } from "./cache-events";

export interface ModelCacheMetricsProps {
  /** Whether the servers use a cache (an HCL condition, or a literal). */
  readonly enabled: boolean | string;
  /** The servers' log group, where the bootstrap's log lines arrive. */
  readonly logGroupName: string;
  /** The servers' metrics namespace. */
  readonly namespace: string;
}

/** One metric filter per cache event: hits, misses, corrupt files and seeds, counted from the servers' log lines. */
export class ModelCacheMetrics extends Construct {
  public readonly filters: CloudwatchLogMetricFilter;

  constructor(scope: Construct, id: string, props: ModelCacheMetricsProps) {
    super(scope, id);
    const events = Object.fromEntries(
      (Object.keys(CACHE_EVENTS) as CacheEvent[]).map((event) => [event, { pattern: `"${cacheLogMarker(event)}"`, metric: CACHE_EVENTS[event] }]),
    );
    const rows = TerraformIterator.fromMap(Token.asAnyMap(`\${${hclText(this, props.enabled)} ? ${JSON.stringify(events).replace(/"(\w+)":/g, "$1 = ")} : {}}`));
    this.filters = new CloudwatchLogMetricFilter(this, "filter", {
      forEach: rows,
      name: Token.asString(`\${format("%s-%s", ${hclText(this, props.logGroupName)}, each.value.metric)}`),
      logGroupName: props.logGroupName,
      pattern: rows.getString("pattern"),
      metricTransformation: { name: rows.getString("metric"), namespace: props.namespace, value: "1", unit: "Count" },
    });
  }
}
