// `npm run keys`: makes API keys and keeps the list of their SHA-256 hashes, either in a local file
// (for a local router's --keys-file) or in a deployment's SSM parameter. A key is shown once, when
// it is made; only its hash is stored. With SSM, the list is read first and the change merged into
// it, so keys added from another checkout stay.
//
//   npm run keys -- add NAME | revoke NAME | list   [--keys-file FILE]
//   npm run keys -- add NAME | revoke NAME | list   --parameter NAME [--region REGION] [--current FILE|-]
import { randomBytes } from "crypto";
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "fs";
import * as path from "path";
import { KEY_NAME_PATTERN, parseKeyList, sha256Hex } from "./auth";
import { getParameter, putParameter, SsmError, ssmEndpoint, SsmTarget } from "./ssm";

export const DEFAULT_KEYS_FILE = "router-keys.json";
/** The module's parameter under its default prefix `llm`. */
export const DEFAULT_PARAMETER = "/llm/router/api-keys";

const USAGE =
  "usage: npm run keys -- add NAME | revoke NAME | list [--keys-file FILE]\n" +
  "       npm run keys -- add NAME | revoke NAME | list --parameter NAME [--region REGION] [--current FILE|-]";

export const HELP = `${USAGE}

API keys of the streaming router. A key is printed once, when it is made; only its SHA-256 hash
is kept, in a list of {"name", "sha256"}.

  add NAME              make a key named NAME (letters, digits, ._@-) and add its hash to the list
  revoke NAME           take NAME's hash out of the list (remove NAME does the same)
  list                  the names and hashes in the list

Where the list is:
  --keys-file FILE      a local file, for a local router's --keys-file (default ${DEFAULT_KEYS_FILE}
                        in the directory npm was started from)
  --parameter NAME      a deployment's SSM parameter (terraform output router_keys_parameter, e.g.
                        ${DEFAULT_PARAMETER}): read, changed and written back with the AWS
                        credentials of the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
                        AWS_SESSION_TOKEN; with a profile: eval "$(aws configure export-credentials --format env)")
  --region REGION       the parameter's region (default AWS_REGION, then AWS_DEFAULT_REGION)
  --current FILE|-      with --parameter: the parameter's current value, from a file or stdin,
                        instead of reading it; the command that stores the result is printed, not run
`;

interface StoredKey {
  name: string;
  sha256: string;
}

/** A bad command line or an unusable list: one message, exit 2. */
export class CliError extends Error {}

/** A new key: `sk-` and 32 random bytes, base64url. */
export function newApiKey(): string {
  return `sk-${randomBytes(32).toString("base64url")}`;
}

/** The shell command that stores `list` in the SSM parameter (single-quoted; a quote in a hand-written name is escaped). */
export function putParameterCommand(parameter: string, list: readonly StoredKey[], region?: string): string {
  const value = JSON.stringify(list).replace(/'/g, `'\\''`);
  return `aws ssm put-parameter --name ${parameter} --type SecureString --overwrite --value '${value}'${region ? ` --region ${region}` : ""}`;
}

function parseList(text: string, where: string, fix: string): StoredKey[] {
  try {
    return parseKeyList(text, where).map((k) => ({ name: k.name, sha256: k.sha256.toString("hex") }));
  } catch (err) {
    throw new CliError(`keys: ${(err as Error).message}; ${fix}`);
  }
}

/** Where the list is read from and written to. */
interface ListStore {
  /** How messages name it. */
  readonly label: string;
  read(): Promise<StoredKey[]>;
  /** Stores the list; returns what to tell the user about it. */
  write(list: readonly StoredKey[]): Promise<string>;
}

function fileStore(file: string, shown: string): ListStore {
  return {
    label: shown,
    read: async () => (existsSync(file) ? parseList(readFileSync(file, "utf8"), file, "fix the file or pass another --keys-file") : []),
    write: async (list) => {
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(list, null, 2)}\n`, { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, file); // atomic: a router re-reading the file never sees half of it
      return `Updated ${shown} (${count(list)}); a local router started with --keys-file ${shown} uses it from its next request.`;
    },
  };
}

