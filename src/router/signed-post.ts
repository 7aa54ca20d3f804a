// One SigV4-signed POST to an AWS endpoint (the router's SSM and Auto Scaling calls: no AWS SDK in
// the bundle), bounded in time and, when asked, in the size of the answer.
import * as http from "http";
import * as https from "https";
import { AwsCredentials, signRequest } from "./sigv4";

export interface SignedPost {
  readonly endpoint: URL;
  readonly region: string;
  readonly service: string;
  readonly credentials: AwsCredentials;
  /** The protocol's headers (content type, target); the signature's are added. */
  readonly headers: Record<string, string>;
  readonly body: string;
  /** How long the call may take, answer included. */
  readonly timeoutMs: number;
  /** The answer is cut (and the call fails) past this many bytes. */
  readonly maxAnswerBytes?: number;
  readonly now?: () => number;
}

/** Resolves with the answer's status and text, whatever the status; rejects on a network error or timeout. */
export function signedPost(call: SignedPost): Promise<{ status: number; text: string }> {
  const { endpoint, body } = call;
  const signed = signRequest({
    method: "POST",
    host: endpoint.host,
    path: "/",
    headers: call.headers,
    body,
    region: call.region,
    service: call.service,
    credentials: call.credentials,
    date: new Date((call.now ?? Date.now)()),
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
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${call.timeoutMs / 1000} s`)), call.timeoutMs);
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (call.maxAnswerBytes !== undefined && size > call.maxAnswerBytes) res.destroy(new Error(`answer larger than ${call.maxAnswerBytes} bytes`));
        else chunks.push(c);
      });
      res.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
      });
    });
    req.end(body);
  });
}
