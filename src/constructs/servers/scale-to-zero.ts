import { TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import { AutoscalingPolicy, CloudwatchMetricAlarm, Lb, LbTargetGroup } from "../../aws";
import { LIST_REQUESTS_METRIC, MODEL_DIMENSION, REQUESTS_METRIC } from "../../router/log";
import { routerMetricsNamespace } from "../../config/router-environment";
import { hclText } from "../hcl";
import { ModelTable } from "../model-table";
import { address } from "../refs";
import { AsgServers } from "./asg-servers";

/**
 * Seconds after the group went to zero in which the alarm's repeats of its action (an alarm in ALARM
 * runs an Auto Scaling action once a minute) are ignored: a request that starts the model again in
 * that time must not be undone before its own metrics reach the alarm.
 */
export const SCALE_TO_ZERO_COOLDOWN_SECONDS = 300;

/**
 * The alarm's expression: 1 in a minute where the group wants servers and nothing used the model:
 * no request named it through the router (its `Requests`, the 503s of a starting model included),
 * and no request reached its servers (the target group's `RequestCount`) other than the router's own
 * merged lists (`ListRequests`), whichever door it came through.
 */
export const IDLE_EXPRESSION =
  "IF(FILL(desired, 0) > 0 AND FILL(routed, 0) <= 0 AND FILL(served, 0) - FILL(lists, 0) <= 0, 1, 0)";

export interface ScaleToZeroProps {
  /** The models: one alarm and policy per model in `asg` mode whose row sets `scale_to_zero_after_minutes`. */
  readonly models: ModelTable;
  readonly servers: AsgServers;
  readonly loadBalancer: Lb;
  readonly targetGroups: LbTargetGroup;
  /** Prefix of the names, and of the router's metrics namespace. */
  readonly prefix: string;
}

/**
 * Back to zero servers after `scale_to_zero_after_minutes` without use, decided from request
 * metrics: an alarm per model that counts the minutes in which its group had servers and nobody used
 * them, and at that many in a row sets the group to zero through a simple scaling policy. The router
 * starts the group again when a request names the model (src/router/wake.ts). Target tracking never
 * takes a group to zero (its metrics are floored, LoadScaling), so the two cannot undo each other.
 */
export class ScaleToZero extends Construct {
  public readonly policies: AutoscalingPolicy;
  public readonly alarms: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: ScaleToZeroProps) {
    super(scope, id);
    const models = props.models.modelsOfOperand("asg");
    const each = TerraformIterator.fromMap(Token.asAnyMap(`\${{ for k, m in ${models} : k => m if m.scale_to_zero_after_minutes != null }}`));
    const groups = address(props.servers.groups);

    this.policies = new AutoscalingPolicy(this, "policy", {
      forEach: each,
      name: Token.asString(`\${format("%s-scale-to-zero", each.value.group_name)}`),
      autoscalingGroupName: Token.asString(`\${${groups}[each.key].name}`),
      policyType: "SimpleScaling",
      adjustmentType: "ExactCapacity",
      scalingAdjustment: 0,
      cooldown: SCALE_TO_ZERO_COOLDOWN_SECONDS,
    });
    this.policies.overrideLogicalId("llm_scale_to_zero");

    const minute = (metricName: string, namespace: string, dimensions: Record<string, string>, stat: string) => ({
      namespace,
      metricName,
      dimensions,
      stat,
      period: 60,
    });
    const router = `\${format(${JSON.stringify(routerMetricsNamespace("%s"))}, ${hclText(this, props.prefix)})}`;
    // the name the router logs a request under: the served one (a vLLM model may serve another name)
    const model = { [MODEL_DIMENSION]: "${each.value.served_name}" };
    this.alarms = new CloudwatchMetricAlarm(this, "idle", {
      forEach: each,
      alarmName: Token.asString(`\${format("%s-%s-idle", ${hclText(this, props.prefix)}, each.value.stable_name)}`),
      alarmDescription: Token.asString(
        `\${format("%s had servers and no use for %d minutes: its group goes to zero servers; the router starts one on the next request.", each.value.llm_model, each.value.scale_to_zero_after_minutes)}`,
      ),
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: Token.asNumber("${each.value.scale_to_zero_after_minutes}"),
      datapointsToAlarm: Token.asNumber("${each.value.scale_to_zero_after_minutes}"),
      // no data is no evidence of idleness: the group stays up
      treatMissingData: "notBreaching",
      alarmActions: [Token.asString(`\${${address(this.policies)}[each.key].arn}`)],
      metricQuery: [
        { id: "desired", returnData: false, metric: minute("GroupDesiredCapacity", "AWS/AutoScaling", { AutoScalingGroupName: `\${${groups}[each.key].name}` }, "Maximum") },
        { id: "routed", returnData: false, metric: minute(REQUESTS_METRIC, router, model, "Sum") },
        {
          id: "served",
          returnData: false,
          metric: minute("RequestCount", "AWS/ApplicationELB", { TargetGroup: `\${${address(props.targetGroups)}[each.key].arn_suffix}`, LoadBalancer: props.loadBalancer.arnSuffix }, "Sum"),
        },
        { id: "lists", returnData: false, metric: minute(LIST_REQUESTS_METRIC, router, model, "Sum") },
        { id: "idle", label: "1 in a minute the model had servers and no use", returnData: true, expression: IDLE_EXPRESSION },
      ],
    });
    this.alarms.overrideLogicalId("llm_idle");
  }
}
