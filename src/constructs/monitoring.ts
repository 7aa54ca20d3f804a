import { IResolvable, TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import {
  CloudwatchEventRule,
  CloudwatchEventTarget,
  CloudwatchMetricAlarm,
  Instance,
  Lb,
  LbTargetGroup,
  SnsTopic,
  SnsTopicPolicy,
  SnsTopicSubscription,
  SsmAssociation,
} from "../aws";
import { DashboardWidget } from "../config/types";
import { FleetDashboard } from "./fleet-dashboard";
import { hclText } from "./hcl";
import { ModelTable } from "./model-table";
import { address, only } from "./refs";

export interface MonitoringProps {
  /** Whether to create the dashboard, the alarms and the pull-failure rules. */
  readonly enabled: boolean | IResolvable;
  /** Prefix of the dashboard, topic, alarm and rule names. */
  readonly prefix: string;
  readonly models: ModelTable;
  readonly loadBalancer: Lb;
  readonly targetGroups: LbTargetGroup;
  /** The instances of the models in `instance` mode. */
  readonly instances: Instance;
  /** The model pulls: a failed pull on any server of a model notifies. */
  readonly pulls: SsmAssociation;
  /** E-mail address subscribed to the alarms; `""` for none. @default "" */
  readonly alarmEmail?: string;
  /** An existing SNS topic for the alarms; `""` to create one when `alarmEmail` is set. @default "" */
  readonly alarmTopicArn?: string;
  /** Minutes without a healthy server before a model's alarm fires. @default 5 */
  readonly noHealthyHostMinutes?: number;
  /** Percentage of 5xx answers from a model's servers, over 5 minutes, above which its alarm fires. @default 5 */
  readonly fiveXxPercent?: number;
  /** Widgets after the models' rows: the hook for the streaming router's metrics. @default [] */
  readonly extraWidgets?: readonly DashboardWidget[];
}

/**
 * What shows how the fleet is doing, for a few dollars a month: a dashboard (FleetDashboard), per
 * model a no-healthy-host alarm and a 5xx-rate alarm, and an EventBridge rule per model that
 * forwards a failed model pull (State Manager reports per-server association status as events,
 * not as metrics) to the same SNS topic.
 */
export class Monitoring extends Construct {
  public readonly dashboard: FleetDashboard;
  public readonly topic: SnsTopic;
  public readonly noHealthyHost: CloudwatchMetricAlarm;
  public readonly errorRate: CloudwatchMetricAlarm;
  public readonly pullFailed: CloudwatchEventRule;
  /** The topic the alarms notify (an HCL operand; unknown until apply when it is ours). */
  public readonly topicArn: string;
  /** Whether there is a topic to notify, known at plan from the inputs (an HCL operand). */
  public readonly hasTopic: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const enabled = hclText(this, props.enabled);
    const email = hclText(this, props.alarmEmail ?? "");
    const givenTopic = hclText(this, props.alarmTopicArn ?? "");
    const prefix = hclText(this, props.prefix);

    this.dashboard = new FleetDashboard(this, "dashboard", {
      enabled: props.enabled,
      prefix: props.prefix,
      models: props.models,
      loadBalancer: props.loadBalancer,
      targetGroups: props.targetGroups,
      instances: props.instances,
      extraWidgets: props.extraWidgets,
    });

    // A topic of our own only when an address is given and no topic is.
    const ownTopic = `\${${enabled} && ${email} != "" && ${givenTopic} == "" ? 1 : 0}`;
    this.topic = new SnsTopic(this, "alarms", {
      count: Token.asNumber(ownTopic),
      name: Token.asString(`\${format("%s-alarms", ${prefix})}`),
    });
    this.topic.overrideLogicalId("alarms");
    this.topicArn = `(${givenTopic} != "" ? ${givenTopic} : try(${address(this.topic)}[0].arn, ""))`;
    this.hasTopic = `(${givenTopic} != "" || ${email} != "")`;
    const topicArn = this.topicArn;

    // CloudWatch alarms publish to a topic of the same account without a policy; EventBridge needs one.
    new SnsTopicPolicy(this, "alarms_policy", {
      count: Token.asNumber(ownTopic),
      arn: only(this.topic, "arn"),
      policy: Token.asString(
        `\${jsonencode({ Version = "2012-10-17", Statement = [{ Sid = "AlarmsAndPullFailures", Effect = "Allow", ` +
          `Principal = { Service = ["cloudwatch.amazonaws.com", "events.amazonaws.com"] }, Action = "sns:Publish", Resource = ${address(this.topic)}[0].arn }] })}`,
      ),
    }).overrideLogicalId("alarms");

    new SnsTopicSubscription(this, "alarm_email", {
      count: Token.asNumber(`\${${enabled} && ${email} != "" ? 1 : 0}`),
      topicArn: Token.asString(`\${${topicArn}}`),
      protocol: "email",
      endpoint: Token.asString(`\${${email}}`),
    }).overrideLogicalId("alarm_email");

    const models = TerraformIterator.fromMap(Token.asAnyMap(`\${${enabled} ? ${props.models.modelsOperand} : {}}`));
    const actions = Token.asList(`\${${this.hasTopic} ? [${topicArn}] : []}`);
    const tgDimensions = {
      TargetGroup: `\${${address(props.targetGroups)}[each.key].arn_suffix}`,
      LoadBalancer: props.loadBalancer.arnSuffix,
    };
    const minutes = hclText(this, props.noHealthyHostMinutes ?? 5);

    // A group scaled to zero (a schedule at night) has no healthy host on purpose: its alarm
    // counts only while the group wants servers. An instance always should have one.
    this.noHealthyHost = new CloudwatchMetricAlarm(this, "no_healthy_host", {
      forEach: models,
      alarmName: Token.asString(`\${format("%s-%s-no-healthy-host", ${prefix}, each.value.stable_name)}`),
      alarmDescription: Token.asString(`\${format("%s has had no healthy server for %d minutes.", each.value.llm_model, ${minutes})}`),
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: Token.asNumber(`\${${minutes}}`),
      datapointsToAlarm: Token.asNumber(`\${${minutes}}`),
      treatMissingData: Token.asString(`\${each.value.server_mode == "asg" ? "notBreaching" : "breaching"}`),
      alarmActions: actions,
      okActions: actions,
      metricQuery: [
        { id: "healthy", returnData: false, metric: { namespace: "AWS/ApplicationELB", metricName: "HealthyHostCount", dimensions: tgDimensions, stat: "Minimum", period: 60 } },
        {
          id: "wanted",
          returnData: false,
          metric: {
            namespace: Token.asString(`\${each.value.server_mode == "asg" ? "AWS/AutoScaling" : "AWS/ApplicationELB"}`),
            metricName: Token.asString(`\${each.value.server_mode == "asg" ? "GroupDesiredCapacity" : "HealthyHostCount"}`),
            dimensions: Token.asStringMap(
              `\${each.value.server_mode == "asg" ? tomap({ AutoScalingGroupName = each.value.group_name }) : ` +
                `tomap({ TargetGroup = ${address(props.targetGroups)}[each.key].arn_suffix, LoadBalancer = ${address(props.loadBalancer)}.arn_suffix })}`,
            ),
            stat: "Maximum",
            period: 60,
          },
        },
        {
          id: "no_healthy_host",
          label: "1 when the model has no healthy server",
          returnData: true,
          expression: Token.asString(
            `\${each.value.server_mode == "asg" ? "IF(FILL(wanted, 0) > 0 AND FILL(healthy, 0) < 1, 1, 0)" : "IF(FILL(healthy, 0) < 1, 1, 0)"}`,
          ),
        },
      ],
    });
    this.noHealthyHost.overrideLogicalId("no_healthy_host");

    const percent = hclText(this, props.fiveXxPercent ?? 5);
    const tgMetric = (metricName: string) => ({ namespace: "AWS/ApplicationELB", metricName, dimensions: tgDimensions, stat: "Sum", period: 300 });
    this.errorRate = new CloudwatchMetricAlarm(this, "error_rate", {
      forEach: models,
      alarmName: Token.asString(`\${format("%s-%s-5xx-rate", ${prefix}, each.value.stable_name)}`),
      alarmDescription: Token.asString(`\${format("More than %v%% of the requests to %s were answered 5xx by its servers over 5 minutes.", ${percent}, each.value.llm_model)}`),
      comparisonOperator: "GreaterThanThreshold",
      threshold: Token.asNumber(`\${${percent}}`),
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
      alarmActions: actions,
      okActions: actions,
      metricQuery: [
        { id: "requests", returnData: false, metric: tgMetric("RequestCount") },
        { id: "errors", returnData: false, metric: tgMetric("HTTPCode_Target_5XX_Count") },
        { id: "rate", label: "5xx (%)", returnData: true, expression: "IF(FILL(requests, 0) > 0, 100 * FILL(errors, 0) / requests, 0)" },
      ],
    });
    this.errorRate.overrideLogicalId("error_rate");

    // Association compliance is no CloudWatch metric; State Manager sends an event per server and
    // association when a run fails. EventBridge rules on AWS events cost nothing.
    this.pullFailed = new CloudwatchEventRule(this, "pull_failed", {
      forEach: models,
      // A rule name takes 64 characters: a long <prefix>-<target group name> is cut and keeps a hash.
      name: Token.asString(
        `\${format("%s-pull-failed", length(format("%s-%s", ${prefix}, each.value.stable_name)) <= 52 ? format("%s-%s", ${prefix}, each.value.stable_name) : ` +
          `format("%s-%s", substr(format("%s-%s", ${prefix}, each.value.stable_name), 0, 43), substr(sha1(each.value.stable_name), 0, 8)))}`,
      ),
      description: Token.asString(`\${format("A server of %s failed to pull its models.", each.value.llm_model)}`),
      eventPattern: Token.asString(
        `\${jsonencode({ source = ["aws.ssm"], detail-type = ["EC2 State Manager Instance Association State Change"], ` +
          `detail = { association-id = [${address(props.pulls)}[each.key].association_id], status = ["Failed"] } })}`,
      ),
    });
    this.pullFailed.overrideLogicalId("pull_failed");

    const target = new CloudwatchEventTarget(this, "pull_failed_target", {
      forEach: TerraformIterator.fromMap(Token.asAnyMap(`\${${enabled} && ${this.hasTopic} ? ${props.models.modelsOperand} : {}}`)),
      rule: Token.asString(`\${${address(this.pullFailed)}[each.key].name}`),
      arn: Token.asString(`\${${topicArn}}`),
      inputTransformer: {
        inputPaths: { instance: "$.detail.instance-id", status: "$.detail.status", summary: "$.detail.execution-summary" },
        inputTemplate: Token.asString(
          `\${jsonencode(format("Model pull on <instance>: <status> (<summary>). Model: %s.", ${props.models.modelsOperand}[each.key].llm_model))}`,
        ),
      },
    });
    target.overrideLogicalId("pull_failed");
  }
}
