// Reading a request body into memory with a limit, and throwing away what is left of one.
import type { Readable } from "stream";

/** The client went away before its request was complete. */
export class ClientGoneError extends Error {
  constructor() {
    super("the client closed the connection");
  }
}

/** Beyond this much unread body after an early answer, the connection is cut rather than drained. */
const DISCARD_CAP_BYTES = 64 * 1024 * 1024;

interface BodySource extends Readable {
  readonly headers: Record<string, string | string[] | undefined>;
}

/** Whether the request carries a body at all (RFC 9112: a length, or a transfer coding). */
export function hasBody(req: BodySource): boolean {
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

/**
 * The whole body, or `null` when it is (or declares to be) longer than `limit` bytes; in that case
 * the rest is left unread for `discardBody`.
 */
export function readBody(req: BodySource, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("close", onGone);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onGone = () => {
      cleanup();
      reject(new ClientGoneError());
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onGone);
    req.on("close", onGone);
  });
}

/**
 * Reads and drops the rest of a body the router answered early (401, 403, 413, ...), so a kept-alive
 * connection stays usable; a client that keeps sending past the cap loses the connection instead.
 */
export function discardBody(req: BodySource): void {
  if (req.readableEnded || req.destroyed) return;
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > DISCARD_CAP_BYTES) req.destroy();
  });
  req.on("error", () => undefined);
  req.resume();
}
