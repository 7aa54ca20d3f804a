// The router's side of the ALB: one kept-alive agent, plain requests for proxying, and small JSON
// GETs for the merged model lists.
import * as http from "http";
import * as https from "https";
import type { Socket } from "net";
import type { OutgoingHttpHeaders } from "http";

export type JsonResult = { ok: true; json: unknown } | { ok: false; reason: string; noTarget?: boolean };

/**
 * The ALB's own 503 for a target group without a registered target (AWS: "HTTP 503: Service
 * unavailable. The target groups for the load balancer have no registered targets"), which the ALB
 * sends as `Server: awselb/2.0`. A server's own 503 (Ollama's full queue) has no such header: the
 * request reached it.
 */
export function noRegisteredTarget(status: number, headers: http.IncomingHttpHeaders): boolean {
  return status === 503 && fromLoadBalancer(headers);
}

/** An answer the ALB made itself (`Server: awselb/2.0`), not one a server sent through it. */
export function fromLoadBalancer(headers: http.IncomingHttpHeaders): boolean {
  return /^awselb\//i.test(String(headers.server ?? ""));
}

/**
 * Ollama's answer for a model it does not have (yet): 404 with `model 'x' not found` (its native
 * calls) or `model "x" not found, try pulling it first` (its OpenAI-compatible ones), the message as
 * `error` or `error.message`. Nothing was done: the server checks the model before any work.
 */
export function modelNotFound(body: Buffer): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return false;
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  const message = typeof error === "string" ? error : (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === "string" && /^model (['"]).+\1 not found(, try pulling it first)?$/.test(message);
}

const JSON_MAX_BYTES = 8 * 1024 * 1024;

/**
 * A kept-alive connection idle longer than this is closed rather than reused. The ALB closes idle
 * connections after its idle timeout (`alb_idle_timeout_seconds`, 600 s by default), and a request
 * sent on a connection it has just closed fails with a reset: a POST is never sent twice, so it must
 * not meet such a connection. Counted in wall-clock time, so a Lambda environment thawed after
 * minutes drops its old connections.
 */
export const MAX_IDLE_CONNECTION_MS = 20_000;

const idleSince = new WeakMap<Socket, number>();

/** Node calls `keepSocketAlive` when a connection goes back to the pool (documented; not in @types/node 20). */
type PoolingAgent = http.Agent & { keepSocketAlive(socket: Socket): boolean };

/** Notes when each connection was given back to the pool. */
function stamping(agent: http.Agent): http.Agent {
  const pooling = agent as PoolingAgent;
  const keep = pooling.keepSocketAlive.bind(agent);
  pooling.keepSocketAlive = (socket: Socket) => {
    const kept = keep(socket);
    if (kept) idleSince.set(socket, Date.now());
    return kept;
  };
  return agent;
}

export class Upstream {
  /** `host[:port]` as the Host header names the ALB. */
  readonly host: string;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;
  private readonly hostname: string;
  private readonly port: number | undefined;
  private nextPrune = 0;

  constructor(albUrl: URL) {
    const secure = albUrl.protocol === "https:";
    this.transport = secure ? https : http;
    // `timeout` closes a pooled connection after that long idle (a request on it is not affected)
    const options = { keepAlive: true, timeout: MAX_IDLE_CONNECTION_MS };
    this.agent = stamping(secure ? new https.Agent(options) : new http.Agent(options));
    this.host = albUrl.host;
    this.hostname = albUrl.hostname.replace(/^\[|\]$/g, "");
    this.port = albUrl.port ? Number(albUrl.port) : undefined;
  }

  request(method: string, path: string, headers: OutgoingHttpHeaders): http.ClientRequest {
    this.dropStaleConnections();
    const req = this.transport.request({ agent: this.agent, hostname: this.hostname, port: this.port, method, path, headers });
    req.on("socket", (socket) => socket.setNoDelay(true));
    return req;
  }

  /** Closes pooled connections idle too long (the agent's own timer does not run while Lambda is frozen). */
  private dropStaleConnections(): void {
    const now = Date.now();
    // once a second is enough against a limit of 20 s, and a thaw moves the clock past it
    if (now < this.nextPrune) return;
    this.nextPrune = now + 1000;
    const pools = this.agent.freeSockets;
    for (const name in pools) {
      for (const socket of pools[name] ?? []) {
        if (now - (idleSince.get(socket) ?? now) > MAX_IDLE_CONNECTION_MS) socket.destroy();
      }
    }
  }

  /** GET `path` and parse its JSON; any failure (network, status, size, timeout) is a reason, not a throw. */
  getJson(path: string, headers: OutgoingHttpHeaders, timeoutMs: number): Promise<JsonResult> {
    return new Promise((resolve) => {
      const req = this.request("GET", path, { ...headers, host: this.host, accept: "application/json" });
      let settled = false;
      const settle = (result: JsonResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        settle({ ok: false, reason: `no answer within ${timeoutMs / 1000} s` });
        req.destroy();
      }, timeoutMs);
      req.on("error", (err: NodeJS.ErrnoException) => settle({ ok: false, reason: err.code ?? err.message }));
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > JSON_MAX_BYTES) res.destroy(new Error("answer too large"));
          else chunks.push(c);
        });
        res.on("error", (err) => settle({ ok: false, reason: err.message }));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) return settle({ ok: false, reason: `HTTP ${status}`, noTarget: noRegisteredTarget(status, res.headers) });
          try {
            settle({ ok: true, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
          } catch {
            settle({ ok: false, reason: "answer is not JSON" });
          }
        });
      });
      req.end();
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}
