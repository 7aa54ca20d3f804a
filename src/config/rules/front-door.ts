import {
  AUTHORIZATION_TYPES,
  BUCKET_PATTERN,
  CERT_PATTERN,
  customDomainFields,
  DOMAIN_PATTERN,
  hclIssuerCanMatch,
  hclList,
  hclMatches,
  hclWhole,
  ISSUER_PATTERN,
  issuerCanMatch,
  jwtInUse,
  LOG_RETENTION_DAYS,
  matches,
  Rule,
  valueRule,
  whole,
  ZONE_PATTERN,
} from "./kit";

/** The front door: custom domain, load balancer settings, API logging, throttling and authorization. */
export const frontDoorRules: readonly Rule[] = [
  {
    id: "custom-domain-complete",
    problem: "is one of api_gw_domain, api_gw_domain_route53_zone and api_gw_domain_ssl_cert_arn, which go together",
    fix: "set all three for a custom domain, or leave all three empty",
    find: (inputs) => {
      const set = customDomainFields.filter((f) => inputs[f] !== "");
      return set.length === 0 || set.length === 3 ? [] : customDomainFields.filter((f) => inputs[f] === "").map((f) => [f, ""]);
    },
    hcl: {
      condition: `length(compact([${customDomainFields.map((f) => `var.${f}`).join(", ")}])) == 0 || length(compact([${customDomainFields
        .map((f) => `var.${f}`)
        .join(", ")}])) == 3`,
      offenders: `[for name, value in { ${customDomainFields
        .map((f) => `${f} = var.${f}`)
        .join(", ")} } : format("%s is empty", name) if value == ""]`,
    },
  },
  valueRule(
    "domain-name",
    "api_gw_domain",
    "is not a lower-case DNS name (no scheme, port or path)",
    'write the host name only, e.g. "llm.example.com"',
    (d: string) => d === "" || (matches(DOMAIN_PATTERN, d) && d.length <= 253),
    (v) => `${v} == "" || (${hclMatches(DOMAIN_PATTERN, v)} && length(${v}) <= 253)`
  ),
  valueRule(
    "route53-zone",
    "api_gw_domain_route53_zone",
    "is not a Route53 hosted zone id",
    'use the zone id (not its name), e.g. "Z0123456789ABCDEFGHIJ"',
    (z: string) => z === "" || matches(ZONE_PATTERN, z),
    (v) => `${v} == "" || ${hclMatches(ZONE_PATTERN, v)}`
  ),
  valueRule(
    "certificate-arn",
    "api_gw_domain_ssl_cert_arn",
    "is not an ACM certificate ARN",
    'use the ARN of an ACM certificate for the domain, e.g. "arn:aws:acm:ap-southeast-1:123456789012:certificate/<id>"',
    (a: string) => a === "" || matches(CERT_PATTERN, a),
    (v) => `${v} == "" || ${hclMatches(CERT_PATTERN, v)}`
  ),
  valueRule(
    "alb-idle-timeout",
    "alb_idle_timeout_seconds",
    "is not an ALB idle timeout (a whole number of seconds from 1 to 4000)",
    "use e.g. 600, long enough for a long streamed generation",
    (t: number) => whole(t, 1, 4000),
    (v) => hclWhole(v, 1, 4000)
  ),
  valueRule(
    "alb-access-logs-bucket",
    "alb_access_logs_bucket",
    "is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)",
    'name an existing bucket, e.g. "my-alb-logs", or "" for no access logs',
    (b: string) => b === "" || matches(BUCKET_PATTERN, b),
    (v) => `${v} == "" || ${hclMatches(BUCKET_PATTERN, v)}`
  ),
  valueRule(
    "alb-access-logs-prefix",
    "alb_access_logs_prefix",
    'is not a usable log prefix (no "/" at either end, no "AWSLogs")',
    'use e.g. "llm-alb", or "" for the bucket root',
    (p: string) => p === "" || (!p.startsWith("/") && !p.endsWith("/") && !p.includes("AWSLogs")),
    (v) => `${v} == "" || (!startswith(${v}, "/") && !endswith(${v}, "/") && !strcontains(${v}, "AWSLogs"))`
  ),
  valueRule(
    "api-log-retention",
    "api_gw_log_retention_days",
    `is not a CloudWatch Logs retention (0 for never, or one of ${LOG_RETENTION_DAYS.join(", ")})`,
    "use one of those values, e.g. 30",
    (d: number) => d === 0 || LOG_RETENTION_DAYS.includes(d),
    (v) => `${v} == 0 || contains([${LOG_RETENTION_DAYS.join(", ")}], ${v})`
  ),
  valueRule(
    "api-throttling-rate",
    "api_gw_throttling_rate_limit",
    "is not a throttling rate (more than 0, at most 10000 requests per second)",
    "use the steady requests per second the fleet can serve, e.g. 20",
    (r: number) => r > 0 && r <= 10000,
    (v) => `${v} > 0 && ${v} <= 10000`
  ),
  valueRule(
    "api-throttling-burst",
    "api_gw_throttling_burst_limit",
    "is not a throttling burst (a whole number from 1 to 5000)",
    "use e.g. twice the rate limit",
    (b: number) => whole(b, 1, 5000),
    (v) => hclWhole(v, 1, 5000)
  ),
  valueRule(
    "api-authorization",
    "api_gw_authorization",
    `is not an authorization type (${AUTHORIZATION_TYPES.join(", ")})`,
    'use "NONE" (open), "JWT" (with api_gw_jwt_issuer and api_gw_jwt_audiences) or "AWS_IAM" (SigV4-signed callers)',
    (a: string) => (AUTHORIZATION_TYPES as readonly string[]).includes(a),
    (v) => `contains(${hclList(AUTHORIZATION_TYPES)}, ${v})`
  ),
  {
    id: "jwt-settings",
    problem: "must be set when api_gw_authorization is JWT: an https issuer URL and at least one non-empty audience",
    fix: "set api_gw_jwt_issuer (e.g. https://cognito-idp.<region>.amazonaws.com/<pool id>) and api_gw_jwt_audiences",
    find: (inputs) => {
      if (inputs.api_gw_authorization !== "JWT" || !inputs.create_api_gw) return [];
      const audiences = inputs.api_gw_jwt_audiences;
      return [
        ...(matches(ISSUER_PATTERN, inputs.api_gw_jwt_issuer)
          ? []
          : [["api_gw_jwt_issuer", inputs.api_gw_jwt_issuer] as [string, unknown]]),
        ...(audiences.length > 0 && audiences.every((a) => a !== "") ? [] : [["api_gw_jwt_audiences", audiences] as [string, unknown]]),
      ];
    },
    hcl: {
      condition:
        `var.api_gw_authorization != "JWT" || !var.create_api_gw || (${hclMatches(ISSUER_PATTERN, "var.api_gw_jwt_issuer")} && ` +
        `length(var.api_gw_jwt_audiences) > 0 && length(compact(var.api_gw_jwt_audiences)) == length(var.api_gw_jwt_audiences))`,
      offenders: `[format("api_gw_jwt_issuer = %s, api_gw_jwt_audiences = %s", jsonencode(var.api_gw_jwt_issuer), jsonencode(var.api_gw_jwt_audiences))]`,
    },
  },
  {
    id: "jwt-issuer",
    problem:
      "can never equal a token's iss claim, which API Gateway compares character for character " +
      "(a Cognito issuer has no trailing slash and names the pool's own region, an Auth0 issuer ends with /, no issuer has a query, fragment or /.well-known/ path)",
    fix: 'copy the issuer from a token\'s iss claim, e.g. "https://cognito-idp.ap-southeast-1.amazonaws.com/ap-southeast-1_AbCdEfGhI" or "https://tenant.auth0.com/"',
    find: (inputs) =>
      jwtInUse(inputs) && matches(ISSUER_PATTERN, inputs.api_gw_jwt_issuer) && !issuerCanMatch(inputs.api_gw_jwt_issuer)
        ? [["api_gw_jwt_issuer", inputs.api_gw_jwt_issuer]]
        : [],
    hcl: {
      condition:
        `var.api_gw_authorization != "JWT" || !var.create_api_gw || !${hclMatches(ISSUER_PATTERN, "var.api_gw_jwt_issuer")} || ` +
        hclIssuerCanMatch("var.api_gw_jwt_issuer"),
      offenders: `[format("api_gw_jwt_issuer = %s", jsonencode(var.api_gw_jwt_issuer))]`,
    },
  },
];
