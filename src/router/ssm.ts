// The Lambda function's key store: an SSM SecureString parameter read with GetParameter
// (WithDecryption) over HTTPS, signed with SigV4 from the function's environment credentials, and
// cached for at most a minute. No AWS SDK: the bundle must load with nothing beside it.
import * as http from "http";
import * as https from "https";
import { ApiKey, KeyStore, KeysUnavailableError, parseKeyList } from "./auth";
import { AwsCredentials, signRequest } from "./sigv4";

export interface SsmKeyStoreOptions {
  readonly parameter: string;
  readonly region: string;
  readonly credentials: AwsCredentials;
  /** Default `https://ssm.<region>.amazonaws.com`; tests point it at a fake on loopback. */
  readonly endpoint?: URL;
  /** How long one GetParameter call may take before the request is refused. */
  readonly timeoutMs: number;
  /** @default 60000 */
  readonly cacheMs?: number;
  /** Where the one-line explanation of a failed read goes. @default stderr */
  readonly warn?: (line: string) => void;
  readonly now?: () => number;
}

/** SSM answered, but not with the parameter (access denied, throttled, ...). */
class SsmError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

export class SsmKeyStore implements KeyStore {
  readonly howToAdd: string;
  private readonly endpoint: URL;
  private cached?: { keys: readonly ApiKey[]; at: number };
  private inflight?: Promise<readonly ApiKey[]>;

  constructor(private readonly options: SsmKeyStoreOptions) {
    this.endpoint = options.endpoint ?? new URL(`https://ssm.${options.region}.amazonaws.com`);
    this.howToAdd =
      `add one with \`npm run keys -- add NAME --parameter ${options.parameter}\` ` +
      `and run the aws ssm put-parameter command it prints`;
  }

  keys(): Promise<readonly ApiKey[]> {
    const now = (this.options.now ?? Date.now)();
    if (this.cached && now - this.cached.at < (this.options.cacheMs ?? 60_000)) {
      return Promise.resolve(this.cached.keys);
    }
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
      this.warn(
        err instanceof SsmError
          ? `router: could not read the API keys parameter ${this.options.parameter}: SSM answered ${reason}; ` +
              `the function's role needs ssm:GetParameter on it and kms:Decrypt on its KMS key. Requests are refused (503) until then.`
          : `router: could not read the API keys parameter ${this.options.parameter} from ${this.endpoint.origin} (${reason}): ` +
              `the function needs a route to SSM, a NAT gateway or an SSM interface endpoint ` +
              `(com.amazonaws.${this.options.region}.ssm) in its VPC. Requests are refused (503) until then.`,
      );
      throw new KeysUnavailableError(`the API keys could not be read from SSM (${reason})`);
    }
    let keys: ApiKey[];
    try {
      keys = value === undefined ? [] : parseKeyList(value, where);
    } catch (err) {
      this.warn(`router: ${(err as Error).message}. Requests are refused (503) until the parameter holds a valid key list.`);
      throw new KeysUnavailableError((err as Error).message);
    }
    this.cached = { keys, at: now };
    return keys;
  }
}

/** The parameter's decrypted value, or undefined when it does not exist. */
export function getParameter(options: SsmKeyStoreOptions, endpoint: URL): Promise<string | undefined> {
  const body = JSON.stringify({ Name: options.parameter, WithDecryption: true });
  const signed = signRequest({
    method: "POST",
    host: endpoint.host,
    path: "/",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonSSM.GetParameter" },
    body,
    region: options.region,
    service: "ssm",
    credentials: options.credentials,
    date: new Date((options.now ?? Date.now)()),
  });
  const transport = endpoint.protocol === "http:" ? http : https;
  return new Promise((resolve, reject) => {
    const req = transport.request({
      method: "POST",
      hostname: endpoint.hostname,
      port: endpoint.port || undefined,
      path: "/",
      headers: { ...signed.headers, "content-length": Buffer.byteLength(body) },
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${options.timeoutMs / 1000} s`));
    }, options.timeoutMs);
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      res.on("end", () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString("utf8");
        let json: { Parameter?: { Value?: string }; __type?: string; message?: string; Message?: string } = {};
        try {
          json = JSON.parse(text);
        } catch {
          // an answer that is not JSON is reported below with its status
        }
        const type = (json.__type ?? "").split("#").pop() ?? "";
        if (res.statusCode === 200 && typeof json.Parameter?.Value === "string") resolve(json.Parameter.Value);
        else if (type === "ParameterNotFound") resolve(undefined);
        else reject(new SsmError(type, `${res.statusCode} ${type || "error"}: ${json.message ?? json.Message ?? text.slice(0, 200)}`));
      });
    });
    req.end(body);
  });
}
