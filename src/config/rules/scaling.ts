import { hclWhole, LlmScalingField, MAX_ROUTER_TIMEOUT_SECONDS, Rule, SCALING_LIMITS, valueRule, whole } from "./kit";
import { LlmEc2Config } from "../types";

/** Seconds of the router's timeout a held request keeps for its generation. */
export const WAKE_MIN_GENERATION_SECONDS = 60;
/** The longest hold: Lambda's 15 minutes less the generation's minute. */
export const MAX_WAKE_WAIT_SECONDS = MAX_ROUTER_TIMEOUT_SECONDS - WAKE_MIN_GENERATION_SECONDS;

/** A field of an entry's `scaling`, or undefined (no `scaling`, or the field left out). */
const field = (c: LlmEc2Config, name: LlmScalingField): number | undefined => c.scaling?.[name] ?? undefined;
/** The same in HCL, over the entry `c`: null when absent. */
export const hclScaling = (c: string, name: LlmScalingField): string => `try(${c}.scaling.${name}, null)`;

/** The target tracking fields: each adds one policy. */
export const TARGET_FIELDS = ["requests_per_server_per_minute", "gpu_utilization_percent", "concurrent_requests_per_server"] as const;
/** The fields only the streaming router can serve. */
export const ROUTER_FIELDS = ["concurrent_requests_per_server", "scale_to_zero_after_minutes"] as const;

/** A rule on one field of every entry's `scaling`, checked when given; `hcl` is a condition over `v` (the number). */
function eachScaling(id: string, name: LlmScalingField, problem: string, fix: string, ok: (v: number) => boolean, hcl: (v: string) => string): Rule {
  const value = hclScaling("c", name);
  const condition = `${value} == null ? true : (${hcl(value)})`;
  return {
    id,
    problem,
    fix,
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Array<[string, unknown]> => {
        const v = field(c, name);
        return v === undefined || ok(v) ? [] : [[`llm_ec2_configs[${i}].scaling.${name}`, v]];
      }),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for c in var.llm_ec2_configs : ${condition}])`,
      offenders: `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].scaling.${name} = %s", i, jsonencode(${value})) if !(${condition})]`,
    },
  };
}

const between = (v: number, min: number, max: number): boolean => Number.isFinite(v) && v >= min && v <= max;

