// The bypass matrix: every way we know to spell a call the router must not forward (model
// management, the server's other routes, and disguises that a lenient reading takes for an open
// call), sent with every method, as raw bytes. The check is what the ALB stand-in received: only
// canonical targets of the allowlist, each with the router's own routing key and no credential.
import { ENDPOINTS, openEndpoints, ROUTING_HEADER } from "../../../src/router/endpoints";
import type { AlbRecord } from "./alb-standin";
import { rawRequest, RawAnswer } from "./raw-http";

/** A target a hop reads one way only: origin form, unreserved and sub-delimiter characters, no dot or empty segment. */
const CANONICAL_PATH = /^\/$|^(\/[A-Za-z0-9._~!$&'()*+,=:@-]+)+$/;

/** The model every body names; it is served. */
export const MATRIX_MODEL = "llama3:latest";
export const MATRIX_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] as const;

/** Routes of Ollama's server that are not on the allowlist at all. */
const OTHER_SERVER_ROUTES = [
  "/api/status",
  "/api/me",
  "/api/signout",
  "/api/user/keys/c3NoLWVkMjU1MTk",
  "/api/experimental/web_search",
  "/api/experimental/web_fetch",
  "/api/experimental/model-recommendations",
  "/v1/audio/transcriptions",
];

const MANAGEMENT_PATHS = [...new Set(ENDPOINTS.filter((e) => e.kind === "management").map((e) => e.path.replace("{digest}", "sha256-0123abcd")))];

const hex = (c: string, lower: boolean) => {
  const h = c.charCodeAt(0).toString(16).padStart(2, "0");
  return `%${lower ? h : h.toUpperCase()}`;
};

/** Spellings of `path` that a decoding, normalizing or lenient hop could read as `path`. */
export function spellings(path: string): string[] {
  const segments = path.split("/").slice(1);
  const last = segments.at(-1)!;
  const head = `/${segments.slice(0, -1).join("/")}`;
  const out = new Set<string>([path]);
  // every character percent-encoded in turn, upper- and lower-case hex; the whole path; twice
  for (let i = 1; i < path.length; i++) {
    for (const lower of [false, true]) out.add(path.slice(0, i) + hex(path[i], lower) + path.slice(i + 1)); // a Set: %2F and %2f both, %61 once
  }
  out.add(`/${[...path.slice(1)].map((c) => hex(c, false)).join("")}`);
  out.add(`${head}/%25${hex(last[0], false).slice(1)}${last.slice(1)}`);
  out.add(`${head}/%2525${hex(last[0], false).slice(1)}${last.slice(1)}`);
  // case
  out.add(path.toUpperCase());
  out.add(`${head}/${last[0].toUpperCase()}${last.slice(1)}`);
  out.add(`${head.toUpperCase()}/${last}`);
  // empty segments
  out.add(`/${path}`);
  out.add(`${head}//${last}`);
  out.add(`${path}//`);
  out.add(`//x${path}`);
  // dot segments, written and encoded
  for (const dot of [".", "..", "%2e", "%2E", "%2e%2e", ".%2E", "%2E."]) {
    out.add(`${head}/${dot}/${last}`);
    out.add(`/${dot}${path}`);
    out.add(`${path}/${dot}`);
  }
  out.add(`${head}/x/../${last}`);
  out.add(`${head}/x/%2e%2e/${last}`);
  out.add(`${head}/x%2f..%2f${last}`);
  out.add(`/api/chat/../..${path}`);
  // path parameters, NUL, trailing slash, backslash
  for (const tail of [";", ";x=1", ";.json", "%00", "%00.json", "%3b", "/", "%2f", "%2F", "\\", "%5c", "%20", ".", "~", "%09"]) out.add(`${path}${tail}`);
  out.add(`${head};x/${last}`);
  out.add(`${head}/${last[0]}%00${last.slice(1)}`);
  out.add(`${head}\\${last}`);
  out.add(`\\${path.slice(1)}`);
  out.add(`${head}%5c${last}`);
  // absolute form and other forms
  for (const origin of ["http://x", "http://127.0.0.1:11434", "HTTP://X", "https://x", "http://x:80"]) out.add(`${origin}${path}`);
  out.add(path.slice(1));
  out.add(`*${path}`);
  // query and fragment tricks
  for (const tail of ["?", "?x=1", "#", "#x", "?redirect_model=llama3:latest", "%3F", "%3Fx=1", "%23"]) out.add(`${path}${tail}`);
  // raw bytes a client library would never send: non-ASCII, a control character
  out.add(`${path}\u00e9`);
  out.add(`${head}/${last}\u00ff`);
  out.add(`${path}\x7f`);
  return [...out];
}

/**
 * Targets that a lenient reading takes for an open call, written with a management path in them:
 * where hops disagree (one decodes and resolves dot segments, another splits the query first), the
 * router's check of what the target means does not hold for what another hop reads.
 */
export function disguises(): string[] {
  const out = new Set<string>();
  const open = ["/api/chat", "/api/generate", "/v1/chat/completions", "/api/tags", "/api/version"];
  for (const management of MANAGEMENT_PATHS) {
    const last = management.split("/").at(-1)!;
    for (const target of open) {
      const openLast = target.split("/").at(-1)!;
      out.add(`${target}%3F/../${last}`);
      out.add(`${management}/../${openLast}`);
      out.add(`${management}%2F..%2F${openLast}`);
      out.add(`${management};/../${openLast}`);
      out.add(`${management}/..;/${openLast}`);
      out.add(`${target}/..%2F${last}`);
      out.add(`${target}%00${management}`);
    }
  }
  // spellings of open calls: each means the open call to a lenient hop, and is still not forwarded
  for (const target of open) for (const s of spellings(target)) if (s !== target && !s.includes("?") && !s.includes("#")) out.add(s);
  return [...out];
}

/** Hostile query strings on open calls: the path is canonical, only the router's routing key may pass. */
export function queryTricks(): string[] {
  return [
    "/api/chat?redirect_model=qwen2:latest",
    "/api/chat?REDIRECT_MODEL=qwen2%3Alatest&redirect_name=qwen2:latest",
    "/api/chat?redirect%5Fmodel=qwen2:latest&redirect%5fname=qwen2:latest",
    "/api/chat?redirect_model=qwen2:latest&redirect_model=llama3:latest",
    "/api/chat?/../../api/delete",
    "/api/chat?x=/api/pull",
    "/api/generate?redirect_model=*",
    "/v1/chat/completions?redirect_model=&redirect_name=",
  ];
}

export interface MatrixCase {
  readonly method: string;
  readonly target: string;
}

/**
 * Every target with every method when the method can decide its fate (a path written canonically,
 * which the allowlist looks up with its method); a target that is not is refused before its method
 * is read, and goes with POST and one other method, taken in turn.
 */
export function matrixCases(scope: "all" | "management" = "all"): MatrixCase[] {
  const cases: MatrixCase[] = [];
  const targets =
    scope === "management"
      ? [...new Set(MANAGEMENT_PATHS.flatMap(spellings))]
      : [...new Set([...[...MANAGEMENT_PATHS, ...OTHER_SERVER_ROUTES].flatMap(spellings), ...disguises()])];
  targets.forEach((target, i) => {
    const path = target.split("?")[0];
    const methodMatters = CANONICAL_PATH.test(path) && !path.split("/").some((s) => s === "." || s === "..");
    const methods = methodMatters ? MATRIX_METHODS : ["POST", MATRIX_METHODS.filter((m) => m !== "POST")[i % 6]];
    for (const method of methods) cases.push({ method, target });
  });
  for (const target of queryTricks()) cases.push({ method: "POST", target });
  return cases;
}

const BODY = JSON.stringify({ model: MATRIX_MODEL, name: MATRIX_MODEL, source: MATRIX_MODEL, destination: "copy", from: MATRIX_MODEL, messages: [], stream: false });

/** Sends every case, a few at a time; the answers in the order of the cases. */
export async function runMatrix(base: string, cases: readonly MatrixCase[], concurrency = 12): Promise<RawAnswer[]> {
  const answers: RawAnswer[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      const { method, target } = cases[i];
      const body = method === "GET" || method === "HEAD" || method === "OPTIONS" ? undefined : BODY;
      answers[i] = await rawRequest(
        base,
        method,
        target,
        { "content-type": "application/json", "x-api-key": "sk-side-channel", cookie: "s=1", [ROUTING_HEADER]: "qwen2:latest" },
        body,
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answers;
}


/** The open endpoint a canonical `method` and path name, if any. */
function openEndpoint(method: string, path: string, allowModelManagement: boolean) {
  if (!CANONICAL_PATH.test(path) || path.split("/").some((s) => s === "." || s === "..")) return undefined;
  const segments = path.split("/");
  return openEndpoints(allowModelManagement).find((e) => {
    const pattern = e.path.split("/");
    return e.method === method && pattern.length === segments.length && pattern.every((p, i) => (p.startsWith("{") ? /^[A-Za-z0-9._:-]+$/.test(segments[i]) : p === segments[i]));
  });
}

/**
 * How many requests the ALB should get for a case: 0 unless its target is a canonical open call (a
 * merged list asks every server). `frontKeepsPath`: a front that hands on only the path of an
 * absolute-form target (a function URL's).
 */
export function expectedRecords(c: MatrixCase, served: readonly string[], allowModelManagement: boolean, frontKeepsPath = false): number {
  const origin = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(c.target);
  const target = frontKeepsPath && origin ? c.target.slice(origin[0].length) || "/" : c.target;
  if (!target.startsWith("/") || target.includes("#")) return 0;
  const endpoint = openEndpoint(c.method, target.split("?")[0], allowModelManagement);
  if (!endpoint || endpoint.kind === "index") return 0;
  return endpoint.kind === "list" && endpoint.method === "GET" ? served.length : 1;
}

/**
 * Why the ALB must not have received `record`, or undefined. The allowlist is the data of
 * ENDPOINTS; the canonical form is checked here on its own terms, not with the router's code.
 */
export function violation(record: AlbRecord, served: readonly string[], allowModelManagement: boolean): string | undefined {
  const [path, query, ...more] = record.url.split("?");
  if (more.length > 0 || record.url.includes("#")) return "more than one ? or a fragment";
  if (!CANONICAL_PATH.test(path) || path.split("/").some((s) => s === "." || s === "..")) return `path ${JSON.stringify(path)} is not canonical`;
  if (!openEndpoint(record.method, path, allowModelManagement)) return `${record.method} ${path} is not an open endpoint`;
  const routing = record.rawHeaders.filter((_, i) => i % 2 === 0 && /^x.ollama.fleet.model$/i.test(record.rawHeaders[i]));
  const model = record.headers[ROUTING_HEADER];
  if (query === undefined) {
    if (routing.length > 0) return "a routing header without the router's redirect_model";
  } else {
    const value = /^redirect_model=([^&]*)$/.exec(query)?.[1];
    if (value === undefined) return `query ${JSON.stringify(query)} is not the router's redirect_model alone`;
    if (!served.includes(decodeURIComponent(value))) return `redirect_model ${value} is not a served model`;
    if (routing.length !== 1 || model !== decodeURIComponent(value)) return `routing header ${JSON.stringify(routing)} ${String(model)} does not match redirect_model`;
  }
  for (const name of ["authorization", "x-api-key", "api-key", "cookie"]) if (record.headers[name] !== undefined) return `a ${name} header`;
  return undefined;
}
