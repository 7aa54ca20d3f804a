import { familySizes, INSTANCE_FAMILIES, instanceFamily, instanceSize } from "../../catalog/instance-families";
import { hclTaggedModelName } from "../derive";
import { maxRouterModelsLength } from "../router-environment";
import { InputName, LlmEc2Config, ModelScaling, ScalingSchedule, ServiceInputs } from "../types";

/** What the rules read: the module's inputs, and the stack's region when there is one. */
export type RuleInputs = ServiceInputs & { readonly region?: string };

// What every rule group shares: the rule's shape, the limits and patterns, and the helpers that
// write a rule's TypeScript predicate and its HCL mirror side by side.

/** One bad value found in TypeScript. */
export interface Problem {
  readonly rule: string;
  /** Field path as a user writes it, e.g. `llm_ec2_configs[2].app_port`. */
  readonly path: string;
  readonly value: unknown;
  readonly problem: string;
  readonly fix: string;
  /** What the value is compared with (e.g. the family's sizes), said after the value, never inside it. */
  readonly note?: string;
  /** The valid value nearest to the bad one, when one is close. */
  readonly suggestion?: string;
}

/** One offending value: its path, the value, and optionally a note about it. */
export type Finding = [path: string, value: unknown] | [path: string, value: unknown, note: string];

/** Where the HCL side of a rule lives: a `validation` block of one variable, or a precondition. */
export interface TerraformCheck {
  readonly rule: string;
  /** Absent: a precondition on the load balancer (rules that read several variables). */
  readonly variable?: InputName;
  readonly condition: string;
  readonly errorMessage: string;
}

export interface Rule {
  readonly id: string;
  readonly problem: string;
  readonly fix: string;
  /** Offending values. */
  find(inputs: RuleInputs): Finding[];
  /** The valid value nearest to an offending one, if any. */
  suggest?(value: unknown): string | undefined;
  /** The HCL mirror: condition true when the input is good, and a list(string) of offenders. */
  readonly hcl: { readonly variable?: InputName; readonly condition: string; readonly offenders: string };
}

/** The module's `aws_availability_zones` data source: the zones of the region it is planned in. */
export const REGION_ZONES_DATA = "zones";

export const MAX_MODELS = 100;
export const MAX_PREFIX_LENGTH = 28; // `<prefix>-alb` is a load balancer name: 32 at most
export const MAX_MODEL_NAME_LENGTH = 128; // an ALB listener rule condition value (the routing header)
/**
 * The parts of an Ollama model name, `[host/][namespace/]model[:tag]`, as Ollama's own parser
 * (types/model/name.go) checks them: a letter, digit or `_` first, then letters, digits and `_ -`,
 * plus `.` (not in a namespace) and `:` (a host's port); a host has 1-350 characters, the others
 * 1-80. The tag follows the last `:` after the last `/`; a name has at most three `/`-parts.
 */
export const MODEL_NAME_PARTS = {
  host: "[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}",
  namespace: "[A-Za-z0-9_][A-Za-z0-9_-]{0,79}",
  model: "[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}",
  tag: "[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}",
} as const;
/** At most three `/`-parts: what the part patterns below assume (the model-name rule checks it). */
export const MODEL_NAME_SHAPE_PATTERN = "^[^/]*(/[^/]*){0,2}$";
/**
 * Each part's check, over the whole name (a name of good shape): true when the part is absent or
 * valid. The host is the first of three parts, the namespace the part before the model, the tag
 * what follows a `:` in the last part (so a second `:` leaves the model part invalid).
 */
