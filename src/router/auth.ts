// API keys: `Authorization: Bearer <key>`, stored only as SHA-256 hex hashes in a JSON list
// `[{"name": "...", "sha256": "..."}]` (an SSM SecureString in AWS, a file in local mode).
import { createHash, timingSafeEqual } from "crypto";

export interface ApiKey {
  readonly name: string;
  readonly sha256: Buffer;
}

/** The keys could not be read: the router refuses the request (503) rather than guess. */
export class KeysUnavailableError extends Error {}

/** Where the key list comes from. `keys()` resolves fast from a cache or throws KeysUnavailableError. */
export interface KeyStore {
  keys(): Promise<readonly ApiKey[]>;
  /** One sentence telling an operator how to add a key to this store. */
  readonly howToAdd: string;
}

/** Names `npm run keys` gives keys: easy to type, and safe inside the single quotes of a shell command. */
export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * Parses and checks a key list; `where` names its source in error messages. An empty text means an
 * empty list (an SSM parameter the module created but nobody filled yet).
 */
export function parseKeyList(text: string, where: string): ApiKey[] {
  if (text.trim() === "") return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where} is not valid JSON (${(err as Error).message}); expected [{"name": "...", "sha256": "<64 hex digits>"}]`);
  }
  if (!Array.isArray(data)) {
    throw new Error(`${where} must be a JSON array of {"name", "sha256"} objects, got ${typeof data}`);
  }
  const names = new Set<string>();
  return data.map((entry, i) => {
    const e = entry as { name?: unknown; sha256?: unknown };
    // names only label keys in the log lines: any short text will do (`npm run keys` makes tidier ones)
    if (typeof entry !== "object" || entry === null || typeof e.name !== "string" || !/^[^\x00-\x1f\x7f]{1,128}$/.test(e.name)) {
      throw new Error(`${where}[${i}].name must be a name of 1 to 128 characters (no control characters)`);
    }
    if (typeof e.sha256 !== "string" || !/^[0-9a-f]{64}$/i.test(e.sha256)) {
      throw new Error(`${where}[${i}].sha256 must be the key's SHA-256 as 64 hex digits (npm run keys -- add NAME prints it)`);
    }
    if (names.has(e.name)) throw new Error(`${where}: the name "${e.name}" appears twice; names identify keys in the logs`);
    names.add(e.name);
    return { name: e.name, sha256: Buffer.from(e.sha256, "hex") };
  });
}

/** The token of `Authorization: Bearer <token>`, if that is what the header holds. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? match[1] : undefined;
}

/**
 * The key whose hash equals the presented key's. Every stored hash is compared, in constant time,
 * so the time taken says nothing about which hash came close.
 */
export function findKey(keys: readonly ApiKey[], presented: string): ApiKey | undefined {
  const hash = createHash("sha256").update(presented, "utf8").digest();
  let found: ApiKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(hash, key.sha256) && found === undefined) found = key;
  }
  return found;
}
