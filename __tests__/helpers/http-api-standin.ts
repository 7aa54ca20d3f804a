// An API Gateway HTTP API stand-in on loopback, configured from planned routes and integrations
// (route_key, target; integration_method, integration_uri, request_parameters, timeout), that does
// what AWS documents an HTTP API does with them, and refuses to guess where AWS documents nothing.
//
// What AWS documents, and this stand-in does:
// - Route selection (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html,
//   "Routing API requests"): the most specific match, in this order: a full match for a route and
//   method (the guide's table: `/pets/dog/1` selects the static `GET /pets/dog/1`, `/pets/dog/2`
//   fully matches `GET /pets/dog/{id}`), then a match with a greedy path variable (`{proxy+}`, last
//   in the path; `GET /pets/{proxy+}` before `ANY /{proxy+}` for a GET), then the `$default` route;
//   `ANY` matches the methods not defined for a route; no match: `{"message":"Not Found"}`, and
//   nothing reaches the integration.
// - Request parameter mapping (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html):
//   keys `append|overwrite|remove:header.<name>`, header names case-insensitive; values
//   `$request.body.<JSON path>` (no recursive descent, no filter expressions; the body is cut at
//   100 KB before the path is applied), `$request.path.<name>` (a path parameter), `$request.header.<name>`,
//   or a static value. Reserved headers (Authorization, Content-Length, `x-amz-*`, ...) cannot be
//   mapped: configuring one is refused here.
// - An HTTP proxy integration is called with its integration method ("the HTTP method that must be
//   used to invoke the underlying HTTP proxy", CDK's HttpAlbIntegration), on the request's path: a
//   private integration gets the stage's name in front of the path, which the `$default` stage
//   (the only one modelled) does not have (developer guide, "Working with private integrations").
// - Quotas (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html):
//   payload size 10 MB, maximum integration timeout 30 seconds; an integration's timeout is 50 to
//   30,000 ms, 30 s by default (API reference, Integration `TimeoutInMillis`).
//
// What AWS does not document, and this stand-in therefore does not invent: what a `$request.body`
// mapping does when the body is not JSON, lacks the field, holds something other than a non-empty
// string there, or is cut at 100 KB; what the client gets when the payload passes 10 MB or the
// integration runs past its timeout (third-party pages disagree: 503 or 504); how a route matches a
// percent-encoded or empty path segment. Each of these fails the request in the stand-in with
// `UNDOCUMENTED_STATUS` and the header `x-standin-undocumented` naming the case, is recorded in
// `undocumented`, and never reaches the integration. A test that meets one learns that the real
// answer is unknown, not a made-up one. Not modelled at all: authorizers, throttling (429), stages
// other than `$default`, mappings of the query string, path or response.
//
// The answer: "by default, API Gateway waits to receive the complete response before beginning
// transmission", and response streaming "is only supported for REST APIs" (developer guide, "Stream
// the integration response for your proxy integrations"): the stand-in buffers the integration's
// whole response and sends it with its length.
import * as http from "http";
import type { AddressInfo } from "net";

export const NOT_FOUND_BODY = '{"message":"Not Found"}';
export const UNDOCUMENTED_STATUS = 599;
export const PAYLOAD_LIMIT_BYTES = 10 * 1024 * 1024;
export const BODY_MAPPING_LIMIT_BYTES = 100 * 1024;
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Headers AWS reserves: no request mapping may name them. */
const RESERVED = [/^access-control-/, /^apigw-/, /^authorization$/, /^connection$/, /^content-encoding$/, /^content-length$/, /^content-location$/,
  /^forwarded$/, /^keep-alive$/, /^origin$/, /^proxy-authenticate$/, /^proxy-authorization$/, /^te$/, /^trailers$/, /^transfer-encoding$/,
  /^upgrade$/, /^x-amz-/, /^x-amzn-/, /^x-forwarded-for$/, /^x-forwarded-host$/, /^x-forwarded-proto$/, /^via$/];
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"]);

export interface StandInRoute {
  /** `METHOD /path` or `$default`. */
  readonly routeKey: string;
  /** The integration's name (what `integrations/<id>` resolves to). */
  readonly integration: string;
}

export interface StandInIntegration {
  readonly name: string;
  /** HTTP_PROXY's method: the method the integration is called with. */
  readonly method: string;
  /** The integration's URI, looked up in the stand-in's `upstreams`. */
  readonly uri: string;
  readonly requestParameters: Readonly<Record<string, string>>;
  /** @default 30 000 (AWS's default for HTTP APIs) */
  readonly timeoutMs?: number;
}

