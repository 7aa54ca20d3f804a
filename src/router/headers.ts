// What crosses the router in each direction. Hop-by-hop headers (RFC 9110 section 7.6.1) describe one
// connection, not the message, so a proxy never forwards them; the client's credentials stop here.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "http";

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "http2-settings",
]);

/** Also never sent to the ALB: the key, the client's host, and framing the router recomputes. */
const NOT_UPSTREAM = new Set(["authorization", "host", "content-length", "expect"]);

/** Header names a `Connection` header lists, which are hop-by-hop too. */
function connectionListed(headers: IncomingHttpHeaders): Set<string> | undefined {
  const value = headers.connection;
  if (!value) return undefined;
  return new Set(value.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean));
}

function isHopByHop(name: string, listed: Set<string> | undefined): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith("proxy-") || (listed !== undefined && listed.has(name));
}

/**
 * The headers of the request to the ALB.
 * @param bodyLength the buffered body's length, or undefined when the body is streamed through
 *   (then the client's `content-length`/chunking is kept as Node frames it) or absent.
 */
export function upstreamRequestHeaders(
  client: IncomingHttpHeaders,
  albHost: string,
  bodyLength: number | undefined,
  clientAddress: string | undefined,
): OutgoingHttpHeaders {
  const listed = connectionListed(client);
  const out: OutgoingHttpHeaders = {};
  for (const name in client) {
    if (isHopByHop(name, listed) || NOT_UPSTREAM.has(name)) continue;
    out[name] = client[name];
  }
  out.host = albHost;
  if (bodyLength !== undefined) out["content-length"] = String(bodyLength);
  if (clientAddress) {
    const prior = client["x-forwarded-for"];
    out["x-forwarded-for"] = prior ? `${prior}, ${clientAddress}` : clientAddress;
  }
  return out;
}

/** The headers of the response back to the client: the server's, less hop-by-hop ones. */
export function downstreamResponseHeaders(upstream: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = connectionListed(upstream);
  const out: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    if (isHopByHop(name, listed)) continue;
    out[name] = upstream[name];
  }
  return out;
}
