import { Token } from "cdktf";
import { Construct } from "constructs";
import {
  Lb,
  LbListener,
  LbListenerRule,
  LbTargetGroup,
  LbTargetGroupAttachment,
  Instance,
  SecurityGroup,
  VpcSecurityGroupIngressRule,
} from "../aws";
import { ModelTable } from "./model-table";
import { atKey, sameKey } from "./refs";
import { addTcpRules } from "./tcp-rules";
import { ServiceVariables } from "./service-variables";

/** Query-string keys the API's POST integration fills from the request body's `model` / `name`. */
export const MODEL_QUERY_KEYS = ["redirect_model", "redirect_name"] as const;

export interface InternalAlbProps {
  readonly variables: ServiceVariables;
  readonly models: ModelTable;
  readonly instances: Instance;
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

    addTcpRules(this, "egress", sg, [
      { name: "llm_alb_egress_1", fromPort: 0, toPort: 65535, cidrIpv4: "0.0.0.0/0", description: "Allow all tcp outbound" },
    ]);
    addTcpRules(this, "ingress", sg, [
      { name: "llm_alb_ingress_1", fromPort: 443, toPort: 443, cidrIpv4: vpcCidr, description: "Traffic over TLS from VPC" },
      { name: "llm_alb_ingress_2", fromPort: 80, toPort: 80, cidrIpv4: vpcCidr, description: "Traffic over HTTP (llm ec2) from VPC" },
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
      enableDeletionProtection: false,
      subnets: v.subnet_ids.listValue,
      securityGroups: [sg],
    });
    this.loadBalancer.overrideLogicalId("llm");

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
      healthCheck: {
        enabled: true,
        healthyThreshold: 5,
        unhealthyThreshold: 2,
        interval: 30,
        matcher: "200",
        path: "/",
        port: "traffic-port",
        protocol: "HTTP",
        timeout: 5,
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
      port: 80,
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
}