export interface ApiRecord {
  readonly method: string;
  readonly path: string;
  /** The selected route's key, or undefined when none matched (404). */
  readonly routeKey?: string;
  /** The request as sent to the integration, when it was. */
  forwarded?: { readonly method: string; readonly headers: http.OutgoingHttpHeaders };
  status?: number;
}

interface Mapping {
  readonly action: "append" | "overwrite" | "remove";
  readonly header: string;
  readonly value: string;
}

interface CompiledRoute {
  readonly route: StandInRoute;
  readonly method: string;
  readonly segments: readonly string[];
  /** 0 literal, 1 with `{param}`, 2 greedy, 3 `$default`. */
  readonly rank: number;
}

class Undocumented extends Error {}

export class HttpApiStandIn {
  readonly received: ApiRecord[] = [];
  /** The undocumented cases met, in order. */
  readonly undocumented: string[] = [];
  /** Failures of the stand-in itself (a configuration it cannot serve): a test should find none. */
  readonly errors: string[] = [];
  private readonly routes: CompiledRoute[];
  private readonly integrations: Map<string, StandInIntegration & { mappings: Mapping[] }>;
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly sockets = new Set<import("net").Socket>();

  private constructor(
    readonly server: http.Server,
    routes: readonly StandInRoute[],
    integrations: readonly StandInIntegration[],
    private readonly upstreams: Readonly<Record<string, string>>,
  ) {
    this.integrations = new Map(integrations.map((i) => [i.name, { ...i, mappings: compileMappings(i) }]));
    this.routes = routes.map((route) => {
      if (!this.integrations.has(route.integration)) throw new Error(`HttpApiStandIn: route ${route.routeKey} targets ${route.integration}, which is not given`);
      return compileRoute(route);
    });
    for (const i of integrations) {
      if (upstreams[i.uri] === undefined) throw new Error(`HttpApiStandIn: integration ${i.name}'s URI ${i.uri} has no upstream; give it in upstreams`);
      const timeout = i.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      if (timeout < 50 || timeout > DEFAULT_TIMEOUT_MS) throw new Error(`HttpApiStandIn: integration ${i.name}'s timeout ${timeout} ms is outside 50-30000 (AWS refuses it)`);
    }
  }

