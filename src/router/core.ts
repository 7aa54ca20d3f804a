// The router: one function `(request, response)` over Node streams. It reads the model a request
// names, checks the caller's key, and streams the request through the internal ALB with
// `?redirect_model=<model>`, so the ALB's listener rules stay the one routing table. The Lambda
// adapter and the local server are thin shells around `Router.handle`.
import type * as http from "http";
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from "http";
import { performance } from "perf_hooks";
import { Readable, Writable } from "stream";
import { bearerToken, findKey, KeyStore, KeysUnavailableError } from "./auth";
import { ClientGoneError, discardBody, hasBody, readBody } from "./body";
import { MAX_REQUEST_BYTES, RouterConfig } from "./config";
import { Dialect, dialectOf, errorBody } from "./errors";
import { forward } from "./forward";
import { downstreamResponseHeaders, upstreamRequestHeaders } from "./headers";
import { ListShape, mergeLists } from "./lists";
import { logLine, RequestRecord } from "./log";
import { TailSniffer } from "./tokens";
import { Upstream } from "./upstream";

/** What the router needs of a request: Node's `IncomingMessage` is one. */
export interface RouterRequest extends Readable {
  readonly method?: string;
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
  readonly socket?: { readonly remoteAddress?: string } | null;
}

/** What the router needs of a response: Node's `ServerResponse` is one. */
export interface RouterResponse extends Writable {
  writeHead(statusCode: number, headers?: OutgoingHttpHeaders): this;
  readonly headersSent: boolean;
}

export interface RouterOptions {
  readonly config: RouterConfig;
  /** Required when `config.authMode` is `API_KEY`. */
  readonly keys?: KeyStore;
  /** Receives one JSON line per request. @default a line on stdout */
  readonly log?: (line: string) => void;
  /** Clients that name the address they came from (local mode); the Lambda URL sets X-Forwarded-For itself. */
  readonly forwardClientAddress?: boolean;
}

const MANAGEMENT_PATHS = new Set(["/api/pull", "/api/delete", "/api/create", "/api/copy", "/api/push"]);
const isManagement = (path: string) => MANAGEMENT_PATHS.has(path) || path === "/api/blobs" || path.startsWith("/api/blobs/");

/** GET paths answered by asking every model's server and merging, each in its API's shape. */
const MERGED_LISTS: Record<string, ListShape> = { "/api/tags": "ollama", "/api/ps": "ollama", "/v1/models": "openai" };

/** A merged list waits this long at most for each server (a list is cheap; a dead server is not worth minutes). */
const LIST_TIMEOUT_MS = 15_000;

/** One request in flight, and the record its log line is made of. */
class Exchange {
  readonly start = performance.now();
  readonly pathname: string;
  readonly query: string;
  readonly method: string;
  readonly dialect: Dialect;
  ttfbMs?: number;
  clientGone = false;
  readonly record: RequestRecord;

  constructor(readonly req: RouterRequest, readonly res: RouterResponse) {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    this.pathname = q < 0 ? url : url.slice(0, q);
    this.query = q < 0 ? "" : url.slice(q + 1);
    this.method = (req.method ?? "GET").toUpperCase();
    this.dialect = dialectOf(this.pathname);
    this.record = {
      key: null,
      model: null,
      servedModel: null,
      method: this.method,
      path: this.pathname,
      status: 0,
      durationMs: 0,
      bytesOut: 0,
      failed: false,
    };
  }

  firstByte(): void {
    if (this.ttfbMs === undefined) this.ttfbMs = performance.now() - this.start;
  }
}

function whenDone(res: Writable): Promise<void> {
  if (res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    res.once("finish", resolve);
    res.once("close", resolve);
  });
}

/** The client's query string, less any `redirect_model` of its own (the router picks the server), plus ours. */
export function upstreamQuery(query: string, redirectModel: string | undefined): string {
  const kept = query === "" ? [] : query.split("&").filter((p) => p !== "" && !/^redirect_model(=|$)/i.test(p));
  if (redirectModel !== undefined) kept.push(`redirect_model=${encodeURIComponent(redirectModel)}`);
  return kept.length === 0 ? "" : `?${kept.join("&")}`;
}

