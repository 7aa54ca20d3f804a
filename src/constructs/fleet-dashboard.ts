import { IResolvable, Token } from "cdktf";
import { Construct } from "constructs";
import { CloudwatchDashboard, Instance, Lb, LbTargetGroup } from "../aws";
import { DashboardWidget } from "../config/types";
import { hclText } from "./hcl";
import { address } from "./refs";
import { ModelTable } from "./model-table";
import { GPU_GROUP_DIMENSION, gpuMetricName, serverMetricsNamespace } from "./servers/server-telemetry";

/** The GPU metrics the dashboard shows, from the servers' own CloudWatch agent configuration. */
export const GPU_UTILIZATION_METRIC = gpuMetricName("utilization_gpu");
export const GPU_MEMORY_USED_METRIC = gpuMetricName("memory_used");

/** Widget size: four widgets fill one row of the 24-column grid, one row per model. */
const WIDTH = 6;
const HEIGHT = 6;

export interface FleetDashboardProps {
  /** Whether to create it (`count`). */
  readonly enabled: boolean | IResolvable;
  /** The dashboard is `<prefix>-fleet`. */
  readonly prefix: string;
  readonly models: ModelTable;
  readonly loadBalancer: Lb;
  readonly targetGroups: LbTargetGroup;
  /** The instances of the models in `instance` mode (their GPU series are found by instance id). */
  readonly instances: Instance;
  /** Widgets after the models' rows, e.g. the streaming router's. @default [] */
  readonly extraWidgets?: readonly DashboardWidget[];
}

/**
 * One CloudWatch dashboard, one row per model, generated from the model table with a Terraform
 * expression (in the module the models are a variable): healthy/unhealthy hosts (and the group's
 * desired and in-service servers), requests with 4xx/5xx, target response time p50/p99, GPU
 * utilization and memory.
 */
export class FleetDashboard extends Construct {
  public readonly dashboard: CloudwatchDashboard;
  /** The dashboard's name (an HCL operand). */
  public readonly name: string;
  /** The region of the load balancer, where the metrics live (an HCL operand). */
  public readonly region: string;

  constructor(scope: Construct, id: string, props: FleetDashboardProps) {
    super(scope, id);
    this.name = `format("%s-fleet", ${hclText(this, props.prefix)})`;
    this.region = `split(":", ${address(props.loadBalancer)}.arn)[3]`;
    const extra = Token.isUnresolved(props.extraWidgets) ? hclText(this, props.extraWidgets) : JSON.stringify(props.extraWidgets ?? []);
    const lb = `${address(props.loadBalancer)}.arn_suffix`;
    const tg = `${address(props.targetGroups)}[k].arn_suffix`;
    const elb = (metric: string, stat: string, label: string) =>
      `["AWS/ApplicationELB", "${metric}", "TargetGroup", ${tg}, "LoadBalancer", ${lb}, { stat = "${stat}", label = "${label}" }]`;
    const group = (metric: string, label: string) => `["AWS/AutoScaling", "${metric}", "AutoScalingGroupName", m.group_name, { stat = "Maximum", label = "${label}" }]`;
    // GPU series: a group's roll-up (the series its GPU scaling policy reads); an instance's GPUs,
    // found by its id.
    const namespace = `format(${JSON.stringify(serverMetricsNamespace("%s"))}, ${hclText(this, props.prefix)})`;
    // The namespace has a "/": a search's schema names it in double quotes.
    const search = (metric: string, id: string) =>
      `{ id = "${id}", expression = format("SEARCH('{\\"%s\\"} MetricName=\\"${metric}\\" InstanceId=\\"%s\\"', 'Average', 60)", ${namespace}, ${address(props.instances)}[k].id) }`;
    const rollup = (metric: string, label: string) => `[${namespace}, "${metric}", "${GPU_GROUP_DIMENSION}", m.group_name, { stat = "Average", label = "${label}" }]`;
    // (each branch against an empty list: two tuples of different shapes make no conditional)
    const gpuMetrics =
      `concat(m.server_mode == "asg" ? [${rollup(GPU_UTILIZATION_METRIC, "GPU utilization")}, ${rollup(GPU_MEMORY_USED_METRIC, "memory used")}] : [], ` +
      `m.server_mode == "asg" ? [] : [[${search(GPU_UTILIZATION_METRIC, "gpu")}], [${search(GPU_MEMORY_USED_METRIC, "mem")}]])`;
    const widget = (x: number, title: string, metrics: string, extraProperties = "") =>
      `{ type = "metric", x = ${x}, y = m.index * ${HEIGHT}, width = ${WIDTH}, height = ${HEIGHT}, properties = { ` +
      `title = format("%s: ${title}", m.llm_model), region = ${this.region}, view = "timeSeries", period = 60, metrics = ${metrics}${extraProperties} } }`;
    const row = [
      widget(0, "servers", `concat([${elb("HealthyHostCount", "Minimum", "healthy")}, ${elb("UnHealthyHostCount", "Maximum", "unhealthy")}], ` +
        `m.server_mode == "asg" ? [${group("GroupDesiredCapacity", "desired")}, ${group("GroupInServiceInstances", "in service")}] : [])`),
      widget(6, "requests", `[${elb("RequestCount", "Sum", "requests")}, ${elb("HTTPCode_Target_4XX_Count", "Sum", "4xx")}, ${elb("HTTPCode_Target_5XX_Count", "Sum", "5xx")}]`),
      widget(12, "response time (s)", `[${elb("TargetResponseTime", "p50", "p50")}, ${elb("TargetResponseTime", "p99", "p99")}]`),
      widget(18, "GPU utilization (%%) and memory used (MiB)", gpuMetrics),
    ];
    const body = `jsonencode({ widgets = concat(flatten([for k, m in ${props.models.modelsOperand} : [${row.join(", ")}]]), ${extra}) })`;

    this.dashboard = new CloudwatchDashboard(this, "fleet", {
      count: Token.asNumber(`\${${hclText(this, props.enabled)} ? 1 : 0}`),
      dashboardName: Token.asString(`\${${this.name}}`),
      dashboardBody: Token.asString(`\${${body}}`),
    });
    this.dashboard.overrideLogicalId("fleet");
  }
}
