import { DEFAULT_ENGINE, ENGINE_NAMES, hclPerEngine, ROUTER_ENGINE_SEPARATOR, routerModelItem } from "../../engines";
import { LAMBDA_ENVIRONMENT_LIMIT_BYTES, maxWakeEntryBytes, wakeVariablesBytes } from "../router-environment";
import { hclScaling, MAX_WAKE_WAIT_SECONDS } from "./scaling";
import {
  CORS_ORIGIN_PATTERN,
  eachItem,
  hclList,
  hclWhole,
  LOG_RETENTION_DAYS,
  MAX_CORS_ORIGIN_LENGTH,
  MAX_ROUTER_CONCURRENCY,
  MAX_ROUTER_MODELS_LENGTH,
  MAX_ROUTER_TIMEOUT_SECONDS,
  ROUTER_AUTH_MODES,
  ROUTER_MEMORY_MB,
  Rule,
  valueRule,
  whole,
} from "./kit";

/** The length of the router's model list: each model's served name, and `=<engine>` for another engine than Ollama's. */
const ROUTER_MODELS_LENGTH = `length(join(",", [for c in var.llm_ec2_configs : ${hclPerEngine("c.engine", (e) =>
  e.name === DEFAULT_ENGINE ? e.hcl.servedName("c") : `format("%s${ROUTER_ENGINE_SEPARATOR}%s", ${e.hcl.servedName("c")}, "${e.name}")`,
)}]))`;

const knownEngine = (c: { engine: string }) => (ENGINE_NAMES as readonly string[]).includes(c.engine);

/** How many entries name scale_to_zero_after_minutes (HCL). */
const WAKING = `length([for c in var.llm_ec2_configs : c if ${hclScaling("c", "scale_to_zero_after_minutes")} != null])`;

/** The streaming router. */
export const routerRules: readonly Rule[] = [
  valueRule(
    "router-auth",
    "router_auth",
    `is not a router authorization (${ROUTER_AUTH_MODES.join(", ")})`,
    'use "API_KEY" (bearer keys checked by the router) or "AWS_IAM" (SigV4-signed callers)',
    (a: string) => (ROUTER_AUTH_MODES as readonly string[]).includes(a),
    (v) => `contains(${hclList(ROUTER_AUTH_MODES)}, ${v})`
  ),
  valueRule(
    "router-timeout",
    "router_timeout_seconds",
    `is not a Lambda timeout (a whole number of seconds from 1 to ${MAX_ROUTER_TIMEOUT_SECONDS}, Lambda's 15 minutes)`,
    `use the longest generation you accept, e.g. ${MAX_ROUTER_TIMEOUT_SECONDS}`,
    (t: number) => whole(t, 1, MAX_ROUTER_TIMEOUT_SECONDS),
    (v) => hclWhole(v, 1, MAX_ROUTER_TIMEOUT_SECONDS)
  ),
  valueRule(
    "router-idle-timeout",
    "router_idle_timeout_seconds",
    `is not an idle timeout for the router (a whole number of seconds from 1 to ${MAX_ROUTER_TIMEOUT_SECONDS})`,
    "use at least the longest model load plus prompt reading you expect, e.g. 300 (the router uses at most router_timeout_seconds less 5 s)",
    (t: number) => whole(t, 1, MAX_ROUTER_TIMEOUT_SECONDS),
    (v) => hclWhole(v, 1, MAX_ROUTER_TIMEOUT_SECONDS)
  ),
  valueRule(
    "router-memory",
    "router_memory_mb",
    `is not a Lambda memory size (a whole number of MB from ${ROUTER_MEMORY_MB.min} to ${ROUTER_MEMORY_MB.max})`,
    "use e.g. 256",
    (m: number) => whole(m, ROUTER_MEMORY_MB.min, ROUTER_MEMORY_MB.max),
    (v) => hclWhole(v, ROUTER_MEMORY_MB.min, ROUTER_MEMORY_MB.max)
  ),
  valueRule(
    "router-concurrency",
    "router_reserved_concurrency",
    `is not a reserved concurrency for the router (a whole number from 1 to ${MAX_ROUTER_CONCURRENCY}; 0 would refuse every request)`,
    "use the most requests the fleet should serve at once, e.g. 20 (it must fit the account's Lambda concurrency quota, less 100 that Lambda keeps unreserved)",
    (c: number) => whole(c, 1, MAX_ROUTER_CONCURRENCY),
    (v) => hclWhole(v, 1, MAX_ROUTER_CONCURRENCY)
  ),
  valueRule(
    "router-log-retention",
    "router_log_retention_days",
    `is not a CloudWatch Logs retention (one of ${LOG_RETENTION_DAYS.join(", ")}; the router's log group always expires)`,
    "use one of those values, e.g. 30",
    (d: number) => LOG_RETENTION_DAYS.includes(d),
    (v) => `contains([${LOG_RETENTION_DAYS.join(", ")}], ${v})`
  ),
  eachItem(
    "router-cors-origin",
    "router_cors_allow_origins",
    `is not a CORS origin (a scheme and host with an optional port and no path, "https://*.example.com", or "*"; at most ${MAX_CORS_ORIGIN_LENGTH} characters)`,
    'write the origin as a browser sends it, e.g. "https://chat.example.com" or "http://localhost:3000"',
    CORS_ORIGIN_PATTERN,
    MAX_CORS_ORIGIN_LENGTH
  ),
  {
    id: "router-models-fit",
    problem:
      `is too long a model list for the router (router_enabled): its function gets the served model names comma-separated in ROUTER_MODELS (a vLLM model's with "=vllm"), ` +
      `and the groups of the models that scale to zero in ROUTER_WAKE_GROUPS (up to ${maxWakeEntryBytes(0)} bytes and the prefix each), ` +
      `and Lambda takes at most ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes of environment variables, which leaves ${MAX_ROUTER_MODELS_LENGTH} bytes for both`,
    fix: "serve fewer or shorter-named models per deployment (a second deployment under another prefix has its own router), let fewer models scale to zero, or set router_enabled = false",
    find: (inputs) => {
      const length = inputs.llm_ec2_configs.map((c) => (knownEngine(c) ? routerModelItem(c) : c.llm_model)).join(",").length;
      const waking = inputs.llm_ec2_configs.filter((c) => c.scaling?.scale_to_zero_after_minutes != null).length;
      const wake = waking === 0 ? 0 : wakeVariablesBytes(MAX_WAKE_WAIT_SECONDS) + waking * maxWakeEntryBytes(inputs.prefix.length);
      return !inputs.router_enabled || length + wake <= MAX_ROUTER_MODELS_LENGTH
        ? []
        : [["llm_ec2_configs", `${inputs.llm_ec2_configs.length} models, ${length} characters in ROUTER_MODELS, ${waking} scale to zero`]];
    },
    hcl: {
      condition:
        `!var.router_enabled || ${ROUTER_MODELS_LENGTH} + (${WAKING} == 0 ? 0 : ` +
        `${wakeVariablesBytes(MAX_WAKE_WAIT_SECONDS)} + ${WAKING} * (${maxWakeEntryBytes(0)} + length(var.prefix))) <= ${MAX_ROUTER_MODELS_LENGTH}`,
      offenders:
        `[format("llm_ec2_configs = \\"%d models, %d characters in ROUTER_MODELS, %d scale to zero\\"", length(var.llm_ec2_configs), ` +
        `${ROUTER_MODELS_LENGTH}, ${WAKING})]`,
    },
  },
];