export class Router {
  private readonly config: RouterConfig;
  private readonly keys?: KeyStore;
  private readonly log: (line: string) => void;
  private readonly upstream: Upstream;
  private readonly forwardClientAddress: boolean;

  constructor(options: RouterOptions) {
    this.config = options.config;
    this.keys = options.keys;
    if (this.config.authMode === "API_KEY" && !this.keys) throw new Error("authMode API_KEY needs a key store");
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
    this.forwardClientAddress = options.forwardClientAddress ?? false;
    this.upstream = new Upstream(this.config.albUrl);
  }

  /** Closes the kept-alive connections to the ALB. */
  close(): void {
    this.upstream.close();
  }

  /** Answers one request; resolves once the response is complete (or cut) and its line is logged. */
  handle = async (req: RouterRequest, res: RouterResponse): Promise<void> => {
    const x = new Exchange(req, res);
    try {
      await this.route(x);
    } catch (err) {
      if (err instanceof ClientGoneError) {
        x.clientGone = true;
        x.record.status = 499;
        x.record.error = err.message;
        res.destroy();
      } else {
        x.record.failed = true;
        x.record.error = `router error: ${(err as Error).message}`;
        if (!res.headersSent && !res.destroyed) this.reply(x, 500, "internal router error", "internal_error");
        else res.destroy();
      }
    }
    await whenDone(res);
    this.finish(x);
  };

  private async route(x: Exchange): Promise<void> {
    const { method, pathname } = x;
    if (this.config.authMode === "API_KEY" && !(await this.authenticate(x))) return;

    if (pathname === "/" && (method === "GET" || method === "HEAD")) {
      return this.send(x, 200, "text/plain; charset=utf-8", "Ollama is running");
    }
    if (isManagement(pathname) && !this.config.allowModelManagement) {
      return this.reply(
        x,
        403,
        `${pathname} manages models on the servers and is closed on this router; ` +
          `models are pulled by the deployment (start the router with --allow-model-management, ` +
          `or set ROUTER_ALLOW_MODEL_MANAGEMENT=true, to open it)`,
        "model_management_disabled",
      );
    }
    if (method === "GET" && MERGED_LISTS[pathname] !== undefined) return this.mergeLists(x, MERGED_LISTS[pathname]);

    let model: string | undefined;
    let body: Buffer | undefined;
    const streamBody = pathname.startsWith("/api/blobs/");
    if (pathname.startsWith("/v1/models/") && (method === "GET" || method === "HEAD" || method === "DELETE")) {
      try {
        model = decodeURIComponent(pathname.slice("/v1/models/".length));
      } catch {
        return this.reply(x, 400, `the model in the path ${pathname} is not valid percent-encoding`, "invalid_model");
      }
    } else if (!streamBody && method !== "GET" && method !== "HEAD" && hasBody(x.req)) {
      const read = await readBody(x.req, MAX_REQUEST_BYTES);
      if (read === null) {
        return this.reply(x, 413, `the request body is larger than ${MAX_REQUEST_BYTES} bytes (6 MB), the most the router accepts`, "request_too_large");
      }
      body = read;
      let json: unknown;
      try {
        json = JSON.parse(body.toString("utf8"));
      } catch (err) {
        return this.reply(x, 400, `the request body is not valid JSON: ${(err as Error).message}`, "invalid_json");
      }
      const named = modelNamedIn(json, pathname);
      if (typeof named === "object") return this.reply(x, 400, named.problem, "invalid_model");
      model = named;
    }
    if (model === undefined && method === "POST" && !streamBody) {
      return this.reply(x, 400, `the request names no model: put it in the JSON body as "model"`, "missing_model");
    }

    let served: string | undefined;
    if (model !== undefined) {
      x.record.model = clip(model);
      served = this.config.models.resolve(model);
      if (served === undefined) {
        return this.reply(
          x,
          404,
          `model "${clip(model)}" is not served here; served models: ${this.config.models.served.join(", ")}`,
          "model_not_found",
        );
      }
      x.record.servedModel = served;
    }
    return this.proxy(x, body, streamBody, served);
  }