export const MODEL_NAME_PART_PATTERNS = {
  host: `^[^/]*(/[^/]*)?$|^${MODEL_NAME_PARTS.host}/[^/]*/[^/]*$`,
  namespace: `^[^/]*$|(^|/)${MODEL_NAME_PARTS.namespace}/[^/]*$`,
  model: `(^|/)${MODEL_NAME_PARTS.model}(:[^/:]*)?$`,
  tag: `(^|/)[^/:]*$|:${MODEL_NAME_PARTS.tag}$`,
} as const;
export const PREFIX_PATTERN = "^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$";
export const INSTANCE_TYPE_PATTERN = "^[a-z0-9-]+\\.[a-z0-9-]+$";
export const AMI_PATTERN = "^ami-([0-9a-f]{8}|[0-9a-f]{17})$";
export const VPC_PATTERN = "^vpc-[0-9a-f]+$";
export const SUBNET_PATTERN = "^subnet-[0-9a-f]+$";
export const AZ_PATTERN = "^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$";
export const CIDR_PATTERN = "^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$";
export const DOMAIN_PATTERN = "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$";
export const ZONE_PATTERN = "^Z[A-Z0-9]{1,31}$";
export const CERT_PATTERN = "^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$";
export const BUCKET_PATTERN = "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$";
export const ISSUER_PATTERN = "^https://[^\\s]+$";
export const VERSION_PATTERN = "^[0-9]+\\.[0-9]+\\.[0-9]+(-rc[0-9]+)?$";
/** A release candidate's suffix: ollama.com serves a candidate only until its release is out. */
export const RELEASE_CANDIDATE_PATTERN = "-rc[0-9]+$";
/** What the servers install: a release, never a candidate. */
export const RELEASE_PATTERN = "^[0-9]+\\.[0-9]+\\.[0-9]+$";
// State Manager runs an association at most every 30 minutes; cron expressions have 5 to 7 fields.
export const SCHEDULE_PATTERN =
  "^(rate\\((([3-9][0-9]|[1-9][0-9]{2,}) minutes|1 hour|([2-9]|[1-9][0-9]+) hours|1 day|([2-9]|[1-9][0-9]+) days)\\)|cron\\([^ ()]+( [^ ()]+){4,6}\\))$";
/** gp3 limits (2025): throughput 125-2000 MiB/s, IOPS 3000-80000, 0.25 MiB/s per IOPS, 500 IOPS per GiB. */
export const GP3 = { minThroughput: 125, maxThroughput: 2000, minIops: 3000, maxIops: 80000, iopsPerMibps: 4, iopsPerGib: 500 } as const;
/** A Cognito user pool's issuer: its region twice (host and pool id), no trailing slash. */
export const COGNITO_ISSUER_PATTERN = "^https://cognito-idp\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?/([a-z0-9-]+)_[0-9A-Za-z]+$";
/** Auth0's default domains put a trailing slash in `iss`. */
export const AUTH0_ISSUER_PATTERN = "^https://[^/]+\\.auth0\\.com(/|$)";
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
export const AUTHORIZATION_TYPES = ["NONE", "JWT", "AWS_IAM"] as const;
/** The ALB's listener port, always open on its security group: a second rule for it is a duplicate AWS rejects. */
export const ALB_LISTENER_PORT = 80;
export const SERVER_MODES = ["instance", "asg"] as const;
/** Most servers one model's Auto Scaling group (or a schedule) may ask for. */
export const MAX_GROUP_SIZE = 100;
/**
 * Longest health check grace period we accept: a warm pool's model-ready hook waits the grace period, and
 * Auto Scaling takes a lifecycle hook's heartbeat timeout from 30 to 7200 s (PutLifecycleHook).
 */
export const MAX_GRACE_PERIOD_SECONDS = 7200;
/** A field of a model's `scaling`. */
export type LlmScalingField = keyof ModelScaling;
/** The bounds of the scaling targets and the idle time (docs/scaling.md). */
export const SCALING_LIMITS = {
  // the floor of the scaling metrics (SCALING_METRIC_FLOOR) stays below a
  // hundredth of the least target, so an idle group of up to 100 servers scales in to one
  requestsPerMinute: { min: 0.1, max: 10000 },
  gpuPercent: { min: 10, max: 95 },
  concurrency: { min: 0.1, max: 1000 },
  // a 1-minute alarm period: evaluation periods x period may not pass a day
  idleMinutes: { min: 5, max: 1440 },
} as const;
export const SCHEDULE_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$";
/** Unix cron, numbers only (AWS documents numeric fields): `*`, values, ranges, lists and steps. */
export const cronField = (value: string): string => {
  const atom = `(\\*|${value}(-${value})?)(/[0-9]{1,2})?`;
  return `${atom}(,${atom})*`;
};
export const CRON_PATTERN =
  "^" + ["[0-5]?[0-9]", "(1?[0-9]|2[0-3])", "(0?[1-9]|[12][0-9]|3[01])", "(0?[1-9]|1[0-2])", "[0-6]"].map(cronField).join(" ") + "$";
