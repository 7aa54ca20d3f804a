// A plain HTTP client for the tests: one fresh connection per request, every chunk timed.
import * as http from "http";

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The body's chunks as they arrived, with their arrival time (performance.now()). */
  readonly chunks: { readonly at: number; readonly text: string }[];
  /** The response ended cleanly (false: the connection was cut mid-body). */
  readonly complete: boolean;
}

export interface CallOptions {
  readonly method?: string;
  readonly headers?: http.OutgoingHttpHeaders;
  readonly body?: string | Buffer;
  /** Called with each chunk as it arrives. */
  readonly onChunk?: (text: string) => void;
}

/** Sends one request; resolves when the response ends or is cut. */
export function call(base: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const headers = { ...options.headers };
    // Node frames a body by its length only when told (a DELETE body would go out unframed)
    if (options.body !== undefined && headers["content-length"] === undefined && headers["transfer-encoding"] === undefined) {
      headers["content-length"] = Buffer.byteLength(options.body);
    }
    const req = http.request(url, { method: options.method ?? "GET", headers, agent: false });
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: { at: number; text: string }[] = [];
      let complete = false;
      res.setEncoding("utf8");
      res.on("data", (text: string) => {
        chunks.push({ at: performance.now(), text });
        options.onChunk?.(text);
      });
      res.on("end", () => {
        complete = true;
      });
      res.on("error", () => undefined);
      res.on("close", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: chunks.map((c) => c.text).join(""), chunks, complete: complete && res.complete }),
      );
    });
    req.end(options.body);
  });
}

export const postJson = (base: string, path: string, data: unknown, headers: http.OutgoingHttpHeaders = {}, extra: CallOptions = {}) =>
  call(base, path, { ...extra, method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(data) });

/** Resolves when `predicate` holds, polling; rejects after `timeoutMs`. */
export async function eventually(predicate: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
