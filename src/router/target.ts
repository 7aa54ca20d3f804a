// The request target, read twice: as written, and as the most lenient hop behind the router could
// read it (a proxy that decodes percent-escapes, resolves dot segments, turns `\` into `/`, drops
// `;params`, or takes an absolute-form target). The router forwards a target only when both
// readings are the same path: then the ALB and Ollama (which decodes the path before it routes)
// cannot see another call than the one the router checked. Anything else is refused (400), nothing
// sent upstream.

export interface Target {
  /** The path as the most lenient hop would read it: what the target means to the allowlist. */
  readonly path: string;
  /** The path as written (without query or fragment): what the router forwards, never a rewrite of it. */
  readonly written: string;
  /** Why the target is not canonical; undefined when it is. */
  readonly problem?: string;
}

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;
/** Printable ASCII, no space: what a request target may hold as written (RFC 9112, RFC 3986). */
const PRINTABLE = /^[\x21-\x7e]*$/;

/** Percent-escapes decoded byte by byte (as Go's url.PathUnescape does), an invalid one left as is. */
function percentDecode(text: string): string {
  if (!text.includes("%")) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      bytes.push(...Buffer.from(text[i], "utf8"));
    }
  }
  return Buffer.from(bytes).toString("latin1");
}

/** The common case, read at once: segments of unreserved and sub-delimiter characters, printable query. */
const PLAIN = /^(?:\/[A-Za-z0-9_~!$&'()*+,=:@.-]+)+(?:\?[\x21-\x22\x24-\x7e]*)?$|^\/(?:\?[\x21-\x22\x24-\x7e]*)?$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|\?|$)/;

/** Reads a request target (`req.url`, or a function URL's rawPath and query joined with `?`). */
export function readTarget(raw: string): Target {
  if (PLAIN.test(raw) && !DOT_SEGMENT.test(raw.split("?", 1)[0])) {
    const q = raw.indexOf("?");
    const path = q < 0 ? raw : raw.slice(0, q);
    return { path, written: path };
  }
  const problems: string[] = [];
  let rest = raw;
  if (!PRINTABLE.test(rest)) problems.push("it holds a space, a control character or a non-ASCII character");
  const absolute = ABSOLUTE_FORM.exec(rest);
  if (absolute) {
    problems.push("it is in absolute form (scheme and host); send the path only");
    rest = rest.slice(absolute[0].length);
  } else if (!rest.startsWith("/")) {
    problems.push("it does not start with /");
  }
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    problems.push("it holds a fragment (#)");
    rest = rest.slice(0, hash);
  }
  const q = rest.indexOf("?");
  const written = q < 0 ? rest : rest.slice(0, q);
  let path = written.startsWith("/") ? written : `/${written}`;

  if (path.includes("\\")) {
    problems.push("its path holds a backslash");
    path = path.replace(/\\/g, "/");
  }
  if (path.includes("%")) {
    problems.push("its path holds percent-escapes");
    // a lenient hop may decode more than once
    for (let i = 0; i < 3 && path.includes("%"); i++) {
      const decoded = percentDecode(path);
      if (decoded === path) break;
      path = decoded.replace(/\\/g, "/");
    }
    // a hop that decodes, then parses again, ends the path at a decoded ? or #
    path = path.split(/[?#]/)[0];
  }
  if (path.includes(";")) {
    problems.push("its path holds a ; (path parameters)");
    path = path.replace(/;[^/]*/g, "");
  }

  const segments: string[] = [];
  const parts = path.split("/").slice(1);
  parts.forEach((segment, i) => {
    if (segment === "" && !(parts.length === 1)) {
      problems.push(i === parts.length - 1 ? "its path ends with /" : "its path holds an empty segment (//)");
    } else if (segment === "." || segment === "..") {
      problems.push("its path holds a dot segment (. or ..)");
      if (segment === "..") segments.pop();
    } else if (segment !== "") {
      segments.push(segment);
    }
  });
  const lenient = `/${segments.join("/")}`;
  if (problems.length > 0) return { path: lenient, written, problem: [...new Set(problems)].join("; ") };
  return { path, written };
}
