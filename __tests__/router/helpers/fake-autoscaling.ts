// A fake Auto Scaling endpoint on loopback for DescribeAutoScalingGroups and SetDesiredCapacity,
// speaking the Query protocol the real one speaks (form-encoded POST, version 2011-01-01, XML answers
// in the documented shapes, its ErrorResponse with a Code), checking what the real one checks
// (a SigV4 Authorization for the autoscaling service, a desired capacity within the group's bounds),
// and recording each call.
import * as http from "http";
import type { AddressInfo } from "net";

export interface GroupState {
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  /** A warm pool: its own MinSize, nested in the description (a reader must not take it for the group's). */
  warmPoolMinSize?: number;
}

export interface AutoScalingCall {
  readonly action: string;
  readonly params: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
}

const NS = "http://autoscaling.amazonaws.com/doc/2011-01-01/";

export class FakeAutoScaling {
  readonly calls: AutoScalingCall[] = [];
  readonly groups = new Map<string, GroupState>();
  /** Answer every call with this error (AccessDenied answers 403, others 400). */
  errorCode?: string;
  /** Called after each accepted SetDesiredCapacity. */
  onDesired?: (group: string, capacity: number) => void;
  private readonly sockets = new Set<import("net").Socket>();

  private constructor(readonly server: http.Server) {}

  static async start(): Promise<FakeAutoScaling> {
    let fake!: FakeAutoScaling;
    const server = http.createServer((req, res) => void fake.handle(req, res));
    fake = new FakeAutoScaling(server);
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

  /** The calls of one action. */
  of(action: string): AutoScalingCall[] {
    return this.calls.filter((c) => c.action === action);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const params = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    const action = params.get("Action") ?? "";
    this.calls.push({ action, params, headers: req.headers });
    const xml = (status: number, text: string) => {
      res.writeHead(status, { "content-type": "text/xml" });
      res.end(`<?xml version="1.0"?>\n${text}`);
    };
    const error = (status: number, code: string, message: string) =>
      xml(status, `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`);
    if (req.method !== "POST" || !String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded")) return error(400, "InvalidAction", "use POST with a form body");
    if (!/^AWS4-HMAC-SHA256 Credential=\S+\/\d{8}\/[a-z0-9-]+\/autoscaling\/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/.test(String(req.headers.authorization))) {
      return error(403, "IncompleteSignature", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders'");
    }
    if (params.get("Version") !== "2011-01-01") return error(400, "InvalidParameterValue", "Version");
    if (this.errorCode === "AccessDenied") {
      return error(403, "AccessDenied", `User: arn:aws:sts::123456789012:assumed-role/llm-router-iamr/llm-router is not authorized to perform: autoscaling:${action}`);
    }
    if (this.errorCode) return error(400, this.errorCode, "failed on purpose");

    if (action === "DescribeAutoScalingGroups") {
      const name = params.get("AutoScalingGroupNames.member.1") ?? "";
      const g = this.groups.get(name);
      const member =
        g === undefined
          ? ""
          : `<member><AutoScalingGroupName>${name}</AutoScalingGroupName><AutoScalingGroupARN>arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1:autoScalingGroupName/${name}</AutoScalingGroupARN>` +
            `<MinSize>${g.minSize}</MinSize><MaxSize>${g.maxSize}</MaxSize><DesiredCapacity>${g.desiredCapacity}</DesiredCapacity><DefaultCooldown>300</DefaultCooldown>` +
            `<Instances/>` +
            (g.warmPoolMinSize === undefined ? "" : `<WarmPoolConfiguration><MinSize>${g.warmPoolMinSize}</MinSize><PoolState>Stopped</PoolState></WarmPoolConfiguration>`) +
            `<HealthCheckType>ELB</HealthCheckType></member>`;
      return xml(
        200,
        `<DescribeAutoScalingGroupsResponse xmlns="${NS}"><DescribeAutoScalingGroupsResult><AutoScalingGroups>${member}</AutoScalingGroups></DescribeAutoScalingGroupsResult>` +
          `<ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata></DescribeAutoScalingGroupsResponse>`,
      );
    }
    if (action === "SetDesiredCapacity") {
      const name = params.get("AutoScalingGroupName") ?? "";
      const capacity = Number(params.get("DesiredCapacity"));
      const g = this.groups.get(name);
      if (g === undefined) return error(400, "ValidationError", `AutoScalingGroup name not found - no such group: ${name}`);
      if (capacity > g.maxSize) return error(400, "ValidationError", `New SetDesiredCapacity value ${capacity} is above max value ${g.maxSize} for the AutoScalingGroup.`);
      if (capacity < g.minSize) return error(400, "ValidationError", `New SetDesiredCapacity value ${capacity} is below min value ${g.minSize} for the AutoScalingGroup.`);
      g.desiredCapacity = capacity;
      xml(200, `<SetDesiredCapacityResponse xmlns="${NS}"><ResponseMetadata><RequestId>req-3</RequestId></ResponseMetadata></SetDesiredCapacityResponse>`);
      this.onDesired?.(name, capacity);
      return;
    }
    error(400, "InvalidAction", `Could not find operation ${action} for version 2011-01-01`);
  }
}
