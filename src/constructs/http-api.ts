import { TerraformLocal, Token } from "cdktf";
import { Construct } from "constructs";
import {
  Apigatewayv2Api,
  Apigatewayv2Authorizer,
  Apigatewayv2ApiMapping,
  Apigatewayv2DomainName,
  Apigatewayv2Integration,
  Apigatewayv2Route,
  Apigatewayv2Stage,
  Apigatewayv2VpcLink,
  CloudwatchLogGroup,
  LbListener,
  Route53Record,
  SecurityGroup,
  VpcSecurityGroupEgressRule,
} from "../aws";
import { LISTENER_PORT } from "./internal-alb";
import { only } from "./refs";
import { ServiceVariables } from "./service-variables";

/** The HTTP methods the API forwards, each with its own integration and route. */
const METHODS = ["POST", "GET", "DELETE"] as const;

export interface HttpApiProps {
  readonly variables: ServiceVariables;
  readonly listener: LbListener;
  /** The VPC link sends to this group alone, on the listener's port. */
  readonly albSecurityGroup: SecurityGroup;
}

/** One JSON line per request in the stage's access log. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  sourceIp: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  routeKey: "$context.routeKey",
  path: "$context.path",
  status: "$context.status",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  integrationStatus: "$context.integrationStatus",
  integrationLatency: "$context.integrationLatency",
  integrationError: "$context.integrationErrorMessage",
  authorizerError: "$context.authorizer.error",
});

/**
 * API Gateway HTTP API in front of the internal ALB, through a VPC link; optional custom domain.
 * Everything here exists only when `create_api_gw` (`count` 0 or 1, addresses end in `[0]`).
 */
export class HttpApi extends Construct {
  public readonly api: Apigatewayv2Api;
  public readonly vpcLink: Apigatewayv2VpcLink;
  public readonly stage: Apigatewayv2Stage;
  public readonly accessLogs: CloudwatchLogGroup;
  public readonly domainName: Apigatewayv2DomainName;
  /** True when domain, zone and certificate are all set. */
  public readonly customDomainSet: TerraformLocal;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const v = props.variables;
    const prefix = v.prefix.stringValue;
    const apiCount = Token.asNumber(`\${${v.create_api_gw.value} ? 1 : 0}`);

    this.customDomainSet = new TerraformLocal(
      this,
      "api_gw_custom_domain",
      `\${${v.api_gw_domain.value} != "" && ${v.api_gw_domain_route53_zone.value} != "" && ${v.api_gw_domain_ssl_cert_arn.value} != ""}`,
    );
    this.customDomainSet.overrideLogicalId("api_gw_custom_domain");
    const domainCount = Token.asNumber(`\${${v.create_api_gw.value} && ${this.customDomainSet.expression} ? 1 : 0}`);

    const sg = new SecurityGroup(this, "llm_vpc_link_sg", {
      count: apiCount,
      name: `${prefix}-vpc-link-sg`,
      description: "Security group for vpc link for llm api gateway",
      vpcId: v.vpc_id.stringValue,
    });
    sg.overrideLogicalId("llm_vpc_link_sg");
    new VpcSecurityGroupEgressRule(this, "llm_vpc_link_egress_1", {
      count: apiCount,
      securityGroupId: only(sg, "id"),
      ipProtocol: "tcp",
      fromPort: LISTENER_PORT,
      toPort: LISTENER_PORT,
      referencedSecurityGroupId: props.albSecurityGroup.id,
      description: "Traffic to the internal ALB's listener",
      // A new source type replaces the original's rule: create the new one first.
      lifecycle: { createBeforeDestroy: true },
    }).overrideLogicalId("llm_vpc_link_egress_1");

    this.vpcLink = new Apigatewayv2VpcLink(this, "llm_vpc_link", {
      count: apiCount,
      name: `${prefix}-apigw`,
      securityGroupIds: [only(sg, "id")],
      subnetIds: v.subnet_ids.listValue,
    });
    this.vpcLink.overrideLogicalId("llm");

