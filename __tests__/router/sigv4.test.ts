// The SigV4 signer against the example AWS documents in its General Reference (a GET to IAM's
// ListUsers on 2015-08-30 with the documentation's example credentials), and the SSM call it signs
// against a fake SSM endpoint on loopback.
import { createHash } from "crypto";
import { getParameter, SsmKeyStore } from "../../src/router/ssm";
import { signRequest } from "../../src/router/sigv4";
import { FakeSsm } from "./helpers/fake-ssm";

const EXAMPLE_CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };

describe("SigV4 signing", () => {
  // GIVEN the documented request
  const signed = signRequest({
    method: "GET",
    host: "iam.amazonaws.com",
    path: "/",
    query: "Action=ListUsers&Version=2010-05-08",
    headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: "",
    region: "us-east-1",
    service: "iam",
    credentials: EXAMPLE_CREDENTIALS,
    date: new Date("2015-08-30T12:36:00Z"),
  });

  test("the canonical request hashes to the documented value", () => {
    expect(createHash("sha256").update(signed.canonicalRequest).digest("hex")).toBe("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  });

  test("the string to sign and the signature are the documented ones", () => {
    expect(signed.stringToSign).toBe(
      "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
    );
    expect(signed.signature).toBe("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    expect(signed.headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, " +
        "SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    );
  });

  test("query parameters are sorted and RFC 3986-encoded; a session token is signed too", () => {
    const s = signRequest({
      method: "GET",
      host: "example.amazonaws.com",
      path: "/",
      query: "b=2&a=x y&a=(1)",
      headers: {},
      body: "",
      region: "us-east-1",
      service: "service",
      credentials: { ...EXAMPLE_CREDENTIALS, sessionToken: "tok" },
      date: new Date("2015-08-30T12:36:00Z"),
    });
    expect(s.canonicalRequest.split("\n")[2]).toBe("a=%281%29&a=x%20y&b=2");
    expect(s.headers["x-amz-security-token"]).toBe("tok");
    expect(s.headers.authorization).toMatch(/SignedHeaders=host;x-amz-date;x-amz-security-token,/);
  });
});

describe("SSM GetParameter over HTTP", () => {
  let ssm: FakeSsm;
  beforeAll(async () => {
    ssm = await FakeSsm.start();
  });
  afterAll(async () => {
    await ssm?.close();
  });
  const options = (over: Partial<Parameters<typeof getParameter>[0]> = {}) => ({
    parameter: "/llm/router/api-keys",
    region: "ap-southeast-1",
    credentials: { ...EXAMPLE_CREDENTIALS, sessionToken: "token" },
    timeoutMs: 1000,
    ...over,
  });

  test("the request is the signed JSON 1.1 call the SSM API takes, and the value comes back decrypted", async () => {
    ssm.parameters.set("/llm/router/api-keys", "[]");
    expect(await getParameter(options(), new URL(ssm.url))).toBe("[]");
    const sent = ssm.requests.at(-1)!;
    expect(sent.path).toBe("/");
    expect(JSON.parse(sent.body)).toEqual({ Name: "/llm/router/api-keys", WithDecryption: true });
    // the signature holds for exactly what arrived
    const again = signRequest({
      method: "POST",
      host: String(sent.headers.host),
      path: "/",
      headers: { "content-type": String(sent.headers["content-type"]), "x-amz-target": String(sent.headers["x-amz-target"]) },
      body: sent.body,
      region: "ap-southeast-1",
      service: "ssm",
      credentials: { ...EXAMPLE_CREDENTIALS, sessionToken: String(sent.headers["x-amz-security-token"]) },
      date: new Date(String(sent.headers["x-amz-date"]).replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z")),
    });
    expect(sent.headers.authorization).toBe(again.headers.authorization);
    expect(sent.headers.authorization).toContain("/ap-southeast-1/ssm/aws4_request");
  });

  test("ParameterNotFound means no value; other errors reject with SSM's type", async () => {
    expect(await getParameter(options({ parameter: "/nope" }), new URL(ssm.url))).toBeUndefined();
    ssm.errorType = "AccessDeniedException";
    try {
      await expect(getParameter(options(), new URL(ssm.url))).rejects.toThrow(/AccessDeniedException/);
    } finally {
      ssm.errorType = undefined;
    }
  });

  test("the key store caches for at most a minute, then reads again", async () => {
    let now = 1_000_000;
    ssm.parameters.set("/llm/router/api-keys", JSON.stringify([{ name: "a", sha256: "0".repeat(64) }]));
    const store = new SsmKeyStore({ ...options(), endpoint: new URL(ssm.url), now: () => now });
    const before = ssm.requests.length;
    expect((await store.keys()).map((k) => k.name)).toEqual(["a"]);
    now += 59_000;
    ssm.parameters.set("/llm/router/api-keys", JSON.stringify([{ name: "b", sha256: "1".repeat(64) }]));
    expect((await store.keys()).map((k) => k.name)).toEqual(["a"]);
    now += 2_000;
    expect((await store.keys()).map((k) => k.name)).toEqual(["b"]);
    expect(ssm.requests.length - before).toBe(2);
  });

  test("concurrent requests share one read", async () => {
    const store = new SsmKeyStore({ ...options(), endpoint: new URL(ssm.url) });
    const before = ssm.requests.length;
    await Promise.all([store.keys(), store.keys(), store.keys()]);
    expect(ssm.requests.length - before).toBe(1);
  });

  test("a value that is not a key list is refused with a message naming the parameter", async () => {
    ssm.parameters.set("/bad", '{"name": "x"}');
    const warnings: string[] = [];
    const store = new SsmKeyStore({ ...options({ parameter: "/bad" }), endpoint: new URL(ssm.url), warn: (l) => warnings.push(l) });
    await expect(store.keys()).rejects.toThrow(/SSM parameter \/bad must be a JSON array/);
    expect(warnings).toEqual([expect.stringMatching(/SSM parameter \/bad must be a JSON array.*refused \(503\)/)]);
  });
});
