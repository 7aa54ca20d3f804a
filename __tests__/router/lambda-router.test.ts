// The Lambda adapter, driven through the streaming-runtime stand-in over real HTTP: the same
// behaviour as local mode, plus what only the function has (keys from SSM, the runtime's framing).
import * as http from "http";
import { Writable } from "stream";
import { sha256Hex } from "../../src/router/auth";
import { createStreamingHandler } from "../../src/router/lambda-handler";
import { EnvironmentError, settingsFromEnv } from "../../src/router/lambda-env";
import { describeRouterBehaviour, logOf } from "./helpers/behaviour";
import { describeRouterAnswers } from "./helpers/behaviour-answers";
import { describeRouterBounds } from "./helpers/behaviour-bounds";
import { call, eventually, postJson } from "./helpers/http-client";
import { awslambdaStandIn, PRELUDE_CONTENT_TYPE, startFunctionUrl } from "./helpers/lambda-runtime-standin";
import { FakeSsm } from "./helpers/fake-ssm";
import { Fleet, KEYS_PARAMETER, startFleet, startLambda } from "./helpers/setup";

describeRouterBehaviour(startLambda);
describeRouterAnswers(startLambda);
describeRouterBounds(startLambda);

describe("Lambda only", () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet([{ model: "llama3:latest", chunkDelayMs: 30, words: Array.from({ length: 20 }, (_, i) => `w${i} `) }]);
  });
  afterAll(async () => {
    await fleet?.close();
  });

  test("the response goes out as the runtime's prelude (JSON, then 8 NUL bytes) and the front turns it into status and headers", async () => {
    // GIVEN a response stream that records what reaches it, running the first-write hook as the runtime's does
    const written: Buffer[] = [];
    let contentType = "";
    const inner = new Writable({
      write(chunk, _enc, cb) {
        written.push(Buffer.from(chunk));
        cb();
      },
    });
    let first = true;
    const sink = Object.assign(inner, {
      setContentType: (t: string) => (contentType = t),
      _onBeforeFirstWrite: undefined as undefined | ((w: (c: string | Uint8Array) => void) => void),
    });
    const write = inner.write.bind(inner) as (c: string | Uint8Array) => boolean;
    (sink as { write: unknown }).write = (chunk: string | Uint8Array) => {
      if (first && sink._onBeforeFirstWrite) sink._onBeforeFirstWrite(write);
      first = false;
      return write(chunk);
    };
    const settings = settingsFromEnv({ ROUTER_ALB_URL: fleet.alb.url, ROUTER_MODELS: "llama3:latest", ROUTER_AUTH_MODE: "AWS_IAM" });
    const handler = createStreamingHandler(settings, awslambdaStandIn as never, { log: () => undefined });
    // WHEN the handler answers GET /
    await handler({ rawPath: "/", requestContext: { http: { method: "GET" } }, headers: {} }, sink as never);
    // THEN the bytes are the prelude, the delimiter, then the body
    const bytes = Buffer.concat(written);
    const nul = bytes.indexOf(Buffer.alloc(8));
    expect(contentType).toBe(PRELUDE_CONTENT_TYPE);
    expect(JSON.parse(bytes.subarray(0, nul).toString())).toEqual({
      statusCode: 200,
      headers: { "content-type": "text/plain; charset=utf-8" },
      cookies: [],
    });
    expect(bytes.subarray(nul + 8).toString()).toBe("Ollama is running");
  });

  test("an empty body (HEAD) still sends the prelude, so the status is not lost", async () => {
    const rut = await startLambda({ albUrl: fleet.alb.url, models: ["llama3:latest"] });
    try {
      const head = await call(rut.url, "/", { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.headers["content-type"]).toBe("text/plain; charset=utf-8");
      const forbidden = await call(rut.url, "/api/blobs/sha256-1", { method: "HEAD" });
      expect(forbidden.status).toBe(403);
      expect(rut.functionUrl!.errors).toEqual([]);
    } finally {
      await rut.close();
    }
  });

  test("the function URL's own 6 MB payload limit answers 413 before the function runs", async () => {
    const settings = settingsFromEnv({ ROUTER_ALB_URL: fleet.alb.url, ROUTER_MODELS: "llama3:latest", ROUTER_AUTH_MODE: "AWS_IAM" });
    const logs: string[] = [];
    const url = await startFunctionUrl(awslambdaStandIn.streamifyResponse(createStreamingHandler(settings, awslambdaStandIn, { log: (l) => logs.push(l) })));
    try {
      const r = await call(url.url, "/api/generate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "llama3", prompt: "x".repeat(6 * 1024 * 1024) }) });
      expect(r.status).toBe(413);
      expect(logs).toEqual([]);
    } finally {
      await url.close();
    }
  });

  test("a stream the server breaks off fails the invocation, and the front cuts the client's connection", async () => {
    const rut = await startLambda({ albUrl: fleet.alb.url, models: ["llama3:latest"] });
    const fake = fleet.fake("llama3:latest");
    fake.breakAfterChunks = 3;
    try {
      const r = await postJson(rut.url, "/api/generate", { model: "llama3", prompt: "x" });
      expect(r.body).toContain("w0 ");
      expect(r.complete).toBe(false);
      await eventually(() => rut.functionUrl!.errors.length === 1, 10_000, "the runtime to see the handler fail");
      expect((await logOf(rut, "/api/generate")).Errors).toBe(1);
    } finally {
      fake.breakAfterChunks = undefined;
      await rut.close();
    }
  });

  test("a client hang-up does not stop the invocation: it streams on to the end (as Lambda does)", async () => {
    const rut = await startLambda({ albUrl: fleet.alb.url, models: ["llama3:latest"] });
    const fake = fleet.fake("llama3:latest");
    try {
      await new Promise<void>((resolve) => {
        const req = http.request(new URL("/api/generate", rut.url), { method: "POST", agent: false, headers: { "content-type": "application/json" } });
        req.on("error", () => undefined);
        req.on("response", (res) => res.once("data", () => (req.destroy(), resolve())));
        req.end(JSON.stringify({ model: "llama3", prompt: "x" }));
      });
      await eventually(() => fake.completed.length > 0, 15_000, "the server to finish its stream");
      await eventually(() => rut.functionUrl!.settled.length === 1, 10_000, "the invocation to end");
      expect(fake.abandoned).toEqual([]);
    } finally {
      await rut.close();
    }
  });

  describe("API keys from SSM", () => {
    test("GetParameter is signed with SigV4 from the environment's credentials and asks for decryption; the keys are cached", async () => {
      const rut = await startLambda({ albUrl: fleet.alb.url, models: ["llama3:latest"], keys: [{ name: "alice", sha256: sha256Hex("sk-a") }] });
      try {
        expect((await call(rut.url, "/api/version", { headers: { authorization: "Bearer sk-a" } })).status).toBe(200);
        expect((await call(rut.url, "/api/version", { headers: { authorization: "Bearer sk-a" } })).status).toBe(200);
        expect(rut.ssm!.requests).toHaveLength(1);
        const sent = rut.ssm!.requests[0];
        expect(JSON.parse(sent.body)).toEqual({ Name: KEYS_PARAMETER, WithDecryption: true });
        expect(sent.headers["x-amz-target"]).toBe("AmazonSSM.GetParameter");
        expect(sent.headers["content-type"]).toBe("application/x-amz-json-1.1");
        expect(sent.headers["x-amz-security-token"]).toBe("session-token-example");
        expect(sent.headers.authorization).toMatch(
          /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/ssm\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
        );
      } finally {
        await rut.close();
      }
    });

    test("a missing parameter fails closed: every request is refused, saying how to add a key", async () => {
      const rut = await startLambda({ albUrl: fleet.alb.url, models: ["llama3:latest"], keys: [] });
      rut.ssm!.parameters.clear();
      try {
        const r = await call(rut.url, "/v1/models", { headers: { authorization: "Bearer sk-a" } });
        expect(r.status).toBe(401);
        expect(JSON.parse(r.body).error.message).toMatch(/no API keys are configured on this router/);
        expect(r.body).not.toContain("/llm/router/api-keys");
        expect((await logOf(rut, "/v1/models")).error).toMatch(/npm run keys -- add NAME --parameter \/llm\/router\/api-keys --region us-east-1/);
      } finally {
        await rut.close();
      }
    });

    test("SSM that does not answer: 503 in the caller's dialect within the timeout, and one line saying the function needs a route to SSM", async () => {
      const rut = await startLambda({ albUrl: fleet.alb.url, models: ["llama3:latest"], keys: [{ name: "a", sha256: sha256Hex("sk-a") }] });
      rut.ssm!.hang = true;
      try {
        const started = Date.now();
        const r = await postJson(rut.url, "/v1/chat/completions", { model: "llama3", messages: [] }, { authorization: "Bearer sk-a" });
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(r.status).toBe(503);
        expect(JSON.parse(r.body).error).toMatchObject({ code: "keys_unavailable", message: "the router cannot check API keys right now; try again later" });
        const ollama = await call(rut.url, "/api/tags", { headers: { authorization: "Bearer sk-a" } });
        expect(ollama.status).toBe(503);
        expect(JSON.parse(ollama.body).error).toMatch(/cannot check API keys/);
        // nothing internal in the answer: no parameter, no endpoint, no SSM words
        expect(ollama.body).not.toMatch(/api-keys|ssm|127\.0\.0\.1|no answer/i);
        expect(rut.warnings).toHaveLength(2);
        expect(rut.warnings[0]).toMatch(/could not read the API keys parameter \/llm\/router\/api-keys .*no answer within 1 s.*needs a route to SSM, a NAT gateway or an SSM interface endpoint \(com\.amazonaws\.us-east-1\.ssm\)/);
        expect(rut.warnings[0]).not.toContain("\n");
        expect(fleet.alb.received.some((x) => x.headers.authorization)).toBe(false);
      } finally {
        await rut.close();
      }
    });

    test("an SSM outage after a good read: the keys last read keep serving for a bounded time, then every request is refused", async () => {
      // GIVEN a function that read its keys once, on a clock the test moves
      let now = Date.parse("2026-03-01T10:00:00Z");
      const ssm = await FakeSsm.start();
      ssm.parameters.set(KEYS_PARAMETER, JSON.stringify([{ name: "alice", sha256: sha256Hex("sk-a") }]));
      const settings = settingsFromEnv({
        ROUTER_ALB_URL: fleet.alb.url,
        ROUTER_MODELS: "llama3:latest",
        ROUTER_KEYS_PARAMETER: KEYS_PARAMETER,
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL_SSM: ssm.url,
        AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "secret",
      });
      const warnings: string[] = [];
      const logs: Record<string, unknown>[] = [];
      const ssmOptions = { ...settings.ssm!, now: () => now, cacheMs: 60_000, staleMs: 600_000, retryMs: 10_000 };
      const handler = createStreamingHandler({ ...settings, ssm: ssmOptions }, awslambdaStandIn, { log: (l) => logs.push(JSON.parse(l)), warn: (l) => warnings.push(l) });
      const url = await startFunctionUrl(awslambdaStandIn.streamifyResponse(handler));
      const version = () => call(url.url, "/api/version", { headers: { authorization: "Bearer sk-a" } });
      try {
        expect((await version()).status).toBe(200);
        // WHEN SSM starts failing after the cache expired
        ssm.errorType = "ThrottlingException";
        now += 61_000;
        // THEN the last keys serve, with one line saying until when
        expect((await version()).status).toBe(200);
        expect(ssm.requests).toHaveLength(2);
        expect(warnings).toEqual([expect.stringMatching(/SSM answered 400 ThrottlingException.*keys read at 2026-03-01T10:00:00\.000Z keep serving until 2026-03-01T10:11:00\.000Z/)]);
        // AND requests meanwhile do not wait on SSM again until the retry interval has passed
        now += 5_000;
        expect((await version()).status).toBe(200);
        expect(ssm.requests).toHaveLength(2);
        now += 6_000;
        expect((await version()).status).toBe(200);
        expect(ssm.requests).toHaveLength(3);
        // AND past the bound, every request is refused
        now = Date.parse("2026-03-01T10:11:00Z");
        const refused = await version();
        expect(refused.status).toBe(503);
        expect(JSON.parse(refused.body)).toEqual({ error: "the router cannot check API keys right now; try again later" });
        expect(warnings.at(-1)).toMatch(/Requests are refused \(503\) until the keys can be read/);
        expect(logs.at(-1)!.error).toMatch(/API keys unavailable: .*ThrottlingException/);
        // AND once SSM answers again, the keys it holds count
        ssm.errorType = undefined;
        ssm.parameters.set(KEYS_PARAMETER, JSON.stringify([{ name: "bob", sha256: sha256Hex("sk-b") }]));
        expect((await version()).status).toBe(401);
        expect((await call(url.url, "/api/version", { headers: { authorization: "Bearer sk-b" } })).status).toBe(200);
      } finally {
        await url.close();
        await ssm.close();
      }
    });

    test("SSM refusing the read (access denied) is 503 too, with a line naming the permissions", async () => {
      const rut = await startLambda({ albUrl: fleet.alb.url, models: ["llama3:latest"], keys: [{ name: "a", sha256: sha256Hex("sk-a") }] });
      rut.ssm!.errorType = "AccessDeniedException";
      try {
        expect((await call(rut.url, "/api/ps", { headers: { authorization: "Bearer sk-a" } })).status).toBe(503);
        expect(rut.warnings[0]).toMatch(/SSM answered 400 AccessDeniedException.*ssm:GetParameter.*kms:Decrypt/);
      } finally {
        await rut.close();
      }
    });
  });

  describe("environment contract", () => {
    test("every problem is reported at once, naming the variable, its value and the fix", () => {
      expect(() => settingsFromEnv({ ROUTER_ALB_URL: "ftp://x", ROUTER_MODELS: "", ROUTER_AUTH_MODE: "KEYS", ROUTER_ALLOW_MODEL_MANAGEMENT: "yes", ROUTER_UPSTREAM_TIMEOUT_SECONDS: "-1" })).toThrow(EnvironmentError);
      try {
        settingsFromEnv({ ROUTER_ALB_URL: "ftp://x", ROUTER_MODELS: "", ROUTER_AUTH_MODE: "KEYS", ROUTER_ALLOW_MODEL_MANAGEMENT: "yes", ROUTER_UPSTREAM_TIMEOUT_SECONDS: "-1" });
      } catch (err) {
        const text = (err as Error).message;
        expect(text).toMatch(/5 problem\(s\)/);
        expect(text).toMatch(/ROUTER_ALB_URL = "ftp:\/\/x" must start with http:\/\/ or https:\/\/\. Fix:/);
        expect(text).toMatch(/ROUTER_MODELS = "" names no model\. Fix:/);
        expect(text).toMatch(/ROUTER_AUTH_MODE = "KEYS" is not a mode\. Fix: API_KEY .* or AWS_IAM/);
        expect(text).toMatch(/ROUTER_ALLOW_MODEL_MANAGEMENT = "yes" is not a boolean/);
        expect(text).toMatch(/ROUTER_UPSTREAM_TIMEOUT_SECONDS = "-1" is not a number of seconds/);
      }
    });

    test("the timeouts: the module's variables when set, else the defaults; bad values named", () => {
      const base = { ROUTER_ALB_URL: "http://alb", ROUTER_MODELS: "m", ROUTER_AUTH_MODE: "AWS_IAM" };
      expect(settingsFromEnv(base).config).toMatchObject({ upstreamTimeoutMs: 300_000, idleTimeoutMs: 300_000, listTimeoutMs: 5_000 });
      const set = settingsFromEnv({ ...base, ROUTER_UPSTREAM_TIMEOUT_SECONDS: "895", ROUTER_IDLE_TIMEOUT_SECONDS: "120", ROUTER_LIST_TIMEOUT_SECONDS: "2" });
      expect(set.config).toMatchObject({ upstreamTimeoutMs: 895_000, idleTimeoutMs: 120_000, listTimeoutMs: 2_000 });
      expect(() => settingsFromEnv({ ...base, ROUTER_IDLE_TIMEOUT_SECONDS: "-5" })).toThrow(/ROUTER_IDLE_TIMEOUT_SECONDS = "-5" is not a number of seconds above 0/);
    });

    test("API_KEY (the default mode) needs the parameter and a region; AWS_IAM needs neither", () => {
      expect(() => settingsFromEnv({ ROUTER_ALB_URL: "http://alb", ROUTER_MODELS: "m" })).toThrow(/ROUTER_KEYS_PARAMETER = "" is empty[\s\S]*AWS_REGION = "" is empty/);
      const iam = settingsFromEnv({ ROUTER_ALB_URL: "http://alb", ROUTER_MODELS: "m1, m2", ROUTER_AUTH_MODE: "AWS_IAM" });
      expect(iam.config.authMode).toBe("AWS_IAM");
      expect(iam.config.models.served).toEqual(["m1", "m2"]);
      expect(iam.ssm).toBeUndefined();
    });
  });
});
