import { IResolvable, TerraformLocal, Token } from "cdktf";
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
import { hcl } from "./hcl";
import { LISTENER_PORT } from "./internal-alb";
import { only } from "./refs";

/** The HTTP methods the API forwards on every path, each with its own integration and route. */
const METHODS = ["POST", "GET", "DELETE"] as const;
/** Every path below `/`. */
const PROXY_PATH = "/{ollamaApiPath+}";
/** Addresses of the routes of `/` itself. */
export const INDEX_ROUTES = { GET: "index_get", HEAD: "index_head" } as const;
/** The POST integration copies the model named in the body into the query string the ALB routes on. */
const MODEL_QUERY_PARAMETERS: Record<string, string> = {
  "append:querystring.redirect_model": "$request.body.model",
  "append:querystring.redirect_name": "$request.body.name",
};

/** Who may call the API's routes. */
export type ApiAuthorization = "NONE" | "JWT" | "AWS_IAM";

export interface HttpApiProps {
  /** Create the API at all: every resource here has `count` 0 or 1 (addresses end in `[0]`). @default true */
  readonly enabled?: boolean | IResolvable;
  /** Prefix of the API, VPC link and security group names (`<prefix>-apigw`). */
  readonly prefix: string;
  readonly vpcId: string;
  /** Subnets of the VPC link (the load balancer's). */
  readonly subnetIds: string[];
  /** The internal load balancer's listener: every route's integration. */
  readonly listener: LbListener;
  /** The VPC link sends to this group alone, on the listener's port. */
  readonly albSecurityGroup: SecurityGroup;
  /**
   * A custom domain: all three set, or all three `""` for none (any other mix is refused by the
   * rule table before synth and plan).
   * @default - no custom domain
   */
  readonly customDomain?: { readonly domainName: string; readonly route53ZoneId: string; readonly certificateArn: string };
  /** Hide the default execute-api endpoint; honoured only with a custom domain. @default true */
  readonly disableExecuteApiEndpoint?: boolean | IResolvable;
  /** @default "NONE" (open to every caller, as the original) */
  readonly authorization?: ApiAuthorization;
  /** Issuer and audiences of the JWT authorizer (authorization `JWT`). @default - none */
  readonly jwt?: { readonly issuer: string; readonly audiences: string[] };
  /** Steady-state requests per second before the API answers 429. */
  readonly throttlingRateLimit: number;
  /** Burst of requests accepted above the rate. */
  readonly throttlingBurstLimit: number;
  /** Retention of the access log group, in days; 0 never expires. */
  readonly logRetentionDays: number;
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
  /** The custom domain, when one is given. */
  public readonly domainName?: Apigatewayv2DomainName;
  /** True when domain, zone and certificate are all set. */
  public readonly customDomainSet: TerraformLocal;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const prefix = props.prefix;
    const enabled = hcl(props.enabled ?? true);
    const apiCount = Token.asNumber(`\${${enabled} ? 1 : 0}`);
    validate(props);
    // All three fields literally empty is no custom domain, as in the module's defaults.
    const domain = props.customDomain && Object.values(props.customDomain).every((f) => f === "") ? undefined : props.customDomain;

    this.customDomainSet = new TerraformLocal(
      this,
      "api_gw_custom_domain",
      domain ? `\${${hcl(domain.domainName)} != "" && ${hcl(domain.route53ZoneId)} != "" && ${hcl(domain.certificateArn)} != ""}` : false,
    );
    this.customDomainSet.overrideLogicalId("api_gw_custom_domain");

    const sg = new SecurityGroup(this, "llm_vpc_link_sg", {
      count: apiCount,
      name: `${prefix}-vpc-link-sg`,
      description: "Security group for vpc link for llm api gateway",
      vpcId: props.vpcId,
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
      subnetIds: props.subnetIds,
    });
    this.vpcLink.overrideLogicalId("llm");

    this.api = new Apigatewayv2Api(this, "llm_apigw", {
      count: apiCount,
      name: `${prefix}-apigw`,
      protocolType: "HTTP",
      disableExecuteApiEndpoint: Token.asAny(
        `\${${this.customDomainSet.expression} ? ${hcl(props.disableExecuteApiEndpoint ?? true)} : false}`,
      ),
    });
    this.api.overrideLogicalId("llm_apigw");
    const apiId = only(this.api, "id");

    const authorization = props.authorization ?? "NONE";
    const isJwt = `${hcl(authorization)} == "JWT"`;
    // A literal other than JWT needs no authorizer; a token may turn out to be JWT at plan.
    const jwt =
      props.jwt && (Token.isUnresolved(authorization) || authorization === "JWT")
        ? new Apigatewayv2Authorizer(this, "llm_jwt", {
            count: Token.asNumber(`\${${enabled} && ${isJwt} ? 1 : 0}`),
            apiId,
            name: `${prefix}-jwt`,
            authorizerType: "JWT",
            identitySources: ["$request.header.Authorization"],
            jwtConfiguration: { issuer: props.jwt.issuer, audience: props.jwt.audiences },
          })
        : undefined;
    jwt?.overrideLogicalId("llm_jwt");

