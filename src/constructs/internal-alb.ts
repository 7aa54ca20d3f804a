import { Token } from "cdktf";
import { Construct } from "constructs";
import {
  Instance,
  Lb,
  LbListener,
  LbListenerRule,
  LbTargetGroup,
  LbTargetGroupAttachment,
  SecurityGroup,
  VpcSecurityGroupEgressRule,
  VpcSecurityGroupIngressRule,
} from "../aws";
import { ModelTable } from "./model-table";
import { atKey, sameKey } from "./refs";
import { ServiceVariables } from "./service-variables";
import { addTcpRules } from "./tcp-rules";

/** Query-string keys the API's POST integration fills from the request body's `model` / `name`. */
export const MODEL_QUERY_KEYS = ["redirect_model", "redirect_name"] as const;

/** The listener's port, the only one the API's VPC link reaches. */
export const LISTENER_PORT = 80;

export interface InternalAlbProps {
  readonly variables: ServiceVariables;
  readonly models: ModelTable;
  readonly instances: Instance;
  /** The model servers' security group: the ALB alone reaches their app ports. */
  readonly serverSecurityGroup: SecurityGroup;
}

/**
 * Internal ALB that routes each request to the server of the model it names: one target group
 * per model, one listener rule per model matching the model in the query string, and a default
 * action to the main server for requests that name no model.
 */
export class InternalAlb extends Construct {
  public readonly securityGroup: SecurityGroup;
  public readonly loadBalancer: Lb;
  public readonly targetGroups: LbTargetGroup;
  public readonly listener: LbListener;

  constructor(scope: Construct, id: string, props: InternalAlbProps) {
    super(scope, id);
    const v = props.variables;
    const prefix = v.prefix.stringValue;
    const vpcCidr = v.vpc_cidr_block.stringValue;
    const models = props.models.iterator;

    this.securityGroup = new SecurityGroup(this, "llm_alb_sg", {
      name: `${prefix}-alb-sg`,
      description: "Security group for llm internal ALB",
      vpcId: v.vpc_id.stringValue,
    });
    this.securityGroup.overrideLogicalId("llm_alb_sg");
    const sg = this.securityGroup.id;
    this.addSegmentation(props);

    addTcpRules(this, "ingress", sg, [
      { name: "llm_alb_ingress_2", fromPort: LISTENER_PORT, toPort: LISTENER_PORT, cidrIpv4: vpcCidr, description: "Traffic over HTTP (llm ec2) from VPC" },
    ]);
    // The original creates this rule when open_webui_port == 0 (inverted); ours when it is set.
    new VpcSecurityGroupIngressRule(this, "llm_alb_ingress_3", {
      count: Token.asNumber(`\${${v.open_webui_port.value} != 0 ? 1 : 0}`),
      securityGroupId: sg,
      ipProtocol: "tcp",
      fromPort: v.open_webui_port.numberValue,
      toPort: v.open_webui_port.numberValue,
      cidrIpv4: vpcCidr,
      description: "Traffic over port (for open webui) from VPC",
    }).overrideLogicalId("llm_alb_ingress_3");

    this.loadBalancer = new Lb(this, "llm", {
      name: `${prefix}-alb`,
      loadBalancerType: "application",
      internal: true,
      enableDeletionProtection: v.alb_deletion_protection.booleanValue,
      dropInvalidHeaderFields: true,
      idleTimeout: v.alb_idle_timeout_seconds.numberValue,
      subnets: v.subnet_ids.listValue,
      securityGroups: [sg],
    });
    this.loadBalancer.overrideLogicalId("llm");
    // Escape hatch: cdktf has no dynamic blocks on plain attributes; access logs exist only when
    // a bucket is named, as an absent block (not `enabled = false`) keeps existing plans clean.
    this.loadBalancer.addOverride("dynamic.access_logs", {
      for_each: `\${${v.alb_access_logs_bucket.value} == "" ? [] : [${v.alb_access_logs_bucket.value}]}`,
      content: { bucket: "${access_logs.value}", prefix: `\${${v.alb_access_logs_prefix.value}}`, enabled: true },
    });

    this.targetGroups = new LbTargetGroup(this, "llm_http", {
      forEach: models,
      name: models.getString("target_group_name"),
      port: models.getNumber("app_port"),
      protocol: "HTTP",
      protocolVersion: "HTTP1",
      targetType: "instance",
      vpcId: v.vpc_id.stringValue,
      loadBalancingCrossZoneEnabled: "true",
      stickiness: { type: "lb_cookie", enabled: true, cookieDuration: 86400 },
      // Healthy only once the model is pulled (404 before); 10 s timeout for a server busy
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
    });
    this.targetGroups.overrideLogicalId("llm_http");

    new LbTargetGroupAttachment(this, "llm_http_attachment", {
      forEach: models,
      targetGroupArn: sameKey(this.targetGroups, "arn"),
      targetId: sameKey(props.instances, "id"),
      port: models.getNumber("app_port"),
    }).overrideLogicalId("llm_http");

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
      priority: models.getNumber("priority"),
      action: [{ type: "forward", targetGroupArn: sameKey(this.targetGroups, "arn") }],
      condition: [
        { queryString: MODEL_QUERY_KEYS.map((key) => ({ key, value: models.getString("llm_model") })) },
      ],
    }).overrideLogicalId("llm_http");
  }

  /** ALB -> servers on each distinct app port, and nothing else in either direction. */
  private addSegmentation(props: InternalAlbProps): void {
    // Keyed by the port as a string: one rule per distinct app_port, as the original.
    const appPorts = props.models.appPortIterator();
    const port = Token.asNumber(`\${tonumber(each.key)}`);
    new VpcSecurityGroupIngressRule(this, "llm_ec2_ingress_app_port", {
      forEach: appPorts,
      securityGroupId: props.serverSecurityGroup.id,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: this.securityGroup.id,
      description: "Traffic over Application (ollama) Port from the internal ALB",
      // Moving from the original's CIDR source to a security group source replaces the rule;
      // the new one is in place before the old one goes, so the servers stay reachable.
      lifecycle: { createBeforeDestroy: true },
    }).overrideLogicalId("llm_ec2_ingress_app_port");
    new VpcSecurityGroupEgressRule(this, "llm_alb_egress_app_port", {
      forEach: appPorts,
      securityGroupId: this.securityGroup.id,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: props.serverSecurityGroup.id,
      description: "Traffic to the model servers' Application (ollama) Port",
    }).overrideLogicalId("llm_alb_egress_app_port");
  }
}