  /** Checks the bearer key; answers 401/503 itself and returns false when the request may not pass. */
  private async authenticate(x: Exchange): Promise<boolean> {
    let keys;
    try {
      keys = await this.keys!.keys();
    } catch (err) {
      if (!(err instanceof KeysUnavailableError)) throw err;
      this.reply(x, 503, `the router cannot check API keys right now: ${err.message}`, "keys_unavailable");
      return false;
    }
    const unauthorized = { "www-authenticate": "Bearer" };
    if (keys.length === 0) {
      this.reply(x, 401, `no API keys are configured on this router, so every request is refused; ${this.keys!.howToAdd}`, "no_api_keys_configured", unauthorized);
      return false;
    }
    const token = bearerToken(x.req.headers.authorization);
    if (token === undefined) {
      this.reply(x, 401, "missing API key: send it as the header Authorization: Bearer <key>", "missing_api_key", unauthorized);
      return false;
    }
    const key = findKey(keys, token);
    if (key === undefined) {
      this.reply(x, 401, "invalid API key", "invalid_api_key", unauthorized);
      return false;
    }
    x.record.key = key.name;
    return true;
  }

  /** Answers with a body the router wrote itself, then drops whatever body the client still sends. */
  private send(x: Exchange, status: number, contentType: string, body: string, headers?: OutgoingHttpHeaders): void {
    const { req, res } = x;
    const bytes = Buffer.from(body, "utf8");
    x.record.status = status;
    if (status >= 500) x.record.failed = true;
    res.writeHead(status, { "content-type": contentType, "content-length": bytes.length, ...headers });
    x.firstByte();
    if (x.method === "HEAD") {
      res.end();
    } else {
      x.record.bytesOut += bytes.length;
      res.end(bytes);
    }
    discardBody(req);
  }

  /** An error in the caller's dialect. */
  private reply(x: Exchange, status: number, message: string, code: string, headers?: OutgoingHttpHeaders): void {
    x.record.error = message;
    this.send(x, status, "application/json; charset=utf-8", errorBody(x.dialect, status, message, code), headers);
  }

