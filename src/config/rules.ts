import { familySizes, INSTANCE_FAMILIES, instanceFamily, instanceSize } from "../catalog/instance-families";
import { hclTaggedModelName, modelKey, taggedModelName } from "./derive";
import { LAMBDA_ENVIRONMENT_LIMIT_BYTES, maxRouterModelsLength } from "./router-environment";
import { InputName, LlmEc2Config, ScalingSchedule, ServiceInputs } from "./types";

/** What the rules read: the module's inputs, and the stack's region when there is one. */
export type RuleInputs = ServiceInputs & { readonly region?: string };

/**
 * The rule table, enforced twice: by `findProblems` in TypeScript at synth, and by the module's
 * variable `validation` blocks and preconditions at plan (see `terraformChecks`). Each rule has
 * one TypeScript predicate and one HCL condition; a shared corpus of inputs runs through both.
 */

/** One bad value found in TypeScript. */
export interface Problem {
  readonly rule: string;
  /** Field path as a user writes it, e.g. `llm_ec2_configs[2].app_port`. */
  readonly path: string;
  readonly value: unknown;
  readonly problem: string;
  readonly fix: string;
}

/** Where the HCL side of a rule lives: a `validation` block of one variable, or a precondition. */
export interface TerraformCheck {
  readonly rule: string;
  /** Absent: a precondition on the load balancer (rules that read several variables). */
  readonly variable?: InputName;
  readonly condition: string;
  readonly errorMessage: string;
}

interface Rule {
  readonly id: string;
  readonly problem: string;
  readonly fix: string;
  /** Offending (path, value) pairs. */
  find(inputs: RuleInputs): Array<[string, unknown]>;
  /** The HCL mirror: condition true when the input is good, and a list(string) of offenders. */
  readonly hcl: { readonly variable?: InputName; readonly condition: string; readonly offenders: string };
}

/** The module's `aws_availability_zones` data source: the zones of the region it is planned in. */
export const REGION_ZONES_DATA = "zones";

/** The module's local holding the catalog's family -> sizes map (written by ModelTable). */
export const FAMILY_SIZES_LOCAL = "instance_family_sizes";

export const MAX_MODELS = 100;
export const MAX_PREFIX_LENGTH = 28; // `<prefix>-alb` is a load balancer name: 32 at most
export const MAX_MODEL_NAME_LENGTH = 128; // an ALB query-string condition value
export const MODEL_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:/+-]*$";
const PREFIX_PATTERN = "^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$";
const INSTANCE_TYPE_PATTERN = "^[a-z0-9-]+\\.[a-z0-9-]+$";
const AMI_PATTERN = "^ami-([0-9a-f]{8}|[0-9a-f]{17})$";
const VPC_PATTERN = "^vpc-[0-9a-f]+$";
const SUBNET_PATTERN = "^subnet-[0-9a-f]+$";
const AZ_PATTERN = "^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$";
const CIDR_PATTERN = "^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$";
const DOMAIN_PATTERN = "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$";
const ZONE_PATTERN = "^Z[A-Z0-9]{1,31}$";
const CERT_PATTERN = "^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$";
const BUCKET_PATTERN = "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$";
const ISSUER_PATTERN = "^https://[^\\s]+$";
export const VERSION_PATTERN = "^[0-9]+\\.[0-9]+\\.[0-9]+(-rc[0-9]+)?$";
// State Manager runs an association at most every 30 minutes; cron expressions have 5 to 7 fields.
const SCHEDULE_PATTERN =
  "^(rate\\((([3-9][0-9]|[1-9][0-9]{2,}) minutes|1 hour|([2-9]|[1-9][0-9]+) hours|1 day|([2-9]|[1-9][0-9]+) days)\\)|cron\\([^ ()]+( [^ ()]+){4,6}\\))$";
/** gp3 limits (2025): throughput 125-2000 MiB/s, IOPS 3000-80000, 0.25 MiB/s per IOPS, 500 IOPS per GiB. */
export const GP3 = { minThroughput: 125, maxThroughput: 2000, minIops: 3000, maxIops: 80000, iopsPerMibps: 4, iopsPerGib: 500 } as const;
/** A Cognito user pool's issuer: its region twice (host and pool id), no trailing slash. */
const COGNITO_ISSUER_PATTERN = "^https://cognito-idp\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?/([a-z0-9-]+)_[0-9A-Za-z]+$";
/** Auth0's default domains put a trailing slash in `iss`. */
const AUTH0_ISSUER_PATTERN = "^https://[^/]+\\.auth0\\.com(/|$)";
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const AUTHORIZATION_TYPES = ["NONE", "JWT", "AWS_IAM"] as const;
/** The ALB's listener port, always open on its security group: a second rule for it is a duplicate AWS rejects. */
const ALB_LISTENER_PORT = 80;
export const SERVER_MODES = ["instance", "asg"] as const;
/** Most servers one model's Auto Scaling group (or a schedule) may ask for. */
export const MAX_GROUP_SIZE = 100;
/** Longest health check grace period we accept: two hours covers an install and a pull of the largest models. */
export const MAX_GRACE_PERIOD_SECONDS = 7200;
const SCHEDULE_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$";
/** Unix cron, numbers only (AWS documents numeric fields): `*`, values, ranges, lists and steps. */
const cronField = (value: string): string => {
  const atom = `(\\*|${value}(-${value})?)(/[0-9]{1,2})?`;
  return `${atom}(,${atom})*`;
};
const CRON_PATTERN =
  "^" + ["[0-5]?[0-9]", "(1?[0-9]|2[0-3])", "(0?[1-9]|[12][0-9]|3[01])", "(0?[1-9]|1[0-2])", "[0-6]"].map(cronField).join(" ") + "$";
/** Canonical IANA zone names, as AWS asks for: UTC, Etc/..., or Area/Location. */
const TIME_ZONE_PATTERN =
  "^(UTC|Etc/[A-Za-z0-9+-]+|(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)?)$";
const EMAIL_PATTERN = "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$";
const SNS_TOPIC_ARN_PATTERN = "^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$";
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
export const MAX_ROUTER_MODELS_LENGTH = maxRouterModelsLength(MAX_PREFIX_LENGTH);