    this.api = new Apigatewayv2Api(this, "llm_apigw", {
      count: apiCount,
      name: `${prefix}-apigw`,
      protocolType: "HTTP",
      disableExecuteApiEndpoint: Token.asAny(
        `\${${this.customDomainSet.expression} ? ${v.api_gw_disable_execute_endpoint.value} : false}`,
      ),
    });
    this.api.overrideLogicalId("llm_apigw");
    const apiId = only(this.api, "id");

    const authorization = v.api_gw_authorization.value;
    const jwt = new Apigatewayv2Authorizer(this, "llm_jwt", {
      count: Token.asNumber(`\${${v.create_api_gw.value} && ${authorization} == "JWT" ? 1 : 0}`),
      apiId,
      name: `${prefix}-jwt`,
      authorizerType: "JWT",
      identitySources: ["$request.header.Authorization"],
      jwtConfiguration: { issuer: v.api_gw_jwt_issuer.stringValue, audience: v.api_gw_jwt_audiences.listValue },
    });
    jwt.overrideLogicalId("llm_jwt");

    for (const method of METHODS) {
      const name = `root_${method.toLowerCase()}`;
      const integration = new Apigatewayv2Integration(this, `${name}_integration`, {
        count: apiCount,
        apiId,
        integrationType: "HTTP_PROXY",
        integrationMethod: method,
        integrationUri: props.listener.arn,
        connectionType: "VPC_LINK",
        connectionId: only(this.vpcLink, "id"),
        // The ALB routes on the query string: copy the model named in the body there.
        ...(method === "POST"
          ? {
              requestParameters: {
                "append:querystring.redirect_model": "$request.body.model",
                "append:querystring.redirect_name": "$request.body.name",
              },
            }
          : {}),
      });
      integration.overrideLogicalId(name);
      new Apigatewayv2Route(this, `${name}_route`, {
        count: apiCount,
        apiId,
        routeKey: `${method} /{ollamaApiPath+}`,
        target: `integrations/${only(integration, "id")}`,
        authorizationType: authorization,
        authorizerId: `\${${authorization} == "JWT" ? ${jwt.fqn}[0].id : null}`,
      }).overrideLogicalId(name);
    }

    this.accessLogs = new CloudwatchLogGroup(this, "llm_api_access", {
      count: apiCount,
      name: `/aws/apigateway/${prefix}-apigw`,
      retentionInDays: v.api_gw_log_retention_days.numberValue,
    });
    this.accessLogs.overrideLogicalId("llm_api_access");

    this.stage = new Apigatewayv2Stage(this, "llm_auto_deploy", {
      count: apiCount,
      apiId,
      name: "$default",
      autoDeploy: true,
      accessLogSettings: { destinationArn: only(this.accessLogs, "arn"), format: ACCESS_LOG_FORMAT },
      // A paid GPU fleet behind a public endpoint: excess requests get 429, not a queue.
      defaultRouteSettings: {
        throttlingRateLimit: v.api_gw_throttling_rate_limit.numberValue,
        throttlingBurstLimit: v.api_gw_throttling_burst_limit.numberValue,
      },
    });
    this.stage.overrideLogicalId("llm_auto_deploy");

    this.domainName = new Apigatewayv2DomainName(this, "llm_domain", {
      count: domainCount,
      domainName: v.api_gw_domain.stringValue,
      domainNameConfiguration: {
        certificateArn: v.api_gw_domain_ssl_cert_arn.stringValue,
        endpointType: "REGIONAL",
        securityPolicy: "TLS_1_2",
      },
    });
    this.domainName.overrideLogicalId("llm");

    new Route53Record(this, "llm_record", {
      count: domainCount,
      name: only(this.domainName, "domain_name"),
      type: "A",
      zoneId: v.api_gw_domain_route53_zone.stringValue,
      alias: {
        name: only(this.domainName, "domain_name_configuration[0].target_domain_name"),
        zoneId: only(this.domainName, "domain_name_configuration[0].hosted_zone_id"),
        evaluateTargetHealth: false,
      },
    }).overrideLogicalId("llm");

    new Apigatewayv2ApiMapping(this, "llm_api_mapping", {
      count: domainCount,
      apiId,
      domainName: only(this.domainName, "id"),
      stage: only(this.stage, "id"),
    }).overrideLogicalId("llm");
  }
}
