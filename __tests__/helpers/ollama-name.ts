// Ollama's own model name check, ported for tests from types/model/name.go (ParseNameBare, then
// IsValid over host, namespace, model and tag, the defaults filled in): the oracle the model-name
// rules, the SSM document's pattern and the bootstrap's check are compared with. A name with a
// scheme ("https://...") is left out: Ollama accepts one, the module does not.

const isAlnumOrUnderscore = (c: string) => /^[A-Za-z0-9_]$/.test(c);

type Kind = "host" | "namespace" | "model" | "tag";

function isValidPart(kind: Kind, s: string): boolean {
  const max = kind === "host" ? 350 : 80;
  if (s.length < 1 || s.length > max) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (i === 0) {
      if (!isAlnumOrUnderscore(c)) return false;
      continue;
    }
    if (c === "_" || c === "-") continue;
    if (c === ".") {
      if (kind === "namespace") return false;
      continue;
    }
    if (c === ":") {
      if (kind !== "host") return false;
      continue;
    }
    if (!isAlnumOrUnderscore(c)) return false;
  }
  return true;
}

/** cutPromised: the parts before and after the last `sep`, an empty one as "!MISSING!" (never valid). */
function cutPromised(s: string, sep: string): [string, string, boolean] {
  const i = s.lastIndexOf(sep);
  if (i < 0) return [s, "", false];
  return [s.slice(0, i) || "!MISSING!", s.slice(i + 1) || "!MISSING!", true];
}

/** Whether Ollama's ParseName(name).IsValid() holds. */
export function ollamaAcceptsName(name: string): boolean {
  let s = name;
  let tag = "latest";
  let namespace = "library";
  let host = "registry.ollama.ai";
  let model: string;
  if (s.lastIndexOf(":") > s.lastIndexOf("/")) [s, tag] = cutPromised(s, ":");
  let promised: boolean;
  [s, model, promised] = cutPromised(s, "/");
  if (!promised) model = s;
  else {
    [s, namespace, promised] = cutPromised(s, "/");
    if (!promised) namespace = s;
    else {
      if (s.includes("://")) return false;
      host = s;
    }
  }
  return isValidPart("host", host) && isValidPart("namespace", namespace) && isValidPart("model", model) && isValidPart("tag", tag);
}
