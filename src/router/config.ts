// The router's one configuration object. The edges fill it: the Lambda adapter from environment
// variables (lambda-env.ts), local mode from command-line flags (local-args.ts).
import { DEFAULT_ENGINE, ENGINE_NAMES, EngineName, ROUTER_ENGINE_SEPARATOR } from "../engines";
import { ModelTable } from "./models";

export type AuthMode = "NONE" | "API_KEY" | "AWS_IAM";

export interface RouterConfig {
  /** The internal ALB every request goes to, e.g. `http://internal-llm-alb-1.ap-southeast-1.elb.amazonaws.com`. */
  readonly albUrl: URL;
  /** The served models, as clients name them (an Ollama model's `llm_model`, a vLLM model's served name), each with its engine. */
  readonly models: ModelTable;
  /**
   * `API_KEY`: bearer keys checked against a key store; `AWS_IAM`: SigV4 checked by the function URL
   * before the function runs; `NONE`: local development only.
   */
  readonly authMode: AuthMode;
  /** Whether `/api/pull`, `/api/delete`, `/api/create`, `/api/copy`, `/api/push`, `/api/blobs/*` pass. */
  readonly allowModelManagement: boolean;
  /** The CloudWatch namespace of the metrics in the log lines. */
  readonly metricsNamespace: string;
  /**
   * How long to wait for the response headers of a generation asked for without streaming (`"stream":
   * false`, embeddings): the server sends them only once the whole answer is ready.
   */
  readonly upstreamTimeoutMs: number;
  /**
   * The longest silence from a server: before the first byte of every other answer (a streamed
   * one's first chunk comes once the model is loaded and the prompt read) and between two chunks.
   */
  readonly idleTimeoutMs: number;
  /** The whole request body must arrive within this (a body the client stalls or trickles is cut). */
  readonly bodyTimeoutMs: number;
  /** Request bodies the router holds in memory at once, across requests; beyond, 503 with Retry-After. */
  readonly bodyBufferBytes: number;
  /** How long a merged list (`/api/tags`, `/api/ps`, `/v1/models`) waits for each server. */
  readonly listTimeoutMs: number;
  /**
   * The models that scale to zero: served model -> its Auto Scaling group. A request for one that
   * the ALB answers "no registered target" starts the group (RouterOptions.waker). @default none
   */
  readonly wakeGroups?: ReadonlyMap<string, string>;
  /** How long a streamed request for a starting model is held before 503; 0 answers at once. @default 0 */
  readonly wakeWaitMs?: number;
  /** While a request is held, the ALB is asked again this often. @default 5000 */
  readonly wakePollMs?: number;
  /** A request still running writes a BusySeconds line this often. @default 60000 */
  readonly busyTickMs?: number;
}

export const DEFAULTS = {
  metricsNamespace: "OllamaFleet/Router",
  upstreamTimeoutSeconds: 300,
  /** Covers loading a large model from a cold disk (tens of GB at a few hundred MB/s) and a long prompt. */
  idleTimeoutSeconds: 300,
  bodyTimeoutSeconds: 60,
  /** Four bodies of the most a request may carry: 100 clients holding 6 MB bodies keep the router under 150 MB. */
  bodyBufferMb: 24,
  listTimeoutSeconds: 5,
  ssmTimeoutSeconds: 3,
  autoScalingTimeoutSeconds: 3,
} as const;

/** How long a refused caller is asked to wait when the body budget is spent. */
export const BUSY_RETRY_AFTER_SECONDS = 2;

/** How long a caller of a starting model is asked to wait: a server takes minutes, a client retries a few times. */
export const WAKE_RETRY_AFTER_SECONDS = 30;
/** How long a caller of a model that cannot start now (its group's max_size is 0, or the call failed) is asked to wait. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 300;
/** While a request waits for a starting model, the ALB is asked again this often. */
export const WAKE_POLL_MS = 5000;
/** A BusySeconds line per running request and minute: the metric's period. */
export const BUSY_TICK_MS = 60_000;

/** A Lambda request payload is at most 6 MB; local mode keeps the same limit so both behave alike. */
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

/** Checks an ALB URL: http or https, an origin with no path, query or credentials. */
export function parseAlbUrl(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "is not a URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must start with http:// or https://";
  if (url.username || url.password || url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) {
    return "must be the ALB's origin only (scheme, host, optional port), with no path, query or credentials";
  }
  return url;
}

/**
 * Parses `m1,m2=vllm,...`: each served model's name, and `=<engine>` after one served by another
 * engine than Ollama. Returns the table or a problem.
 */
export function parseModelList(text: string): ModelTable | string {
  const items = text.split(",").map((s) => s.trim());
  if (items.length === 0 || items.every((n) => n === "")) return "names no model";
  const names: string[] = [];
  const engines: Record<string, EngineName> = {};
  for (const item of items) {
    const [name, engine, ...rest] = item.split(ROUTER_ENGINE_SEPARATOR);
    if (name === "" || /[\s*?]/.test(name) || rest.length > 0) return `has an empty or invalid model name "${item}" (no spaces, * or ?)`;
    if (engine !== undefined) {
      if (!(ENGINE_NAMES as readonly string[]).includes(engine)) return `names the engine "${engine}" for "${name}"; engines: ${ENGINE_NAMES.join(", ")}`;
      if (engine !== DEFAULT_ENGINE) engines[name] = engine as EngineName;
    }
    names.push(name);
  }
  try {
    return new ModelTable(names, engines);
  } catch (err) {
    return (err as Error).message;
  }
}
