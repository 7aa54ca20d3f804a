// The Lambda adapter's configuration, read once from the function's environment. The Terraform
// resources of the router set these variables:
//
//   ROUTER_ALB_URL                   required  the internal ALB's origin, e.g.
//                                              http://internal-llm-alb-123.ap-southeast-1.elb.amazonaws.com
//   ROUTER_MODELS                    required  the served models, comma-separated, as clients name them
//                                              (an Ollama model's llm_model, a vLLM model's served name
//                                              followed by =vllm), e.g. llama3:8b,qwen2:7b,mistral-7b=vllm
//   ROUTER_AUTH_MODE                 optional  API_KEY (default): bearer keys checked against the SSM
//                                              parameter; AWS_IAM: the function URL checks SigV4 before
//                                              the function runs, the router checks nothing
//   ROUTER_KEYS_PARAMETER            API_KEY   name of the SSM SecureString parameter holding
//                                              [{"name": "...", "sha256": "<hex>"}] (empty: every request refused)
//   ROUTER_ALLOW_MODEL_MANAGEMENT    optional  "true" opens /api/pull, /api/delete, /api/create, /api/copy,
//                                              /api/push and /api/blobs/*; default "false" (403)
//   ROUTER_METRICS_NAMESPACE         optional  CloudWatch namespace of the metrics; default OllamaFleet/Router
//   ROUTER_UPSTREAM_TIMEOUT_SECONDS  optional  wait for the headers of an answer asked for without streaming
//                                              (made whole before its headers); default 300; the module sets
//                                              the function's timeout less 5 s
//   ROUTER_IDLE_TIMEOUT_SECONDS      optional  longest silence from a server: before a streamed answer's first
//                                              chunk (model load included) and between chunks; default 300
//   ROUTER_LIST_TIMEOUT_SECONDS      optional  merged lists wait this long for each server; default 5
//   ROUTER_SSM_TIMEOUT_SECONDS       optional  wait for SSM GetParameter; default 3
//   ROUTER_WAKE_GROUPS               optional  the models that scale to zero and their Auto Scaling groups,
//                                              <index in ROUTER_MODELS>:<group name> comma-separated
//                                              (0:llm-llama38b,2:llm-qwen27b); a request for one that the ALB
//                                              answers "no registered target" starts its group
//   ROUTER_WAKE_WAIT_SECONDS         optional  how long a streamed request for a starting model is held
//                                              before 503 with Retry-After; default 0 (answer at once)
//   ROUTER_AUTOSCALING_TIMEOUT_SECONDS optional wait for each Auto Scaling call; default 3
//
// The function URL hands the function whole request bodies, one request per environment at a time:
// the body timeout and the body buffer of local mode keep their defaults here.
//
// Set by Lambda itself: AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.
// AWS_ENDPOINT_URL_SSM and AWS_ENDPOINT_URL_AUTO_SCALING (optional) override the SSM and Auto Scaling
// endpoints, as the AWS SDKs and CLI read them.
import { AutoScalingTarget } from "./autoscaling";
import { AuthMode, DEFAULTS, parseAlbUrl, parseModelList, RouterConfig } from "./config";
import { ModelTable } from "./models";
import { SsmKeyStoreOptions } from "./ssm";

export interface LambdaSettings {
  readonly config: RouterConfig;
  /** Set when `config.authMode` is API_KEY. */
  readonly ssm?: SsmKeyStoreOptions;
  /** Set when some model scales to zero (ROUTER_WAKE_GROUPS). */
  readonly autoScaling?: AutoScalingTarget;
}

/** An Auto Scaling group's name as the module makes them: letters, digits and hyphens. */
const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,254}$/;

/** Parses ROUTER_WAKE_GROUPS against the served models; a problem as text. */
export function parseWakeGroups(text: string, models: ModelTable): Map<string, string> | string {
  const groups = new Map<string, string>();
  for (const entry of text.split(",")) {
    const match = /^([0-9]{1,3}):(.+)$/.exec(entry.trim());
    if (match === null) return `has an entry "${entry}" that is not <index>:<group name>`;
    const model = models.served[Number(match[1])];
    if (model === undefined) return `names index ${match[1]}, but ROUTER_MODELS has ${models.served.length} models`;
    if (!GROUP_NAME.test(match[2])) return `has a group name "${match[2]}" that is not letters, digits and hyphens`;
    if (groups.has(model)) return `names model ${model} twice`;
    groups.set(model, match[2]);
  }
  return groups;
}

/** Every problem at once, each naming the variable, its value and the fix. */
export class EnvironmentError extends Error {}