/** Canonical IANA zone names, as AWS asks for: UTC, Etc/..., or Area/Location. */
export const TIME_ZONE_PATTERN =
  "^(UTC|Etc/[A-Za-z0-9+-]+|(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)?)$";
export const EMAIL_PATTERN = "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$";
export const SNS_TOPIC_ARN_PATTERN = "^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$";
export const ROUTER_AUTH_MODES = ["API_KEY", "AWS_IAM"] as const;
/** Lambda's limits: a function runs at most 15 minutes, with 128 MB to 10 GB of memory. */
export const MAX_ROUTER_TIMEOUT_SECONDS = 900;
export const ROUTER_MEMORY_MB = { min: 128, max: 10240 } as const;
/** Lambda keeps some of an account's concurrency unreserved; far beyond any account's quota is surely a typo. */
export const MAX_ROUTER_CONCURRENCY = 10000;
/** A function URL's CORS origin: `*`, or a scheme and host (a `*.` wildcard label allowed) with an optional port; 253 characters at most. */
export const CORS_ORIGIN_PATTERN = "^(\\*|https?://\\*|https?://(\\*\\.)?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?)$";
export const MAX_CORS_ORIGIN_LENGTH = 253;
/** What the router's environment leaves for the comma-separated model list (router-environment.ts). */
export const MAX_ROUTER_MODELS_LENGTH = maxRouterModelsLength(MAX_PREFIX_LENGTH, MAX_ROUTER_TIMEOUT_SECONDS);

export const hclString = (text: string): string => JSON.stringify(text);
export const hclList = (items: readonly string[]): string => `[${items.map(hclString).join(", ")}]`;
export const matches = (pattern: string, value: unknown): boolean => typeof value === "string" && new RegExp(pattern).test(value);
export const hclMatches = (pattern: string, expr: string): string => `can(regex(${hclString(pattern)}, ${expr}))`;
export const whole = (value: number, min: number, max: number): boolean => Number.isInteger(value) && value >= min && value <= max;
export const hclWhole = (expr: string, min: number, max: number): string =>
  `${expr} >= ${min} && ${expr} <= ${max} && floor(${expr}) == ${expr}`;

export type Field = keyof LlmEc2Config;

/** A rule on every entry of llm_ec2_configs; `hcl` is a condition over `c` (the entry) and `i`. */
export function eachModel(
  id: string,
  field: Field,
  problem: string,
  fix: string,
  ok: (c: LlmEc2Config, i: number) => boolean,
  hcl: string
): Rule {
  return {
    id,
    problem,
    fix,
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Array<[string, unknown]> => (ok(c, i) ? [] : [[`llm_ec2_configs[${i}].${field}`, c[field]]])),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for i, c in var.llm_ec2_configs : ${hcl}])`,
      offenders: `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].${field} = %s", i, jsonencode(c.${field})) if !(${hcl})]`,
    },
  };
}

/** A rule on every entry of schedules; `hcl` is a condition over `s` (the entry, time_zone filled). */
export function eachSchedule(
  id: string,
  field: keyof ScalingSchedule,
  problem: string,
  fix: string,
  ok: (s: ScalingSchedule, i: number, all: readonly ScalingSchedule[]) => boolean,
  hcl: string
): Rule {
  return {
    id,
    problem,
    fix,
    find: (inputs) =>
      inputs.schedules.flatMap((s, i, all): Array<[string, unknown]> => (ok(s, i, all) ? [] : [[`schedules[${i}].${field}`, s[field]]])),
    hcl: {
      variable: "schedules",
      condition: `alltrue([for i, s in var.schedules : ${hcl}])`,
      offenders: `[for i, s in var.schedules : format("schedules[%d].${field} = %s", i, jsonencode(s.${field})) if !(${hcl})]`,
    },
  };
}

/** min <= desired <= max, all whole numbers from 0 to MAX_GROUP_SIZE. */
export const capacityOk = (c: { min_size: number; max_size: number; desired_capacity: number }): boolean =>
  [c.min_size, c.max_size, c.desired_capacity].every((n) => whole(n, 0, MAX_GROUP_SIZE)) &&
  c.min_size <= c.desired_capacity &&
  c.desired_capacity <= c.max_size;
