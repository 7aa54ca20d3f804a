import { Testing } from "cdktf";
import {
  Apigatewayv2Api,
  Apigatewayv2ApiMapping,
  Apigatewayv2Authorizer,
  Apigatewayv2DomainName,
  Apigatewayv2Stage,
  Apigatewayv2VpcLink,
  CloudwatchLogGroup,
  Route53Record,
  SecurityGroup,
} from "../src/aws";
import { ENDPOINTS, openEndpoints, routeKey, ROUTING_HEADER } from "../src/router/endpoints";
import { block, synthModule, Synthesized, unwrap } from "./helpers/synth";
import { describeWithTerraform, evaluate, planForEach } from "./helpers/terraform";
import { NETWORK_INPUTS } from "./helpers/network-inputs";

Testing.setupJest();

const API_ID = "${aws_apigatewayv2_api.llm_apigw[0].id}";
const COUNTED_BY_CREATE_API_GW: Array<[string, string]> = [
  ["aws_security_group", "llm_vpc_link_sg"],
  ["aws_vpc_security_group_egress_rule", "llm_vpc_link_egress_1"],
  ["aws_apigatewayv2_vpc_link", "llm"],
  ["aws_apigatewayv2_api", "llm_apigw"],
  ["aws_apigatewayv2_integration", "root_post"],
  ["aws_apigatewayv2_integration", "root_get"],
  ["aws_apigatewayv2_integration", "root_head"],
  ["aws_apigatewayv2_integration", "get_model_in_path"],
  ["aws_apigatewayv2_route", "index_get"],
  ["aws_apigatewayv2_route", "index_head"],
  ["aws_apigatewayv2_stage", "llm_auto_deploy"],
  ["aws_cloudwatch_log_group", "llm_api_access"],
];
/** Integrations only the model-management routes use. */
const COUNTED_BY_MANAGEMENT: Array<[string, string]> = [
  ["aws_apigatewayv2_integration", "root_delete"],
  ["aws_apigatewayv2_integration", "post_no_model"],
];
const CUSTOM_DOMAIN: Array<[string, string]> = [
  ["aws_apigatewayv2_domain_name", "llm"],
  ["aws_route53_record", "llm"],
  ["aws_apigatewayv2_api_mapping", "llm"],
];

let stack: Synthesized;
beforeAll(() => {
  // WHEN
  stack = synthModule();
});

