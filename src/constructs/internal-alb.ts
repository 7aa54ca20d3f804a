import { IResolvable, Token } from "cdktf";
import { Construct } from "constructs";
import { Lb, LbListener, LbListenerRule, LbTargetGroup, SecurityGroup, VpcSecurityGroupEgressRule, VpcSecurityGroupIngressRule } from "../aws";
import { ROUTING_HEADER } from "../router/endpoints";
import { hcl } from "./hcl";
import { ModelTable } from "./model-table";
import { atKey, sameKey } from "./refs";
import { addTcpRules } from "./tcp-rules";

/** The listener's port, the only one the API's VPC link reaches. */
export const LISTENER_PORT = 80;

export interface InternalAlbProps {
  /** Prefix of the load balancer and security group names (`<prefix>-alb`). */
  readonly prefix: string;
  readonly vpcId: string;
  /** The VPC's CIDR block, allowed into the listener (and the Open WebUI port). */
  readonly vpcCidrBlock: string;
  /** Private subnets of the load balancer, in two or more availability zones. */
  readonly subnetIds: string[];
  /** One target group and one listener rule per model of this table. */
  readonly models: ModelTable;
  /** The model servers' security group: the load balancer sends to it on the app ports, and nowhere else. */
  readonly serverSecurityGroup: SecurityGroup;
  /** Seconds a connection may stay idle: long enough for a long generation streamed to a direct client. */
  readonly idleTimeoutSeconds: number;
  /** @default false */
  readonly deletionProtection?: boolean | IResolvable;
  /** S3 bucket of the access logs (its policy must let the ELB service write); `""` for none. @default - no access logs */
  readonly accessLogsBucket?: string;
  /** Key prefix of the access logs in that bucket. @default "" (the bucket root) */
  readonly accessLogsPrefix?: string;
  /** Extra port the VPC may reach, for an Open WebUI front end; 0 for none. @default 0 */
  readonly openWebUiPort?: number;
  /**
   * Seconds a server leaving its target group may finish its requests: the longest generation the
   * doors allow. @default 900
   */
  readonly deregistrationDelaySeconds?: number;
}

/** The longest a request through the doors may take (the router's Lambda limit): how long a leaving server drains. */
export const DEFAULT_DEREGISTRATION_DELAY_SECONDS = 900;

/**
 * Internal ALB that routes each request to the server of the model it names: one target group
 * per model, one listener rule per model matching the routing header the doors set
 * (`x-ollama-fleet-model`), and a default action to the main server for requests that name no model.
 */
export class InternalAlb extends Construct {
  public readonly securityGroup: SecurityGroup;
  public readonly loadBalancer: Lb;
  public readonly targetGroups: LbTargetGroup;
  public readonly listener: LbListener;

