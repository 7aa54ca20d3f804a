// Local mode's command line:
//   npm run router -- --listen HOST:PORT --alb URL --models m1,m2,... [--keys-file FILE]
//                     [--allow-model-management] [--upstream-timeout SECONDS] [--metrics-namespace NAME]
import * as path from "path";
import { AuthMode, DEFAULTS, parseAlbUrl, parseModelList, RouterConfig } from "./config";

export const USAGE =
  "usage: npm run router -- --listen HOST:PORT --alb URL --models m1,m2,... [--keys-file FILE] " +
  "[--allow-model-management] [--upstream-timeout SECONDS] [--metrics-namespace NAME]";

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

const VALUE_FLAGS = ["--listen", "--alb", "--models", "--keys-file", "--upstream-timeout", "--metrics-namespace"];
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

  const timeoutText = values.get("--upstream-timeout") ?? env.ROUTER_UPSTREAM_TIMEOUT_SECONDS;
  const timeoutSeconds = timeoutText === undefined || timeoutText === "" ? DEFAULTS.upstreamTimeoutSeconds : Number(timeoutText);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    const source = values.has("--upstream-timeout") ? "--upstream-timeout" : "ROUTER_UPSTREAM_TIMEOUT_SECONDS";
    throw new UsageError(`router: ${source} ${JSON.stringify(timeoutText)} is not a number of seconds above 0; use e.g. ${example("--upstream-timeout")}`);
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
    case "--upstream-timeout":
      return "--upstream-timeout 300";
    default:
      return "--metrics-namespace OllamaFleet/Router";
  }
}
