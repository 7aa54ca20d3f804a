// The router: one function `(request, response)` over Node streams. It forwards only the calls of
// the allowlist (endpoints.ts), written canonically (target.ts); reads the model a request names as
// Ollama's server reads it (go-json.ts); checks the caller's key; and streams the request through
// the internal ALB with the routing header (and `?redirect_model=`, which older listener rules read)
// set to the served model, so the ALB's listener rules stay the one routing table. The Lambda
// adapter and the local server are thin shells around `Router.handle`.
import type * as http from "http";
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from "http";
import { performance } from "perf_hooks";
import { PassThrough, Readable, Writable } from "stream";
import { Allowlist } from "./allowlist";
import { bearerToken, findKey, KeyStore, KeysUnavailableError } from "./auth";
import { BodyBudget, ClientGoneError, discardBody, hasBody, HeldBody, readBody } from "./body";
import {
  BUSY_RETRY_AFTER_SECONDS,
  BUSY_TICK_MS,
  MAX_REQUEST_BYTES,
  RouterConfig,
  UNAVAILABLE_RETRY_AFTER_SECONDS,
  WAKE_POLL_MS,
  WAKE_RETRY_AFTER_SECONDS,
} from "./config";
import type { Engine } from "../engines";
import { Endpoint, ROUTING_HEADER } from "./endpoints";
import { Dialect, dialectOf, errorBody } from "./errors";
import { forward } from "./forward";
import { goFields } from "./go-json";
import { scanObject } from "./json-scan";
import { downstreamResponseHeaders, upstreamRequestHeaders } from "./headers";
import { ListShape, mergeLists } from "./lists";
import { BUSY_SECONDS_METRIC, LIST_REQUESTS_METRIC, logLine, metricLine, RequestRecord } from "./log";
import { readTarget } from "./target";
import { TailSniffer } from "./tokens";
import { fromLoadBalancer, modelNotFound, Upstream } from "./upstream";
import { Waker, WakeOutcome } from "./wake";

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
  /** Starts the groups of `config.wakeGroups`; without it, their models are answered as any other. */
  readonly waker?: Waker;
}

/**
 * Why a request for a model that scales to zero reached no ready server: its target group has no
 * registered target (the ALB's 503), its server does not listen yet (the ALB's 502), or its server
 * has not pulled the model yet (Ollama's 404 for it).
 */
type NotReady = "no-target" | "not-listening" | "no-model";

/** The most of a 404's body read to tell Ollama's "model not found" (a line of JSON) from another. */
const NOT_FOUND_BODY_BYTES = 64 * 1024;

/** GET paths answered by asking every model's server and merging, each in its API's shape. */
const MERGED_LISTS: Record<string, ListShape> = { "/api/tags": "ollama", "/api/ps": "ollama", "/v1/models": "openai" };

/** One request in flight, and the record its log line is made of. */
class Exchange {
  readonly start = performance.now();
  readonly target: string;
  readonly method: string;
  /** The canonical path, once the target is known to be one. */
  path = "";
  /** The path as the client wrote it: what goes upstream (the same as `path` once canonical). */
  written = "";
  dialect: Dialect;
  ttfbMs?: number;
  clientGone = false;
  readonly record: RequestRecord;
  /** Since when the request's busy time is not yet in a BusySeconds line. */
  busySince = this.start;
  busyTimer?: NodeJS.Timeout;

