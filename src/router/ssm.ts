// The Lambda function's key store: an SSM SecureString parameter read with GetParameter
// (WithDecryption) over HTTPS, signed with SigV4 from the function's environment credentials, and
// cached for at most a minute. When a later read fails, the keys last read keep serving for a
// bounded time (an SSM hiccup is not an outage of the fleet), then every request is refused.
// No AWS SDK: the bundle must load with nothing beside it.
import { ApiKey, KeyStore, KeysUnavailableError, parseKeyList } from "./auth";
import { signedPost } from "./signed-post";
import { AwsCredentials } from "./sigv4";

export interface SsmKeyStoreOptions extends SsmTarget {
  readonly parameter: string;
  /** Default `https://ssm.<region>.amazonaws.com`; tests point it at a fake on loopback. */
  readonly endpoint?: URL;
  /** How long one GetParameter call may take before the request is refused. */
  readonly timeoutMs: number;
  /** @default 60000 */
  readonly cacheMs?: number;
  /**
   * When a read fails, the keys last read keep serving until this long after their cache expired;
   * after that, requests are refused (503) until a read succeeds. @default 600000 (10 minutes)
   */
  readonly staleMs?: number;
  /** While the last keys serve after a failure, SSM is asked again at most this often. @default 10000 */
  readonly retryMs?: number;
  /** Where the one-line explanation of a failed read goes. @default stderr */
  readonly warn?: (line: string) => void;
}

/** SSM answered, but not with what was asked (access denied, throttled, ...). */
export class SsmError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

export class SsmKeyStore implements KeyStore {
  readonly howToAdd: string;
  private readonly endpoint: URL;
  private cached?: { keys: readonly ApiKey[]; at: number };
  private inflight?: Promise<readonly ApiKey[]>;
  /** After a failed read: no new read before this time while the last keys serve. */
  private retryAt = 0;

  constructor(private readonly options: SsmKeyStoreOptions) {
    this.endpoint = ssmEndpoint(options.region, options.endpoint);
    this.howToAdd = `add one with npm run keys -- add NAME --parameter ${options.parameter} --region ${options.region}`;
  }

  private get cacheMs(): number {
    return this.options.cacheMs ?? 60_000;
  }

  /** Whether the keys last read may still serve when SSM cannot be read. */
  private staleUsable(now: number): boolean {
    return this.cached !== undefined && now - this.cached.at < this.cacheMs + (this.options.staleMs ?? 600_000);
  }

  keys(): Promise<readonly ApiKey[]> {
    const now = (this.options.now ?? Date.now)();
    if (this.cached && now - this.cached.at < this.cacheMs) return Promise.resolve(this.cached.keys);
    // a read failed a moment ago: serve the last keys rather than make every request wait on SSM
    if (now < this.retryAt && this.staleUsable(now)) return Promise.resolve(this.cached!.keys);
    if (!this.inflight) {
      this.inflight = this.load(now).finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private warn(line: string): void {
    (this.options.warn ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
  }

  private async load(now: number): Promise<readonly ApiKey[]> {
    const where = `SSM parameter ${this.options.parameter}`;
    let value: string | undefined;
    try {
      value = await getParameter(this.options, this.endpoint);
    } catch (err) {
      const reason = (err as Error).message;
      const cause =
        err instanceof SsmError
          ? `router: could not read the API keys parameter ${this.options.parameter}: SSM answered ${reason}; ` +
            `the function's role needs ssm:GetParameter on it and kms:Decrypt on its KMS key.`
          : `router: could not read the API keys parameter ${this.options.parameter} from ${this.endpoint.origin} (${reason}): ` +
            `the function needs a route to SSM, a NAT gateway or an SSM interface endpoint ` +
            `(com.amazonaws.${this.options.region}.ssm) in its VPC.`;
      return this.failed(now, cause, `the API keys could not be read from SSM (${reason})`);
    }
    let keys: ApiKey[];
    try {
      keys = value === undefined ? [] : parseKeyList(value, where);
    } catch (err) {
      return this.failed(now, `router: ${(err as Error).message}.`, (err as Error).message);
    }
    this.cached = { keys, at: now };
    this.retryAt = 0;
    return keys;
  }

  /** A failed read: the last keys while they may serve, else a refusal. */
  private failed(now: number, cause: string, reason: string): readonly ApiKey[] {
    if (this.staleUsable(now)) {
      const until = new Date(this.cached!.at + this.cacheMs + (this.options.staleMs ?? 600_000)).toISOString();
      this.warn(`${cause} The keys read at ${new Date(this.cached!.at).toISOString()} keep serving until ${until}; requests are refused (503) after that.`);
      this.retryAt = now + (this.options.retryMs ?? 10_000);
      return this.cached!.keys;
    }
    this.warn(`${cause} Requests are refused (503) until the keys can be read.`);
    throw new KeysUnavailableError(reason);
  }
}

/** Where and as whom to call SSM: the key store's options are one. */
export interface SsmTarget {
  readonly region: string;
  readonly credentials: AwsCredentials;
  readonly timeoutMs: number;
  readonly now?: () => number;
}

/** `https://ssm.<region>.amazonaws.com`, or the endpoint AWS_ENDPOINT_URL_SSM names. */
export function ssmEndpoint(region: string, override?: URL): URL {
  return override ?? new URL(`https://ssm.${region}.amazonaws.com`);
}

/** One SSM action (JSON 1.1 protocol), signed with SigV4; resolves with the answer's JSON, rejects with SsmError or a network error. */
async function callSsm(target: SsmTarget, endpoint: URL, action: string, payload: object): Promise<Record<string, unknown>> {
  const { status, text } = await signedPost({
    endpoint,
    region: target.region,
    service: "ssm",
    credentials: target.credentials,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `AmazonSSM.${action}` },
    body: JSON.stringify(payload),
    timeoutMs: target.timeoutMs,
    now: target.now,
  });
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text);
  } catch {
    // an answer that is not JSON is reported below with its status
  }
  if (status === 200) return json;
  const type = String(json.__type ?? "").split("#").pop() ?? "";
  const message = String(json.message ?? json.Message ?? text.slice(0, 200));
  throw new SsmError(type, `${status} ${type || "error"}: ${message}`);
}

/** The parameter's decrypted value, or undefined when it does not exist. */
export async function getParameter(options: SsmTarget & { readonly parameter: string }, endpoint: URL): Promise<string | undefined> {
  try {
    const answer = await callSsm(options, endpoint, "GetParameter", { Name: options.parameter, WithDecryption: true });
    const value = (answer.Parameter as { Value?: unknown } | undefined)?.Value;
    if (typeof value !== "string") throw new SsmError("", `200 with no Parameter.Value`);
    return value;
  } catch (err) {
    if (err instanceof SsmError && err.type === "ParameterNotFound") return undefined;
    throw err;
  }
}

/** A Standard parameter holds 4 KB; beyond, SSM picks the Advanced tier with Intelligent-Tiering. */
const STANDARD_TIER_BYTES = 4096;

/** Overwrites a SecureString parameter (encrypted with the account's default key, aws/ssm). */
export async function putParameter(options: SsmTarget & { readonly parameter: string }, endpoint: URL, value: string): Promise<void> {
  const tier = Buffer.byteLength(value) > STANDARD_TIER_BYTES ? { Tier: "Intelligent-Tiering" } : {};
  await callSsm(options, endpoint, "PutParameter", { Name: options.parameter, Value: value, Type: "SecureString", Overwrite: true, ...tier });
}