  private proxy(x: Exchange, body: Buffer | undefined, streamBody: boolean, served: string | undefined): Promise<void> {
    const { req, res } = x;
    const path = x.pathname + upstreamQuery(x.query, served);
    let bodyLength: number | undefined = body?.length;
    if (streamBody) {
      const declared = Number(req.headers["content-length"]);
      bodyLength = Number.isFinite(declared) ? declared : undefined;
    } else if (body === undefined && x.method !== "GET" && x.method !== "HEAD") {
      bodyLength = 0;
    }
    const headers = upstreamRequestHeaders(req.headers, this.upstream.host, bodyLength, this.forwardClientAddress ? req.socket?.remoteAddress : undefined);

    return new Promise<void>((resolve) => {
      let current: http.ClientRequest;
      let responded = false;
      let retried = false;
      let timedOut = false; // a flag, not an Error made per request: an Error captures a stack trace
      const timer = setTimeout(() => {
        timedOut = true;
        current.destroy();
      }, this.config.upstreamTimeoutMs);
      // before the server answers; forward() watches the client once it has
      const onClientClose = () => {
        if (res.writableFinished) return;
        x.clientGone = true;
        current.destroy();
      };
      res.on("close", onClientClose);

      const onError = (err: NodeJS.ErrnoException, upReq: http.ClientRequest) => {
        if (responded || upReq !== current) return;
        // A kept-alive socket the ALB closed while idle: the request never reached it, so send it again once.
        if (err.code === "ECONNRESET" && upReq.reusedSocket && !retried && !streamBody && !x.clientGone && !timedOut) {
          retried = true;
          send();
          return;
        }
        clearTimeout(timer);
        res.off("close", onClientClose);
        if (x.clientGone) {
          x.record.status = 499;
          x.record.error = "the client closed the connection before the server answered";
        } else if (timedOut) {
          const seconds = this.config.upstreamTimeoutMs / 1000;
          this.reply(x, 504, `the model server did not start answering within ${seconds} s (upstream timeout)`, "upstream_timeout");
        } else {
          this.reply(x, 502, `the load balancer could not be reached or closed the connection (${err.code ?? err.message})`, "upstream_unreachable");
        }
        resolve();
      };

      const onResponse = (upRes: IncomingMessage) => {
        responded = true;
        clearTimeout(timer);
        res.off("close", onClientClose);
        if (x.clientGone) {
          upRes.destroy();
          resolve();
          return;
        }
        const status = upRes.statusCode ?? 502;
        x.record.status = status;
        if (status >= 500) x.record.failed = true;
        res.writeHead(status, downstreamResponseHeaders(upRes.headers));
        const type = String(upRes.headers["content-type"] ?? "");
        const sniffer =
          !upRes.headers["content-encoding"] && /json|event-stream/i.test(type) ? new TailSniffer(/event-stream/i.test(type)) : undefined;
        upRes.on("data", (chunk: Buffer) => {
          if (x.ttfbMs === undefined) x.firstByte();
          x.record.bytesOut += chunk.length;
          sniffer?.push(chunk);
        });
        forward(upRes, res, (broken) => {
          if (broken?.side === "source") {
            x.record.failed = true;
            x.record.error = `the model server's response broke off after ${x.record.bytesOut} bytes; the stream was cut`;
          } else if (broken) {
            x.clientGone = true;
            x.record.error = "the client closed the connection during the response";
          } else if (sniffer) {
            const counts = sniffer.counts();
            if (counts) {
              x.record.promptTokens = counts.promptTokens;
              x.record.outputTokens = counts.outputTokens;
              if (counts.outputTokens !== undefined) {
                const seconds = counts.evalSeconds ?? (performance.now() - x.start) / 1000;
                if (seconds > 0) x.record.tokensPerSecond = counts.outputTokens / seconds;
              }
            }
          }
          resolve();
        });
      };

      const send = () => {
        const upReq = this.upstream.request(x.method, path, headers);
        current = upReq;
        upReq.on("response", onResponse);
        upReq.on("error", (err) => onError(err, upReq));
        if (streamBody) req.pipe(upReq);
        else upReq.end(body);
      };
      send();
    });
  }

  /** GET /api/tags, /api/ps, /v1/models: every model's server, asked in parallel through the ALB, merged. */
  private async mergeLists(x: Exchange, shape: ListShape): Promise<void> {
    const served = this.config.models.served;
    const timeoutMs = Math.min(LIST_TIMEOUT_MS, this.config.upstreamTimeoutMs);
    const results = await Promise.all(served.map((m) => this.upstream.getJson(x.pathname + upstreamQuery("", m), timeoutMs)));
    const { body, failed, reasons } = mergeLists(this.config.models, results, shape);
    if (failed.length > 0) {
      x.record.failedModels = failed;
      x.record.failed = true;
    }
    if (failed.length === served.length) {
      return this.reply(x, 502, `no model server answered GET ${x.pathname}: ${reasons.join("; ")}`, "upstream_unreachable");
    }
    if (failed.length > 0) x.record.error = `some model servers did not answer: ${reasons.join("; ")}`;
    this.send(x, 200, "application/json; charset=utf-8", JSON.stringify(body));
  }

  private finish(x: Exchange): void {
    const r = x.record;
    r.durationMs = performance.now() - x.start;
    r.ttfbMs = x.ttfbMs;
    if (r.status === 0) r.status = 499;
    this.log(logLine(r, this.config.metricsNamespace, Date.now()));
  }
}

/** Client text in messages and log lines is cut short: a 6 MB "model" must not make a 6 MB log line. */
function clip(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

/**
 * The model a JSON body names: `model`, or `name` (older Ollama admin calls), or `source` for
 * `/api/copy`. Undefined when it names none; `{problem}` when the field is there but unusable.
 */
function modelNamedIn(json: unknown, pathname: string): string | undefined | { problem: string } {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  for (const field of pathname === "/api/copy" ? ["source", "model", "name"] : ["model", "name"]) {
    const value = o[field];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value !== "string") return { problem: `"${field}" must be a string naming a model, got ${typeof value}` };
    return value;
  }
  return undefined;
}
