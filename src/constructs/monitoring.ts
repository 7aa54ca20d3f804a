import { IResolvable, TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import {
  CloudwatchEventRule,
  CloudwatchEventTarget,
  CloudwatchMetricAlarm,
  DataAwsIamPolicyDocument,
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
  /** The release rollout over the instance servers (counted, 0 or 1, as `exists` says): a failed upgrade notifies. */
  readonly releaseRollout?: { readonly association: SsmAssociation; readonly exists: string };
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
 * not as metrics) to the same SNS topic, and one rule for a failed upgrade of the release rollout.
 */
export class Monitoring extends Construct {
  public readonly dashboard: FleetDashboard;
  public readonly topic: SnsTopic;
  public readonly noHealthyHost: CloudwatchMetricAlarm;
  public readonly errorRate: CloudwatchMetricAlarm;
  public readonly pullFailed: CloudwatchEventRule;
  /** A failed run of the release rollout on any instance server (counted: 0 or 1). */
  public readonly releaseFailed?: CloudwatchEventRule;
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

    if (props.releaseRollout) {
      const rollout = address(props.releaseRollout.association);
      const exists = props.releaseRollout.exists;
      // The rollout stops at its first failed server (max_errors): the others keep their release.
      this.releaseFailed = new CloudwatchEventRule(this, "release_failed", {
        count: Token.asNumber(`\${${enabled} && ${exists} ? 1 : 0}`),
        name: Token.asString(`\${format("%s-release-failed", ${prefix})}`),
        description: "A server failed to take the fleet's Ollama release; the rollout stopped there.",
        eventPattern: Token.asString(
          `\${jsonencode({ source = ["aws.ssm"], detail-type = ["EC2 State Manager Instance Association State Change"], ` +
            `detail = { association-id = [${rollout}[0].association_id], status = ["Failed"] } })}`,
        ),
      });
      this.releaseFailed.overrideLogicalId("release_failed");
      new CloudwatchEventTarget(this, "release_failed_target", {
        count: Token.asNumber(`\${${enabled} && ${this.hasTopic} && ${exists} ? 1 : 0}`),
        rule: Token.asString(`\${${address(this.releaseFailed)}[0].name}`),
        arn: Token.asString(`\${${topicArn}}`),
        inputTransformer: {
          inputPaths: { instance: "$.detail.instance-id", status: "$.detail.status", summary: "$.detail.execution-summary" },
          inputTemplate: '"Ollama release rollout on <instance>: <status> (<summary>). The rollout stopped at this server; the others keep their release."',
        },
      }).overrideLogicalId("release_failed");
    }

    this.addTopicPolicy(Token.asNumber(ownTopic));
  }

  /**
   * Who may publish to our topic: CloudWatch for these alarms, EventBridge for these pull-failure
   * rules, each only for its own resources of this account (aws:SourceArn, aws:SourceAccount), so
   * neither service can be made to publish here on behalf of anyone else's alarm or rule. The
   * account, region and partition come from the topic's ARN.
   */
  private addTopicPolicy(count: number): void {
    const topic = `${address(this.topic)}[0].arn`;
    const account = Token.asString(`\${split(":", ${topic})[4]}`);
    const grant = (sid: string, service: string, sources: string) => ({
      sid,
      effect: "Allow",
      actions: ["sns:Publish"],
      resources: [only(this.topic, "arn")],
      principals: [{ type: "Service", identifiers: [service] }],
      condition: [
        { test: "StringEquals", variable: "aws:SourceAccount", values: [account] },
        { test: "ArnEquals", variable: "aws:SourceArn", values: Token.asList(`\${${sources}}`) },
      ],
    });
    const document = new DataAwsIamPolicyDocument(this, "alarms_policy_document", {
      count,
      statement: [
        grant("Alarms", "cloudwatch.amazonaws.com", `[for a in concat(values(${address(this.noHealthyHost)}), values(${address(this.errorRate)})) : a.arn]`),
        grant(
          "PullFailures",
          "events.amazonaws.com",
          `concat([for r in values(${address(this.pullFailed)}) : r.arn]${this.releaseFailed ? `, ${address(this.releaseFailed)}[*].arn` : ""})`,
        ),
      ],
    });
    document.overrideLogicalId("alarms");

    new SnsTopicPolicy(this, "alarms_policy", {
      count,
      arn: only(this.topic, "arn"),
      policy: Token.asString(`\${${address(document, true)}[0].json}`),
    }).overrideLogicalId("alarms");
  }
}