describe("HttpApi", () => {
  test.each(COUNTED_BY_CREATE_API_GW)("%s.%s has count = create_api_gw ? 1 : 0", (type, name) => {
    expect(block(stack.json, type, name).count).toBe("${var.create_api_gw ? 1 : 0}");
  });

  test("the custom domain's three resources share one count", () => {
    const counts = CUSTOM_DOMAIN.map(([type, name]) => block(stack.json, type, name).count);
    expect(typeof counts[0]).toBe("string");
    expect(new Set(counts).size).toBe(1);
  });

  test("VPC link, its security group and egress to the ALB's listener only", () => {
    expect(stack.text).toHaveResourceWithProperties(SecurityGroup, {
      name: "${var.prefix}-vpc-link-sg",
      description: "Security group for vpc link for llm api gateway",
      vpc_id: "${var.vpc_id}",
    });
    const egress = block(stack.json, "aws_vpc_security_group_egress_rule", "llm_vpc_link_egress_1");
    expect(egress).toMatchObject({
      security_group_id: "${aws_security_group.llm_vpc_link_sg[0].id}",
      ip_protocol: "tcp",
      from_port: 80,
      to_port: 80,
      referenced_security_group_id: "${aws_security_group.llm_alb_sg.id}",
      description: "Traffic to the internal ALB's listener",
      lifecycle: { create_before_destroy: true },
    });
    expect(egress).not.toHaveProperty("cidr_ipv4");
    expect(stack.text).toHaveResourceWithProperties(Apigatewayv2VpcLink, {
      name: "${var.prefix}-apigw",
      security_group_ids: ["${aws_security_group.llm_vpc_link_sg[0].id}"],
      subnet_ids: "${var.subnet_ids}",
    });
  });

  test("the HTTP API", () => {
    expect(stack.text).toHaveResourceWithProperties(Apigatewayv2Api, { name: "${var.prefix}-apigw", protocol_type: "HTTP" });
  });

  test.each(COUNTED_BY_MANAGEMENT)("%s.%s exists only with the API and api_gw_allow_model_management", (type, name) => {
    expect(block(stack.json, type, name).count).toBe("${var.create_api_gw && var.api_gw_allow_model_management ? 1 : 0}");
  });

  test("every integration: HTTP_PROXY of its method to the listener through the VPC link", () => {
    const integrations = stack.json.resource?.aws_apigatewayv2_integration ?? {};
    expect(Object.keys(integrations).sort()).toEqual(["get_model_in_path", "post_no_model", "root_delete", "root_get", "root_head", "root_post"]);
    for (const integration of Object.values(integrations)) {
      expect(integration).toMatchObject({
        api_id: API_ID,
        integration_type: "HTTP_PROXY",
        integration_uri: "${aws_lb_listener.llm_http.arn}",
        connection_type: "VPC_LINK",
        connection_id: "${aws_apigatewayv2_vpc_link.llm[0].id}",
      });
    }
  });

  test("every integration sets or removes the routing header, and none touches the query string the ALB once routed on", () => {
    // GIVEN the header the ALB's rules match (a client must never be able to supply it)
    const header = ROUTING_HEADER;
    const parameters = (name: string) => block(stack.json, "aws_apigatewayv2_integration", name).request_parameters;
    // THEN a body names the model for POST and DELETE, the path for GET /v1/models/{model}; the rest remove the client's copy
    expect(parameters("root_post")).toEqual({ [`overwrite:header.${header}`]: "$request.body.model" });
    expect(parameters("root_delete")).toEqual({ [`overwrite:header.${header}`]: "$request.body.model" });
    expect(parameters("get_model_in_path")).toEqual({ [`overwrite:header.${header}`]: "$request.path.model" });
    // A removal's value is the static '' (an empty string would read as "delete this mapping" on update).
    for (const name of ["root_get", "root_head", "post_no_model"]) expect(parameters(name)).toEqual({ [`remove:header.${header}`]: "''" });
    expect(JSON.stringify(stack.json.resource?.aws_apigatewayv2_integration)).not.toMatch(/querystring|redirect_/);
  });

  test("no route is a catch-all: every literal route key is an endpoint of the allowlist, the rest come from it", () => {
    // GIVEN every endpoint either door may forward, management included
    const allowed = new Set(ENDPOINTS.map(routeKey));
    const routes = stack.json.resource?.aws_apigatewayv2_route ?? {};
    // THEN the routes of `/` are endpoints, and the only other route resource is the per-endpoint one
    expect(Object.keys(routes).sort()).toEqual(["endpoint", "index_get", "index_head"]);
    for (const name of ["index_get", "index_head"]) expect(allowed.has(routes[name].route_key as string)).toBe(true);
    expect(block(stack.json, "aws_apigatewayv2_route", "endpoint").route_key).toBe("${each.key}");
    // (its for_each keys, with the flag off and on, are checked by terraform below)
    expect(unwrap(block(stack.json, "aws_apigatewayv2_route", "endpoint").for_each)).not.toMatch(/\+\}|\$default|"ANY /);
  });

  test("`/` has routes of its own: GET through the GET integration, HEAD through the HEAD one", () => {
    // GIVEN the ollama command line's heartbeat (HEAD /) and Ollama's "is running" page (GET /)
    // THEN each has a route, authorized like every other route, proxied to the listener
    expect(block(stack.json, "aws_apigatewayv2_route", "index_get")).toMatchObject({
      route_key: "GET /",
      target: "integrations/${aws_apigatewayv2_integration.root_get[0].id}",
      authorization_type: "${var.api_gw_authorization}",
      authorizer_id: '${var.api_gw_authorization == "JWT" ? aws_apigatewayv2_authorizer.llm_jwt[0].id : null}',
    });
    expect(block(stack.json, "aws_apigatewayv2_route", "index_head")).toMatchObject({
      route_key: "HEAD /",
      target: "integrations/${aws_apigatewayv2_integration.root_head[0].id}",
      authorization_type: "${var.api_gw_authorization}",
    });
    expect(block(stack.json, "aws_apigatewayv2_integration", "root_head").integration_method).toBe("HEAD");
  });

  test("the per-endpoint routes are authorized like the others", () => {
    expect(block(stack.json, "aws_apigatewayv2_route", "endpoint")).toMatchObject({
      api_id: API_ID,
      authorization_type: "${var.api_gw_authorization}",
      authorizer_id: '${var.api_gw_authorization == "JWT" ? aws_apigatewayv2_authorizer.llm_jwt[0].id : null}',
    });
  });

  test("the JWT authorizer: on the Authorization header, with the issuer and audiences, only for JWT", () => {
    expect(stack.text).toHaveResourceWithProperties(Apigatewayv2Authorizer, {
      api_id: API_ID,
      name: "${var.prefix}-jwt",
      authorizer_type: "JWT",
      identity_sources: ["$request.header.Authorization"],
      jwt_configuration: { issuer: "${var.api_gw_jwt_issuer}", audience: "${var.api_gw_jwt_audiences}" },
    });
    expect(block(stack.json, "aws_apigatewayv2_authorizer", "llm_jwt").count).toBe('${var.create_api_gw && var.api_gw_authorization == "JWT" ? 1 : 0}');
  });

  test("the $default stage deploys automatically, throttles, and logs each request into the access log group", () => {
    expect(stack.text).toHaveResourceWithProperties(Apigatewayv2Stage, {
      api_id: API_ID,
      name: "$default",
      auto_deploy: true,
      access_log_settings: { destination_arn: "${aws_cloudwatch_log_group.llm_api_access[0].arn}", format: expect.any(String) },
      default_route_settings: {
        throttling_rate_limit: "${var.api_gw_throttling_rate_limit}",
        throttling_burst_limit: "${var.api_gw_throttling_burst_limit}",
      },
    });
    expect(stack.text).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/aws/apigateway/${var.prefix}-apigw",
      retention_in_days: "${var.api_gw_log_retention_days}",
    });
  });

  test("the access log format is one JSON object per request, with the request id, route, status, latencies and errors", () => {
    const settings = block(stack.json, "aws_apigatewayv2_stage", "llm_auto_deploy").access_log_settings as { format: string };
    expect(JSON.parse(settings.format)).toEqual({
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
  });

  test("custom domain: regional, TLS 1.2, the certificate; an A alias in the zone; the API mapping", () => {
    expect(stack.text).toHaveResourceWithProperties(Apigatewayv2DomainName, {
      domain_name: "${var.api_gw_domain}",
      domain_name_configuration: {
        certificate_arn: "${var.api_gw_domain_ssl_cert_arn}",
        endpoint_type: "REGIONAL",
        security_policy: "TLS_1_2",
      },
    });
    expect(stack.text).toHaveResourceWithProperties(Route53Record, {
      name: expect.stringMatching(/^\$\{(var\.api_gw_domain|aws_apigatewayv2_domain_name\.llm\[0\]\.domain_name)\}$/),
      type: "A",
      zone_id: "${var.api_gw_domain_route53_zone}",
      alias: {
        name: "${aws_apigatewayv2_domain_name.llm[0].domain_name_configuration[0].target_domain_name}",
        zone_id: "${aws_apigatewayv2_domain_name.llm[0].domain_name_configuration[0].hosted_zone_id}",
        evaluate_target_health: false,
      },
    });
    expect(stack.text).toHaveResourceWithProperties(Apigatewayv2ApiMapping, {
      api_id: API_ID,
      domain_name: "${aws_apigatewayv2_domain_name.llm[0].id}",
      stage: "${aws_apigatewayv2_stage.llm_auto_deploy[0].id}",
    });
  });
});