const hclString = (text: string): string => JSON.stringify(text);
const hclList = (items: readonly string[]): string => `[${items.map(hclString).join(", ")}]`;
const matches = (pattern: string, value: unknown): boolean => typeof value === "string" && new RegExp(pattern).test(value);
const hclMatches = (pattern: string, expr: string): string => `can(regex(${hclString(pattern)}, ${expr}))`;
const whole = (value: number, min: number, max: number): boolean => Number.isInteger(value) && value >= min && value <= max;
const hclWhole = (expr: string, min: number, max: number): string => `${expr} >= ${min} && ${expr} <= ${max} && floor(${expr}) == ${expr}`;

type Field = keyof LlmEc2Config;

/** A rule on every entry of llm_ec2_configs; `hcl` is a condition over `c` (the entry) and `i`. */
function eachModel(
  id: string,
  field: Field,
  problem: string,
  fix: string,
  ok: (c: LlmEc2Config, i: number) => boolean,
  hcl: string,
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
function eachSchedule(
  id: string,
  field: keyof ScalingSchedule,
  problem: string,
  fix: string,
  ok: (s: ScalingSchedule, i: number, all: readonly ScalingSchedule[]) => boolean,
  hcl: string,
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
const capacityOk = (c: { min_size: number; max_size: number; desired_capacity: number }): boolean =>
  [c.min_size, c.max_size, c.desired_capacity].every((n) => whole(n, 0, MAX_GROUP_SIZE)) && c.min_size <= c.desired_capacity && c.desired_capacity <= c.max_size;
const hclCapacityOk = (c: string): string =>
  ["min_size", "max_size", "desired_capacity"].map((f) => `(${hclWhole(`${c}.${f}`, 0, MAX_GROUP_SIZE)})`).join(" && ") +
  ` && ${c}.min_size <= ${c}.desired_capacity && ${c}.desired_capacity <= ${c}.max_size`;
const capacityOf = (c: { min_size: number; max_size: number; desired_capacity: number }) => ({
  min_size: c.min_size,
  max_size: c.max_size,
  desired_capacity: c.desired_capacity,
});

/** The names of the models in Auto Scaling mode (a model's own server_mode, else default_server_mode). */
export function asgModelNames(inputs: Pick<ServiceInputs, "llm_ec2_configs">): string[] {
  return inputs.llm_ec2_configs.filter((c) => c.server_mode === "asg").map((c) => c.llm_model);
}
const HCL_MODE = (c: string) => `coalesce(${c}.server_mode, var.default_server_mode)`;
const HCL_ASG_MODEL_NAMES = `[for c in var.llm_ec2_configs : c.llm_model if ${HCL_MODE("c")} == "asg"]`;
const usesAsgOptions = (c: LlmEc2Config): boolean =>
  c.spot || c.warm_pool || c.min_size !== 1 || c.max_size !== 1 || c.desired_capacity !== 1;
const hclUsesAsgOptions = (c: string): string =>
  `(${c}.spot || ${c}.warm_pool || ${c}.min_size != 1 || ${c}.max_size != 1 || ${c}.desired_capacity != 1)`;

/** A rule on one variable's whole value; `hcl` is a condition over the variable's expression. */
function valueRule(
  id: string,
  variable: InputName,
  problem: string,
  fix: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each rule knows its variable's type
  ok: (value: any) => boolean,
  hcl: (v: string) => string,
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
function eachItem(
  id: string,
  variable: "azs" | "subnet_ids" | "router_cors_allow_origins",
  problem: string,
  fix: string,
  pattern: string,
  maxLength = Number.MAX_SAFE_INTEGER,
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
function repeats(values: string[], path: (i: number) => string): Array<[string, unknown]> {
  return values.flatMap((value, i): Array<[string, unknown]> => (values.indexOf(value) < i ? [[path(i), value]] : []));
}
const hclRepeats = (list: string, label: string): string =>
  `[for i, x in ${list} : format("${label} = %s", i, jsonencode(x)) if index(${list}, x) < i]`;

/** How many entries before entry `i` (`c`) name the same model spelled differently. */
const sameModelEarlier = (i: string, c: string): string =>
  `length([for j, d in var.llm_ec2_configs : j if j < ${i} && d.llm_model != ${c}.llm_model && ${hclTaggedModelName("d.llm_model")} == ${hclTaggedModelName(`${c}.llm_model`)}])`;
const keyOf = (c: string): string => `replace(${c}.llm_model, "/[-_.:]/", "")`;
const familyKnown = (c: LlmEc2Config): boolean => instanceFamily(c.instance_type) in INSTANCE_FAMILIES;
/** A catalogued family without this size: EC2 has no such instance type. */
const sizeUnknown = (c: LlmEc2Config): boolean => {
  const sizes = familySizes()[instanceFamily(c.instance_type)];
  return matches(INSTANCE_TYPE_PATTERN, c.instance_type) && sizes !== undefined && !sizes.includes(instanceSize(c.instance_type));
};
const hclFamily = (c: string): string => `split(".", ${c}.instance_type)[0]`;
/** `lookup` with the size itself as the default: a family the catalog does not know passes. */
const hclSizeKnown = (c: string): string =>
  `(!${hclMatches(INSTANCE_TYPE_PATTERN, `${c}.instance_type`)} || contains(lookup(local.${FAMILY_SIZES_LOCAL}, ${hclFamily(c)}, [try(split(".", ${c}.instance_type)[1], "")]), try(split(".", ${c}.instance_type)[1], "")))`;
/** A malformed name is the az rule's to report; a well-formed one must be a zone AWS lists for the region. */
const zoneOfRegion = (z: string): string =>
  `(!${hclMatches(AZ_PATTERN, z)} || contains(data.aws_availability_zones.${REGION_ZONES_DATA}.names, ${z}))`;
const jwtInUse = (inputs: RuleInputs): boolean => inputs.api_gw_authorization === "JWT" && inputs.create_api_gw;
function issuerCanMatch(issuer: string): boolean {
  if (/[?#]/.test(issuer) || issuer.includes("/.well-known/")) return false;
  if (issuer.startsWith("https://cognito-idp.")) {
    const cognito = new RegExp(COGNITO_ISSUER_PATTERN).exec(issuer);
    return cognito !== null && cognito[1] === cognito[3];
  }
  return !new RegExp(AUTH0_ISSUER_PATTERN).test(issuer) || issuer.endsWith("/");
}
const hclIssuerCanMatch = (v: string): string =>
  `(!can(regex("[?#]", ${v})) && !strcontains(${v}, "/.well-known/") && ` +
  `(!startswith(${v}, "https://cognito-idp.") || try(regex(${hclString(COGNITO_ISSUER_PATTERN)}, ${v})[0] == regex(${hclString(COGNITO_ISSUER_PATTERN)}, ${v})[2], false)) && ` +
  `(!${hclMatches(AUTH0_ISSUER_PATTERN, v)} || endswith(${v}, "/")))`;
const customDomainFields = ["api_gw_domain", "api_gw_domain_route53_zone", "api_gw_domain_ssl_cert_arn"] as const;

export const RULES: readonly Rule[] = [
  valueRule(
    "model-count",
    "llm_ec2_configs",
    "must hold 1 to 100 models (an ALB takes at most 100 target groups)",
    "list between 1 and 100 entries; run more models with a second deployment under another prefix",
    (configs: LlmEc2Config[]) => configs.length >= 1 && configs.length <= MAX_MODELS,
    (v) => `length(${v}) >= 1 && length(${v}) <= ${MAX_MODELS}`,
  ),
  eachModel(
    "model-name",
    "llm_model",
    `is not an Ollama model name (1-${MAX_MODEL_NAME_LENGTH} characters: letters, digits and . _ : / + -, starting with a letter or digit; no * or ?)`,
    'write the name as `ollama pull` takes it, e.g. "llama3:8b" or "hf.co/org/Model-GGUF:Q4_K_M"',
    (c) => matches(MODEL_NAME_PATTERN, c.llm_model) && c.llm_model.length <= MAX_MODEL_NAME_LENGTH,
    `${hclMatches(MODEL_NAME_PATTERN, "c.llm_model")} && length(c.llm_model) <= ${MAX_MODEL_NAME_LENGTH}`,
  ),
  {
    id: "model-unique",
    problem: "names a model a second time (each model gets one server)",
    fix: "list each model once",
    find: (inputs) => repeats(inputs.llm_ec2_configs.map((c) => c.llm_model), (i) => `llm_ec2_configs[${i}].llm_model`),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `length(distinct(var.llm_ec2_configs[*].llm_model)) == length(var.llm_ec2_configs)`,
      offenders: hclRepeats("var.llm_ec2_configs[*].llm_model", "llm_ec2_configs[%d].llm_model"),
    },
  },
  {
    id: "model-key-unique",
    problem: "gives the same key as an earlier model once - _ . : are removed (their servers and target groups would collide)",
    fix: "models must differ in more than the characters - _ . :",
    find: (inputs) => {
      const keys = inputs.llm_ec2_configs.map((c) => modelKey(c.llm_model));
      return repeats(keys, (i) => `llm_ec2_configs[${i}].llm_model`).map(([path, key]) => {
        const model = inputs.llm_ec2_configs[keys.lastIndexOf(key as string)].llm_model;
        return [path, `${model} (key ${key})`];
      });
    },
    hcl: {
      variable: "llm_ec2_configs",
      condition: `length(distinct([for c in var.llm_ec2_configs : ${keyOf("c")}])) == length(var.llm_ec2_configs)`,
      offenders: hclRepeats(`[for c in var.llm_ec2_configs : ${keyOf("c")}]`, "llm_ec2_configs[%d].llm_model key"),
    },
  },
  {
    id: "model-spelling-unique",
    problem: 'names the same Ollama model as an earlier entry, spelled with or without ":latest" (both would match the same requests)',
    fix: 'list the model once, e.g. "llama3" or "llama3:latest"',
    find: (inputs) => {
      const configs = inputs.llm_ec2_configs;
      return configs.flatMap((c, i): Array<[string, unknown]> =>
        configs.some((d, j) => j < i && d.llm_model !== c.llm_model && taggedModelName(d.llm_model) === taggedModelName(c.llm_model))
          ? [[`llm_ec2_configs[${i}].llm_model`, c.llm_model]]
          : [],
      );
    },
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for i, c in var.llm_ec2_configs : ${sameModelEarlier("i", "c")} == 0])`,
      offenders: `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].llm_model = %s", i, jsonencode(c.llm_model)) if ${sameModelEarlier("i", "c")} > 0]`,
    },
  },
  eachModel(
    "instance-type",
    "instance_type",
    "is not an EC2 instance type of the form family.size",
    'write it as AWS does, e.g. "g5.xlarge"',
    (c) => matches(INSTANCE_TYPE_PATTERN, c.instance_type),
    hclMatches(INSTANCE_TYPE_PATTERN, "c.instance_type"),
  ),
  eachModel(
    "instance-family",
    "instance_type",
    `is of a family with no known Deep Learning AMI architecture (known: ${Object.keys(INSTANCE_FAMILIES).join(", ")})`,
    "use a GPU family from that list, or set ami_id to an AMI that runs Ollama on this instance type",
    (c) => c.ami_id !== "" || familyKnown(c),
    `c.ami_id != "" || contains(${hclList(Object.keys(INSTANCE_FAMILIES))}, split(".", c.instance_type)[0])`,
  ),
  {
    id: "instance-size",
    problem: "is not a size EC2 offers in its instance family (the apply would fail)",
    fix: "pick one of the family's sizes given with the value, e.g. g5.xlarge or p4d.24xlarge",
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Array<[string, unknown]> => {
        if (!sizeUnknown(c)) return [];
        const family = instanceFamily(c.instance_type);
        return [[`llm_ec2_configs[${i}].instance_type`, `${c.instance_type} (${family} sizes: ${familySizes()[family].join(", ")})`]];
      }),
    // A precondition: it reads the sizes local, which a variable validation may not before Terraform 1.9.
    hcl: {
      condition: `alltrue([for c in var.llm_ec2_configs : ${hclSizeKnown("c")}])`,
      offenders:
        `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].instance_type = %s (%s sizes: %s)", i, jsonencode(c.instance_type), ` +
        `${hclFamily("c")}, join(", ", lookup(local.${FAMILY_SIZES_LOCAL}, ${hclFamily("c")}, []))) if !${hclSizeKnown("c")}]`,
    },
  },
  eachModel(
    "ami-id",
    "ami_id",
    'is not an AMI id ("ami-" and 8 or 17 hex digits) nor empty',
    'give an AMI id such as "ami-0123456789abcdef0", or "" for the Deep Learning AMI',
    (c) => c.ami_id === "" || matches(AMI_PATTERN, c.ami_id),
    `c.ami_id == "" || ${hclMatches(AMI_PATTERN, "c.ami_id")}`,
  ),
  eachModel(
    "ebs-volume",
    "ebs_volume_gb",
    "is not a gp3 volume size",
    "use a whole number of GiB from 1 to 16384",
    (c) => whole(c.ebs_volume_gb, 1, 16384),
    hclWhole("c.ebs_volume_gb", 1, 16384),
  ),
  eachModel(
    "app-port",
    "app_port",
    "is not a TCP port (a whole number from 1 to 65535)",
    "use a whole number from 1 to 65535, e.g. Ollama's 11434",
    (c) => whole(c.app_port, 1, 65535),
    hclWhole("c.app_port", 1, 65535),
  ),
  valueRule(
    "open-webui-port",
    "open_webui_port",
    `is not a usable ALB port (0 for none, else 1-65535 other than ${ALB_LISTENER_PORT}, which the ALB already opens)`,
    `use 0, or a whole number from 1 to 65535 other than ${ALB_LISTENER_PORT}, e.g. 8080`,
    (p: number) => whole(p, 0, 65535) && p !== ALB_LISTENER_PORT,
    (v) => `${hclWhole(v, 0, 65535)} && ${v} != ${ALB_LISTENER_PORT}`,
  ),
  eachItem("az", "azs", "is not an availability zone name", 'use a name such as "ap-southeast-1a"', AZ_PATTERN),
  {
    id: "az-in-region",
    problem: "is not an availability zone of the region (every subnet, server and the ALB live in that region)",
    fix: "list zones of the deployment's region in the order of subnet_ids (ap-southeast-1a for ap-southeast-1), or deploy to the subnets' region",
    // The stack knows its region: a regional zone is its name plus one letter. The module asks AWS.
    find: (inputs) =>
      inputs.region === undefined
        ? []
        : inputs.azs.flatMap((z, i): Array<[string, unknown]> =>
            matches(AZ_PATTERN, z) && !(z.startsWith(inputs.region!) && /^[a-z]$/.test(z.slice(inputs.region!.length)))
              ? [[`azs[${i}]`, `${z} (region ${inputs.region})`]]
              : [],
          ),
    hcl: {
      condition: `alltrue([for z in var.azs : ${zoneOfRegion("z")}])`,
      offenders: `[for i, z in var.azs : format("azs[%d] = %s (zones of this region: %s)", i, jsonencode(z), join(", ", data.aws_availability_zones.${REGION_ZONES_DATA}.names)) if !${zoneOfRegion("z")}]`,
    },
  },
  eachItem("subnet-id", "subnet_ids", "is not a subnet id", 'use an id such as "subnet-0a1b2c3d4e5f67890"', SUBNET_PATTERN),
  valueRule(
    "subnet-count",
    "subnet_ids",
    "must list at least two distinct subnets (an ALB needs subnets in two availability zones)",
    "list two or more private subnets, each in its own availability zone",
    (s: string[]) => s.length >= 2 && new Set(s).size === s.length,
    (v) => `length(${v}) >= 2 && length(distinct(${v})) == length(${v})`,
  ),
  valueRule(
    "az-distinct",
    "azs",
    "must not repeat a zone (one subnet per zone: an ALB takes one subnet per availability zone)",
    "list each zone once, in the order of subnet_ids",
    (a: string[]) => new Set(a).size === a.length,
    (v) => `length(distinct(${v})) == length(${v})`,
  ),
  {
    id: "az-subnet-pairs",
    problem: "must pair with subnet_ids: both lists have the same length (the n-th zone is the zone of the n-th subnet)",
    fix: "give one zone per subnet, in the same order; models beyond the pairs wrap around",
    find: (inputs) => (inputs.azs.length === inputs.subnet_ids.length ? [] : [["azs", inputs.azs]]),
    hcl: {
      condition: `length(var.azs) == length(var.subnet_ids)`,
      offenders: `[format("azs has %d entries, subnet_ids %d", length(var.azs), length(var.subnet_ids))]`,
    },
  },
  valueRule("vpc-id", "vpc_id", "is not a VPC id", 'use an id such as "vpc-0a1b2c3d4e5f67890"', (v) => matches(VPC_PATTERN, v), (v) => hclMatches(VPC_PATTERN, v)),
  valueRule(
    "vpc-cidr",
    "vpc_cidr_block",
    "is not an IPv4 network in CIDR notation",
    'give the VPC\'s network address and prefix length, e.g. "172.31.0.0/16"',
    (v) => isIpv4Network(v),
    (v) => `${hclMatches(CIDR_PATTERN, v)} && can(cidrsubnet(${v}, 0, 0)) && try(cidrsubnet(${v}, 0, 0) == ${v}, false)`,
  ),
  valueRule(
    "prefix",
    "prefix",
    `is not a usable name prefix (1-${MAX_PREFIX_LENGTH} letters, digits and hyphens, no hyphen at either end, not starting with "internal" or "sg-")`,
    `shorten or rename it, e.g. "llm"; "<prefix>-alb" must fit the 32-character load balancer name`,
    (p: string) => matches(PREFIX_PATTERN, p) && p.length <= MAX_PREFIX_LENGTH && !/^(internal|sg-)/i.test(p),
    (v) => `${hclMatches(PREFIX_PATTERN, v)} && length(${v}) <= ${MAX_PREFIX_LENGTH} && !can(regex("^(?i)(internal|sg-)", ${v}))`,
  ),
  {
    id: "custom-domain-complete",
    problem: "is one of api_gw_domain, api_gw_domain_route53_zone and api_gw_domain_ssl_cert_arn, which go together",
    fix: "set all three for a custom domain, or leave all three empty",
    find: (inputs) => {
      const set = customDomainFields.filter((f) => inputs[f] !== "");
      return set.length === 0 || set.length === 3 ? [] : customDomainFields.filter((f) => inputs[f] === "").map((f) => [f, ""]);
    },
    hcl: {
      condition: `length(compact([${customDomainFields.map((f) => `var.${f}`).join(", ")}])) == 0 || length(compact([${customDomainFields.map((f) => `var.${f}`).join(", ")}])) == 3`,
      offenders: `[for name, value in { ${customDomainFields.map((f) => `${f} = var.${f}`).join(", ")} } : format("%s is empty", name) if value == ""]`,
    },
  },
  valueRule(
    "domain-name",
    "api_gw_domain",
    "is not a lower-case DNS name (no scheme, port or path)",
    'write the host name only, e.g. "llm.example.com"',
    (d: string) => d === "" || (matches(DOMAIN_PATTERN, d) && d.length <= 253),
    (v) => `${v} == "" || (${hclMatches(DOMAIN_PATTERN, v)} && length(${v}) <= 253)`,
  ),
  valueRule(
    "route53-zone",
    "api_gw_domain_route53_zone",
    "is not a Route53 hosted zone id",
    'use the zone id (not its name), e.g. "Z0123456789ABCDEFGHIJ"',
    (z: string) => z === "" || matches(ZONE_PATTERN, z),
    (v) => `${v} == "" || ${hclMatches(ZONE_PATTERN, v)}`,
  ),
  valueRule(
    "certificate-arn",
    "api_gw_domain_ssl_cert_arn",
    "is not an ACM certificate ARN",
    'use the ARN of an ACM certificate for the domain, e.g. "arn:aws:acm:ap-southeast-1:123456789012:certificate/<id>"',
    (a: string) => a === "" || matches(CERT_PATTERN, a),
    (v) => `${v} == "" || ${hclMatches(CERT_PATTERN, v)}`,
  ),
  valueRule(
    "alb-idle-timeout",
    "alb_idle_timeout_seconds",
    "is not an ALB idle timeout (a whole number of seconds from 1 to 4000)",
    "use e.g. 600, long enough for a long streamed generation",
    (t: number) => whole(t, 1, 4000),
    (v) => hclWhole(v, 1, 4000),
  ),
  valueRule(
    "alb-access-logs-bucket",
    "alb_access_logs_bucket",
    "is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)",
    'name an existing bucket, e.g. "my-alb-logs", or "" for no access logs',
    (b: string) => b === "" || matches(BUCKET_PATTERN, b),
    (v) => `${v} == "" || ${hclMatches(BUCKET_PATTERN, v)}`,
  ),
  valueRule(
    "alb-access-logs-prefix",
    "alb_access_logs_prefix",
    'is not a usable log prefix (no "/" at either end, no "AWSLogs")',
    'use e.g. "llm-alb", or "" for the bucket root',
    (p: string) => p === "" || (!p.startsWith("/") && !p.endsWith("/") && !p.includes("AWSLogs")),
    (v) => `${v} == "" || (!startswith(${v}, "/") && !endswith(${v}, "/") && !strcontains(${v}, "AWSLogs"))`,
  ),
  valueRule(
    "api-log-retention",
    "api_gw_log_retention_days",
    `is not a CloudWatch Logs retention (0 for never, or one of ${LOG_RETENTION_DAYS.join(", ")})`,
    "use one of those values, e.g. 30",
    (d: number) => d === 0 || LOG_RETENTION_DAYS.includes(d),
    (v) => `${v} == 0 || contains([${LOG_RETENTION_DAYS.join(", ")}], ${v})`,
  ),
  valueRule(
    "api-throttling-rate",
    "api_gw_throttling_rate_limit",
    "is not a throttling rate (more than 0, at most 10000 requests per second)",
    "use the steady requests per second the fleet can serve, e.g. 20",
    (r: number) => r > 0 && r <= 10000,
    (v) => `${v} > 0 && ${v} <= 10000`,
  ),
  valueRule(
    "api-throttling-burst",
    "api_gw_throttling_burst_limit",
    "is not a throttling burst (a whole number from 1 to 5000)",
    "use e.g. twice the rate limit",
    (b: number) => whole(b, 1, 5000),
    (v) => hclWhole(v, 1, 5000),
  ),
  valueRule(
    "api-authorization",
    "api_gw_authorization",
    `is not an authorization type (${AUTHORIZATION_TYPES.join(", ")})`,
    'use "NONE" (open), "JWT" (with api_gw_jwt_issuer and api_gw_jwt_audiences) or "AWS_IAM" (SigV4-signed callers)',
    (a: string) => (AUTHORIZATION_TYPES as readonly string[]).includes(a),
    (v) => `contains(${hclList(AUTHORIZATION_TYPES)}, ${v})`,
  ),
  {
    id: "jwt-settings",
    problem: "must be set when api_gw_authorization is JWT: an https issuer URL and at least one non-empty audience",
    fix: "set api_gw_jwt_issuer (e.g. https://cognito-idp.<region>.amazonaws.com/<pool id>) and api_gw_jwt_audiences",
    find: (inputs) => {
      if (inputs.api_gw_authorization !== "JWT" || !inputs.create_api_gw) return [];
      const audiences = inputs.api_gw_jwt_audiences;
      return [
        ...(matches(ISSUER_PATTERN, inputs.api_gw_jwt_issuer) ? [] : [["api_gw_jwt_issuer", inputs.api_gw_jwt_issuer] as [string, unknown]]),
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
  valueRule(
    "ollama-version",
    "ollama_version",
    "is not an Ollama release number",
    'use a release such as "0.13.0" (see the Ollama releases page)',
    (o: string) => matches(VERSION_PATTERN, o),
    (v) => hclMatches(VERSION_PATTERN, v),
  ),
  valueRule(
    "pull-wait",
    "pull_models_wait_seconds",
    "is not a wait for the model pulls (0 for none, else a whole number of seconds from 15 to 172800)",
    "use 0, or e.g. 3600 to make apply wait up to an hour for the pulls",
    (w: number) => w === 0 || whole(w, 15, 172800),
    (v) => `${v} == 0 || (${hclWhole(v, 15, 172800)})`,
  ),
  valueRule(
    "pull-schedule",
    "pull_models_schedule",
    'is not a State Manager schedule ("" for none, a rate of 30 minutes or more, or a cron expression)',
    'use e.g. "rate(30 minutes)", "rate(1 hour)" or "cron(0 */2 * * ? *)", or "" to pull at creation only',
    (s: string) => s === "" || matches(SCHEDULE_PATTERN, s),
    (v) => `${v} == "" || ${hclMatches(SCHEDULE_PATTERN, v)}`,
  ),
  valueRule(
    "ebs-throughput",
    "ebs_throughput_mibps",
    `is not a gp3 throughput (a whole number of MiB/s from ${GP3.minThroughput} to ${GP3.maxThroughput})`,
    `use e.g. 500 (${GP3.minThroughput} is included in the volume's price)`,
    (t: number) => whole(t, GP3.minThroughput, GP3.maxThroughput),
    (v) => hclWhole(v, GP3.minThroughput, GP3.maxThroughput),
  ),
  valueRule(
    "ebs-iops",
    "ebs_iops",
    `is not a gp3 IOPS figure (a whole number from ${GP3.minIops} to ${GP3.maxIops})`,
    `use e.g. ${GP3.minIops} (included in the volume's price)`,
    (i: number) => whole(i, GP3.minIops, GP3.maxIops),
    (v) => hclWhole(v, GP3.minIops, GP3.maxIops),
  ),
  {
    id: "ebs-throughput-per-iops",
    problem: `is more than gp3 allows for ebs_iops (at most 0.25 MiB/s per IOPS: throughput x ${GP3.iopsPerMibps} <= IOPS)`,
    fix: `lower ebs_throughput_mibps, or raise ebs_iops to at least ${GP3.iopsPerMibps} x the throughput (1000 MiB/s needs 4000 IOPS)`,
    find: (inputs) =>
      inputs.ebs_throughput_mibps * GP3.iopsPerMibps <= inputs.ebs_iops ? [] : [["ebs_throughput_mibps", inputs.ebs_throughput_mibps]],
    hcl: {
      condition: `var.ebs_throughput_mibps * ${GP3.iopsPerMibps} <= var.ebs_iops`,
      offenders: `[format("ebs_throughput_mibps = %s with ebs_iops = %s", jsonencode(var.ebs_throughput_mibps), jsonencode(var.ebs_iops))]`,
    },
  },
  {
    id: "ebs-iops-per-gib",
    problem: `is too small for ebs_iops (gp3 gives at most ${GP3.iopsPerGib} IOPS per GiB above the included ${GP3.minIops})`,
    fix: `grow the volume to at least ebs_iops / ${GP3.iopsPerGib} GiB, or lower ebs_iops`,
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Array<[string, unknown]> =>
        inputs.ebs_iops <= Math.max(GP3.minIops, GP3.iopsPerGib * c.ebs_volume_gb) ? [] : [[`llm_ec2_configs[${i}].ebs_volume_gb`, c.ebs_volume_gb]],
      ),
    hcl: {
      condition: `alltrue([for c in var.llm_ec2_configs : var.ebs_iops <= max(${GP3.minIops}, ${GP3.iopsPerGib} * c.ebs_volume_gb)])`,
      offenders:
        `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].ebs_volume_gb = %s with ebs_iops = %s", i, jsonencode(c.ebs_volume_gb), jsonencode(var.ebs_iops)) ` +
        `if var.ebs_iops > max(${GP3.minIops}, ${GP3.iopsPerGib} * c.ebs_volume_gb)]`,
    },
  },
  eachModel(
    "server-mode",
    "server_mode",
    `is not a server mode (${SERVER_MODES.join(", ")})`,
    'use "instance" (one EC2 instance) or "asg" (an Auto Scaling group), or leave it out for default_server_mode',
    (c) => (SERVER_MODES as readonly string[]).includes(c.server_mode),
    // Terraform's || evaluates both sides: a conditional keeps null away from contains().
    `c.server_mode == null ? true : contains(${hclList(SERVER_MODES)}, c.server_mode)`,
  ),
  {
    id: "asg-capacity",
    problem: `is not an Auto Scaling group size (whole numbers from 0 to ${MAX_GROUP_SIZE}, min_size <= desired_capacity <= max_size)`,
    fix: "set min_size, desired_capacity and max_size in that order, e.g. 1, 1, 2",
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Array<[string, unknown]> => (capacityOk(c) ? [] : [[`llm_ec2_configs[${i}]`, capacityOf(c)]])),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for c in var.llm_ec2_configs : ${hclCapacityOk("c")}])`,
      offenders:
        `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d] = %s", i, jsonencode({ min_size = c.min_size, max_size = c.max_size, desired_capacity = c.desired_capacity })) ` +
        `if !(${hclCapacityOk("c")})]`,
    },
  },
  eachModel(
    "warm-pool-spot",
    "warm_pool",
    "is true on a spot model: Auto Scaling takes no warm pool on a group that requests spot instances",
    "choose one: spot (cheaper) or warm_pool (faster scale-out with the model on disk)",
    (c) => !(c.spot && c.warm_pool),
    `!(c.spot && c.warm_pool)`,
  ),
  {
    id: "asg-options",
    problem: "is instance, but the entry sets Auto Scaling options (spot, warm_pool, or sizes other than 1, 1, 1), which only Auto Scaling groups have",
    fix: 'set server_mode = "asg" on the entry (or default_server_mode = "asg"), or remove the options',
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Array<[string, unknown]> =>
        c.server_mode !== "asg" && usesAsgOptions(c) ? [[`llm_ec2_configs[${i}].server_mode`, c.server_mode]] : [],
      ),
    hcl: {
      condition: `alltrue([for c in var.llm_ec2_configs : ${HCL_MODE("c")} == "asg" || !${hclUsesAsgOptions("c")}])`,
      offenders:
        `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].server_mode = %s", i, jsonencode(${HCL_MODE("c")})) ` +
        `if ${HCL_MODE("c")} != "asg" && ${hclUsesAsgOptions("c")}]`,
    },
  },
  valueRule(
    "default-server-mode",
    "default_server_mode",
    `is not a server mode (${SERVER_MODES.join(", ")})`,
    'use "instance" (the original\'s single servers) or "asg"',
    (m: string) => (SERVER_MODES as readonly string[]).includes(m),
    (v) => `contains(${hclList(SERVER_MODES)}, ${v})`,
  ),
  valueRule(
    "asg-grace-period",
    "asg_health_check_grace_period_seconds",
    `is not a health check grace period (a whole number of seconds from 0 to ${MAX_GRACE_PERIOD_SECONDS})`,
    "use the seconds a new server needs to install Ollama and pull its models, e.g. 1800",
    (g: number) => whole(g, 0, MAX_GRACE_PERIOD_SECONDS),
    (v) => hclWhole(v, 0, MAX_GRACE_PERIOD_SECONDS),
  ),
  eachSchedule(
    "schedule-name",
    "name",
    "is not a usable schedule name (1-64 letters, digits, - and _, starting with a letter or digit, unique among the schedules)",
    'name each schedule once, e.g. "weekday-night"',
    (sc, i, all) => matches(SCHEDULE_NAME_PATTERN, sc.name) && all.findIndex((o) => o.name === sc.name) === i,
    `${hclMatches(SCHEDULE_NAME_PATTERN, "s.name")} && index(var.schedules[*].name, s.name) == i`,
  ),
  eachSchedule(
    "schedule-recurrence",
    "recurrence",
    "is not a Unix cron expression of five numeric fields (minute hour day-of-month month day-of-week, Sunday 0)",
    'write e.g. "0 20 * * 1-5" for 20:00 on weekdays',
    (sc) => matches(CRON_PATTERN, sc.recurrence),
    hclMatches(CRON_PATTERN, "s.recurrence"),
  ),
  eachSchedule(
    "schedule-time-zone",
    "time_zone",
    "is not a canonical IANA time zone name",
    'use a name such as "Europe/Berlin", "America/New_York" or "UTC" (abbreviations like "PST" are not zones)',
    (sc) => matches(TIME_ZONE_PATTERN, sc.time_zone ?? "UTC"),
    hclMatches(TIME_ZONE_PATTERN, "s.time_zone"),
  ),
  {
    id: "schedule-capacity",
    problem: `is not a group size (whole numbers from 0 to ${MAX_GROUP_SIZE}, min_size <= desired_capacity <= max_size)`,
    fix: "set min_size, desired_capacity and max_size in that order, e.g. 0, 0, 0 for the night",
    find: (inputs) => inputs.schedules.flatMap((sc, i): Array<[string, unknown]> => (capacityOk(sc) ? [] : [[`schedules[${i}]`, capacityOf(sc)]])),
    hcl: {
      variable: "schedules",
      condition: `alltrue([for s in var.schedules : ${hclCapacityOk("s")}])`,
      offenders:
        `[for i, s in var.schedules : format("schedules[%d] = %s", i, jsonencode({ min_size = s.min_size, max_size = s.max_size, desired_capacity = s.desired_capacity })) ` +
        `if !(${hclCapacityOk("s")})]`,
    },
  },
  {
    id: "schedule-models",
    problem: 'must name models whose server_mode is "asg" (only Auto Scaling groups follow schedules), and apply to at least one',
    fix: 'list models by llm_model that run in "asg" mode, or leave models out for every model in "asg" mode',
    find: (inputs) => {
      const asg = asgModelNames(inputs);
      return inputs.schedules.flatMap((sc, i): Array<[string, unknown]> =>
        (sc.models === undefined || sc.models === null ? asg.length > 0 : sc.models.length > 0 && sc.models.every((m) => asg.includes(m)))
          ? []
          : [[`schedules[${i}].models`, sc.models ?? null]],
      );
    },
    hcl: {
      condition:
        `alltrue([for s in var.schedules : s.models == null ? length(${HCL_ASG_MODEL_NAMES}) > 0 : ` +
        `(length(s.models) > 0 && length(setsubtract(s.models, ${HCL_ASG_MODEL_NAMES})) == 0)])`,
      offenders:
        `[for i, s in var.schedules : format("schedules[%d].models = %s", i, jsonencode(s.models)) if !(s.models == null ? length(${HCL_ASG_MODEL_NAMES}) > 0 : ` +
        `(length(s.models) > 0 && length(setsubtract(s.models, ${HCL_ASG_MODEL_NAMES})) == 0))]`,
    },
  },
  valueRule(
    "alarm-email",
    "alarm_email",
    "is not an e-mail address",
    'give one address, e.g. "ops@example.com", or "" for none',
    (e: string) => e === "" || matches(EMAIL_PATTERN, e),
    (v) => `${v} == "" || ${hclMatches(EMAIL_PATTERN, v)}`,
  ),
  valueRule(
    "alarm-topic-arn",
    "alarm_topic_arn",
    "is not an SNS topic ARN",
    'use the ARN of an existing topic, e.g. "arn:aws:sns:ap-southeast-1:123456789012:ops", or "" for none',
    (a: string) => a === "" || matches(SNS_TOPIC_ARN_PATTERN, a),
    (v) => `${v} == "" || ${hclMatches(SNS_TOPIC_ARN_PATTERN, v)}`,
  ),
  valueRule(
    "alarm-no-healthy-host-minutes",
    "alarm_no_healthy_host_minutes",
    "is not a number of minutes for the no-healthy-host alarm (a whole number from 1 to 1440)",
    "use e.g. 5",
    (m: number) => whole(m, 1, 1440),
    (v) => hclWhole(v, 1, 1440),
  ),
  valueRule(
    "alarm-5xx-percent",
    "alarm_5xx_percent",
    "is not a 5xx rate threshold (more than 0, at most 100 percent)",
    "use e.g. 5",
    (p: number) => p > 0 && p <= 100,
    (v) => `${v} > 0 && ${v} <= 100`,
  ),
  valueRule(
    "dashboard-widgets",
    "dashboard_extra_widgets",
    "is not a list of CloudWatch dashboard widget objects",
    'give a list of widget objects, e.g. [{ type = "text", width = 24, height = 1, properties = { markdown = "Router" } }], or []',
    (w: unknown) => Array.isArray(w) && w.every((x) => typeof x === "object" && x !== null && !Array.isArray(x)),
    // A list's indexes are numbers, an object's keys are not; a string cannot be iterated.
    (v) => `try(alltrue([for i, w in ${v} : can(keys(w)) && can(i + 0)]), false)`,
  ),
  valueRule(
    "router-auth",
    "router_auth",
    `is not a router authorization (${ROUTER_AUTH_MODES.join(", ")})`,
    'use "API_KEY" (bearer keys checked by the router) or "AWS_IAM" (SigV4-signed callers)',
    (a: string) => (ROUTER_AUTH_MODES as readonly string[]).includes(a),
    (v) => `contains(${hclList(ROUTER_AUTH_MODES)}, ${v})`,
  ),
  valueRule(
    "router-timeout",
    "router_timeout_seconds",
    `is not a Lambda timeout (a whole number of seconds from 1 to ${MAX_ROUTER_TIMEOUT_SECONDS}, Lambda's 15 minutes)`,
    `use the longest generation you accept, e.g. ${MAX_ROUTER_TIMEOUT_SECONDS}`,
    (t: number) => whole(t, 1, MAX_ROUTER_TIMEOUT_SECONDS),
    (v) => hclWhole(v, 1, MAX_ROUTER_TIMEOUT_SECONDS),
  ),
  valueRule(
    "router-memory",
    "router_memory_mb",
    `is not a Lambda memory size (a whole number of MB from ${ROUTER_MEMORY_MB.min} to ${ROUTER_MEMORY_MB.max})`,
    "use e.g. 256",
    (m: number) => whole(m, ROUTER_MEMORY_MB.min, ROUTER_MEMORY_MB.max),
    (v) => hclWhole(v, ROUTER_MEMORY_MB.min, ROUTER_MEMORY_MB.max),
  ),
  valueRule(
    "router-concurrency",
    "router_reserved_concurrency",
    `is not a reserved concurrency for the router (a whole number from 1 to ${MAX_ROUTER_CONCURRENCY}; 0 would refuse every request)`,
    "use the most requests the fleet should serve at once, e.g. 20 (it must fit the account's Lambda concurrency quota, less 100 that Lambda keeps unreserved)",
    (c: number) => whole(c, 1, MAX_ROUTER_CONCURRENCY),
    (v) => hclWhole(v, 1, MAX_ROUTER_CONCURRENCY),
  ),
  valueRule(
    "router-log-retention",
    "router_log_retention_days",
    `is not a CloudWatch Logs retention (one of ${LOG_RETENTION_DAYS.join(", ")}; the router's log group always expires)`,
    "use one of those values, e.g. 30",
    (d: number) => LOG_RETENTION_DAYS.includes(d),
    (v) => `contains([${LOG_RETENTION_DAYS.join(", ")}], ${v})`,
  ),
  eachItem(
    "router-cors-origin",
    "router_cors_allow_origins",
    `is not a CORS origin (a scheme and host with an optional port and no path, "https://*.example.com", or "*"; at most ${MAX_CORS_ORIGIN_LENGTH} characters)`,
    'write the origin as a browser sends it, e.g. "https://chat.example.com" or "http://localhost:3000"',
    CORS_ORIGIN_PATTERN,
    MAX_CORS_ORIGIN_LENGTH,
  ),
  {
    id: "router-models-fit",
    problem:
      `is too long a model list for the router (router_enabled): its function gets the model names comma-separated in ROUTER_MODELS, ` +
      `and Lambda takes at most ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes of environment variables, which leaves ${MAX_ROUTER_MODELS_LENGTH} characters for it`,
    fix: "serve fewer or shorter-named models per deployment (a second deployment under another prefix has its own router), or set router_enabled = false",
    find: (inputs) => {
      const length = inputs.llm_ec2_configs.map((c) => c.llm_model).join(",").length;
      return !inputs.router_enabled || length <= MAX_ROUTER_MODELS_LENGTH
        ? []
        : [["llm_ec2_configs", `${inputs.llm_ec2_configs.length} models, ${length} characters in ROUTER_MODELS`]];
    },
    hcl: {
      condition: `!var.router_enabled || length(join(",", var.llm_ec2_configs[*].llm_model)) <= ${MAX_ROUTER_MODELS_LENGTH}`,
      offenders: `[format("llm_ec2_configs = \\"%d models, %d characters in ROUTER_MODELS\\"", length(var.llm_ec2_configs), length(join(",", var.llm_ec2_configs[*].llm_model)))]`,
    },
  },
];

