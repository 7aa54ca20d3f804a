// The router function's environment (the contract at the top of src/router/lambda-env.ts), written
// once for the Terraform resource and for the rule that keeps it within Lambda's limit.
import { DEFAULTS } from "../router/config";

/**
 * Lambda refuses a function whose environment variables, measured as the JSON of the whole map
 * (`{"NAME":"value",...}`, its error message prints that string), exceed 4 KB.
 */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/** The values the function's environment is made of; each an HCL operand or a literal string. */
export interface RouterEnvironmentValues<T> {
  /** `http://` and the internal ALB's DNS name. */
  readonly albUrl: T;
  /** The served models, comma-separated. */
  readonly models: T;
  readonly authMode: T;
  /** The keys parameter's name; only with API_KEY (null leaves the variable out). */
  readonly keysParameter: T | null;
  /** `"true"` or `"false"`. */
  readonly allowModelManagement: T;
  readonly metricsNamespace: T;
  /** Whole seconds, as text. */
  readonly upstreamTimeoutSeconds: T;
  /** Whole seconds, as text. */
  readonly idleTimeoutSeconds: T;
  /**
   * The groups the router starts when their model has no server, `<index in models>:<group name>`
   * comma-separated; null (no model scales to zero) leaves both wake variables out.
   */
  readonly wakeGroups: T | null;
  /** Whole seconds, as text: how long a streamed request waits for a starting model. */
  readonly wakeWaitSeconds: T;
}

/** The variable that names the keys parameter: set with API_KEY only. */
export const KEYS_PARAMETER_VARIABLE = "ROUTER_KEYS_PARAMETER";
/** The variables of the models that scale to zero: set only when one does. */
export const WAKE_GROUPS_VARIABLE = "ROUTER_WAKE_GROUPS";
export const WAKE_WAIT_VARIABLE = "ROUTER_WAKE_WAIT_SECONDS";

/**
 * Seconds the function keeps for itself after its waits: a server that sends nothing gets the
 * router's 504 or cut stream (and its log line) before Lambda's timeout ends the function.
 */
export const UPSTREAM_TIMEOUT_MARGIN_SECONDS = 5;

/**
 * The router's wait for the headers of an answer asked for without streaming: the server sends them
 * once the whole answer is made, so the wait is all the function's time, less the margin.
 */
export const routerUpstreamTimeoutSeconds = (functionTimeoutSeconds: number): number =>
  Math.max(1, functionTimeoutSeconds - UPSTREAM_TIMEOUT_MARGIN_SECONDS);

/** The router's idle timeout: the input, within the function's timeout less the margin. */
export const routerIdleTimeoutSeconds = (idleTimeoutSeconds: number, functionTimeoutSeconds: number): number =>
  Math.min(idleTimeoutSeconds, routerUpstreamTimeoutSeconds(functionTimeoutSeconds));

/** Variable name -> value, in the order of the contract; the keys parameter only when given. */
export function routerEnvironment<T>(v: RouterEnvironmentValues<T>): Record<string, T> {
  return {
    ROUTER_ALB_URL: v.albUrl,
    ROUTER_MODELS: v.models,
    ROUTER_AUTH_MODE: v.authMode,
    ...(v.keysParameter === null ? {} : { [KEYS_PARAMETER_VARIABLE]: v.keysParameter }),
    ROUTER_ALLOW_MODEL_MANAGEMENT: v.allowModelManagement,
    ROUTER_METRICS_NAMESPACE: v.metricsNamespace,
    ROUTER_UPSTREAM_TIMEOUT_SECONDS: v.upstreamTimeoutSeconds,
    ROUTER_IDLE_TIMEOUT_SECONDS: v.idleTimeoutSeconds,
    ...(v.wakeGroups === null ? {} : { [WAKE_GROUPS_VARIABLE]: v.wakeGroups, [WAKE_WAIT_VARIABLE]: v.wakeWaitSeconds }),
  };
}

/** One entry of ROUTER_WAKE_GROUPS: the model's index in ROUTER_MODELS and its group's name. */
export const wakeGroupEntry = (index: number, groupName: string): string => `${index}:${groupName}`;

/** An Auto Scaling group's name: `<prefix>-<target group name>`, which has at most 32 characters. */
const MAX_TARGET_GROUP_NAME_LENGTH = 32;

/**
 * The most bytes one entry of ROUTER_WAKE_GROUPS takes, with its comma, for a prefix of
 * `prefixLength` characters: an index of up to two digits (100 models), `:`, the group name.
 */
export const maxWakeEntryBytes = (prefixLength: number): number => 2 + 1 + prefixLength + 1 + MAX_TARGET_GROUP_NAME_LENGTH + 1;

/** What the two wake variables take besides their entries: names, quotes, separators, the longest wait. */
export function wakeVariablesBytes(maxWaitSeconds: number): number {
  return Buffer.byteLength(JSON.stringify({ [WAKE_GROUPS_VARIABLE]: "", [WAKE_WAIT_VARIABLE]: String(maxWaitSeconds) })) - 2 + 1;
}

/** The router's metrics namespace in a deployment: one per prefix, so two fleets in an account keep theirs apart. */
export const routerMetricsNamespace = (prefix: string): string => `${DEFAULTS.metricsNamespace}/${prefix}`;

/** The keys parameter's name: what `npm run keys` prints the command for (its default prefix is `llm`). */
export const routerKeysParameterName = (prefix: string): string => `/${prefix}/router/api-keys`;

/** The function's name, `<prefix>-router`; its log group is `/aws/lambda/<name>`. */
export const routerFunctionName = (prefix: string): string => `${prefix}-router`;

/**
 * The longest internal ALB URL: `http://` and a DNS name `internal-<name>-<id>.<region>.elb.amazonaws.com`
 * whose first label (name and id) holds at most 63 characters, in a region of at most 20, in the
 * China partition's longer domain (`.elb.amazonaws.com.cn`). The name is unknown until apply.
 */
export const MAX_ALB_URL_LENGTH = "http://".length + 63 + ".".length + 20 + ".elb.amazonaws.com.cn".length;

/**
 * How long the comma-separated model list may be: Lambda's 4 KB less every other variable at its
 * longest (a prefix of `maxPrefixLength`, the longest ALB URL, API_KEY with its parameter, the
 * timeouts of a function running `maxTimeoutSeconds`), before the wake variables. The rule table
 * refuses a longer list, with the wake variables' bytes (`wakeVariablesBytes`, `maxWakeEntryBytes`)
 * counted in, at synth and at plan.
 */
export function maxRouterModelsLength(maxPrefixLength: number, maxTimeoutSeconds: number): number {
  const prefix = "p".repeat(maxPrefixLength);
  const longest = routerEnvironment<string>({
    albUrl: "h".repeat(MAX_ALB_URL_LENGTH),
    models: "",
    authMode: "API_KEY",
    keysParameter: routerKeysParameterName(prefix),
    allowModelManagement: "false",
    metricsNamespace: routerMetricsNamespace(prefix),
    upstreamTimeoutSeconds: String(routerUpstreamTimeoutSeconds(maxTimeoutSeconds)),
    idleTimeoutSeconds: String(routerIdleTimeoutSeconds(maxTimeoutSeconds, maxTimeoutSeconds)),
    wakeGroups: null,
    wakeWaitSeconds: "0",
  });
  return LAMBDA_ENVIRONMENT_LIMIT_BYTES - Buffer.byteLength(JSON.stringify(longest));
}
