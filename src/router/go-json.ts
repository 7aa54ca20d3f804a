// Reads fields of a JSON body the way Ollama's server does: Go's encoding/json decoding into a
// struct, so the router and the server never disagree on which model a request names.
//
// Go's rules (encoding/json, decode.go and fold.go), for an object decoded into a struct:
// - a key matches a field by its exact JSON name, else case-insensitively: both folded with
//   Unicode simple case folding (`foldName`), so `Model` and `MODEL` set `model`, and `ſ`
//   (U+017F) folds with `s`, `K` (U+212A) with `k`;
// - keys are compared after their escapes are decoded (`"\u006dodel"` is `model`);
// - every matching key assigns the field in turn: the last one wins, whatever its spelling;
// - `null` leaves a string or bool field as it was; any other type is an error (the server answers 400).
// JSON.parse keeps only one value per spelling of a key, in the position of its first occurrence,
// so the members come in order from the body itself (json-scan.ts).
import type { JsonMember } from "./json-scan";

/** What Go would leave in a string or bool field after decoding the body. */
export type GoField =
  | { readonly kind: "absent" }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "bool"; readonly value: boolean }
  /** A value Go cannot decode into the field: the server refuses the request. */
  | { readonly kind: "mismatch"; readonly type: string };

/** The only non-ASCII runes whose simple case folding orbit holds an ASCII letter. */
const NON_ASCII_FOLDS: Record<string, string> = { "\u017f": "S", "\u212a": "K" };

/** Go's foldName for the names compared here: ASCII upper-cased, and the two runes above. */
export function foldName(name: string): string {
  if (/^[\x00-\x7f]*$/.test(name)) return name.toUpperCase();
  let out = "";
  for (const ch of name) out += NON_ASCII_FOLDS[ch] ?? (ch < "\x80" ? ch.toUpperCase() : ch);
  return out;
}

interface Matcher {
  readonly exact: ReadonlySet<string>;
  readonly folded: ReadonlyMap<string, string>;
  /** Folding keeps a key's length in UTF-16 units (ſ and K are one unit, as S and K are): other keys cannot match. */
  readonly lengths: ReadonlySet<number>;
}

/** Per list of names (the endpoints' lists are constants): made once. */
const matchers = new WeakMap<readonly string[], Matcher>();

function matcherOf(names: readonly string[]): Matcher {
  let m = matchers.get(names);
  if (!m) {
    m = { exact: new Set(names), folded: new Map(names.map((n) => [foldName(n), n])), lengths: new Set(names.map((n) => n.length)) };
    matchers.set(names, m);
  }
  return m;
}

/**
 * What Go leaves in each of the struct's fields named `names` (their JSON names, which differ
 * from one another once folded) after decoding the members, for string or bool fields.
 */
export function goFields(members: readonly JsonMember[], names: readonly string[], kind: "string" | "bool"): Map<string, GoField> {
  const { exact, folded, lengths } = matcherOf(names);
  const fields = new Map<string, GoField>(names.map((n) => [n, { kind: "absent" }]));
  for (const member of members) {
    if (!lengths.has(member.key.length)) continue;
    const name = exact.has(member.key) ? member.key : folded.get(foldName(member.key));
    // a value of the wrong type fails the whole decoding, whatever follows
    if (name === undefined || fields.get(name)!.kind === "mismatch") continue;
    const { first } = member;
    if (first === "n") continue; // null
    if (kind === "string" && first === '"') {
      fields.set(name, { kind: "string", value: JSON.parse(member.text()) as string });
    } else if (kind === "bool" && (first === "t" || first === "f")) {
      fields.set(name, { kind: "bool", value: first === "t" });
    } else {
      const type = first === "{" ? "object" : first === "[" ? "array" : first === '"' ? "string" : first === "t" || first === "f" ? "boolean" : "number";
      fields.set(name, { kind: "mismatch", type });
    }
  }
  return fields;
}
