// A stand-in for Lambda's Node.js streaming runtime behind a function URL, on loopback, behaving as
// the real one does where the router can tell:
// - `awslambda.streamifyResponse(handler)` marks the handler as streaming; a handler without the
//   mark, or one that is not async, is refused.
// - The response stream is an HTTP request with chunked transfer encoding to a Runtime-API-like
//   endpoint (header `Lambda-Runtime-Function-Response-Mode: streaming`), exposing only the methods
//   the real runtime's wrapper exposes, with `setContentType` (too late once written) and the
//   `_onBeforeFirstWrite` hook run on the first write.
// - `awslambda.HttpResponseStream.from(stream, prelude)` sets the content type
//   `application/vnd.awslambda.http-integration-response` and, before the first write, writes the
//   prelude as JSON followed by 8 NUL bytes.
// - The function URL front reads the client's whole request (6 MB invoke payload limit: 413), sends
//   an event of payload format 2.0, and on the response endpoint parses the prelude into the status,
//   headers and cookies of the client's response, then streams the rest as it comes. A handler that
//   throws ends the stream with error trailers, and the front cuts the client's connection.
// - A client that hangs up does not stop the invocation.
import { randomUUID } from "crypto";
import * as http from "http";
import type { AddressInfo } from "net";
import { Writable } from "stream";

export const PRELUDE_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";
const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const ERROR_TYPE = "Lambda-Runtime-Function-Error-Type";
const ERROR_BODY = "Lambda-Runtime-Function-Error-Body";
const DELIMITER = Buffer.alloc(8);

export interface StandInResponseStream extends Writable {
  setContentType(type: string): void;
  _onBeforeFirstWrite?: (write: (chunk: string | Uint8Array) => void) => void;
}

type Handler = ((event: unknown, stream: StandInResponseStream, context: unknown) => unknown) & { [STREAMING]?: string };

/** The global the runtime installs as `awslambda`. */
export const awslambdaStandIn = {
  streamifyResponse<T>(handler: T): T {
    (handler as Handler)[STREAMING] = "response";
    return handler;
  },
  HttpResponseStream: {
    from(stream: StandInResponseStream, prelude: object): StandInResponseStream {
      stream.setContentType(PRELUDE_CONTENT_TYPE);
      const json = JSON.stringify(prelude);
      stream._onBeforeFirstWrite = (write) => {
        write(json);
        write(new Uint8Array(8));
      };
      return stream;
    },
  },
};

// The methods and properties the real runtime's response stream wrapper passes through.
const METHODS = [
  "cork", "destroy", "end", "uncork", "write", "addListener", "on", "once", "prependListener", "prependOnceListener",
  "off", "removeListener", "removeAllListeners", "setMaxListeners", "getMaxListeners", "listeners", "rawListeners",
  "listenerCount", "eventNames", "emit", "setContentType",
] as const;
const READ_ONLY = [
  "writableFinished", "writableObjectMode", "writableEnded", "writableNeedDrain", "writableHighWaterMark",
  "writableCorked", "writableLength", "writable",
] as const;