export const hclCapacityOk = (c: string): string =>
  ["min_size", "max_size", "desired_capacity"].map((f) => `(${hclWhole(`${c}.${f}`, 0, MAX_GROUP_SIZE)})`).join(" && ") +
  ` && ${c}.min_size <= ${c}.desired_capacity && ${c}.desired_capacity <= ${c}.max_size`;
export const capacityOf = (c: { min_size: number; max_size: number; desired_capacity: number }) => ({
  min_size: c.min_size,
  max_size: c.max_size,
  desired_capacity: c.desired_capacity,
});

/** The names of the models in Auto Scaling mode (a model's own server_mode, else default_server_mode). */
export function asgModelNames(inputs: Pick<ServiceInputs, "llm_ec2_configs">): string[] {
  return inputs.llm_ec2_configs.filter((c) => c.server_mode === "asg").map((c) => c.llm_model);
}
export const HCL_MODE = (c: string) => `coalesce(${c}.server_mode, var.default_server_mode)`;
export const HCL_ASG_MODEL_NAMES = `[for c in var.llm_ec2_configs : c.llm_model if ${HCL_MODE("c")} == "asg"]`;
export const usesAsgOptions = (c: LlmEc2Config): boolean =>
  c.spot || c.warm_pool || (c.scaling !== null && c.scaling !== undefined) || c.min_size !== 1 || c.max_size !== 1 || c.desired_capacity !== 1;
export const hclUsesAsgOptions = (c: string): string =>
  `(${c}.spot || ${c}.warm_pool || ${c}.scaling != null || ${c}.min_size != 1 || ${c}.max_size != 1 || ${c}.desired_capacity != 1)`;

/** A rule on one variable's whole value; `hcl` is a condition over the variable's expression. */
export function valueRule(
  id: string,
  variable: InputName,
  problem: string,
  fix: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each rule knows its variable's type
  ok: (value: any) => boolean,
  hcl: (v: string) => string
): Rule {
  const v = `var.${variable}`;
  return {
    id,
    problem,
    fix,
    find: (inputs) => (ok(inputs[variable]) ? [] : [[variable, inputs[variable]]]),
    hcl: { variable, condition: hcl(v), offenders: `[format("${variable} = %s", jsonencode(${v}))]` },
  };
}

/** A rule on each string of a list variable; `hcl` is a condition over `s`. */
export function eachItem(
  id: string,
  variable: "azs" | "subnet_ids" | "router_cors_allow_origins" | "model_cache_gateway_endpoint_route_table_ids",
  problem: string,
  fix: string,
  pattern: string,
  maxLength = Number.MAX_SAFE_INTEGER
): Rule {
  const hcl = maxLength === Number.MAX_SAFE_INTEGER ? hclMatches(pattern, "s") : `${hclMatches(pattern, "s")} && length(s) <= ${maxLength}`;
  const ok = (s: string) => matches(pattern, s) && s.length <= maxLength;
  return {
    id,
    problem,
    fix,
    find: (inputs) => inputs[variable].flatMap((s, i): Array<[string, unknown]> => (ok(s) ? [] : [[`${variable}[${i}]`, s]])),
    hcl: {
      variable,
      condition: `alltrue([for s in var.${variable} : ${hcl}])`,
      offenders: `[for i, s in var.${variable} : format("${variable}[%d] = %s", i, jsonencode(s)) if !(${hcl})]`,
    },
  };
}

/** Values that occur more than once, with the paths of their repeats. */
export function repeats(values: string[], path: (i: number) => string): Array<[string, unknown]> {
  return values.flatMap((value, i): Array<[string, unknown]> => (values.indexOf(value) < i ? [[path(i), value]] : []));
}
export const hclRepeats = (list: string, label: string): string =>
  `[for i, x in ${list} : format("${label} = %s", i, jsonencode(x)) if index(${list}, x) < i]`;

/** Whether an entry's model is served by Ollama (its name follows Ollama's rules; the main server pulls it). */
export const isOllama = (c: Pick<LlmEc2Config, "engine">): boolean => (c.engine ?? "ollama") === "ollama";
/** The entry `c` names a model of another engine than Ollama (an HCL condition). */
export const HCL_NOT_OLLAMA = (c: string): string => `${c}.engine != "ollama"`;

