// Which endpoint of ENDPOINTS a canonical path and method name, and what the router answers when
// none does: 404 for a path no endpoint has, 405 (with the methods open on it) for a known path
// with another method, 403 for model management while it is closed.
import { Endpoint, ENDPOINTS, openEndpoints } from "./endpoints";

export type Lookup =
  | { readonly endpoint: Endpoint; readonly model?: string }
  | { readonly refused: 404 }
  | { readonly refused: 405; readonly allow: readonly string[] }
  | { readonly refused: 403 };

/** A template segment (`{model}`) stands for one segment of letters, digits and `._:-`, not `.` or `..`. */
const TEMPLATE = /^\{[a-z]+\}$/;
const SEGMENT_VALUE = /^[A-Za-z0-9._:-]{1,512}$/;

function segmentsMatch(pattern: readonly string[], segments: readonly string[]): string | undefined | false {
  if (pattern.length !== segments.length) return false;
  let value: string | undefined;
  for (let i = 0; i < pattern.length; i++) {
    if (TEMPLATE.test(pattern[i])) {
      if (!SEGMENT_VALUE.test(segments[i]) || segments[i] === "." || segments[i] === "..") return false;
      value = segments[i];
    } else if (pattern[i] !== segments[i]) {
      return false;
    }
  }
  return value;
}

export class Allowlist {
  private readonly fixed = new Map<string, Endpoint[]>();
  private readonly templated: { endpoint: Endpoint; segments: readonly string[] }[] = [];
  private readonly open: ReadonlySet<Endpoint>;

  constructor(allowModelManagement: boolean) {
    this.open = new Set(openEndpoints(allowModelManagement));
    for (const endpoint of ENDPOINTS) {
      if (endpoint.path.includes("{")) {
        this.templated.push({ endpoint, segments: endpoint.path.split("/") });
      } else {
        const list = this.fixed.get(endpoint.path) ?? [];
        list.push(endpoint);
        this.fixed.set(endpoint.path, list);
      }
    }
  }

  /** @param path a canonical path (readTarget found no problem) */
  lookup(method: string, path: string): Lookup {
    let matches = this.fixed.get(path);
    let value: string | undefined;
    if (matches === undefined) {
      const segments = path.split("/");
      matches = [];
      for (const t of this.templated) {
        const matched = segmentsMatch(t.segments, segments);
        if (matched === false) continue;
        matches.push(t.endpoint);
        value = matched;
      }
      if (matches.length === 0) return { refused: 404 };
    }
    const open = matches.filter((m) => this.open.has(m));
    if (open.length === 0) return { refused: 403 };
    const endpoint = open.find((m) => m.method === method);
    if (endpoint === undefined) return { refused: 405, allow: open.map((m) => m.method) };
    return endpoint.model === "path" ? { endpoint, model: value } : { endpoint };
  }
}
