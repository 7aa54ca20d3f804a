// An ALB stand-in on loopback: routes each request on the routing header the way the module's
// listener rules do (rules in priority order, lowest first; a rule's values compared with the
// header case-insensitively, `*` and `?` as wildcards, every copy of the header searched in order,
// as AWS documents an http-header condition (CloudFormation, ListenerRule HttpHeaderConfig); no
// match: the default action, the main server), with one rule per target or with given rules
// (`startWithRules`, a planned listener); or, for a deployment whose rules predate the header, on
// the `redirect_model` query-string value. It streams both ways and records everything the router
// sent it. A target group with no registered target (a group scaled to zero) is answered as the
// real ALB answers it: 503 with its own HTML page and `Server: awselb/2.0` (AWS: "HTTP 503: Service
// unavailable. The target groups for the load balancer have no registered targets"); a target that
// refuses the connection (a server registered before its Ollama listens, which the ALB sends
// requests to while the group has no healthy one: it fails open) with its own 502 (AWS: "HTTP 502:
// Bad gateway ... The load balancer received a TCP RST from the target when attempting to establish
// a connection").
import * as http from "http";
import type { AddressInfo } from "net";
import { ROUTING_HEADER } from "../../../src/router/endpoints";

export interface AlbTarget {
  /** The model as the listener rule spells it (with `startWithRules`: any name for the target, e.g. its target group's key). */
  readonly model: string;
  readonly url: string;
}

/** A listener rule: an http-header condition on the routing header, and the target it forwards to. */
export interface AlbRule {
  readonly priority: number;
  /** The condition's values. */
  readonly values: readonly string[];
  readonly target: AlbTarget;
}

export interface AlbRecord {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: string[];
  /** The target's model, or "default". */
  readonly routedTo: string;
  /** The target group had no registered target: the ALB answered 503 itself. */
  readonly noTarget: boolean;
  /** The request body as received (complete once the request ended). */
  body: string;
}

/** What the listener rules route on: the routing header (this module's), or `redirect_model` (older rules). */
export type RouteOn = "header" | "query";

/** The page the ALB sends with its own 503, as it sends it. */
export const ALB_502_PAGE =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
export const ALB_503_PAGE =
  "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n";

export class AlbStandIn {
  readonly received: AlbRecord[] = [];
  /** Models whose target group has no registered target now. */
  readonly unregistered = new Set<string>();
  /** Models whose registered server refuses connections now (it does not listen yet). */
  readonly refusing = new Set<string>();
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly sockets = new Set<import("net").Socket>();

  private readonly rules: readonly AlbRule[];
  private readonly targets: readonly AlbTarget[];

  private constructor(
    readonly server: http.Server,
    rules: readonly AlbRule[],
    private readonly defaultTarget: AlbTarget,
    readonly routeOn: RouteOn,
  ) {
    this.rules = [...rules].sort((a, b) => a.priority - b.priority);
    if (new Set(this.rules.map((r) => r.priority)).size !== this.rules.length) throw new Error("AlbStandIn: two rules share a priority (AWS refuses that)");
    this.targets = [...new Set([defaultTarget, ...rules.map((r) => r.target)])];
  }

  /** One rule per target, on its model; the first target is the default action's (the main server). */
  static async start(targets: readonly AlbTarget[], routeOn: RouteOn = "header"): Promise<AlbStandIn> {
    return AlbStandIn.listen(
      targets.map((target, i) => ({ priority: i + 1, values: [target.model], target })),
      targets[0],
      routeOn,
    );
  }

  /** The given listener rules and default action (a listener as planned). */
  static async startWithRules(rules: readonly AlbRule[], defaultTarget: AlbTarget): Promise<AlbStandIn> {
    return AlbStandIn.listen(rules, defaultTarget, "header");
  }

  private static async listen(rules: readonly AlbRule[], defaultTarget: AlbTarget, routeOn: RouteOn): Promise<AlbStandIn> {
    let alb!: AlbStandIn;
    const server = http.createServer((req, res) => alb.forward(req, res));
    alb = new AlbStandIn(server, rules, defaultTarget, routeOn);
    server.on("connection", (s) => {
      alb.sockets.add(s);
      s.on("close", () => alb.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return alb;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(req: http.IncomingMessage): AlbTarget | undefined {
    const named = (value: string) => this.targets.find((t) => t.model.toLowerCase() === value.toLowerCase());
    if (this.routeOn === "header") {
      const copies = req.rawHeaders.filter((_, i) => i % 2 === 1 && req.rawHeaders[i - 1].toLowerCase() === ROUTING_HEADER);
      return this.rules.find((rule) => rule.values.some((value) => copies.some((copy) => headerValueMatches(value, copy))))?.target;
    }
    const query = new URL(req.url ?? "/", "http://alb").searchParams;
    for (const [key, value] of query) {
      if (key.toLowerCase() !== "redirect_model") continue;
      const target = named(value);
      if (target) return target;
    }
    return undefined;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const matched = this.route(req);
    const target = matched ?? this.defaultTarget;
    const record: AlbRecord = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      routedTo: matched ? matched.model : "default",
      noTarget: this.unregistered.has(target.model),
      body: "",
    };
    this.received.push(record);
    if (record.noTarget) {
      req.resume();
      res.writeHead(503, "Service Temporarily Unavailable", { server: "awselb/2.0", "content-type": "text/html", "content-length": Buffer.byteLength(ALB_503_PAGE) });
      res.end(ALB_503_PAGE);
      return;
    }
    if (this.refusing.has(target.model)) {
      req.resume();
      this.badGateway(res);
      return;
    }
    req.on("data", (chunk: Buffer) => {
      if (record.body.length < 1024 * 1024) record.body += chunk.toString("utf8");
    });
    const to = new URL(target.url);
    const upstream = http.request({
      agent: this.agent,
      hostname: to.hostname,
      port: to.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: to.host },
    });
    upstream.on("response", (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      res.flushHeaders(); // a proxy passes the headers on as they come, not with the first byte of the body
      up.pipe(res);
      up.on("error", () => res.destroy());
    });
    upstream.on("error", () => {
      if (res.headersSent) res.destroy();
      else this.badGateway(res);
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  /** The ALB's own 502, as it sends it. */
  private badGateway(res: http.ServerResponse): void {
    res.writeHead(502, "Bad Gateway", { server: "awselb/2.0", "content-type": "text/html", "content-length": Buffer.byteLength(ALB_502_PAGE) });
    res.end(ALB_502_PAGE);
  }
}

/** An http-header condition's value against one copy of the header: case-insensitive, `*` any run of characters, `?` exactly one. */
export function headerValueMatches(value: string, header: string): boolean {
  const pattern = value.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${pattern}$`, "is").test(header);
}