/** How the Auto Scaling models follow their load, and the router's part in it. */
export const scalingRules: readonly Rule[] = [
  {
    id: "scaling-empty",
    problem: "names no policy: scaling takes requests_per_server_per_minute, gpu_utilization_percent, concurrent_requests_per_server or scale_to_zero_after_minutes",
    fix: "give at least one of them, e.g. scaling = { requests_per_server_per_minute = 30 }, or leave scaling out",
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Array<[string, unknown]> =>
        c.scaling === null || c.scaling === undefined || Object.values(c.scaling).some((v) => v !== undefined && v !== null)
          ? []
          : [[`llm_ec2_configs[${i}].scaling`, c.scaling]],
      ),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for c in var.llm_ec2_configs : c.scaling == null ? true : length([for v in values(c.scaling) : v if v != null]) > 0])`,
      offenders: `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].scaling = %s", i, jsonencode(c.scaling)) if (c.scaling == null ? false : length([for v in values(c.scaling) : v if v != null]) == 0)]`,
    },
  },
  eachScaling(
    "scaling-requests-target",
    "requests_per_server_per_minute",
    `is not a target of requests per server per minute (a number from ${SCALING_LIMITS.requestsPerMinute.min} to ${SCALING_LIMITS.requestsPerMinute.max})`,
    "use the requests one server answers in a minute without queueing, e.g. 30 for chats of a few seconds",
    (v) => between(v, SCALING_LIMITS.requestsPerMinute.min, SCALING_LIMITS.requestsPerMinute.max),
    (v) => `${v} >= ${SCALING_LIMITS.requestsPerMinute.min} && ${v} <= ${SCALING_LIMITS.requestsPerMinute.max}`,
  ),
  eachScaling(
    "scaling-gpu-target",
    "gpu_utilization_percent",
    `is not a GPU utilization target (a whole percentage from ${SCALING_LIMITS.gpuPercent.min} to ${SCALING_LIMITS.gpuPercent.max}: above that, a busy GPU could never exceed it)`,
    "use e.g. 70",
    (v) => whole(v, SCALING_LIMITS.gpuPercent.min, SCALING_LIMITS.gpuPercent.max),
    (v) => hclWhole(v, SCALING_LIMITS.gpuPercent.min, SCALING_LIMITS.gpuPercent.max),
  ),
  eachScaling(
    "scaling-concurrency-target",
    "concurrent_requests_per_server",
    `is not a target of requests in flight per server (a number from ${SCALING_LIMITS.concurrency.min} to ${SCALING_LIMITS.concurrency.max})`,
    "use the requests one server works on at once without slowing much, e.g. its OLLAMA_NUM_PARALLEL (often 1 to 4)",
    (v) => between(v, SCALING_LIMITS.concurrency.min, SCALING_LIMITS.concurrency.max),
    (v) => `${v} >= ${SCALING_LIMITS.concurrency.min} && ${v} <= ${SCALING_LIMITS.concurrency.max}`,
  ),
  eachScaling(
    "scale-to-zero-minutes",
    "scale_to_zero_after_minutes",
    `is not an idle time before scaling to zero (a whole number of minutes from ${SCALING_LIMITS.idleMinutes.min} to ${SCALING_LIMITS.idleMinutes.max})`,
    "use e.g. 30; longer than a cold start, which takes minutes (docs/scaling.md)",
    (v) => whole(v, SCALING_LIMITS.idleMinutes.min, SCALING_LIMITS.idleMinutes.max),
    (v) => hclWhole(v, SCALING_LIMITS.idleMinutes.min, SCALING_LIMITS.idleMinutes.max),
  ),
  {
    id: "scaling-needs-router",
    problem:
      "needs the streaming router (router_enabled = true): only the router measures the requests in flight and starts a model that has no server; " +
      "the API Gateway door cannot, so a model scaled to zero without it would stay down",
    fix: "set router_enabled = true and send the model's clients to router_url, or remove the field",
    find: (inputs) =>
      inputs.router_enabled
        ? []
        : inputs.llm_ec2_configs.flatMap((c, i): Array<[string, unknown]> =>
            ROUTER_FIELDS.filter((name) => field(c, name) !== undefined).map((name): [string, unknown] => [`llm_ec2_configs[${i}].scaling.${name}`, field(c, name)]),
          ),
    hcl: {
      condition: `var.router_enabled || alltrue([for c in var.llm_ec2_configs : ${ROUTER_FIELDS.map((n) => `${hclScaling("c", n)} == null`).join(" && ")}])`,
      offenders:
        `flatten([for i, c in var.llm_ec2_configs : [for n in ${JSON.stringify(ROUTER_FIELDS).replace(/,/g, ", ")} : ` +
        `format("llm_ec2_configs[%d].scaling.%s = %s", i, n, jsonencode(lookup(c.scaling, n, null))) if lookup(c.scaling, n, null) != null] if c.scaling != null])`,
    },
  },
  {
    id: "scale-to-zero-min-size",
    problem: "is not 0, but the entry sets scale_to_zero_after_minutes: Auto Scaling keeps at least min_size servers, so the model could never scale to zero",
    fix: "set min_size = 0 (desired_capacity 0 starts the model asleep, 1 awake), or remove scale_to_zero_after_minutes",
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Array<[string, unknown]> =>
        field(c, "scale_to_zero_after_minutes") !== undefined && c.min_size !== 0 ? [[`llm_ec2_configs[${i}].min_size`, c.min_size]] : [],
      ),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for c in var.llm_ec2_configs : ${hclScaling("c", "scale_to_zero_after_minutes")} == null || c.min_size == 0])`,
      offenders: `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].min_size = %s", i, jsonencode(c.min_size)) if !(${hclScaling("c", "scale_to_zero_after_minutes")} == null || c.min_size == 0)]`,
    },
  },
  {
    id: "scaling-max-size",
    problem: "is below 2, but the entry sets a scaling target: target tracking adds servers only up to max_size, so the policy could never act",
    fix: "raise max_size to the most servers the model may run (e.g. 3), or remove the targets and keep scale_to_zero_after_minutes alone",
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Array<[string, unknown]> =>
        TARGET_FIELDS.some((name) => field(c, name) !== undefined) && c.max_size < 2 ? [[`llm_ec2_configs[${i}].max_size`, c.max_size]] : [],
      ),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for c in var.llm_ec2_configs : c.max_size >= 2 || ${TARGET_FIELDS.map((n) => `${hclScaling("c", n)} == null`).join(" && ")}])`,
      offenders:
        `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].max_size = %s", i, jsonencode(c.max_size)) ` +
        `if !(c.max_size >= 2 || ${TARGET_FIELDS.map((n) => `${hclScaling("c", n)} == null`).join(" && ")})]`,
    },
  },
  valueRule(
    "router-wake-wait",
    "router_wake_wait_seconds",
    `is not a wait for a starting model (a whole number of seconds from 0 to ${MAX_WAKE_WAIT_SECONDS})`,
    "use 0 to answer 503 with Retry-After at once, or the seconds a streamed request may wait for a model to start, e.g. 300",
    (w: number) => whole(w, 0, MAX_WAKE_WAIT_SECONDS),
    (v) => hclWhole(v, 0, MAX_WAKE_WAIT_SECONDS),
  ),
  {
    id: "router-wake-wait-fits",
    problem: `does not fit the router's timeout: a held request keeps at least ${WAKE_MIN_GENERATION_SECONDS} s of router_timeout_seconds for its generation`,
    fix: `lower router_wake_wait_seconds to at most router_timeout_seconds - ${WAKE_MIN_GENERATION_SECONDS}, or raise router_timeout_seconds`,
    find: (inputs) =>
      inputs.router_wake_wait_seconds <= inputs.router_timeout_seconds - WAKE_MIN_GENERATION_SECONDS || inputs.router_wake_wait_seconds === 0
        ? []
        : [["router_wake_wait_seconds", inputs.router_wake_wait_seconds, `router_timeout_seconds = ${inputs.router_timeout_seconds}`]],
    hcl: {
      condition: `var.router_wake_wait_seconds == 0 || var.router_wake_wait_seconds <= var.router_timeout_seconds - ${WAKE_MIN_GENERATION_SECONDS}`,
      offenders: `[format("router_wake_wait_seconds = %s (router_timeout_seconds = %s)", jsonencode(var.router_wake_wait_seconds), jsonencode(var.router_timeout_seconds))]`,
    },
  },
];

