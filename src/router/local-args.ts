// Local mode's command line:
//   npm run router -- --listen HOST:PORT --alb URL --models m1,m2,... [--keys-file FILE]
//                     [--allow-model-management] [--upstream-timeout SECONDS] [--idle-timeout SECONDS]
//                     [--body-timeout SECONDS] [--body-buffer-mb MB] [--list-timeout SECONDS]
//                     [--metrics-namespace NAME]
import * as path from "path";
import { AuthMode, DEFAULTS, MAX_REQUEST_BYTES, parseAlbUrl, parseModelList, RouterConfig } from "./config";

export const USAGE =
  "usage: npm run router -- --listen HOST:PORT --alb URL --models m1,m2,... [--keys-file FILE] " +
  "[--allow-model-management] [--upstream-timeout SECONDS] [--idle-timeout SECONDS] [--body-timeout SECONDS] " +
  "[--body-buffer-mb MB] [--list-timeout SECONDS] [--metrics-namespace NAME]";

/** `npm run router -- --help`. */
export const HELP = `${USAGE}

The streaming router in local mode: forwards Ollama's inference and read calls to the internal ALB,
routed by the model each request names. Prints "listening on http://HOST:PORT", then one JSON line
per request.

  --listen HOST:PORT          address to listen on ([::1]:8080 for IPv6; port 0 picks a free one)
  --alb URL                   the ALB's origin, http:// or https://, no path
  --models m1,m2,...          the served models, as clients name them; a vLLM model's as <served name>=vllm
  --keys-file FILE            check API keys against this list (npm run keys); without it keys are NOT checked
  --allow-model-management    open /api/pull, /api/delete, /api/create, /api/copy, /api/push, /api/blobs/*
  --upstream-timeout SECONDS  wait for the headers of an answer asked for without streaming (default ${DEFAULTS.upstreamTimeoutSeconds})
  --idle-timeout SECONDS      longest silence from a server: before a streamed answer's first chunk
                              (model load included) and between chunks (default ${DEFAULTS.idleTimeoutSeconds})
  --body-timeout SECONDS      the whole request body must arrive within this (default ${DEFAULTS.bodyTimeoutSeconds})
  --body-buffer-mb MB         request bodies held in memory at once; beyond, 503 with Retry-After (default ${DEFAULTS.bodyBufferMb})
  --list-timeout SECONDS      merged lists wait this long for each server (default ${DEFAULTS.listTimeoutSeconds})
  --metrics-namespace NAME    CloudWatch namespace in the log lines (default ${DEFAULTS.metricsNamespace})

Each number may also come from the environment: ROUTER_UPSTREAM_TIMEOUT_SECONDS, ROUTER_IDLE_TIMEOUT_SECONDS,
ROUTER_BODY_TIMEOUT_SECONDS, ROUTER_BODY_BUFFER_MB, ROUTER_LIST_TIMEOUT_SECONDS.
`;

/** Whether the command line asks for the help text (it is printed, and the process exits 0). */
export const wantsHelp = (argv: readonly string[]): boolean => argv.includes("--help") || argv.includes("-h");

/** A bad command line: the message is one line naming the flag and the fix; the process exits 2. */
export class UsageError extends Error {}

export interface LocalOptions {
  /** The address to bind (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** HOST as given, for the `listening on http://HOST:PORT` line. */
  readonly hostAsGiven: string;
  readonly keysFile?: string;
  readonly config: RouterConfig;
}

/** The numeric flags: their variable, default, and whether a fraction makes sense. */
const NUMBERS = {
  "--upstream-timeout": { variable: "ROUTER_UPSTREAM_TIMEOUT_SECONDS", fallback: DEFAULTS.upstreamTimeoutSeconds, unit: "seconds" },
  "--idle-timeout": { variable: "ROUTER_IDLE_TIMEOUT_SECONDS", fallback: DEFAULTS.idleTimeoutSeconds, unit: "seconds" },
  "--body-timeout": { variable: "ROUTER_BODY_TIMEOUT_SECONDS", fallback: DEFAULTS.bodyTimeoutSeconds, unit: "seconds" },
  "--body-buffer-mb": { variable: "ROUTER_BODY_BUFFER_MB", fallback: DEFAULTS.bodyBufferMb, unit: "MB" },
  "--list-timeout": { variable: "ROUTER_LIST_TIMEOUT_SECONDS", fallback: DEFAULTS.listTimeoutSeconds, unit: "seconds" },
} as const;
type NumberFlag = keyof typeof NUMBERS;

const VALUE_FLAGS = ["--listen", "--alb", "--models", "--keys-file", "--metrics-namespace", ...Object.keys(NUMBERS)];
const BOOLEAN_FLAGS = ["--allow-model-management"];