  static async start(config: {
    routes: readonly StandInRoute[];
    integrations: readonly StandInIntegration[];
    /** Integration URI -> the loopback URL standing in for it. */
    upstreams: Readonly<Record<string, string>>;
  }): Promise<HttpApiStandIn> {
    let api!: HttpApiStandIn;
    const server = http.createServer((req, res) => void api.handle(req, res));
    api = new HttpApiStandIn(server, config.routes, config.integrations, config.upstreams);
    server.on("connection", (s) => {
      api.sockets.add(s);
      s.on("close", () => api.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return api;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The integration a request would go through, for assertions on the configuration. */
  integration(name: string): StandInIntegration | undefined {
    return this.integrations.get(name);
  }

  async close(): Promise<void> {
    this.agent.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const rawPath = (req.url ?? "/").split("?")[0];
    const record: ApiRecord = { method, path: rawPath };
    this.received.push(record);
    const answer = (status: number, body: string, headers: http.OutgoingHttpHeaders = {}) => {
      record.status = status;
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers });
      res.end(body);
    };
    try {
      const body = await readBody(req);
      const selected = this.select(method, rawPath);
      if (!selected) return answer(404, NOT_FOUND_BODY);
      const { route, parameters } = selected;
      (record as { routeKey?: string }).routeKey = route.route.routeKey;
      const integration = this.integrations.get(route.route.integration)!;
      const headers = this.mapHeaders(req, integration.mappings, body, parameters);
      const query = (req.url ?? "/").slice(rawPath.length);
      const upstream = await this.call(integration, rawPath + query, headers, body, record);
      if (upstream.body.length > PAYLOAD_LIMIT_BYTES) throw new Undocumented(`response payload of ${upstream.body.length} bytes, over the 10 MB quota`);
      const out: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(upstream.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
      out["content-length"] = upstream.body.length;
      record.status = upstream.status;
      res.writeHead(upstream.status, out);
      res.end(upstream.body);
    } catch (error) {
      if (!(error instanceof Undocumented)) {
        this.errors.push(String(error));
        if (!res.headersSent) answer(500, JSON.stringify({ standInError: String(error) }), { "x-standin-error": "1" });
        return;
      }
      this.undocumented.push(error.message);
      answer(UNDOCUMENTED_STATUS, JSON.stringify({ standIn: "AWS does not document this case", case: error.message }), { "x-standin-undocumented": error.message });
    }
  }

  /** The most specific route for the method and path, as AWS documents the order. */
  private select(method: string, rawPath: string): { route: CompiledRoute; parameters: Record<string, string> } | undefined {
    if (rawPath.includes("%")) throw new Undocumented(`route matching of a percent-encoded path (${rawPath})`);
    const segments = rawPath === "/" ? [] : rawPath.slice(1).split("/");
    if (segments.some((s) => s === "")) throw new Undocumented(`route matching of a path with an empty segment (${rawPath})`);
    const matches = this.routes
      .filter((r) => r.rank === 3 || r.method === method || r.method === "ANY")
      .map((r) => ({ route: r, parameters: matchPath(r, segments) }))
      .filter((m): m is { route: CompiledRoute; parameters: Record<string, string> } => m.parameters !== undefined);
    if (matches.length === 0) return undefined;
    const best = Math.min(...matches.map((m) => m.route.rank));
    const tied = matches.filter((m) => m.route.rank === best);
    if (tied.length > 1) {
      const exact = tied.filter((m) => m.route.method === method);
      if (exact.length === 1) return exact[0];
      throw new Undocumented(`which of ${tied.map((m) => m.route.route.routeKey).join(", ")} matches ${method} ${rawPath}`);
    }
    return tied[0];
  }

  private mapHeaders(req: http.IncomingMessage, mappings: readonly Mapping[], body: Buffer, parameters: Record<string, string>): http.OutgoingHttpHeaders {
    const headers: Record<string, string | string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i].toLowerCase();
      if (HOP_BY_HOP.has(name) || name === "host") continue;
      const value = req.rawHeaders[i + 1];
      const had = headers[name];
      headers[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
    }
    for (const mapping of mappings) {
      if (mapping.action === "remove") {
        delete headers[mapping.header];
        continue;
      }
      const value = this.evaluate(mapping.value, req, body, parameters);
      if (mapping.action === "overwrite") headers[mapping.header] = value;
      else {
        const had = headers[mapping.header];
        headers[mapping.header] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
      }
    }
    return headers;
  }

  private evaluate(expression: string, req: http.IncomingMessage, body: Buffer, parameters: Record<string, string>): string {
    const bodyPath = /^\$request\.body\.(.+)$/.exec(expression);
    if (bodyPath) {
      if (body.length > BODY_MAPPING_LIMIT_BYTES) throw new Undocumented(`${expression} on a body of ${body.length} bytes, cut at 100 KB before the JSON path applies`);
      let json: unknown;
      try {
        json = JSON.parse(body.toString("utf8"));
      } catch {
        throw new Undocumented(`${expression} on a body that is not JSON`);
      }
      const value = bodyPath[1].split(".").reduce<unknown>((at, key) => (at !== null && typeof at === "object" && !Array.isArray(at) ? (at as Record<string, unknown>)[key] : undefined), json);
      if (value === undefined) throw new Undocumented(`${expression} on a JSON body without that field`);
      if (typeof value !== "string") throw new Undocumented(`${expression} on a JSON body where it is ${JSON.stringify(value)}, not a string`);
      if (value === "") throw new Undocumented(`${expression} on a JSON body where it is the empty string`);
      return value;
    }
    const pathParameter = /^\$request\.path\.([A-Za-z0-9_]+)$/.exec(expression);
    if (pathParameter) {
      const value = parameters[pathParameter[1]];
      if (value === undefined) throw new Error(`HttpApiStandIn: ${expression} names no path parameter of the selected route`);
      return value;
    }
    const header = /^\$request\.header\.(.+)$/.exec(expression);
    if (header) {
      const value = req.headers[header[1].toLowerCase()];
      if (value === undefined) throw new Undocumented(`${expression} on a request without that header`);
      return Array.isArray(value) ? value.join(",") : value;
    }
    if (expression.startsWith("$")) throw new Error(`HttpApiStandIn: the mapping value ${expression} is not modelled`);
    return expression;
  }

  private call(
    integration: StandInIntegration,
    pathAndQuery: string,
    headers: http.OutgoingHttpHeaders,
    body: Buffer,
    record: ApiRecord,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    const to = new URL(this.upstreams[integration.uri]);
    const sent = { ...headers, host: to.host, "content-length": body.length };
    record.forwarded = { method: integration.method, headers: sent };
    return new Promise((resolve, reject) => {
      const upstream = http.request({ agent: this.agent, hostname: to.hostname, port: to.port, method: integration.method, path: pathAndQuery, headers: sent });
      const timer = setTimeout(() => {
        upstream.destroy();
        reject(new Undocumented(`the integration ran past its timeout of ${integration.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`));
      }, integration.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      timer.unref();
      upstream.on("response", (up) => {
        const chunks: Buffer[] = [];
        up.on("data", (c: Buffer) => chunks.push(c));
        up.on("end", () => {
          clearTimeout(timer);
          resolve({ status: up.statusCode ?? 502, headers: up.headers, body: Buffer.concat(chunks) });
        });
        up.on("error", (e) => {
          clearTimeout(timer);
          reject(new Undocumented(`the integration's response broke off (${e.message})`));
        });
      });
      upstream.on("error", (e) => {
        clearTimeout(timer);
        reject(new Undocumented(`the integration could not be reached (${e.message})`));
      });
      upstream.end(body);
    });
  }
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // read to the end even past the limit: leaving the loop early would destroy the socket
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= PAYLOAD_LIMIT_BYTES) chunks.push(chunk as Buffer);
  }
  if (size > PAYLOAD_LIMIT_BYTES) throw new Undocumented(`request payload of ${size} bytes, over the 10 MB quota`);
  return Buffer.concat(chunks);
}

function compileRoute(route: StandInRoute): CompiledRoute {
  if (route.routeKey === "$default") return { route, method: "", segments: [], rank: 3 };
  const parsed = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|ANY) (\/\S*)$/.exec(route.routeKey);
  if (!parsed) throw new Error(`HttpApiStandIn: route key ${JSON.stringify(route.routeKey)} is not METHOD /path or $default`);
  const segments = parsed[2] === "/" ? [] : parsed[2].slice(1).split("/");
  const greedy = segments.findIndex((s) => /^\{[A-Za-z0-9_]+\+\}$/.test(s));
  if (greedy !== -1 && greedy !== segments.length - 1) throw new Error(`HttpApiStandIn: ${route.routeKey}: a greedy path variable must end the path`);
  const rank = greedy !== -1 ? 2 : segments.some((s) => /^\{[A-Za-z0-9_]+\}$/.test(s)) ? 1 : 0;
  return { route, method: parsed[1], segments, rank };
}

