import { IResolvable, TerraformIterator, TerraformLocal, Token } from "cdktf";
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
import { Endpoint, ENDPOINTS, pathParameter, routeKey, ROUTING_HEADER } from "../router/endpoints";
import { hcl, hclText } from "./hcl";
import { LISTENER_PORT } from "./internal-alb";
import { address, only } from "./refs";

/** Addresses of the routes of `/` itself (`aws_apigatewayv2_route.index_get[0]`), kept as they were. */
export const INDEX_ROUTES: Readonly<Record<string, string>> = { "GET /": "index_get", "HEAD /": "index_head" };
/** Every other endpoint's route: `aws_apigatewayv2_route.endpoint["POST /api/chat"]`, one instance per route key. */
export const ENDPOINT_ROUTES = "endpoint";

/**
 * The integration an endpoint goes through: one per method and place the model is named. The four
 * the API had before keep their addresses (`aws_apigatewayv2_integration.root_post[0]`, ...).
 */
export function integrationName(endpoint: Endpoint): string {
  const kept: Record<string, string> = { "POST body": "root_post", "DELETE body": "root_delete", "GET none": "root_get", "HEAD none": "root_head" };
  const where = { body: "model_in_body", path: "model_in_path", none: "no_model" }[endpoint.model];
  return kept[`${endpoint.method} ${endpoint.model}`] ?? `${endpoint.method.toLowerCase()}_${where}`;
}

/**
 * What an integration does with the routing header the ALB routes on. Every one sets or removes
 * it, so the client's own copy never reaches the ALB: a POST names the model in its body, `GET
 * /v1/models/{model}` in its path, and the rest name none (the ALB's default action answers them).
 * `''` is the static value API Gateway's own examples give a removal; an empty string would not do,
 * as an update sends `""` to delete a mapping.
 */
export function routingHeaderMapping(endpoint: Endpoint): Record<string, string> {
  if (endpoint.model === "body") return { [`overwrite:header.${ROUTING_HEADER}`]: "$request.body.model" };
  if (endpoint.model === "path") {
    const parameter = pathParameter(endpoint);
    if (parameter === undefined) throw new Error(`HttpApi: ${routeKey(endpoint)} names its model in the path, but the path has no {parameter}`);
    return { [`overwrite:header.${ROUTING_HEADER}`]: `$request.path.${parameter}` };
  }
  return { [`remove:header.${ROUTING_HEADER}`]: "''" };
}

