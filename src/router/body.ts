// Reading a request body into memory, within three bounds: its size (the 6 MB a Lambda payload
// holds), a deadline for the whole body (a client that stalls or trickles is cut), and the bytes of
// bodies the router holds at once across requests (over it, the request is turned away with 503).
// Also throwing away what is left of a body the router answered early.
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

/** Bytes of request bodies held at once, shared by every request of one router. */
export class BodyBudget {
  private held = 0;

  constructor(readonly limitBytes: number) {}

  get heldBytes(): number {
    return this.held;
  }

  /** Takes `bytes` if they fit; false otherwise (nothing taken). */
  take(bytes: number): boolean {
    if (this.held + bytes > this.limitBytes) return false;
    this.held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.held -= bytes;
  }
}

/** A body in memory, counted against the budget until released (once; later calls do nothing). */
export interface HeldBody {
  readonly bytes: Buffer;
  release(): void;
}

export type BodyRead =
  | { readonly ok: true; readonly body: HeldBody }
  | { readonly ok: false; readonly reason: "too-large" | "over-budget" | "timeout" };

export interface BodyLimits {
  /** The most bytes one body may have. */
  readonly maxBytes: number;
  readonly budget: BodyBudget;
  /** The whole body must have arrived this long after the read starts. */
  readonly timeoutMs: number;
}

/** Whether the request carries a body at all (RFC 9112: a length, or a transfer coding). */
export function hasBody(req: BodySource): boolean {
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

/**
 * The whole body, or why not; on a refusal the rest is left unread (for `discardBody`, or to cut).
 * Rejects with ClientGoneError when the client goes away first.
 */
export function readBody(req: BodySource, limits: BodyLimits): Promise<BodyRead> {
  const declared = Number(req.headers["content-length"]);
  const known = req.headers["transfer-encoding"] === undefined && Number.isInteger(declared) && declared >= 0;
  if (known && declared > limits.maxBytes) return Promise.resolve({ ok: false, reason: "too-large" });
  // a declared length is taken whole, before a byte is read; a chunked body chunk by chunk
  if (known && !limits.budget.take(declared)) return Promise.resolve({ ok: false, reason: "over-budget" });
  let taken = known ? declared : 0;
  const giveBack = () => {
    limits.budget.give(taken);
    taken = 0;
  };

  return new Promise((resolve, reject) => {
    const whole = known ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("close", onGone);
    };
    const refuse = (reason: "too-large" | "over-budget" | "timeout") => {
      cleanup();
      req.pause();
      giveBack();
      resolve({ ok: false, reason });
    };
    const timer = setTimeout(() => refuse("timeout"), limits.timeoutMs);
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > limits.maxBytes) return refuse("too-large");
      if (whole) {
        if (size + chunk.length > whole.length) return refuse("too-large");
        chunk.copy(whole, size);
      } else {
        if (!limits.budget.take(chunk.length)) return refuse("over-budget");
        taken += chunk.length;
        chunks.push(chunk);
      }
      size += chunk.length;
    };
    const onEnd = () => {
      cleanup();
      const bytes = whole ? whole.subarray(0, size) : Buffer.concat(chunks, size);
      chunks.length = 0;
      resolve({ ok: true, body: { bytes, release: giveBack } });
    };
    const onGone = () => {
      cleanup();
      giveBack();
      reject(new ClientGoneError());
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onGone);
    req.on("close", onGone);
  });
}

/**
 * Reads and drops the rest of a body the router answers early (401, 403, 413, 503, ...), then calls
 * `done`: the answer goes out once the body is in, so a client still sending it reads the answer
 * instead of meeting a closed connection (Node closes a `Connection: close` connection as soon as
 * its answer is sent). A client that keeps sending past the cap, or past `timeoutMs`, loses the
 * connection instead.
 */
export function discardBody(req: BodySource, done: () => void = () => undefined, timeoutMs = 60_000): void {
  if (req.readableEnded || req.destroyed) return done();
  let size = 0;
  let called = false;
  // a client that trickles a body nobody wants does not keep its connection past the body timeout
  const timer = setTimeout(() => req.destroy(), timeoutMs);
  const finish = () => {
    if (called) return;
    called = true;
    clearTimeout(timer);
    done();
  };
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > DISCARD_CAP_BYTES) req.destroy();
  });
  req.on("error", () => undefined);
  req.once("end", finish);
  req.once("close", finish);
  req.resume();
}