    const route = (name: string, routeKey: string, integration: Apigatewayv2Integration): void => {
      new Apigatewayv2Route(this, `${name}_route`, {
        count: apiCount,
        apiId,
        routeKey,
        target: `integrations/${only(integration, "id")}`,
        authorizationType: authorization,
        ...(jwt ? { authorizerId: `\${${isJwt} ? ${jwt.fqn}[0].id : null}` } : {}),
      }).overrideLogicalId(name);
    };
    const integrate = (name: string, method: string, requestParameters?: Record<string, string>): Apigatewayv2Integration => {
      const integration = new Apigatewayv2Integration(this, `${name}_integration`, {
        count: apiCount,
        apiId,
        integrationType: "HTTP_PROXY",
        integrationMethod: method,
        integrationUri: props.listener.arn,
        connectionType: "VPC_LINK",
        connectionId: only(this.vpcLink, "id"),
        ...(requestParameters ? { requestParameters } : {}),
      });
      integration.overrideLogicalId(name);
      return integration;
    };

    const integrations: Record<string, Apigatewayv2Integration> = {};
    for (const method of METHODS) {
      const name = `root_${method.toLowerCase()}`;
      // The ALB routes on the query string: copy the model named in the body there.
      integrations[method] = integrate(name, method, method === "POST" ? MODEL_QUERY_PARAMETERS : undefined);
      route(name, `${method} ${PROXY_PATH}`, integrations[method]);
    }
    // `/` is no child of the greedy path: Ollama's heartbeat (`HEAD /`, sent by the ollama command
    // line first) and its "Ollama is running" (`GET /`) need routes of their own. They name no
    // model, so the ALB's default action answers them from the main server.
    route(INDEX_ROUTES.GET, "GET /", integrations.GET);
    route(INDEX_ROUTES.HEAD, "HEAD /", integrate("root_head", "HEAD"));

    this.accessLogs = new CloudwatchLogGroup(this, "llm_api_access", {
      count: apiCount,
      name: `/aws/apigateway/${prefix}-apigw`,
      retentionInDays: props.logRetentionDays,
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
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
      },
    });
    this.stage.overrideLogicalId("llm_auto_deploy");

    if (domain) this.domainName = this.addCustomDomain(domain, enabled, apiId);
  }

  /** Domain name, its Route53 alias and the API mapping: only when all three of the domain's fields are set. */
  private addCustomDomain(domain: NonNullable<HttpApiProps["customDomain"]>, enabled: string, apiId: string): Apigatewayv2DomainName {
    const domainCount = Token.asNumber(`\${${enabled} && ${this.customDomainSet.expression} ? 1 : 0}`);
    const domainName = new Apigatewayv2DomainName(this, "llm_domain", {
      count: domainCount,
      domainName: domain.domainName,
      domainNameConfiguration: {
        certificateArn: domain.certificateArn,
        endpointType: "REGIONAL",
        securityPolicy: "TLS_1_2",
      },
    });
    domainName.overrideLogicalId("llm");

    new Route53Record(this, "llm_record", {
      count: domainCount,
      name: only(domainName, "domain_name"),
      type: "A",
      zoneId: domain.route53ZoneId,
      alias: {
        name: only(domainName, "domain_name_configuration[0].target_domain_name"),
        zoneId: only(domainName, "domain_name_configuration[0].hosted_zone_id"),
        evaluateTargetHealth: false,
      },
    }).overrideLogicalId("llm");

    new Apigatewayv2ApiMapping(this, "llm_api_mapping", {
      count: domainCount,
      apiId,
      domainName: only(domainName, "id"),
      stage: only(this.stage, "id"),
    }).overrideLogicalId("llm");
    return domainName;
  }
}

/** Refuses literal props that cannot work; tokens are checked by the rule table at plan. */
function validate(props: HttpApiProps): void {
  const domain = props.customDomain;
  if (domain) {
    const fields = [domain.domainName, domain.route53ZoneId, domain.certificateArn];
    const literalsSet = fields.filter((f) => !Token.isUnresolved(f)).map((f) => f !== "");
    if (literalsSet.length === 3 && new Set(literalsSet).size > 1) {
      throw new Error(
        `HttpApi: customDomain ${JSON.stringify(domain)} sets only some of domainName, route53ZoneId and certificateArn. ` +
          "Set all three, or leave customDomain out for no custom domain.",
      );
    }
  }
  if (props.authorization === "JWT" && !props.jwt) {
    throw new Error('HttpApi: authorization "JWT" needs jwt { issuer, audiences }: give the issuer URL and the audiences the authorizer accepts.');
  }
}