  constructor(scope: Construct, id: string, props: InternalAlbProps) {
    super(scope, id);
    const prefix = props.prefix;
    const vpcCidr = props.vpcCidrBlock;
    const models = props.models.iterator;
    const openWebUiPort = props.openWebUiPort ?? 0;
    const accessLogsBucket = hcl(props.accessLogsBucket ?? "");

    this.securityGroup = new SecurityGroup(this, "llm_alb_sg", {
      name: `${prefix}-alb-sg`,
      description: "Security group for llm internal ALB",
      vpcId: props.vpcId,
    });
    this.securityGroup.overrideLogicalId("llm_alb_sg");
    const sg = this.securityGroup.id;
    this.addEgressToServers(props);

    addTcpRules(this, "ingress", sg, [
      { name: "llm_alb_ingress_2", fromPort: LISTENER_PORT, toPort: LISTENER_PORT, cidrIpv4: vpcCidr, description: "Traffic over HTTP (llm ec2) from VPC" },
    ]);
    // The original creates this rule when open_webui_port == 0 (inverted); ours when it is set.
    new VpcSecurityGroupIngressRule(this, "llm_alb_ingress_3", {
      count: Token.asNumber(`\${${hcl(openWebUiPort)} != 0 ? 1 : 0}`),
      securityGroupId: sg,
      ipProtocol: "tcp",
      fromPort: openWebUiPort,
      toPort: openWebUiPort,
      cidrIpv4: vpcCidr,
      description: "Traffic over port (for open webui) from VPC",
    }).overrideLogicalId("llm_alb_ingress_3");

    this.loadBalancer = new Lb(this, "llm", {
      name: `${prefix}-alb`,
      loadBalancerType: "application",
      internal: true,
      enableDeletionProtection: props.deletionProtection ?? false,
      dropInvalidHeaderFields: true,
      idleTimeout: props.idleTimeoutSeconds,
      subnets: props.subnetIds,
      securityGroups: [sg],
    });
    this.loadBalancer.overrideLogicalId("llm");
    // Escape hatch: cdktf has no dynamic blocks on plain attributes; access logs exist only when
    // a bucket is named, as an absent block (not `enabled = false`) keeps existing plans clean.
    this.loadBalancer.addOverride("dynamic.access_logs", {
      for_each: `\${${accessLogsBucket} == "" ? [] : [${accessLogsBucket}]}`,
      content: { bucket: "${access_logs.value}", prefix: props.accessLogsPrefix ?? "", enabled: true },
    });

    this.targetGroups = new LbTargetGroup(this, "llm_http", {
      forEach: models,
      name: models.getString("target_group_name"),
      port: models.getNumber("app_port"),
      protocol: "HTTP",
      protocolVersion: "HTTP1",
      targetType: "instance",
      vpcId: props.vpcId,
      loadBalancingCrossZoneEnabled: "true",
      // In place (ModifyTargetGroupAttributes): a server leaving the group (scale-in, refresh,
      // replacement) finishes its generations before the load balancer cuts them.
      deregistrationDelay: numberAsText(props.deregistrationDelaySeconds ?? DEFAULT_DEREGISTRATION_DELAY_SECONDS),
      stickiness: { type: "lb_cookie", enabled: true, cookieDuration: 86400 },
      // Healthy only once the model is served (the engine's path: Ollama's 404s until the model is
      // pulled, vLLM's /health answers once it is loaded); 10 s timeout for a server busy
      // generating, two passes to come in, three misses to go out.
      healthCheck: {
        enabled: true,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
        interval: 30,
        matcher: "200",
        path: models.getString("health_check_path"),
        port: "traffic-port",
        protocol: "HTTP",
        timeout: 10,
      },
      // A group that must be replaced (a new name) exists, with its servers registered, before the
      // listener rule moves to it and the old one goes. `port` never replaces a group: it is only
      // the default port of targets registered without one. An instance is registered with its own
      // port (its attachment), and the health check follows it (`traffic-port`), so a new app_port
      // moves the attachment and keeps the group and its name (the original's, for "model" names).
      // A group's Auto Scaling servers are registered on the group's port: their group's name
      // carries the port (always prefixed), so a new port is a new group, created from the
      // configuration with that port (Terraform plans a replacement without ignore_changes).
      lifecycle: { createBeforeDestroy: true, ignoreChanges: ["port"] },
    });
    this.targetGroups.overrideLogicalId("llm_http");

    this.listener = new LbListener(this, "llm_http_listener", {
      loadBalancerArn: this.loadBalancer.arn,
      port: LISTENER_PORT,
      protocol: "HTTP",
      defaultAction: [
        { type: "forward", targetGroupArn: atKey(this.targetGroups, props.models.mainKey.expression, "arn") },
      ],
    });
    this.listener.overrideLogicalId("llm_http");

    new LbListenerRule(this, "llm_http_rule", {
      forEach: models,
      listenerArn: this.listener.arn,
      priority: models.getNumber("listener_priority"),
      action: [{ type: "forward", targetGroupArn: sameKey(this.targetGroups, "arn") }],
      condition: [{ httpHeader: { httpHeaderName: ROUTING_HEADER, values: modelHeaderValues() } }],
    }).overrideLogicalId("llm_http");
  }

  /** The load balancer sends to the servers' security group on each distinct app port, and nowhere else. */
  private addEgressToServers(props: InternalAlbProps): void {
    // Keyed by the port as a string: one rule per distinct app_port.
    const port = Token.asNumber(`\${tonumber(each.key)}`);
    new VpcSecurityGroupEgressRule(this, "llm_alb_egress_app_port", {
      forEach: props.models.appPortIterator(),
      securityGroupId: this.securityGroup.id,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: props.serverSecurityGroup.id,
      description: "Traffic to the model servers' Application (ollama) Port",
    }).overrideLogicalId("llm_alb_egress_app_port");
  }
}

/**
 * The routing-header values a model's listener rule matches, either one sufficing: the name it is
 * served under (an Ollama model's name, a vLLM model's served name), and for an Ollama model without
 * a tag or with `:latest` its other spelling too (Ollama reads `llama3` as `llama3:latest`). Two
 * values of one condition: a rule compares five values at most, three per condition.
 */
function modelHeaderValues(): string[] {
  // Inside the rule's for_each over the model table: `each.value` is the model's row.
  return Token.asList(
    "${each.value.alternate_llm_model == null ? [each.value.served_name] : [each.value.served_name, each.value.alternate_llm_model]}",
  );
}

/** A number for a string attribute of the provider: a literal as its digits, a token as itself. */
function numberAsText(value: number): string {
  return Token.isUnresolved(value) ? Token.asString(value) : String(value);
}