describeWithTerraform("HttpApi, evaluated by terraform", () => {
  const REQUIRED = {
    ...NETWORK_INPUTS,
    llm_ec2_configs: [{ llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 }],
  };
  const DOMAIN = {
    api_gw_domain: "llm.example.com",
    api_gw_domain_route53_zone: "Z0123456789ABCDEFGHIJ",
    api_gw_domain_ssl_cert_arn: "arn:aws:acm:ap-southeast-1:123456789012:certificate/abc",
  };
  const evaluateApi = (inputs: Record<string, unknown>) =>
    evaluate(stack.json, {
      variables: { ...REQUIRED, ...inputs },
      expressions: {
        api: block(stack.json, "aws_apigatewayv2_api", "llm_apigw").count as string,
        domain: block(stack.json, "aws_apigatewayv2_domain_name", "llm").count as string,
        disableExecuteEndpoint: block(stack.json, "aws_apigatewayv2_api", "llm_apigw").disable_execute_api_endpoint as string,
      },
    });

  test.each([
    ["defaults (no domain)", {}, { api: 1, domain: 0, disableExecuteEndpoint: false }],
    ["domain, zone and certificate", DOMAIN, { api: 1, domain: 1, disableExecuteEndpoint: true }],
    ["full domain, execute endpoint kept", { ...DOMAIN, api_gw_disable_execute_endpoint: false }, { api: 1, domain: 1, disableExecuteEndpoint: false }],
    ["domain without zone", { ...DOMAIN, api_gw_domain_route53_zone: "" }, { api: 1, domain: 0, disableExecuteEndpoint: false }],
    ["domain without certificate", { ...DOMAIN, api_gw_domain_ssl_cert_arn: "" }, { api: 1, domain: 0, disableExecuteEndpoint: false }],
    ["zone and certificate without domain", { ...DOMAIN, api_gw_domain: "" }, { api: 1, domain: 0, disableExecuteEndpoint: false }],
    ["create_api_gw = false", { ...DOMAIN, create_api_gw: false }, { api: 0, domain: 0 }],
  ])("%s", (_case, inputs, expected) => {
    expect(evaluateApi(inputs)).toMatchObject(expected);
  });

  // The integrations' ids as stand-ins: `id-<integration name>`.
  const integrationIds = () =>
    `\${{ ${Object.keys(stack.json.resource?.aws_apigatewayv2_integration ?? {}).map((n) => `${n} = [{ id = "id-${n}" }]`).join(", ")} }}`;
  const routesPlanned = (inputs: Record<string, unknown>) =>
    planForEach(stack.json, {
      variables: { ...REQUIRED, ...inputs },
      resource: { type: "aws_apigatewayv2_route", name: "endpoint" },
      attributes: ["route_key", "target"],
      replace: { "aws_apigatewayv2_integration.": "local.fake_integrations." },
      locals: { fake_integrations: integrationIds() },
    });

  test.each([
    ["off (the default)", {}, false],
    ["on", { api_gw_allow_model_management: true }, true],
  ])("model management %s: one route per open endpoint of the allowlist, no other", (_case, inputs, allow) => {
    // GIVEN the allowlist's open endpoints with the flag, less `/` (routes of their own)
    const expected = openEndpoints(allow).map(routeKey).filter((key) => key !== "GET /" && key !== "HEAD /").sort();
    // WHEN terraform plans the routes
    const routes = routesPlanned(inputs);
    // THEN exactly those route keys, each route's key its own
    expect(Object.keys(routes).sort()).toEqual(expected);
    for (const [key, route] of Object.entries(routes)) expect(route.route_key).toBe(key);
    expect(Object.keys(routes).some((key) => key.startsWith("DELETE ") || key.includes("/api/pull"))).toBe(allow);
  });

  test("each route goes through an integration of its own method that sets the routing header where the endpoint names its model", () => {
    // GIVEN every route, management included
    const routes = routesPlanned({ api_gw_allow_model_management: true });
    for (const endpoint of ENDPOINTS.filter((e) => routes[routeKey(e)] !== undefined)) {
      // WHEN the route's target is followed to its integration
      const name = /^integrations\/id-(.+)$/.exec(routes[routeKey(endpoint)].target as string)![1];
      const integration = block(stack.json, "aws_apigatewayv2_integration", name);
      // THEN the integration forwards the same method, and takes the model from where the endpoint names it
      const expected =
        endpoint.model === "body"
          ? { [`overwrite:header.${ROUTING_HEADER}`]: "$request.body.model" }
          : endpoint.model === "path"
            ? { [`overwrite:header.${ROUTING_HEADER}`]: "$request.path.model" }
            : { [`remove:header.${ROUTING_HEADER}`]: "''" };
      expect({ route: routeKey(endpoint), method: integration.integration_method, parameters: integration.request_parameters }).toEqual({
        route: routeKey(endpoint),
        method: endpoint.method,
        parameters: expected,
      });
    }
  });

  test.each([
    [false, 0],
    [true, 1],
  ])("api_gw_allow_model_management = %s plans %i DELETE and blob-upload integration(s)", (allow, count) => {
    const counts = evaluate(stack.json, {
      variables: { ...REQUIRED, api_gw_allow_model_management: allow },
      expressions: Object.fromEntries(COUNTED_BY_MANAGEMENT.map(([type, name]) => [name, block(stack.json, type, name).count as string])),
    });
    expect(counts).toEqual({ root_delete: count, post_no_model: count });
  });

  const JWT = {
    api_gw_authorization: "JWT",
    api_gw_jwt_issuer: "https://cognito-idp.ap-southeast-1.amazonaws.com/ap-southeast-1_AbCdEfGhI",
    api_gw_jwt_audiences: ["client-one"],
  };
  const evaluateAuth = (inputs: Record<string, unknown>) => {
    const route = block(stack.json, "aws_apigatewayv2_route", "endpoint");
    const stage = block(stack.json, "aws_apigatewayv2_stage", "llm_auto_deploy") as {
      default_route_settings: { throttling_rate_limit: string; throttling_burst_limit: string };
    };
    return evaluate(stack.json, {
      variables: { ...REQUIRED, ...inputs },
      replace: { "aws_apigatewayv2_authorizer.llm_jwt[0].id": '"jwt0a1b"' },
      expressions: {
        authorizers: block(stack.json, "aws_apigatewayv2_authorizer", "llm_jwt").count as string,
        type: route.authorization_type as string,
        authorizer: route.authorizer_id as string,
        rate: stage.default_route_settings.throttling_rate_limit,
        burst: stage.default_route_settings.throttling_burst_limit,
        retention: block(stack.json, "aws_cloudwatch_log_group", "llm_api_access").retention_in_days as string,
      },
    });
  };

  test.each([
    ["defaults: open routes, 20/s burst 40, 30 days of logs", {}, { authorizers: 0, type: "NONE", authorizer: null, rate: 20, burst: 40, retention: 30 }],
    ["JWT", JWT, { authorizers: 1, type: "JWT", authorizer: "jwt0a1b" }],
    ["AWS_IAM", { api_gw_authorization: "AWS_IAM" }, { authorizers: 0, type: "AWS_IAM", authorizer: null }],
    ["JWT without the API", { ...JWT, create_api_gw: false }, { authorizers: 0 }],
    [
      "custom throttling and retention",
      { api_gw_throttling_rate_limit: 2.5, api_gw_throttling_burst_limit: 7, api_gw_log_retention_days: 0 },
      { rate: 2.5, burst: 7, retention: 0 },
    ],
  ])("authorization, throttling, log retention: %s", (_case, inputs, expected) => {
    expect(evaluateAuth(inputs)).toMatchObject(expected);
  });
});
