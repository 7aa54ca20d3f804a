import { TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import { AutoscalingPolicy, Lb, LbTargetGroup } from "../../aws";
import { BUSY_SECONDS_METRIC, MODEL_DIMENSION } from "../../router/log";
import { routerMetricsNamespace } from "../../config/router-environment";
import { hclText } from "../hcl";
import { ModelTable } from "../model-table";
import { address } from "../refs";
import { AsgServers } from "./asg-servers";
import { GPU_GROUP_DIMENSION, gpuMetricName, serverMetricsNamespace } from "./server-telemetry";

/**
 * The least a scaling metric reads while the group has servers. Target tracking sets a group to
 * ceil(servers x metric / target) servers: a metric of 0 would take a group whose min_size is 0 to
 * zero servers on its own (the ALB's requests per target reads 0 without requests). Kept above 0,
 * the policy scales in to one server at most, and zero stays the idle alarm's decision (or a
 * schedule's). Below a hundredth of the least target, it never adds a server to a group of up to 100.
 */
export const SCALING_METRIC_FLOOR = 0.0001;

/** `IF(x < floor, floor, x)` over the expression `x`: a metric math expression. */
export const floored = (x: string): string => `IF(${x} < ${SCALING_METRIC_FLOOR}, ${SCALING_METRIC_FLOOR}, ${x})`;

/** What one kind of target tracking policy reads, as HCL operands over `each.value` (the model's row). */
interface TrackedMetric {
  /** The row's column holding the target; the policy exists where it is not null. */
  readonly column: "requests_per_server_per_minute" | "gpu_utilization_percent" | "concurrent_requests_per_server";
  /** The policy's name suffix, and the address part (`aws_autoscaling_policy.llm_<suffix>`). */
  readonly suffix: string;
  /** The `metrics` blocks: metric queries and one expression with `return_data`. */
  readonly metrics: readonly Record<string, unknown>[];
}

export interface LoadScalingProps {
  /** The models: a policy per model in `asg` mode and target its row sets. */
  readonly models: ModelTable;
  /** Their groups. */
  readonly servers: AsgServers;
  /** The internal load balancer and the models' target groups (the requests per server). */
  readonly loadBalancer: Lb;
  readonly targetGroups: LbTargetGroup;
  /** Prefix of the names, and of the servers' and the router's metric namespaces. */
  readonly prefix: string;
}

/**
 * Target tracking policies per Auto Scaling model (docs/scaling.md): on the requests per server (the
 * ALB's RequestCountPerTarget), on the group's GPU utilization (the servers' CloudWatch agent, rolled
 * up per group), and on the requests in flight per server (the router's BusySeconds per minute over
 * the servers in service). Each reads a floored metric math expression, so no policy ever takes a
 * group to zero. Target tracking has no cooldowns: a new server counts once the group's default
 * instance warm-up (the health check grace) is over (AsgServers).
 */
export class LoadScaling extends Construct {
  public readonly requests: AutoscalingPolicy;
  public readonly gpu: AutoscalingPolicy;
  public readonly inFlight: AutoscalingPolicy;

  constructor(scope: Construct, id: string, props: LoadScalingProps) {
    super(scope, id);
    const groups = address(props.servers.groups);
    const tg = `${address(props.targetGroups)}[each.key].arn_suffix`;
    const lb = `${address(props.loadBalancer)}.arn_suffix`;
    const stat = (namespace: string, metricName: string, dimensions: Record<string, string>, statistic: string) => ({
      metric: {
        namespace,
        metricName,
        dimensions: Object.entries(dimensions).map(([name, value]) => ({ name, value: Token.asString(value) })),
      },
      stat: statistic,
    });
    const group = `\${${groups}[each.key].name}`;

    this.requests = this.policy(props, {
      column: "requests_per_server_per_minute",
      suffix: "requests",
      metrics: [
        { id: "requests", returnData: false, metricStat: stat("AWS/ApplicationELB", "RequestCountPerTarget", { TargetGroup: `\${${tg}}`, LoadBalancer: `\${${lb}}` }, "Sum") },
        { id: "per_server", label: "Requests per server per minute", returnData: true, expression: floored("FILL(requests, 0)") },
      ],
    });
    const gpuNamespace = `\${format(${JSON.stringify(serverMetricsNamespace("%s"))}, ${hclText(this, props.prefix)})}`;
    this.gpu = this.policy(props, {
      column: "gpu_utilization_percent",
      suffix: "gpu",
      metrics: [
        { id: "gpu", returnData: false, metricStat: stat(gpuNamespace, gpuMetricName("utilization_gpu"), { [GPU_GROUP_DIMENSION]: group }, "Average") },
        { id: "utilization", label: "GPU utilization (%)", returnData: true, expression: floored("FILL(gpu, 0)") },
      ],
    });
    // Little's law: the seconds spent on the model's requests in a minute, over 60, is the average
    // number in flight; over the servers in service (1 while there are none), per server.
    const perServer = `FILL(busy, 0) / 60 / IF(FILL(servers, 0) < 1, 1, FILL(servers, 0))`;
    this.inFlight = this.policy(props, {
      column: "concurrent_requests_per_server",
      suffix: "in-flight",
      metrics: [
        { id: "busy", returnData: false, metricStat: stat(`\${format(${JSON.stringify(routerMetricsNamespace("%s"))}, ${hclText(this, props.prefix)})}`, BUSY_SECONDS_METRIC, { [MODEL_DIMENSION]: "${each.value.served_name}" }, "Sum") },
        { id: "servers", returnData: false, metricStat: stat("AWS/AutoScaling", "GroupInServiceInstances", { AutoScalingGroupName: group }, "Average") },
        { id: "per_server", label: "Requests in flight per server", returnData: true, expression: floored(perServer) },
      ],
    });
  }

  private policy(props: LoadScalingProps, tracked: TrackedMetric): AutoscalingPolicy {
    const models = props.models.modelsOfOperand("asg");
    const each = TerraformIterator.fromMap(Token.asAnyMap(`\${{ for k, m in ${models} : k => m if m.${tracked.column} != null }}`));
    const policy = new AutoscalingPolicy(this, tracked.suffix, {
      forEach: each,
      name: Token.asString(`\${format("%s-${tracked.suffix}", each.value.group_name)}`),
      autoscalingGroupName: Token.asString(`\${${address(props.servers.groups)}[each.key].name}`),
      policyType: "TargetTrackingScaling",
      targetTrackingConfiguration: {
        targetValue: Token.asNumber(`\${each.value.${tracked.column}}`),
        customizedMetricSpecification: { metrics: tracked.metrics as never },
      },
    });
    policy.overrideLogicalId(`llm_${tracked.suffix.replace(/-/g, "_")}`);
    return policy;
  }
}