export function settingsFromEnv(env: NodeJS.ProcessEnv): LambdaSettings {
  const problems: string[] = [];
  const show = (name: string) => `${name} = ${JSON.stringify(env[name] ?? "")}`;

  const alb = parseAlbUrl(env.ROUTER_ALB_URL ?? "");
  if (typeof alb === "string") {
    problems.push(`${show("ROUTER_ALB_URL")} ${alb}. Fix: set it to the internal ALB's URL, e.g. http://internal-llm-alb-123.ap-southeast-1.elb.amazonaws.com`);
  }
  const models = parseModelList(env.ROUTER_MODELS ?? "");
  if (typeof models === "string") {
    problems.push(`${show("ROUTER_MODELS")} ${models}. Fix: list the served models, comma-separated, e.g. llama3:8b,qwen2:7b,mistral-7b=vllm`);
  }
  const authMode = (env.ROUTER_AUTH_MODE ?? "API_KEY") as AuthMode;
  if (authMode !== "API_KEY" && authMode !== "AWS_IAM") {
    problems.push(`${show("ROUTER_AUTH_MODE")} is not a mode. Fix: API_KEY (bearer keys from SSM) or AWS_IAM (SigV4 on the function URL)`);
  }
  const allow = env.ROUTER_ALLOW_MODEL_MANAGEMENT ?? "false";
  if (allow !== "true" && allow !== "false") {
    problems.push(`${show("ROUTER_ALLOW_MODEL_MANAGEMENT")} is not a boolean. Fix: "true" or "false"`);
  }
  const namespace = env.ROUTER_METRICS_NAMESPACE || DEFAULTS.metricsNamespace;
  if (namespace.length > 255) problems.push(`${show("ROUTER_METRICS_NAMESPACE")} is longer than 255 characters. Fix: a shorter namespace`);
  const seconds = (name: string, fallback: number) => {
    const text = env[name];
    if (text === undefined || text === "") return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) problems.push(`${show(name)} is not a number of seconds above 0. Fix: e.g. ${fallback}`);
    return n;
  };
  const upstreamTimeout = seconds("ROUTER_UPSTREAM_TIMEOUT_SECONDS", DEFAULTS.upstreamTimeoutSeconds);
  const idleTimeout = seconds("ROUTER_IDLE_TIMEOUT_SECONDS", DEFAULTS.idleTimeoutSeconds);
  const listTimeout = seconds("ROUTER_LIST_TIMEOUT_SECONDS", DEFAULTS.listTimeoutSeconds);
  const ssmTimeout = seconds("ROUTER_SSM_TIMEOUT_SECONDS", DEFAULTS.ssmTimeoutSeconds);
  const autoScalingTimeout = seconds("ROUTER_AUTOSCALING_TIMEOUT_SECONDS", DEFAULTS.autoScalingTimeoutSeconds);
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "";
  const credentials = {
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? "",
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? "",
    sessionToken: env.AWS_SESSION_TOKEN || undefined,
  };
  const endpointOverride = (name: string, service: string): URL | undefined => {
    if (!env[name]) return undefined;
    try {
      return new URL(env[name]!);
    } catch {
      problems.push(`${show(name)} is not a URL. Fix: leave it unset, or e.g. https://${service}.${region || "ap-southeast-1"}.amazonaws.com`);
      return undefined;
    }
  };

  let wakeGroups: Map<string, string> | undefined;
  let autoScaling: AutoScalingTarget | undefined;
  const wakeText = env.ROUTER_WAKE_GROUPS ?? "";
  if (wakeText !== "" && typeof models !== "string") {
    const parsed = parseWakeGroups(wakeText, models);
    if (typeof parsed === "string") problems.push(`${show("ROUTER_WAKE_GROUPS")} ${parsed}. Fix: <index in ROUTER_MODELS>:<Auto Scaling group name>, comma-separated`);
    else wakeGroups = parsed;
    if (region === "") problems.push(`${show("AWS_REGION")} is empty. Fix: Lambda sets it; elsewhere set it to the groups' region`);
    autoScaling = { region, credentials, endpoint: endpointOverride("AWS_ENDPOINT_URL_AUTO_SCALING", "autoscaling"), timeoutMs: Math.round(autoScalingTimeout * 1000) };
  }
  const wakeWaitText = env.ROUTER_WAKE_WAIT_SECONDS ?? "";
  const wakeWait = wakeWaitText === "" ? 0 : Number(wakeWaitText);
  if (!Number.isFinite(wakeWait) || wakeWait < 0) problems.push(`${show("ROUTER_WAKE_WAIT_SECONDS")} is not a number of seconds, 0 or more. Fix: e.g. 0 (answer at once) or 300`);

  let ssm: SsmKeyStoreOptions | undefined;
  if (authMode === "API_KEY") {
    const parameter = env.ROUTER_KEYS_PARAMETER ?? "";
    if (parameter === "") problems.push(`${show("ROUTER_KEYS_PARAMETER")} is empty. Fix: the name of the SSM parameter holding the key hashes, or ROUTER_AUTH_MODE=AWS_IAM`);
    if (region === "" && autoScaling === undefined) problems.push(`${show("AWS_REGION")} is empty. Fix: Lambda sets it; elsewhere set it to the parameter's region`);
    ssm = { parameter, region, endpoint: endpointOverride("AWS_ENDPOINT_URL_SSM", "ssm"), timeoutMs: Math.round(ssmTimeout * 1000), credentials };
  }

  if (problems.length > 0) {
    throw new EnvironmentError(`router: ${problems.length} problem(s) in the function's environment:\n  - ${problems.join("\n  - ")}`);
  }
  return {
    config: {
      albUrl: alb as URL,
      models: models as Exclude<typeof models, string>,
      authMode,
      allowModelManagement: allow === "true",
      metricsNamespace: namespace,
      upstreamTimeoutMs: Math.round(upstreamTimeout * 1000),
      idleTimeoutMs: Math.round(idleTimeout * 1000),
      bodyTimeoutMs: DEFAULTS.bodyTimeoutSeconds * 1000,
      bodyBufferBytes: DEFAULTS.bodyBufferMb * 1024 * 1024,
      listTimeoutMs: Math.round(listTimeout * 1000),
      ...(wakeGroups === undefined ? {} : { wakeGroups, wakeWaitMs: Math.round(wakeWait * 1000) }),
    },
    ssm,
    ...(autoScaling === undefined ? {} : { autoScaling }),
  };
}
