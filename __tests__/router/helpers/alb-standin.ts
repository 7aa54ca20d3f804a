// An ALB stand-in on loopback: routes each request on its `redirect_model` query-string value the
// way the module's listener rules do (case-insensitive; no match: the default action, the main
// server), and streams both ways. It records what the router sent it.
import * as http from "http";
import type { AddressInfo } from "net";

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
}

export class AlbStandIn {
  readonly received: AlbRecord[] = [];
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly sockets = new Set<import("net").Socket>();

  private constructor(
    readonly server: http.Server,
    private readonly targets: readonly AlbTarget[],
  ) {}

  /** The first target is the default action's (the main server). */
  static async start(targets: readonly AlbTarget[]): Promise<AlbStandIn> {
    let alb!: AlbStandIn;
    const server = http.createServer((req, res) => alb.forward(req, res));
    alb = new AlbStandIn(server, targets);
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

  private route(url: string): AlbTarget | undefined {
    const query = new URL(url, "http://alb").searchParams;
    for (const [key, value] of query) {
      if (key.toLowerCase() !== "redirect_model") continue;
      const target = this.targets.find((t) => t.model.toLowerCase() === value.toLowerCase());
      if (target) return target;
    }
    return undefined;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const matched = this.route(req.url ?? "/");
    const target = matched ?? this.targets[0];
    this.received.push({
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      routedTo: matched ? matched.model : "default",
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
      up.pipe(res);
      up.on("error", () => res.destroy());
    });
    upstream.on("error", () => {
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(502, { "content-type": "text/html" });
        res.end("<html><body><h1>502 Bad Gateway</h1></body></html>");
      }
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }
}
