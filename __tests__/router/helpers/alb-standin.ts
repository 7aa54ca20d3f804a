// An ALB stand-in on loopback: routes each request on the routing header the way the module's
// listener rules do (its value compared case-insensitively; no match: the default action, the main
// server), or, for a deployment whose rules predate the header, on the `redirect_model` query-string
// value. It streams both ways and records everything the router sent it. A target group with no
// registered target (a group scaled to zero) is answered as the real ALB answers it: 503 with its
// own HTML page and `Server: awselb/2.0` (AWS: "HTTP 503: Service unavailable. The target groups for
// the load balancer have no registered targets"); a target that refuses the connection (a server
// registered before its Ollama listens, which the ALB sends requests to while the group has no
// healthy one: it fails open) with its own 502 (AWS: "HTTP 502: Bad gateway ... The load balancer
// received a TCP RST from the target when attempting to establish a connection").
import * as http from "http";
import type { AddressInfo } from "net";
import { ROUTING_HEADER } from "../../../src/router/endpoints";

export interface AlbTarget {
  /** The model as the listener rule spells it. */
  readonly model: string;
  readonly url: string;
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

  private constructor(
    readonly server: http.Server,
    private readonly targets: readonly AlbTarget[],
    readonly routeOn: RouteOn,
  ) {}

  /** The first target is the default action's (the main server). */
  static async start(targets: readonly AlbTarget[], routeOn: RouteOn = "header"): Promise<AlbStandIn> {
    let alb!: AlbStandIn;
    const server = http.createServer((req, res) => alb.forward(req, res));
    alb = new AlbStandIn(server, targets, routeOn);
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
      const value = req.headers[ROUTING_HEADER];
      return typeof value === "string" ? named(value) : undefined;
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
    const target = matched ?? this.targets[0];
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