/** How many Ollama entries before entry `i` (`c`) name the same model spelled differently (0 for an entry of another engine). */
export const sameModelEarlier = (i: string, c: string): string =>
  `length([for j, d in var.llm_ec2_configs : j if ${c}.engine == "ollama" && d.engine == "ollama" && j < ${i} && d.llm_model != ${c}.llm_model && ${hclTaggedModelName(
    "d.llm_model"
  )} == ${hclTaggedModelName(`${c}.llm_model`)}])`;
export const keyOf = (c: string): string => `replace(${c}.llm_model, "/[-_.:]/", "")`;
export const familyKnown = (c: LlmEc2Config): boolean => instanceFamily(c.instance_type) in INSTANCE_FAMILIES;
/** A catalogued family without this size: EC2 has no such instance type. */
export const sizeUnknown = (c: LlmEc2Config): boolean => {
  const sizes = familySizes()[instanceFamily(c.instance_type)];
  return matches(INSTANCE_TYPE_PATTERN, c.instance_type) && sizes !== undefined && !sizes.includes(instanceSize(c.instance_type));
};
export const hclFamily = (c: string): string => `split(".", ${c}.instance_type)[0]`;
/**
 * The catalog's family -> sizes map as an HCL literal: a variable validation may read nothing but its
 * variable before Terraform 1.9, so the map is written into the condition, and `terraform validate`
 * checks sizes without AWS.
 */
export const hclFamilySizes = (): string =>
  `{ ${Object.entries(familySizes())
    .map(([family, sizes]) => `${hclString(family)} = ${hclList(sizes)}`)
    .join(", ")} }`;
/** `lookup` with the size itself as the default: a family the catalog does not know passes. */
export const hclSizeKnown = (c: string): string =>
  `(!${hclMatches(INSTANCE_TYPE_PATTERN, `${c}.instance_type`)} || contains(lookup(${hclFamilySizes()}, ${hclFamily(
    c
  )}, [try(split(".", ${c}.instance_type)[1], "")]), try(split(".", ${c}.instance_type)[1], "")))`;
/** A malformed name is the az rule's to report; a well-formed one must be a zone AWS lists for the region. */
export const zoneOfRegion = (z: string): string =>
  `(!${hclMatches(AZ_PATTERN, z)} || contains(data.aws_availability_zones.${REGION_ZONES_DATA}.names, ${z}))`;
export const jwtInUse = (inputs: RuleInputs): boolean => inputs.api_gw_authorization === "JWT" && inputs.create_api_gw;
export function issuerCanMatch(issuer: string): boolean {
  if (/[?#]/.test(issuer) || issuer.includes("/.well-known/")) return false;
  if (issuer.startsWith("https://cognito-idp.")) {
    const cognito = new RegExp(COGNITO_ISSUER_PATTERN).exec(issuer);
    return cognito !== null && cognito[1] === cognito[3];
  }
  return !new RegExp(AUTH0_ISSUER_PATTERN).test(issuer) || issuer.endsWith("/");
}
export const hclIssuerCanMatch = (v: string): string =>
  `(!can(regex("[?#]", ${v})) && !strcontains(${v}, "/.well-known/") && ` +
  `(!startswith(${v}, "https://cognito-idp.") || try(regex(${hclString(COGNITO_ISSUER_PATTERN)}, ${v})[0] == regex(${hclString(
    COGNITO_ISSUER_PATTERN
  )}, ${v})[2], false)) && ` +
  `(!${hclMatches(AUTH0_ISSUER_PATTERN, v)} || endswith(${v}, "/")))`;
export const customDomainFields = ["api_gw_domain", "api_gw_domain_route53_zone", "api_gw_domain_ssl_cert_arn"] as const;

export function isIpv4Network(value: unknown): boolean {
  if (!matches(CIDR_PATTERN, value)) return false;
  const [address, bits] = (value as string).split("/");
  const octets = address.split(".").map(Number);
  const prefix = Number(bits);
  if (prefix > 32 || octets.some((o) => o > 255)) return false;
  const ip = octets.reduce((n, o) => n * 256 + o, 0);
  const hostBits = 2 ** (32 - prefix);
  return ip % hostBits === 0;
}
