// `npm run keys -- add NAME`: makes an API key, shows it once, and keeps only its SHA-256 hash in the
// key list (a local JSON file, the same list the SSM parameter holds). Also `remove NAME` and `list`.
//
//   npm run keys -- add NAME [--keys-file FILE] [--parameter NAME]
//
// Defaults: --keys-file router-keys.json (in the directory npm was started from),
// --parameter /llm/router/api-keys (the module's default prefix `llm`).
import { randomBytes } from "crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "fs";
import * as path from "path";
import { KEY_NAME_PATTERN, parseKeyList, sha256Hex } from "./auth";

export const DEFAULT_KEYS_FILE = "router-keys.json";
export const DEFAULT_PARAMETER = "/llm/router/api-keys";
const USAGE = "usage: npm run keys -- add|remove NAME [--keys-file FILE] [--parameter NAME]   |   npm run keys -- list [--keys-file FILE]";

interface StoredKey {
  name: string;
  sha256: string;
}

/** A new key: `sk-` and 32 random bytes, base64url. */
export function newApiKey(): string {
  return `sk-${randomBytes(32).toString("base64url")}`;
}

/** The shell command that stores `list` in the SSM parameter (single-quoted; a quote in a hand-written name is escaped). */
export function putParameterCommand(parameter: string, list: readonly StoredKey[]): string {
  const value = JSON.stringify(list).replace(/'/g, `'\\''`);
  return `aws ssm put-parameter --name ${parameter} --type SecureString --overwrite --value '${value}'`;
}

class CliError extends Error {}

function readList(file: string): StoredKey[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  try {
    return parseKeyList(text, file).map((k) => ({ name: k.name, sha256: k.sha256.toString("hex") }));
  } catch (err) {
    throw new CliError(`keys: ${(err as Error).message}; fix the file or pass another --keys-file`);
  }
}

function writeList(file: string, list: readonly StoredKey[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(list, null, 2)}\n`);
  renameSync(tmp, file); // atomic: a router re-reading the file never sees half of it
}

export function run(argv: readonly string[], out: (text: string) => void, cwd: string): void {
  const positional: string[] = [];
  let keysFile = DEFAULT_KEYS_FILE;
  let parameter = DEFAULT_PARAMETER;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--keys-file" || arg === "--parameter") {
      const value = argv[++i];
      if (!value) throw new CliError(`keys: ${arg} needs a value, e.g. ${arg === "--keys-file" ? "--keys-file router-keys.json" : `--parameter ${DEFAULT_PARAMETER}`}`);
      if (arg === "--keys-file") keysFile = value;
      else parameter = value;
    } else if (arg.startsWith("--")) {
      throw new CliError(`keys: unknown option ${arg}; ${USAGE}`);
    } else {
      positional.push(arg);
    }
  }
  if (!/^\/?[A-Za-z0-9_.\-/]{1,1011}$/.test(parameter)) {
    throw new CliError(`keys: --parameter ${JSON.stringify(parameter)} is not an SSM parameter name (letters, digits, _.-/); use e.g. ${DEFAULT_PARAMETER}`);
  }
  const file = path.resolve(cwd, keysFile);
  const [command, name, ...rest] = positional;
  if (rest.length > 0) throw new CliError(`keys: unexpected ${JSON.stringify(rest[0])}; ${USAGE}`);

  if (command === "list" && name === undefined) {
    const list = readList(file);
    out(list.length === 0 ? `${keysFile}: no keys\n` : list.map((k) => `${k.name}  sha256:${k.sha256}\n`).join(""));
    return;
  }
  if ((command !== "add" && command !== "remove") || name === undefined) throw new CliError(`keys: ${USAGE}`);
  if (!KEY_NAME_PATTERN.test(name)) {
    throw new CliError(`keys: NAME ${JSON.stringify(name)} must be letters, digits and ._@- (at most 64 characters), e.g. alice or team-a`);
  }
  const list = readList(file);
  if (command === "add") {
    if (list.some((k) => k.name === name)) {
      throw new CliError(`keys: ${keysFile} already has a key named "${name}"; remove it first (npm run keys -- remove ${name}) or choose another name`);
    }
    const key = newApiKey();
    const entry = { name, sha256: sha256Hex(key) };
    list.push(entry);
    writeList(file, list);
    out(
      `New API key "${name}" (shown only this once; hand it to its user now):\n\n  ${key}\n\n` +
        `Hash line: ${JSON.stringify(entry)}\n` +
        `Updated ${keysFile} (${list.length} key${list.length === 1 ? "" : "s"}); a local router started with --keys-file ${keysFile} uses it from its next request.\n\n` +
        `To store the list in AWS:\n\n  ${putParameterCommand(parameter, list)}\n`,
    );
    return;
  }
  const kept = list.filter((k) => k.name !== name);
  if (kept.length === list.length) throw new CliError(`keys: ${keysFile} has no key named "${name}"; npm run keys -- list shows the names`);
  writeList(file, kept);
  out(
    `Removed "${name}" from ${keysFile} (${kept.length} key${kept.length === 1 ? "" : "s"} left).\n\n` +
      `To store the list in AWS:\n\n  ${putParameterCommand(parameter, kept)}\n`,
  );
}

export function main(argv: readonly string[]): void {
  try {
    run(argv, (text) => process.stdout.write(text), process.env.INIT_CWD ?? process.cwd());
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}