/** The path parameters when the route's path matches the request's segments, else undefined. */
function matchPath(route: CompiledRoute, segments: readonly string[]): Record<string, string> | undefined {
  if (route.rank === 3) return {};
  const parameters: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const pattern = route.segments[i];
    const greedy = /^\{([A-Za-z0-9_]+)\+\}$/.exec(pattern);
    if (greedy) {
      if (segments.length <= i) return undefined;
      parameters[greedy[1]] = segments.slice(i).join("/");
      return parameters;
    }
    if (i >= segments.length) return undefined;
    const variable = /^\{([A-Za-z0-9_]+)\}$/.exec(pattern);
    if (variable) parameters[variable[1]] = segments[i];
    else if (pattern !== segments[i]) return undefined;
  }
  return segments.length === route.segments.length ? parameters : undefined;
}

function compileMappings(integration: StandInIntegration): Mapping[] {
  return Object.entries(integration.requestParameters).map(([key, value]) => {
    const parsed = /^(append|overwrite|remove):header\.(.+)$/.exec(key);
    if (!parsed) throw new Error(`HttpApiStandIn: ${integration.name}: the mapping key ${key} is not modelled (only header mappings)`);
    const header = parsed[2].toLowerCase();
    if (RESERVED.some((r) => r.test(header))) throw new Error(`HttpApiStandIn: ${integration.name}: ${header} is a reserved header; AWS refuses a mapping for it`);
    if (/^\$request\.body\./.test(value) && (value.includes("..") || value.includes("?("))) {
      throw new Error(`HttpApiStandIn: ${integration.name}: ${value}: recursive descent and filter expressions are not supported (AWS)`);
    }
    if (/^\$request\.body\./.test(value) && !/^\$request\.body\.\w+(\.\w+)*$/.test(value)) {
      throw new Error(`HttpApiStandIn: ${integration.name}: the JSON path ${value} is not modelled (dotted field names only)`);
    }
    return { action: parsed[1] as Mapping["action"], header, value };
  });
}
