// The router's side of the ALB: one kept-alive agent, plain requests for proxying, and small JSON
// GETs for the merged model lists.
import * as http from "http";
import * as https from "https";
import type { OutgoingHttpHeaders } from "http";

export type JsonResult = { ok: true; json: unknown } | { ok: false; reason: string };

const JSON_MAX_BYTES = 8 * 1024 * 1024;

export class Upstream {
  /** `host[:port]` as the Host header names the ALB. */
  readonly host: string;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;
  private readonly hostname: string;
  private readonly port: number | undefined;

  constructor(albUrl: URL) {
    const secure = albUrl.protocol === "https:";
    this.transport = secure ? https : http;
    this.agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.host = albUrl.host;
    this.hostname = albUrl.hostname.replace(/^\[|\]$/g, "");
    this.port = albUrl.port ? Number(albUrl.port) : undefined;
  }

  request(method: string, path: string, headers: OutgoingHttpHeaders): http.ClientRequest {
    const req = this.transport.request({ agent: this.agent, hostname: this.hostname, port: this.port, method, path, headers });
    req.on("socket", (socket) => socket.setNoDelay(true));
    return req;
  }

  /** GET `path` and parse its JSON; any failure (network, status, size, timeout) is a reason, not a throw. */
  getJson(path: string, timeoutMs: number): Promise<JsonResult> {
    return new Promise((resolve) => {
      const req = this.request("GET", path, { host: this.host, accept: "application/json" });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      const fail = (reason: string) => {
        clearTimeout(timer);
        resolve({ ok: false, reason });
      };
      req.on("error", (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > JSON_MAX_BYTES) res.destroy(new Error("answer too large"));
          else chunks.push(c);
        });
        res.on("error", (err) => fail(err.message));
        res.on("end", () => {
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) return resolve({ ok: false, reason: `HTTP ${status}` });
          try {
            resolve({ ok: true, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
          } catch {
            resolve({ ok: false, reason: "answer is not JSON" });
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
