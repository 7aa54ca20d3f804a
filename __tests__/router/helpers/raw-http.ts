// One HTTP/1.1 request written byte for byte on a fresh connection (`Connection: close`), for
// request targets no HTTP client library would send as they are: absolute form, dot segments,
// backslashes, raw bytes. The answer is read until the connection closes.
import * as net from "net";

export interface RawAnswer {
  /** 0 when the connection closed without a status line. */
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function rawRequest(base: string, method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no answer to ${method} ${target} within 20 s`)), 20_000);
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      // a reset after the answer came (the server closed with our body unread) still leaves the answer
      if (err.code !== "ECONNRESET" && err.code !== "EPIPE") {
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      const head = end < 0 ? text : text.slice(0, end);
      const [statusLine, ...lines] = head.split("\r\n");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      const parsed: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon > 0) parsed[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      let rest = end < 0 ? "" : text.slice(end + 4);
      if (/chunked/i.test(parsed["transfer-encoding"] ?? "")) rest = unchunk(rest);
      resolve({ status, headers: parsed, body: Buffer.from(rest, "latin1").toString("utf8") });
    });
    const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body, "utf8");
    const lines = [`${method} ${target} HTTP/1.1`, `Host: ${url.host}`, "Connection: close"];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (body !== undefined) lines.push(`Content-Length: ${payload.length}`);
    // the target goes out as bytes: latin1 keeps a character below 256 one byte. No half-close: a
    // Node server drops the requests of a connection whose client ended its side.
    socket.write(Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), payload]));
  });
}

/** A chunked body's data (what arrived of it). */
function unchunk(text: string): string {
  let out = "";
  let i = 0;
  for (;;) {
    const eol = text.indexOf("\r\n", i);
    if (eol < 0) return out;
    const size = parseInt(text.slice(i, eol), 16);
    if (!(size > 0)) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
}
