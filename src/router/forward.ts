// Streams a server's response body to the client with back-pressure (Readable.pipe), and reports
// once how it ended: complete, or broken off by one side, which then ends the other. The contract of
// stream.pipeline for two streams, without the AbortController and listeners pipeline sets up per
// call (on the request path that was about 15% of the router's CPU per request, measured).
import type { Readable, Writable } from "stream";

export interface Broken {
  /** Which side ended first: the server's body (source) or the client (destination). */
  readonly side: "source" | "destination";
  readonly error: Error;
}

export function forward(source: Readable, destination: Writable, done: (broken?: Broken) => void): void {
  let settled = false;
  const fail = (side: Broken["side"], error: Error) => {
    if (settled) return;
    settled = true;
    // the client's side is cut with the error, so an adapter can tell a cut stream from a finished one
    if (side === "source") destination.destroy(error);
    else source.destroy();
    done({ side, error });
  };
  source.on("error", (error) => fail("source", error));
  source.on("close", () => {
    if (!source.readableEnded) fail("source", new Error("the server's response ended before its end"));
  });
  destination.on("error", (error) => fail("destination", error));
  destination.on("close", () => {
    if (!destination.writableFinished) fail("destination", new Error("the client closed the connection"));
  });
  destination.on("finish", () => {
    if (settled) return;
    settled = true;
    done();
  });
  source.pipe(destination);
}
