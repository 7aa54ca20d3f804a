// What crosses the router in each direction. Hop-by-hop headers (RFC 9110 section 7.6.1) describe one
// connection, not the message, so a proxy never forwards them; the client's credentials stop here,
// and the routing header is the router's own.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "http";
import { ROUTING_HEADER } from "./endpoints";

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

/**
 * Also never sent to the ALB: the caller's credentials (its bearer key, the API-key headers other
 * clients send, cookies), the client's host, framing the router recomputes, and any routing header.
 */
const NOT_UPSTREAM = new Set(["authorization", "x-api-key", "api-key", "cookie", "host", "content-length", "expect"]);

/** `x_ollama_fleet_model` and the like: a header a hop could take for the routing header. */
const ROUTING_LOOKALIKE = ROUTING_HEADER.replace(/-/g, "_");

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
 * @param servedModel the model the request names, as served: the routing header's value.
 */
export function upstreamRequestHeaders(
  client: IncomingHttpHeaders,
  albHost: string,
  bodyLength: number | undefined,
  clientAddress: string | undefined,
  servedModel?: string,
): OutgoingHttpHeaders {
  const listed = connectionListed(client);
  const out: OutgoingHttpHeaders = {};
  for (const name in client) {
    if (isHopByHop(name, listed) || NOT_UPSTREAM.has(name)) continue;
    if (name.length === ROUTING_LOOKALIKE.length && name.replace(/-/g, "_") === ROUTING_LOOKALIKE) continue;
    out[name] = client[name];
  }
  out.host = albHost;
  if (bodyLength !== undefined) out["content-length"] = String(bodyLength);
  if (clientAddress) {
    const prior = client["x-forwarded-for"];
    out["x-forwarded-for"] = prior ? `${prior}, ${clientAddress}` : clientAddress;
  }
  if (servedModel !== undefined) out[ROUTING_HEADER] = servedModel;
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