/** The API's routes with model management off (`false`) or on (`true`): route key -> integration name. */
export function apiRoutes(allowModelManagement: boolean): Record<string, string> {
  return Object.fromEntries(
    ENDPOINTS.filter((e) => allowModelManagement || e.kind !== "management").map((e) => [routeKey(e), integrationName(e)]),
  );
}

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
  /**
   * Add the model-management routes (pull, push, create, copy, delete, blobs) to the inference and
   * read routes every API has. @default false
   */
  readonly allowModelManagement?: boolean | IResolvable;
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
      // A link cannot change its subnets (a new subnet replaces it), and a new one takes minutes to
      // become available. API Gateway identifies links by id, not name (CreateVpcLink refuses no
      // name in use), so the new link comes up under the same name while the old one serves; the
      // integrations move to it, then the old one goes. (It needs room for one more link in the
      // account's quota of VPC links per region, 10 by default.)
      lifecycle: { createBeforeDestroy: true },
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

    this.addRoutes(props, { enabled: hclText(this, props.enabled ?? true), apiId, authorization, jwt, isJwt });

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

  /**
   * One route per endpoint the doors forward (src/router/endpoints.ts), each through the integration
   * of its method and model source; the model-management routes only with allowModelManagement. No
   * catch-all: a path or method not listed is API Gateway's own 404, and never reaches the ALB.
   */
  private addRoutes(
    props: HttpApiProps,
    api: { enabled: string; apiId: string; authorization: ApiAuthorization; jwt?: Apigatewayv2Authorizer; isJwt: string },
  ): void {
    const allow = hclText(this, props.allowModelManagement ?? false);
    // Whether a resource exists: with the API, and when only management uses it, with the flag too.
    const exists = (endpoints: readonly Endpoint[]) =>
      Token.asNumber(`\${${endpoints.some((e) => e.kind !== "management") ? api.enabled : `${api.enabled} && ${allow}`} ? 1 : 0}`);
    const auth = {
      authorizationType: api.authorization,
      ...(api.jwt ? { authorizerId: `\${${api.isJwt} ? ${api.jwt.fqn}[0].id : null}` } : {}),
    };

    const groups = new Map<string, Endpoint[]>();
    for (const endpoint of ENDPOINTS) groups.set(integrationName(endpoint), [...(groups.get(integrationName(endpoint)) ?? []), endpoint]);
    const integrations = new Map<string, Apigatewayv2Integration>();
    for (const [name, endpoints] of groups) {
      const [first] = endpoints;
      const mapping = routingHeaderMapping(first);
      const odd = endpoints.find((e) => JSON.stringify(routingHeaderMapping(e)) !== JSON.stringify(mapping));
      if (odd) throw new Error(`HttpApi: ${routeKey(odd)} and ${routeKey(first)} share the integration ${name} but map the routing header differently`);
      const integration = new Apigatewayv2Integration(this, `${name}_integration`, {
        count: exists(endpoints),
        apiId: api.apiId,
        integrationType: "HTTP_PROXY",
        integrationMethod: first.method,
        integrationUri: props.listener.arn,
        connectionType: "VPC_LINK",
        connectionId: only(this.vpcLink, "id"),
        requestParameters: mapping,
      });
      integration.overrideLogicalId(name);
      integrations.set(name, integration);
    }

    // `/` is a route of its own, as before: Ollama's heartbeat (`HEAD /`, sent by the ollama command
    // line first) and its "Ollama is running" (`GET /`).
    for (const endpoint of ENDPOINTS.filter((e) => INDEX_ROUTES[routeKey(e)] !== undefined)) {
      new Apigatewayv2Route(this, `${INDEX_ROUTES[routeKey(endpoint)]}_route`, {
        count: exists([endpoint]),
        apiId: api.apiId,
        routeKey: routeKey(endpoint),
        target: `integrations/${only(integrations.get(integrationName(endpoint))!, "id")}`,
        ...auth,
      }).overrideLogicalId(INDEX_ROUTES[routeKey(endpoint)]);
    }

    // Every other endpoint: one instance per route key, so adding an endpoint adds one route.
    const others = ENDPOINTS.filter((e) => INDEX_ROUTES[routeKey(e)] === undefined);
    const hclMap = (entries: ReadonlyArray<[string, string]>) => `{ ${entries.map(([k, v]) => `${JSON.stringify(k)} = ${v}`).join(", ")} }`;
    const routesOf = (management: boolean) =>
      hclMap(others.filter((e) => (e.kind === "management") === management).map((e) => [routeKey(e), JSON.stringify(integrationName(e))]));
    const routes = TerraformIterator.fromMap(
      Token.asAnyMap(`\${${api.enabled} ? merge(${routesOf(false)}, ${allow} ? ${routesOf(true)} : {}) : {}}`),
    );
    // An integration that does not exist reads as null here; no route maps to one (same gating).
    const ids = hclMap([...integrations].map(([name, integration]) => [name, `one(${address(integration)}[*].id)`]));
    new Apigatewayv2Route(this, `${ENDPOINT_ROUTES}_route`, {
      forEach: routes,
      apiId: api.apiId,
      routeKey: "${each.key}",
      target: `integrations/\${${ids}[each.value]}`,
      ...auth,
    }).overrideLogicalId(ENDPOINT_ROUTES);
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