const count = (list: readonly unknown[]) => `${list.length} key${list.length === 1 ? "" : "s"}`;

interface SsmOptions {
  readonly parameter: string;
  readonly region?: string;
  /** `-` for stdin. */
  readonly current?: string;
}

function credentialsFrom(env: NodeJS.ProcessEnv, parameter: string): SsmTarget["credentials"] {
  const accessKeyId = env.AWS_ACCESS_KEY_ID ?? "";
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY ?? "";
  if (accessKeyId === "" || secretAccessKey === "") {
    throw new CliError(
      `keys: --parameter reads and writes ${parameter} with the AWS credentials of the environment, and AWS_ACCESS_KEY_ID or ` +
        `AWS_SECRET_ACCESS_KEY is not set: export them (with a profile: eval "$(aws configure export-credentials --format env)"), ` +
        `or pass the current list with --current - (aws ssm get-parameter --name ${parameter} --with-decryption ` +
        `--query Parameter.Value --output text | npm run keys -- ... --current -) and run the command it prints`,
    );
  }
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}

function ssmStore(options: SsmOptions, env: NodeJS.ProcessEnv, cwd: string, stdin: () => Promise<string>): ListStore {
  const { parameter, current } = options;
  const fix = `fix the parameter's value (aws ssm put-parameter --name ${parameter} ...)`;
  if (current !== undefined) {
    // no AWS call: the value comes in, the command to store the result goes out
    return {
      label: parameter,
      read: async () => {
        const text = current === "-" ? await stdin() : readFileSync(path.resolve(cwd, current), "utf8");
        return parseList(text, current === "-" ? "the list on stdin" : current, "pass the parameter's value as it is");
      },
      write: async (list) =>
        `To store the list (${count(list)}) in ${parameter}, run:\n\n  ${putParameterCommand(parameter, list, options.region)}`,
    };
  }
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "";
  if (region === "") throw new CliError(`keys: --parameter needs the parameter's region: pass --region, e.g. --region ap-southeast-1, or set AWS_REGION`);
  let endpoint: URL | undefined;
  const override = env.AWS_ENDPOINT_URL_SSM || env.AWS_ENDPOINT_URL;
  if (override) {
    try {
      endpoint = new URL(override);
    } catch {
      throw new CliError(`keys: AWS_ENDPOINT_URL_SSM ${JSON.stringify(override)} is not a URL; leave it unset, or e.g. https://ssm.${region}.amazonaws.com`);
    }
  }
  const target = { parameter, region, credentials: credentialsFrom(env, parameter), timeoutMs: 10_000 };
  const url = ssmEndpoint(region, endpoint);
  const failed = (doing: string, err: unknown) =>
    new CliError(
      `keys: could not ${doing} ${parameter} in ${region}: ${err instanceof SsmError ? `SSM answered ${err.message}` : (err as Error).message}` +
        (err instanceof SsmError && /AccessDenied/.test(err.message) ? `; your identity needs ssm:GetParameter and ssm:PutParameter on it` : ""),
    );
  return {
    label: `${parameter} (${region})`,
    read: async () => {
      let value: string | undefined;
      try {
        value = await getParameter(target, url);
      } catch (err) {
        throw failed("read", err);
      }
      if (value === undefined) {
        throw new CliError(
          `keys: there is no parameter ${parameter} in ${region}; name the deployment's (terraform output router_keys_parameter) and its region`,
        );
      }
      return parseList(value, parameter, fix);
    },
    write: async (list) => {
      try {
        await putParameter(target, url, JSON.stringify(list));
      } catch (err) {
        throw failed("write", err);
      }
      return `Stored the list (${count(list)}) in ${parameter} (${region}); the router reads it within a minute.`;
    },
  };
}

interface Parsed {
  readonly command: "add" | "revoke" | "list";
  readonly name?: string;
  readonly keysFile?: string;
  readonly ssm?: SsmOptions;
}