export function parseLocalArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): LocalOptions {
  const values = new Map<string, string>();
  let allowModelManagement = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (BOOLEAN_FLAGS.includes(flag)) {
      if (flag !== arg) throw new UsageError(`router: ${flag} takes no value; leave it out to keep model management closed`);
      allowModelManagement = true;
    } else if (VALUE_FLAGS.includes(flag)) {
      const value = flag !== arg ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || (flag === arg && value.startsWith("--"))) {
        throw new UsageError(`router: ${flag} needs a value, e.g. ${example(flag)}`);
      }
      if (values.has(flag)) throw new UsageError(`router: ${flag} is given twice; give it once`);
      values.set(flag, value);
    } else {
      throw new UsageError(`router: unknown option ${JSON.stringify(arg)}; ${USAGE}`);
    }
  }
  for (const required of ["--listen", "--alb", "--models"]) {
    if (!values.has(required)) throw new UsageError(`router: ${required} is required, e.g. ${example(required)}`);
  }

  const listen = values.get("--listen")!;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new UsageError(`router: --listen ${JSON.stringify(listen)} is not HOST:PORT with a port from 0 to 65535; use e.g. ${example("--listen")}`);
  }

  const alb = parseAlbUrl(values.get("--alb")!);
  if (typeof alb === "string") {
    throw new UsageError(`router: --alb ${JSON.stringify(values.get("--alb"))} ${alb}; use e.g. ${example("--alb")}`);
  }
  const models = parseModelList(values.get("--models")!);
  if (typeof models === "string") {
    throw new UsageError(`router: --models ${JSON.stringify(values.get("--models"))} ${models}; use e.g. ${example("--models")}`);
  }

  const number = (flag: NumberFlag): number => {
    const { variable, fallback, unit } = NUMBERS[flag];
    const text = values.get(flag) ?? env[variable];
    const n = text === undefined || text === "" ? fallback : Number(text);
    if (!Number.isFinite(n) || n <= 0) {
      const source = values.has(flag) ? flag : variable;
      throw new UsageError(`router: ${source} ${JSON.stringify(text)} is not a number of ${unit} above 0; use e.g. ${flag} ${fallback}`);
    }
    return n;
  };
  const timeoutSeconds = number("--upstream-timeout");
  const idleSeconds = number("--idle-timeout");
  const bodySeconds = number("--body-timeout");
  const bufferMb = number("--body-buffer-mb");
  const listSeconds = number("--list-timeout");
  if (bufferMb * 1024 * 1024 < MAX_REQUEST_BYTES) {
    throw new UsageError(`router: --body-buffer-mb ${bufferMb} holds less than one request body (6 MB); use e.g. --body-buffer-mb ${DEFAULTS.bodyBufferMb}`);
  }

  const namespace = values.get("--metrics-namespace") ?? DEFAULTS.metricsNamespace;
  if (namespace === "" || namespace.length > 255) {
    throw new UsageError(`router: --metrics-namespace must be 1 to 255 characters, e.g. ${example("--metrics-namespace")}`);
  }

  const keysFile = values.get("--keys-file");
  if (keysFile === "") throw new UsageError(`router: --keys-file needs a file name, e.g. ${example("--keys-file")}`);
  const authMode: AuthMode = keysFile === undefined ? "NONE" : "API_KEY";
  return {
    host: m[1].replace(/^\[|\]$/g, ""),
    hostAsGiven: m[1],
    port,
    // npm runs scripts from the package root; a relative file is meant from where npm was started
    keysFile: keysFile === undefined ? undefined : path.resolve(env.INIT_CWD ?? process.cwd(), keysFile),
    config: {
      albUrl: alb,
      models,
      authMode,
      allowModelManagement,
      metricsNamespace: namespace,
      upstreamTimeoutMs: Math.round(timeoutSeconds * 1000),
      idleTimeoutMs: Math.round(idleSeconds * 1000),
      bodyTimeoutMs: Math.round(bodySeconds * 1000),
      bodyBufferBytes: Math.round(bufferMb * 1024 * 1024),
      listTimeoutMs: Math.round(listSeconds * 1000),
    },
  };
}

function example(flag: string): string {
  switch (flag) {
    case "--listen":
      return "--listen 127.0.0.1:8080";
    case "--alb":
      return "--alb http://internal-llm-alb-123.ap-southeast-1.elb.amazonaws.com";
    case "--models":
      return "--models llama3:8b,qwen2:7b";
    case "--keys-file":
      return "--keys-file router-keys.json";
    default:
      return "--metrics-namespace OllamaFleet/Router";
  }
}
