// The Lambda adapter: a function URL event (payload format 2.0) becomes a RouterRequest, and the
// runtime's response stream, wrapped by `awslambda.HttpResponseStream.from`, becomes a RouterResponse.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "http";
import { Readable, Writable } from "stream";
import { Router, RouterRequest, RouterResponse } from "./core";
import { LambdaSettings } from "./lambda-env";
import { SsmKeyStore } from "./ssm";
import { AutoScalingWaker } from "./wake";

/** The writable the streaming runtime hands the handler. */
export interface ResponseStream extends Writable {
  setContentType(contentType: string): void;
}

export interface HttpResponseMetadata {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
}

/** The runtime's global `awslambda` (Node.js managed runtimes). */
export interface AwsLambdaGlobal {
  streamifyResponse<T>(handler: T): T;
  HttpResponseStream: { from(stream: ResponseStream, prelude: HttpResponseMetadata): ResponseStream };
}

/** The parts of a function URL event (payload format 2.0) the router reads. */
export interface FunctionUrlEvent {
  rawPath?: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string; sourceIp?: string } };
}

export type StreamingHandler = (event: FunctionUrlEvent, responseStream: ResponseStream, context?: unknown) => Promise<void>;

export function requestFromEvent(event: FunctionUrlEvent): RouterRequest {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  if (event.cookies && event.cookies.length > 0) headers.cookie = event.cookies.join("; ");
  const body = event.body ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8") : Buffer.alloc(0);
  delete headers["transfer-encoding"];
  if (body.length > 0) headers["content-length"] = String(body.length);
  else delete headers["content-length"];

  const stream = new Readable({ read() {} });
  if (body.length > 0) stream.push(body);
  stream.push(null);
  const query = event.rawQueryString ? `?${event.rawQueryString}` : "";
  return Object.assign(stream, {
    method: event.requestContext?.http?.method ?? "GET",
    url: (event.rawPath || "/") + query,
    headers,
    socket: null,
  });
}

/** The status and headers go out as the stream's JSON prelude (set-cookie as `cookies`). */
class StreamingResponse extends Writable implements RouterResponse {
  headersSent = false;
  /** Set when the router cut the response (the upstream broke off): the handler rethrows it. */
  failure?: Error;
  private out?: ResponseStream;

  constructor(private readonly responseStream: ResponseStream, private readonly lambda: AwsLambdaGlobal) {
    super();
  }

  writeHead(statusCode: number, headers: OutgoingHttpHeaders = {}): this {
    const prelude: HttpResponseMetadata = { statusCode, headers: {}, cookies: [] };
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (value === undefined || lower === "content-length") continue;
      if (lower === "set-cookie") prelude.cookies.push(...(Array.isArray(value) ? value : [String(value)]));
      else prelude.headers[lower] = Array.isArray(value) ? value.join(", ") : String(value);
    }
    this.out = this.lambda.HttpResponseStream.from(this.responseStream, prelude);
    // The prelude is written before the first write: force it now, or an empty body never sends it.
    this.out.write("");
    this.headersSent = true;
    return this;
  }

  _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.out) this.writeHead(200);
    if (this.out!.write(chunk)) callback();
    else this.out!.once("drain", () => callback());
  }

  _final(callback: (error?: Error | null) => void): void {
    if (!this.out) this.writeHead(200);
    this.out!.end(() => callback());
  }

  _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (error) this.failure = error;
    callback();
  }
}

export interface HandlerOutput {
  /** Request log lines. @default stdout */
  readonly log?: (line: string) => void;
  /** The line explaining an unreadable keys parameter. @default stderr */
  readonly warn?: (line: string) => void;
}

export function createStreamingHandler(settings: LambdaSettings, lambda: AwsLambdaGlobal, output: HandlerOutput = {}): StreamingHandler {
  const keys = settings.ssm ? new SsmKeyStore({ ...settings.ssm, warn: output.warn ?? settings.ssm.warn }) : undefined;
  // a wake-up's line goes with the request lines: it is the record of an Auto Scaling call
  const waker = settings.autoScaling ? new AutoScalingWaker({ ...settings.autoScaling, log: output.log }) : undefined;
  const router = new Router({ config: settings.config, keys, log: output.log, waker });
  return async (event, responseStream) => {
    const res = new StreamingResponse(responseStream, lambda);
    await router.handle(requestFromEvent(event), res);
    // The runtime ends the stream with an error (its trailers) when the handler throws.
    if (res.failure) throw res.failure;
  };
}
