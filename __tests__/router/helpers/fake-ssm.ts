// A fake SSM endpoint on loopback for GetParameter and PutParameter, speaking the JSON 1.1 protocol
// the real one speaks (its error types and shapes), recording each request so tests can check what
// was signed and sent.
import * as http from "http";
import type { AddressInfo } from "net";

export interface SsmRecord {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly path: string;
}

export class FakeSsm {
  readonly requests: SsmRecord[] = [];
  /** Parameter name -> value; a missing name answers ParameterNotFound. */
  readonly parameters = new Map<string, string>();
  /** Never answer. */
  hang = false;
  /** Answer with this error type (status 400) instead. */
  errorType?: string;
  private readonly sockets = new Set<import("net").Socket>();

  private constructor(readonly server: http.Server) {}

  static async start(): Promise<FakeSsm> {
    let fake!: FakeSsm;
    const server = http.createServer((req, res) => void fake.handle(req, res));
    fake = new FakeSsm(server);
    server.on("connection", (s) => {
      fake.sockets.add(s);
      s.on("close", () => fake.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    this.requests.push({ headers: req.headers, body, path: req.url ?? "" });
    if (this.hang) return;
    const send = (status: number, data: unknown) => {
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify(data));
    };
    const target = req.headers["x-amz-target"];
    if (target !== "AmazonSSM.GetParameter" && target !== "AmazonSSM.PutParameter") return send(400, { __type: "UnknownOperationException" });
    if (this.errorType) return send(400, { __type: this.errorType, message: `User is not authorized to perform: ssm:${String(target).split(".")[1]}` });
    if (!/^AWS4-HMAC-SHA256 Credential=\S+\/\d{8}\/[a-z0-9-]+\/ssm\/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/.test(String(req.headers.authorization))) {
      return send(400, { __type: "IncompleteSignatureException", message: "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders'" });
    }
    if (target === "AmazonSSM.PutParameter") {
      const put = JSON.parse(body) as { Name: string; Value: string; Type?: string; Overwrite?: boolean };
      if (this.parameters.has(put.Name) && put.Overwrite !== true) return send(400, { __type: "ParameterAlreadyExists", message: "The parameter already exists." });
      if (put.Type !== undefined && put.Type !== "SecureString") return send(400, { __type: "ValidationException", message: "Type mismatch" });
      if (Buffer.byteLength(put.Value) > 4096 && (put as { Tier?: string }).Tier === undefined) {
        return send(400, { __type: "ValidationException", message: "Standard tier parameters support a maximum parameter value of 4096 characters." });
      }
      this.parameters.set(put.Name, put.Value);
      return send(200, { Version: 2, Tier: "Standard" });
    }
    const { Name } = JSON.parse(body) as { Name: string };
    const value = this.parameters.get(Name);
    if (value === undefined) return send(400, { __type: "ParameterNotFound" });
    send(200, { Parameter: { Name, Type: "SecureString", Value: value, Version: 1, ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${Name}`, DataType: "text" } });
  }
}