function responseStream(rapidPort: number, invocationId: string): { stream: StandInResponseStream; request: http.ClientRequest; done: Promise<void> } {
  const request = http.request({
    hostname: "127.0.0.1",
    port: rapidPort,
    method: "POST",
    path: `/2018-06-01/runtime/invocation/${invocationId}/response`,
    agent: false,
    headers: {
      "Lambda-Runtime-Function-Response-Mode": "streaming",
      "Transfer-Encoding": "chunked",
      Trailer: [ERROR_TYPE, ERROR_BODY].join(", "),
      "Content-Type": "application/octet-stream",
    },
  }) as http.ClientRequest & StandInResponseStream;
  let written = false;
  request.setContentType = (type: string) => {
    if (written) throw new Error("Cannot set content-type, too late.");
    request.setHeader("Content-Type", type);
  };
  const origWrite = request.write.bind(request) as (chunk: unknown, ...rest: unknown[]) => boolean;
  (request as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => {
    if (!written && typeof request._onBeforeFirstWrite === "function") request._onBeforeFirstWrite((c) => origWrite(c));
    written = true;
    return origWrite(chunk, ...rest);
  };
  const done = new Promise<void>((resolve, reject) => {
    request.on("response", (res) => {
      res.resume();
      res.on("end", resolve);
    });
    request.on("error", reject);
  });
  const wrapper = {} as StandInResponseStream;
  for (const m of METHODS) (wrapper as unknown as Record<string, unknown>)[m] = (request as unknown as Record<string, (...a: unknown[]) => unknown>)[m].bind(request);
  for (const p of READ_ONLY) Object.defineProperty(wrapper, p, { get: () => (request as unknown as Record<string, unknown>)[p] });
  for (const p of ["destroyed", "_onBeforeFirstWrite"]) {
    Object.defineProperty(wrapper, p, {
      get: () => (request as unknown as Record<string, unknown>)[p],
      set: (v) => {
        (request as unknown as Record<string, unknown>)[p] = v;
      },
    });
  }
  return { stream: wrapper, request, done };
}

const TEXT_TYPES = /^(text\/|application\/(json|.*\+json|x-www-form-urlencoded|xml|javascript))/i;

/**
 * The path as the client wrote it: rawPath is not normalized (no decoding, no dot segments resolved);
 * an absolute-form target gives its path.
 */
function rawPathOf(target: string): string {
  const origin = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  const rest = origin ? target.slice(origin[0].length) : target;
  const q = rest.indexOf("?");
  return (q < 0 ? rest : rest.slice(0, q)) || "/";
}

function eventFrom(req: http.IncomingMessage, body: Buffer, requestId: string, host: string): Record<string, unknown> {
  const rawPath = rawPathOf(req.url ?? "/");
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (name === "cookie") cookies = String(value).split(/;\s*/);
    else headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  headers["x-forwarded-for"] = req.socket.remoteAddress ?? "127.0.0.1";
  headers["x-forwarded-proto"] = "https";
  const text = TEXT_TYPES.test(String(req.headers["content-type"] ?? ""));
  const query = (req.url ?? "/").includes("?") ? (req.url ?? "").slice((req.url ?? "").indexOf("?") + 1) : "";
  const now = Date.now();
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString: query,
    cookies,
    headers,
    queryStringParameters: query ? Object.fromEntries(new URLSearchParams(query)) : undefined,
    requestContext: {
      accountId: "anonymous",
      apiId: "standin",
      domainName: host,
      domainPrefix: "standin",
      http: { method: req.method, path: rawPath, protocol: "HTTP/1.1", sourceIp: req.socket.remoteAddress, userAgent: req.headers["user-agent"] ?? "" },
      requestId,
      routeKey: "$default",
      stage: "$default",
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    body: body.length === 0 ? undefined : body.toString(text ? "utf8" : "base64"),
    isBase64Encoded: body.length > 0 && !text,
  };
}

export interface FunctionUrl {
  readonly url: string;
  /** Invocations whose handler promise has settled (a hang-up does not settle it early). */
  readonly settled: string[];
  /** Handler errors the runtime reported (as the real one logs them). */
  readonly errors: Error[];
  close(): Promise<void>;
}

export interface FunctionUrlOptions {
  /** The invoke payload limit the front enforces on the event. @default 6 MB */
  readonly maxPayloadBytes?: number;
}

/** Serves `handler` behind a function URL with RESPONSE_STREAM invoke mode. */
export async function startFunctionUrl(handler: unknown, options: FunctionUrlOptions = {}): Promise<FunctionUrl> {
  const fn = handler as Handler;
  if (typeof fn !== "function" || fn[STREAMING] !== "response") {
    throw new Error("the handler is not wrapped in awslambda.streamifyResponse: RESPONSE_STREAM needs a streaming handler");
  }
  const maxPayload = options.maxPayloadBytes ?? 6 * 1024 * 1024;
  const clients = new Map<string, http.ServerResponse>();
  const settled: string[] = [];
  const errors: Error[] = [];
  const sockets = new Set<import("net").Socket>();

  // The Runtime API side: where the response stream goes.
  const rapid = http.createServer((req, res) => {
    const id = /\/invocation\/([^/]+)\/response$/.exec(req.url ?? "")?.[1] ?? "";
    const client = clients.get(id);
    if (req.headers["lambda-runtime-function-response-mode"] !== "streaming" || !client) {
      res.writeHead(400).end();
      return;
    }
    const integration = req.headers["content-type"] === PRELUDE_CONTENT_TYPE;
    let pending: Buffer | null = integration ? Buffer.alloc(0) : null;
    const safeWrite = (chunk: Buffer) => {
      if (!client.destroyed) client.write(chunk);
    };
    if (!integration) client.writeHead(200, { "content-type": String(req.headers["content-type"]) });
    req.on("data", (chunk: Buffer) => {
      if (pending === null) return safeWrite(chunk);
      pending = Buffer.concat([pending, chunk]);
      const at = pending.indexOf(DELIMITER);
      if (at < 0) return;
      const prelude = JSON.parse(pending.subarray(0, at).toString("utf8")) as {
        statusCode?: number;
        headers?: Record<string, string>;
        cookies?: string[];
      };
      const headers: http.OutgoingHttpHeaders = { ...(prelude.headers ?? {}) };
      if (prelude.cookies && prelude.cookies.length > 0) headers["set-cookie"] = prelude.cookies;
      if (!client.destroyed) {
        client.writeHead(prelude.statusCode ?? 200, headers);
        client.flushHeaders(); // the status and headers go out once the prelude is in, before any body
      }
      const rest = pending.subarray(at + DELIMITER.length);
      pending = null;
      if (rest.length > 0) safeWrite(rest);
    });
    req.on("end", () => {
      res.writeHead(202).end();
      if (req.trailers[ERROR_TYPE.toLowerCase()]) client.socket?.destroy();
      else if (pending !== null) client.destroy(); // the prelude never completed
      else if (!client.destroyed) client.end();
    });
  });

  const front = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const requestId = randomUUID();
    const event = eventFrom(req, body, requestId, req.headers.host ?? "");
    if (Buffer.byteLength(JSON.stringify(event)) > maxPayload) {
      res.writeHead(413, { "content-type": "application/json" });
      res.end(JSON.stringify({ Message: "Request must be smaller than 6291456 bytes for the InvokeFunction operation" }));
      return;
    }
    clients.set(requestId, res);
    const { stream, request, done } = responseStream((rapid.address() as AddressInfo).port, requestId);
    const context = { awsRequestId: requestId, functionName: "router", getRemainingTimeInMillis: () => 900_000 };
    try {
      const result = fn(event, stream, context);
      if (!result || typeof (result as Promise<unknown>).then !== "function") throw new Error("Streaming does not support non-async handlers.");
      await result;
      await done;
      if (!stream.writableFinished) throw new Error("Response stream is not finished.");
    } catch (err) {
      errors.push(err as Error);
      request.addTrailers({ [ERROR_TYPE]: (err as Error).name || "Error", [ERROR_BODY]: Buffer.from(JSON.stringify({ errorMessage: (err as Error).message })).toString("base64") });
      await new Promise<void>((resolve) => request.end(resolve));
      await done.catch(() => undefined);
    } finally {
      settled.push(requestId);
      clients.delete(requestId);
    }
  });

  for (const server of [rapid, front]) {
    server.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  }
  return {
    url: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
    settled,
    errors,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([rapid, front].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