  constructor(readonly req: RouterRequest, readonly res: RouterResponse) {
    this.target = req.url ?? "/";
    this.method = req.method ?? "GET";
    this.dialect = dialectOf(this.target);
    this.record = {
      key: null,
      model: null,
      servedModel: null,
      method: clip(this.method, 20),
      path: clip(this.target),
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

/** The path the ALB gets: the canonical path, and `redirect_model` for listener rules of older deployments. */
export function upstreamPath(path: string, servedModel: string | undefined): string {
  return servedModel === undefined ? path : `${path}?redirect_model=${encodeURIComponent(servedModel)}`;
}

/** What a request body names, read as the server reads it; `problem` when the server would refuse it. */
interface BodyReading {
  readonly model?: string;
  readonly streams: boolean;
  readonly problem?: { readonly message: string; readonly code: string };
}

export class Router {
  private readonly config: RouterConfig;
  private readonly keys?: KeyStore;
  private readonly log: (line: string) => void;
  private readonly upstream: Upstream;
  private readonly forwardClientAddress: boolean;
  private readonly allowlist: Allowlist;
  private readonly budget: BodyBudget;
  private readonly waker?: Waker;

  constructor(options: RouterOptions) {
    this.config = options.config;
    this.keys = options.keys;
    if (this.config.authMode === "API_KEY" && !this.keys) throw new Error("authMode API_KEY needs a key store");
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
    this.forwardClientAddress = options.forwardClientAddress ?? false;
    this.upstream = new Upstream(this.config.albUrl);
    this.allowlist = new Allowlist(this.config.allowModelManagement);
    this.budget = new BodyBudget(this.config.bodyBufferBytes);
    this.waker = options.waker;
  }

  /** Bytes of request bodies held right now. */
  get heldBodyBytes(): number {
    return this.budget.heldBytes;
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
    const target = readTarget(x.target);
    x.dialect = dialectOf(target.path);
    if (target.problem !== undefined) {
      return this.reply(
        x,
        400,
        `the request target is not canonical: ${target.problem}. The router forwards only paths written as they are meant, such as /api/chat`,
        "invalid_request_target",
      );
    }
    x.path = target.path;
    x.written = target.written;
    x.record.path = clip(target.path);
    if (this.config.authMode === "API_KEY" && !(await this.authenticate(x))) return;

    const found = this.allowlist.lookup(x.method, x.path);
    if ("refused" in found) {
      if (found.refused === 404) {
        return this.reply(x, 404, `no such endpoint: ${x.path}; the router forwards Ollama's inference and read calls only`, "unknown_endpoint");
      }
      if (found.refused === 405) {
        const allow = found.allow.join(", ");
        return this.reply(x, 405, `${x.record.method} is not allowed on ${x.path}; use ${allow}`, "method_not_allowed", { allow });
      }
      return this.reply(
        x,
        403,
        `${x.path} manages models on the servers and is closed on this router; ` +
          `models are pulled by the deployment (start the router with --allow-model-management, ` +
          `or set ROUTER_ALLOW_MODEL_MANAGEMENT=true, to open it)`,
        "model_management_disabled",
      );
    }
    const endpoint = found.endpoint;
    if (endpoint.kind === "index") return this.send(x, 200, "text/plain; charset=utf-8", "Ollama is running");
    if (endpoint.kind === "list" && endpoint.method === "GET") return this.mergeLists(x, endpoint, MERGED_LISTS[endpoint.path]);
    // A call that names no model goes to the load balancer's default target: only if an engine here speaks it.
    if (endpoint.model === "none" && this.config.models.servedFor(endpoint.path).length === 0) {
      return this.reply(
        x,
        404,
        `${endpoint.method} ${endpoint.path} is a call no model served here answers: the served models' engines speak ` +
          `${[...new Set(this.config.models.served.map((m) => this.config.models.engineOf(m).routing.speaks))].join("; ")}`,
        "unknown_endpoint",
      );
    }

    let model = found.model;
    let held: HeldBody | undefined;
    let streams = false;
    if (endpoint.model === "body" && hasBody(x.req)) {
      const read = await readBody(x.req, { maxBytes: MAX_REQUEST_BYTES, budget: this.budget, timeoutMs: this.config.bodyTimeoutMs });
      if (!read.ok) return this.refuseBody(x, read.reason);
      held = read.body;
      const reading = readBodyFields(held.bytes, endpoint);
      if (reading.problem) {
        held.release();
        return this.reply(x, 400, reading.problem.message, reading.problem.code);
      }
      model = reading.model;
      streams = reading.streams;
    }
    if (endpoint.model !== "none" && model === undefined) {
      held?.release();
      const fields = (endpoint.bodyFields ?? ["model"]).map((f) => `"${f}"`).join(" or ");
      return this.reply(x, 400, `the request names no model: put it in the JSON body as ${fields}`, "missing_model");
    }

    let served: string | undefined;
    if (model !== undefined) {
      x.record.model = clip(model);
      served = this.config.models.resolve(model);
      if (served === undefined) {
        held?.release();
        return this.reply(
          x,
          404,
          `model "${clip(model)}" is not served here; served models: ${this.config.models.served.join(", ")}`,
          "model_not_found",
        );
      }
      x.record.servedModel = served;
      const engine = this.config.models.engineOf(served);
      if (!engine.routing.serves(endpoint.path)) {
        held?.release();
        return this.refuseForEngine(x, endpoint, served, engine);
      }
      this.tickBusy(x, served);
    }
    const group = served === undefined || this.waker === undefined ? undefined : this.config.wakeGroups?.get(served);
    if (group !== undefined) return this.proxyWaking(x, endpoint, held, served!, streams, group);
    await this.proxy(x, endpoint, held, served, streams);
  }

  /** A BusySeconds line for `model` every tick while the request runs (the rest goes with its own line). */
  private tickBusy(x: Exchange, model: string): void {
    const every = this.config.busyTickMs ?? BUSY_TICK_MS;
    x.busyTimer = setInterval(() => {
      const now = performance.now();
      const seconds = (now - x.busySince) / 1000;
      x.busySince = now;
      this.log(metricLine("busy", model, { [BUSY_SECONDS_METRIC]: { value: seconds, unit: "Seconds" } }, this.config.metricsNamespace, Date.now()));
    }, every);
    x.busyTimer.unref();
  }

  /**
   * A model that scales to zero: when the ALB answers that its target group has no registered
   * target (its own 503), the request reached no server, so it is sent again once a server is up:
   * the group is started (once per group and minute, however many requests ask), and the request is
   * answered 503 with Retry-After, or, streamed and with a wait configured, held until a server
   * answers or the wait is over. A server registered but not ready yet is the same to the client:
   * while the target group has no healthy server the ALB sends requests to the starting one anyway
   * (it fails open), which does not listen yet (the ALB's own 502) or has not pulled its model yet
   * (Ollama's 404 for it, which did nothing, so the request may wait and be sent again).
   */
  private async proxyWaking(x: Exchange, endpoint: Endpoint, held: HeldBody | undefined, served: string, streams: boolean, group: string): Promise<void> {
    const waitMs = streams ? (this.config.wakeWaitMs ?? 0) : 0;
    const deadline = performance.now() + waitMs;
    try {
      for (;;) {
        const attempt = await this.proxy(x, endpoint, held, served, streams, true);
        if (attempt === undefined) return;
        if (attempt === "no-target") {
          const outcome = await this.waker!.wake(group);
          x.record.wake = outcome.state;
          if (outcome.state === "refused" || outcome.state === "failed") return this.unavailable(x, served, outcome);
        } else {
          x.record.wake ??= "loading";
          // the ALB's 502 does not say whether the request reached the server: it is not sent again
          if (attempt === "not-listening") return this.starting(x, served, attempt);
        }
        const pollMs = this.config.wakePollMs ?? WAKE_POLL_MS;
        if (performance.now() + pollMs > deadline) return this.starting(x, served, attempt);
        if (!(await this.pause(x, pollMs))) {
          x.clientGone = true;
          x.record.status = 499;
          x.record.error = `the client closed the connection while ${served} was starting`;
          return;
        }
      }
    } finally {
      held?.release();
    }
  }

  /** Waits `ms`; false when the client went away meanwhile. */
  private pause(x: Exchange, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (x.res.destroyed || x.res.writableFinished) return resolve(false);
      const gone = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        x.res.off("close", gone);
        resolve(true);
      }, ms);
      x.res.once("close", gone);
    });
  }

  /** 503: the model had no server, or none ready, and is starting; retry shortly. */
  private starting(x: Exchange, model: string, why: NotReady): void {
    const seconds = WAKE_RETRY_AFTER_SECONDS;
    const state =
      why === "no-target"
        ? "it had no server running (scaled to zero) and one is being started"
        : why === "not-listening"
          ? "its server is starting and does not answer yet"
          : "its server is up and still getting the model";
    this.reply(x, 503, `model "${model}" is starting: ${state}, which takes minutes; retry in ${seconds} s`, "model_starting", { "retry-after": String(seconds) });
  }

  /** 503: the model has no server and none can be started now; the reason is the operator's, in the log. */
  private unavailable(x: Exchange, model: string, outcome: Extract<WakeOutcome, { reason: string }>): void {
    const seconds = UNAVAILABLE_RETRY_AFTER_SECONDS;
    this.reply(
      x,
      503,
      `model "${model}" has no server running and none can be started now${outcome.state === "refused" ? " (it is scheduled off)" : ""}; retry later`,
      "model_unavailable",
      { "retry-after": String(seconds) },
    );
    x.record.error = `${model} has no server and ${outcome.group} was not started: ${outcome.reason}`;
  }

  /**
   * A call the model's engine does not speak (Ollama's /api/chat for a vLLM model): refused in the
   * caller's dialect, saying which engine serves the model and what to call instead. Forwarded, it
   * would get the engine's bare 404.
   */
  private refuseForEngine(x: Exchange, endpoint: Endpoint, served: string, engine: Engine): void {
    const call = `${endpoint.method} ${endpoint.path}`;
    const instead = engine.routing.equivalent(endpoint.path);
    const management = endpoint.kind === "management" ? "; its weights are set by the deployment (llm_model), not through this API" : "";
    return this.reply(
      x,
      400,
      `model "${clip(served)}" is served by ${engine.title}, which speaks ${engine.routing.speaks}, not ${call}${management}` +
        (instead === undefined ? "" : `: call ${instead} instead`),
      "model_engine_mismatch",
    );
  }

  private refuseBody(x: Exchange, reason: "too-large" | "over-budget" | "timeout"): void {
    if (reason === "too-large") {
      return this.reply(x, 413, `the request body is larger than ${MAX_REQUEST_BYTES} bytes (6 MB), the most the router accepts`, "request_too_large");
    }
    if (reason === "over-budget") {
      const seconds = BUSY_RETRY_AFTER_SECONDS;
      return this.reply(x, 503, `the router is busy with other requests' bodies; retry in ${seconds} s`, "router_busy", { "retry-after": String(seconds) });
    }
    // the rest of the body is not waited for: the connection ends with the answer
    this.reply(x, 408, `the request body did not arrive within ${this.config.bodyTimeoutMs / 1000} s`, "request_timeout", { connection: "close" }, true);
  }

  /** Checks the bearer key; answers 401/503 itself and returns false when the request may not pass. */
  private async authenticate(x: Exchange): Promise<boolean> {
    let keys;
    try {
      keys = await this.keys!.keys();
    } catch (err) {
      if (!(err instanceof KeysUnavailableError)) throw err;
      // the reason (a parameter, a file, a parser's words) is the operator's: it goes to the log only
      this.reply(x, 503, "the router cannot check API keys right now; try again later", "keys_unavailable");
      x.record.error = `API keys unavailable: ${err.message}`;
      return false;
    }
    const unauthorized = { "www-authenticate": "Bearer" };
    if (keys.length === 0) {
      this.reply(x, 401, "no API keys are configured on this router, so every request is refused; its operator adds them with npm run keys", "no_api_keys_configured", unauthorized);
      x.record.error = `no API keys are configured; ${this.keys!.howToAdd}`;
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

  /**
   * Answers with a body the router wrote itself, once it has dropped whatever body the client still
   * sends (`cut`: at once, and the connection ends with it).
   */
  private send(x: Exchange, status: number, contentType: string, body: string, headers?: OutgoingHttpHeaders, cut = false): void {
    const { req, res } = x;
    const bytes = Buffer.from(body, "utf8");
    x.record.status = status;
    if (status >= 500) x.record.failed = true;
    res.writeHead(status, { "content-type": contentType, "content-length": bytes.length, ...headers });
    x.firstByte();
    const answer = () => {
      if (res.destroyed) return;
      if (x.method === "HEAD") {
        res.end();
      } else {
        x.record.bytesOut += bytes.length;
        res.end(bytes);
      }
    };
    if (cut) {
      answer();
      res.once("finish", () => req.destroy());
    } else {
      discardBody(req, answer, this.config.bodyTimeoutMs);
    }
  }

  /** An error in the caller's dialect. */
  private reply(x: Exchange, status: number, message: string, code: string, headers?: OutgoingHttpHeaders, cut = false): void {
    x.record.error = message;
    this.send(x, status, "application/json; charset=utf-8", errorBody(x.dialect, status, message, code), headers, cut);
  }

  /**
   * Sends the request to the ALB and streams the answer back. With `keepBody`, the body stays held for
   * another attempt (the caller releases it), and an answer that says the model has no server ready
   * is not passed on but returned (NotReady): the ALB's own 503, no registered target; its own 502,
   * a registered server that does not listen yet; the server's 404 for the model, not pulled yet.
   */
  private proxy(
    x: Exchange,
    endpoint: Endpoint,
    held: HeldBody | undefined,
    served: string | undefined,
    streams: boolean,
    keepBody = false,
  ): Promise<NotReady | void> {
    const { req, res } = x;
    const method = endpoint.method;
    // what the client asked for, never a rewrite of it into another call
    const path = upstreamPath(x.written, served);
    // bodies of blob uploads are streamed through; JSON bodies were read whole
    const streamBody = held === undefined && method === "POST" && hasBody(req);
    let bodyLength: number | undefined = held?.bytes.length;
    if (streamBody) {
      const declared = Number(req.headers["content-length"]);
      bodyLength = Number.isFinite(declared) ? declared : undefined;
    } else if (held === undefined && method !== "GET" && method !== "HEAD") {
      bodyLength = 0;
    }
    const headers = upstreamRequestHeaders(req.headers, this.upstream.host, bodyLength, this.forwardClientAddress ? req.socket?.remoteAddress : undefined, served);
    // a whole answer made before its headers may take the upstream timeout; any other silence, the idle timeout
    const generation = endpoint.kind === "inference" || endpoint.stream !== undefined;
    const headerWaitMs = generation && !streams ? this.config.upstreamTimeoutMs : this.config.idleTimeoutMs;
    // only a request that changes nothing may be sent again
    const resendable = method === "GET" || method === "HEAD";
    let pending = held;

    return new Promise<NotReady | void>((resolve) => {
      let current: http.ClientRequest;
      let responded = false;
      let retried = false;
      let timedOut = false; // a flag, not an Error made per request: an Error captures a stack trace
      const timer = setTimeout(() => {
        timedOut = true;
        current.destroy();
      }, headerWaitMs);
      // before the server answers; forward() watches the client once it has
      const onClientClose = () => {
        if (res.writableFinished) return;
        x.clientGone = true;
        current.destroy();
      };
      res.on("close", onClientClose);

      const onError = (err: NodeJS.ErrnoException, upReq: http.ClientRequest) => {
        if (responded || upReq !== current) return;
        // A kept-alive connection the ALB closed while idle: a request that changes nothing is sent again, once.
        if (err.code === "ECONNRESET" && upReq.reusedSocket && resendable && !retried && !x.clientGone && !timedOut) {
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
          const seconds = headerWaitMs / 1000;
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
        if (keepBody) {
          const albOwn = fromLoadBalancer(upRes.headers);
          if (albOwn && (status === 503 || status === 502)) {
            upRes.resume();
            resolve(status === 503 ? "no-target" : "not-listening");
            return;
          }
          if (!albOwn && status === 404) {
            readNotFound(upRes);
            return;
          }
        }
        passOn(upRes, upRes);
      };

      /** A 404 of the model's server: Ollama's "model not found" is returned, any other passed on. */
      const readNotFound = (upRes: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const replay = new PassThrough();
        const onData = (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size <= NOT_FOUND_BODY_BYTES) return;
          // no answer of Ollama's for a missing model is this long: pass it on as it comes
          upRes.off("data", onData).off("end", onEnd).off("error", onError);
          for (const c of chunks) replay.write(c);
          upRes.on("error", (err) => replay.destroy(err));
          upRes.pipe(replay);
          passOn(upRes, replay);
        };
        const onEnd = () => {
          upRes.off("error", onError);
          const body = Buffer.concat(chunks);
          if (modelNotFound(body)) return resolve("no-model");
          replay.end(body);
          passOn(upRes, replay);
        };
        const onError = (err: Error) => {
          upRes.off("data", onData).off("end", onEnd);
          x.record.failed = true;
          this.reply(x, 502, `the model server's answer broke off (${err.message})`, "upstream_unreachable");
          resolve();
        };
        upRes.on("data", onData).once("end", onEnd).once("error", onError);
      };

      /** The server's answer, from `body` (the response itself, or its replay), to the client. */
      const passOn = (upRes: IncomingMessage, body: Readable) => {
        const status = upRes.statusCode ?? 502;
        x.record.status = status;
        if (status >= 500) x.record.failed = true;
        res.writeHead(status, downstreamResponseHeaders(upRes.headers));
        // the status goes out as the server sent it, not with the first chunk, which may be minutes away
        // (a body already there goes with the headers, in one write)
        setImmediate(() => {
          if (x.ttfbMs === undefined && !res.destroyed) (res as Partial<http.ServerResponse>).flushHeaders?.();
        });
        const type = String(upRes.headers["content-type"] ?? "");
        const sniffer =
          !upRes.headers["content-encoding"] && /json|event-stream/i.test(type) ? new TailSniffer(/event-stream/i.test(type)) : undefined;
        const idle = this.watchIdle(x, body);
        body.on("data", (chunk: Buffer) => {
          if (x.ttfbMs === undefined) x.firstByte();
          x.record.bytesOut += chunk.length;
          sniffer?.push(chunk);
        });
        forward(body, res, (broken) => {
          const stalled = idle.stop();
          if (stalled) {
            x.record.error = stalled;
          } else if (broken?.side === "source") {
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
        const upReq = this.upstream.request(method, path, headers);
        current = upReq;
        upReq.on("response", onResponse);
        upReq.on("error", (err) => onError(err, upReq));
        if (streamBody) {
          req.pipe(upReq);
        } else if (pending) {
          // the budget counts the body until it is handed to the connection; nothing keeps it after
          // (but a request that may be sent again once its model has started)
          if (!keepBody) {
            const release = pending.release;
            upReq.once("finish", release);
            upReq.once("close", release);
          }
          upReq.end(pending.bytes);
          pending = undefined;
        } else {
          upReq.end();
        }
      };
      send();
    });
  }

  /**
   * Cuts a response that goes quiet for the idle timeout: the server sent nothing while the router
   * could take it, or the client took nothing while the router held data for it. `stop()` ends the
   * watch and says why the response was cut, if it was.
   */
  private watchIdle(x: Exchange, upRes: Readable): { stop(): string | undefined } {
    const limit = this.config.idleTimeoutMs;
    let last = performance.now();
    let cut: string | undefined;
    const touch = () => {
      last = performance.now();
    };
    upRes.on("data", touch);
    x.res.on("drain", touch);
    const check = () => {
      const quiet = performance.now() - last;
      if (quiet < limit) {
        timer = setTimeout(check, limit - quiet);
        return;
      }
      const seconds = limit / 1000;
      if (upRes.isPaused()) {
        cut = `the client read nothing for ${seconds} s (idle timeout); the response was cut`;
        x.clientGone = true;
        x.res.destroy();
      } else {
        cut = `the model server sent nothing for ${seconds} s (idle timeout) after ${x.record.bytesOut} bytes; the response was cut`;
        x.record.failed = true;
        upRes.destroy(new Error(cut));
      }
    };
    let timer = setTimeout(check, limit);
    return {
      stop: () => {
        clearTimeout(timer);
        x.res.off("drain", touch);
        return cut;
      },
    };
  }

  /**
   * GET /api/tags, /api/ps, /v1/models: the server of every model whose engine answers the call, asked
   * in parallel through the ALB, merged (Ollama's lists hold its models only; /v1/models every model).
   * A model that scales to zero and has no server now (the ALB's "no registered target") is no
   * failure: it is listed by name for /api/tags and /v1/models, so a client can pick it and so start
   * it, and left out of /api/ps (nothing runs). Each ask that reached a server of such a model is
   * counted (ListRequests), so its idle alarm can tell the router's lists from real use.
   */
  private async mergeLists(x: Exchange, endpoint: Endpoint, shape: ListShape): Promise<void> {
    const served = this.config.models.servedFor(endpoint.path);
    if (served.length === 0) return this.send(x, 200, "application/json; charset=utf-8", JSON.stringify(mergeLists(this.config.models, [], shape, []).body));
    const timeoutMs = this.config.listTimeoutMs;
    const sentAt = Date.now();
    const results = await Promise.all(served.map((m) => this.upstream.getJson(upstreamPath(x.written, m), { [ROUTING_HEADER]: m }, timeoutMs)));
    const sleeping: string[] = [];
    for (const [i, model] of served.entries()) {
      if (this.config.wakeGroups?.has(model) !== true) continue;
      const result = results[i];
      if (!result.ok && result.noTarget) {
        sleeping.push(model);
      } else {
        this.log(metricLine("list", model, { [LIST_REQUESTS_METRIC]: { value: 1, unit: "Count" } }, this.config.metricsNamespace, sentAt));
      }
    }
    const { body, failed, reasons } = mergeLists(this.config.models, results, shape, served, x.path === "/api/ps" ? [] : sleeping, sleeping);
    if (sleeping.length > 0) x.record.sleepingModels = sleeping;
    if (failed.length > 0) {
      x.record.failedModels = failed;
      x.record.failed = true;
    }
    if (failed.length === served.length) {
      return this.reply(x, 502, `no model server answered GET ${x.path}: ${reasons.join("; ")}`, "upstream_unreachable");
    }
    if (failed.length > 0) x.record.error = `some model servers did not answer: ${reasons.join("; ")}`;
    this.send(x, 200, "application/json; charset=utf-8", JSON.stringify(body));
  }

  private finish(x: Exchange): void {
    const r = x.record;
    const end = performance.now();
    r.durationMs = end - x.start;
    clearInterval(x.busyTimer);
    if (r.servedModel !== null) r.busySeconds = (end - x.busySince) / 1000;
    r.ttfbMs = x.ttfbMs;
    if (r.status === 0) r.status = 499;
    this.log(logLine(r, this.config.metricsNamespace, Date.now()));
  }
}

/** Client text in messages and log lines is cut short: a 6 MB "model" must not make a 6 MB log line. */
function clip(text: string, max = 200): string {
  if (text.length <= max) return text;
  // a copy: V8 keeps a slice of a string as a view of the whole, and the whole may be megabytes
  return `${Array.from(text.slice(0, max)).join("")}...`;
}

const MODEL_FIELD = ["model"] as const;
const STREAM_FIELD = ["stream"] as const;

/** The model and streaming a JSON body names for `endpoint`, as Ollama's server decodes it. */
export function readBodyFields(bytes: Buffer, endpoint: Endpoint): BodyReading {
  const scan = scanObject(bytes);
  if (!scan.ok) {
    const message = scan.notObject ? scan.error : `the request body is not valid JSON: ${scan.error}`;
    return { streams: false, problem: { message, code: "invalid_json" } };
  }
  const names = endpoint.bodyFields ?? MODEL_FIELD;
  const fields = goFields(scan.members, names, "string");
  let model: string | undefined;
  for (const name of names) {
    const field = fields.get(name)!;
    if (field.kind === "mismatch") {
      return { streams: false, problem: { message: `"${name}" must be a string naming a model, got ${field.type}`, code: "invalid_model" } };
    }
    if (model === undefined && field.kind === "string" && field.value !== "") model = field.value;
  }
  let streams = false;
  if (endpoint.stream !== undefined) {
    // only chooses a timeout: a `stream` Go would refuse is the server's 400 to give
    const stream = goFields(scan.members, STREAM_FIELD, "bool").get("stream")!;
    streams = endpoint.stream === "unless-false" ? !(stream.kind === "bool" && !stream.value) : stream.kind === "bool" && stream.value;
  }
  return { model, streams };
}