/** Every problem of `inputs`, all rules at once. */
export function findProblems(inputs: RuleInputs): Problem[] {
  return RULES.flatMap((rule) =>
    rule.find(inputs).map(([path, value]) => ({ rule: rule.id, path, value, problem: rule.problem, fix: rule.fix })),
  );
}

/** One line a person can act on: field, value, what is wrong, how to fix it. */
export function formatProblem(p: Problem): string {
  return `${p.path} = ${JSON.stringify(p.value)}: ${p.problem}. Fix: ${p.fix}. [${p.rule}]`;
}

/** The HCL side of every rule, for the module's variables and preconditions. */
export function terraformChecks(): TerraformCheck[] {
  return RULES.map((rule) => ({
    rule: rule.id,
    variable: rule.hcl.variable,
    condition: `\${${rule.hcl.condition}}`,
    errorMessage: `[${rule.id}] \${join("; ", ${rule.hcl.offenders})}: ${rule.problem}. Fix: ${rule.fix}.`,
  }));
}

function isIpv4Network(value: unknown): boolean {
  if (!matches(CIDR_PATTERN, value)) return false;
  const [address, bits] = (value as string).split("/");
  const octets = address.split(".").map(Number);
  const prefix = Number(bits);
  if (prefix > 32 || octets.some((o) => o > 255)) return false;
  const ip = octets.reduce((n, o) => n * 256 + o, 0);
  const hostBits = 2 ** (32 - prefix);
  return ip % hostBits === 0;
}