function parseArgs(argv: readonly string[]): Parsed {
  const positional: string[] = [];
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (["--keys-file", "--parameter", "--region", "--current"].includes(arg)) {
      const value = argv[++i];
      if (value === undefined || value === "" || (value.startsWith("--") && value !== "-")) {
        throw new CliError(`keys: ${arg} needs a value, e.g. ${arg} ${{ "--keys-file": DEFAULT_KEYS_FILE, "--parameter": DEFAULT_PARAMETER, "--region": "ap-southeast-1", "--current": "-" }[arg]}`);
      }
      if (values.has(arg)) throw new CliError(`keys: ${arg} is given twice; give it once`);
      values.set(arg, value);
    } else if (arg.startsWith("--")) {
      throw new CliError(`keys: unknown option ${arg}; ${USAGE}`);
    } else {
      positional.push(arg);
    }
  }
  const [given, name, ...rest] = positional;
  const command = given === "remove" ? "revoke" : given;
  if (rest.length > 0) throw new CliError(`keys: unexpected ${JSON.stringify(rest[0])}; ${USAGE}`);
  if (command === "list" ? name !== undefined : (command !== "add" && command !== "revoke") || name === undefined) throw new CliError(`keys: ${USAGE}`);
  if (name !== undefined && !KEY_NAME_PATTERN.test(name)) {
    throw new CliError(`keys: NAME ${JSON.stringify(name)} must be letters, digits and ._@- (at most 64 characters), e.g. alice or team-a`);
  }
  const parameter = values.get("--parameter");
  if (parameter !== undefined && values.has("--keys-file")) throw new CliError("keys: give --keys-file (a local file) or --parameter (SSM), not both");
  if (parameter === undefined && (values.has("--region") || values.has("--current"))) {
    throw new CliError(`keys: --region and --current go with --parameter, e.g. --parameter ${DEFAULT_PARAMETER}`);
  }
  if (parameter !== undefined && !/^\/?[A-Za-z0-9_.\-/]{1,1011}$/.test(parameter)) {
    throw new CliError(`keys: --parameter ${JSON.stringify(parameter)} is not an SSM parameter name (letters, digits, _.-/); use e.g. ${DEFAULT_PARAMETER}`);
  }
  const region = values.get("--region");
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new CliError(`keys: --region ${JSON.stringify(region)} is not an AWS region; use e.g. ap-southeast-1`);
  return {
    command: command as Parsed["command"],
    name,
    keysFile: values.get("--keys-file"),
    ssm: parameter === undefined ? undefined : { parameter, region, current: values.get("--current") },
  };
}

export interface CliIo {
  readonly out: (text: string) => void;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdin: () => Promise<string>;
}

export async function run(argv: readonly string[], io: CliIo): Promise<void> {
  const args = parseArgs(argv);
  const shownFile = args.keysFile ?? DEFAULT_KEYS_FILE;
  const store = args.ssm ? ssmStore(args.ssm, io.env, io.cwd, io.stdin) : fileStore(path.resolve(io.cwd, shownFile), shownFile);
  const list = await store.read();

  if (args.command === "list") {
    io.out(list.length === 0 ? `${store.label}: no keys\n` : list.map((k) => `${k.name}  sha256:${k.sha256}\n`).join(""));
    return;
  }
  const name = args.name!;
  if (args.command === "add") {
    if (list.some((k) => k.name === name)) {
      throw new CliError(`keys: ${store.label} already has a key named "${name}"; revoke it first (npm run keys -- revoke ${name}) or choose another name`);
    }
    const key = newApiKey();
    const entry = { name, sha256: sha256Hex(key) };
    const said = await store.write([...list, entry]);
    io.out(`New API key "${name}" (shown only this once; hand it to its user now):\n\n  ${key}\n\nHash line: ${JSON.stringify(entry)}\n${said}\n`);
    return;
  }
  const kept = list.filter((k) => k.name !== name);
  if (kept.length === list.length) throw new CliError(`keys: ${store.label} has no key named "${name}"; npm run keys -- list shows the names`);
  const said = await store.write(kept);
  io.out(`Revoked "${name}" (${count(kept)} left).\n${said}\n`);
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on("data", (c: Buffer) => chunks.push(c));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

export async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return;
  }
  try {
    await run(argv, { out: (text) => process.stdout.write(text), cwd: process.env.INIT_CWD ?? process.cwd(), env: process.env, stdin: readStdin });
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}
