// Models that scale to zero, through the Lambda adapter over loopback: the ALB stand-in answers for a
// target group with no registered target as the real ALB does, a fake Auto Scaling endpoint takes the
// router's calls, and real openai/ollama clients see the answers.
import { Ollama } from "ollama";
import OpenAI from "openai";
import { createStreamingHandler } from "../../src/router/lambda-handler";
import { LambdaSettings, parseWakeGroups, settingsFromEnv } from "../../src/router/lambda-env";
import { parseModelList } from "../../src/router/config";
import { ModelTable } from "../../src/router/models";
import { modelNotFound } from "../../src/router/upstream";
import { emfProblems } from "./helpers/emf";
import { FakeAutoScaling } from "./helpers/fake-autoscaling";
import { call, eventually, postJson } from "./helpers/http-client";
import { awslambdaStandIn, FunctionUrl, startFunctionUrl } from "./helpers/lambda-runtime-standin";
import { Fleet, startFleet } from "./helpers/setup";

const ASLEEP = "llama3:8b";
const AWAKE = "qwen2:7b";
const GROUP = "llm-llama38b";

interface Waking {
  readonly url: string;
  readonly logs: Record<string, unknown>[];
  readonly functionUrl: FunctionUrl;
  close(): Promise<void>;
}

/** The router as the module deploys it for a fleet where ASLEEP scales to zero (ROUTER_WAKE_GROUPS). */
async function startWaking(fleet: Fleet, autoScaling: FakeAutoScaling, tune: { waitSeconds?: number; pollMs?: number; busyTickMs?: number } = {}): Promise<Waking> {
  const settings = settingsFromEnv({
    ROUTER_ALB_URL: fleet.alb.url,
    ROUTER_MODELS: `${ASLEEP},${AWAKE}`,
    ROUTER_AUTH_MODE: "AWS_IAM",
    ROUTER_WAKE_GROUPS: `0:${GROUP}`,
    ROUTER_WAKE_WAIT_SECONDS: String(tune.waitSeconds ?? 0),
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_AUTO_SCALING: autoScaling.url,
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    AWS_SESSION_TOKEN: "session-token-example",
  });
  // the ALB is asked again every 5 s and busy lines come every minute in Lambda; quicker here
  const tuned: LambdaSettings = { ...settings, config: { ...settings.config, wakePollMs: tune.pollMs ?? 20, busyTickMs: tune.busyTickMs ?? 60_000 } };
  const logs: Record<string, unknown>[] = [];
  const functionUrl = await startFunctionUrl(
    awslambdaStandIn.streamifyResponse(createStreamingHandler(tuned, awslambdaStandIn, { log: (line) => logs.push(JSON.parse(line)) })),
  );
  return { url: functionUrl.url, logs, functionUrl, close: () => functionUrl.close() };
}

const requestLines = (logs: Record<string, unknown>[]) => logs.filter((l) => l.event === undefined && l.path !== undefined);

describe("a model that scales to zero", () => {
  let fleet: Fleet;
  let autoScaling: FakeAutoScaling;

  beforeEach(async () => {
    fleet = await startFleet([{ model: ASLEEP }, { model: AWAKE }]);
    fleet.alb.unregistered.add(ASLEEP);
    autoScaling = await FakeAutoScaling.start();
    autoScaling.groups.set(GROUP, { minSize: 0, maxSize: 2, desiredCapacity: 0, warmPoolMinSize: 1 });
  });

  afterEach(async () => {
    await fleet.close();
    await autoScaling.close();
  });

  test("requests at once start its group once, and each is answered 503 with Retry-After in its own dialect", async () => {
    const router = await startWaking(fleet, autoScaling);
    try {
      // WHEN three clients of three dialects ask at the same time
      const [ollama, openai, anthropic] = await Promise.all([
        postJson(router.url, "/api/chat", { model: "llama3:8b", stream: false, messages: [{ role: "user", content: "hi" }] }),
        postJson(router.url, "/v1/chat/completions", { model: "llama3:8b", messages: [{ role: "user", content: "hi" }] }),
        postJson(router.url, "/v1/messages", { model: "llama3:8b", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }),
      ]);
      // THEN Auto Scaling was read once and set once, to one server
      expect(autoScaling.of("DescribeAutoScalingGroups").map((c) => c.params.get("AutoScalingGroupNames.member.1"))).toEqual([GROUP]);
      expect(autoScaling.of("SetDesiredCapacity").map((c) => [c.params.get("AutoScalingGroupName"), c.params.get("DesiredCapacity"), c.params.get("HonorCooldown")])).toEqual([
        [GROUP, "1", "false"],
      ]);
      expect(autoScaling.groups.get(GROUP)!.desiredCapacity).toBe(1);
      // AND each client got 503, Retry-After and an error it can read
      for (const r of [ollama, openai, anthropic]) {
        expect(r.status).toBe(503);
        expect(r.headers["retry-after"]).toBe("30");
        expect(r.headers.server).toBeUndefined();
      }
      expect(JSON.parse(ollama.body)).toEqual({ error: expect.stringMatching(/^model "llama3:8b" is starting: .*retry in 30 s$/) });
      expect(JSON.parse(openai.body)).toEqual({ error: { message: expect.stringContaining("is starting"), type: "api_error", param: null, code: "model_starting" } });
      expect(JSON.parse(anthropic.body)).toEqual({ type: "error", error: { type: "overloaded_error", message: expect.stringContaining("is starting") } });
      // AND nothing reached the model's server, and each request counts as use of the model
      expect(fleet.fake(ASLEEP).requests).toEqual([]);
      const lines = requestLines(router.logs);
      expect(lines).toHaveLength(3);
      for (const line of lines) {
        expect(line).toMatchObject({ status: 503, Model: ASLEEP, Requests: 1, wake: "started" });
        expect(emfProblems(JSON.stringify(line))).toEqual([]);
      }
      expect(router.logs.filter((l) => l.event === "wake")).toEqual([expect.objectContaining({ state: "started", group: GROUP })]);

      // WHEN more requests come within the minute
      const again = await postJson(router.url, "/api/generate", { model: "llama3:8b", prompt: "x", stream: false });
      // THEN they are answered alike, and Auto Scaling is not asked again
      expect(again.status).toBe(503);
      expect(autoScaling.calls).toHaveLength(2);
    } finally {
      await router.close();
    }
  });

  test("the openai and ollama clients see a 503 that says the model is starting", async () => {
    const router = await startWaking(fleet, autoScaling);
    try {
      const openai = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: "unused", maxRetries: 0 });
      const error = await openai.chat.completions.create({ model: "llama3:8b", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error).toMatchObject({ status: 503, code: "model_starting" });
      expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get("retry-after")).toBe("30");

      const ollama = new Ollama({ host: router.url });
      await expect(ollama.chat({ model: "llama3:8b", messages: [{ role: "user", content: "hi" }] })).rejects.toMatchObject({
        status_code: 503,
        error: expect.stringContaining('model "llama3:8b" is starting'),
      });
    } finally {
      await router.close();
    }
  });

  test("another router instance finds the group starting, and a group above zero is never lowered", async () => {
    // GIVEN a group some instance or policy already raised to two
    autoScaling.groups.get(GROUP)!.desiredCapacity = 2;
    const router = await startWaking(fleet, autoScaling);
    try {
      const r = await postJson(router.url, "/api/chat", { model: "llama3:8b", stream: false, messages: [] });
      expect(r.status).toBe(503);
      expect(autoScaling.of("DescribeAutoScalingGroups")).toHaveLength(1);
      expect(autoScaling.of("SetDesiredCapacity")).toEqual([]);
      expect(autoScaling.groups.get(GROUP)!.desiredCapacity).toBe(2);
      expect(requestLines(router.logs)[0]).toMatchObject({ status: 503, wake: "starting" });
    } finally {
      await router.close();
    }
  });

  test("a streamed request is held while the server starts, then sent once and streamed", async () => {
    const router = await startWaking(fleet, autoScaling, { waitSeconds: 120 });
    try {
      // GIVEN a server that registers once the router has found the group without one a few times
      const reply = postJson(router.url, "/api/chat", { model: "llama3:8b", messages: [{ role: "user", content: "hi" }] });
      await eventually(() => autoScaling.groups.get(GROUP)!.desiredCapacity === 1 && fleet.alb.received.filter((r) => r.noTarget).length >= 3, 20_000, "the router to poll");
      fleet.alb.unregistered.delete(ASLEEP);
      // WHEN it answers
      const r = await reply;
      // THEN the client gets the whole stream, and the server got the request exactly once
      expect(r.status).toBe(200);
      expect(r.complete).toBe(true);
      expect(r.body).toContain("Hello");
      expect(fleet.fake(ASLEEP).requests.filter((q) => q.url.startsWith("/api/chat"))).toHaveLength(1);
      expect(JSON.parse(fleet.fake(ASLEEP).requests[0].body)).toEqual({ model: "llama3:8b", messages: [{ role: "user", content: "hi" }] });
      expect(autoScaling.of("SetDesiredCapacity")).toHaveLength(1);
      expect(requestLines(router.logs)).toEqual([expect.objectContaining({ status: 200, wake: "started", Requests: 1, Model: ASLEEP })]);
    } finally {
      await router.close();
    }
  });

  test("a server registered before it is ready (the ALB fails open to it): the ALB's 502 and the server's 404 for the model it is still pulling are 503 starting, Auto Scaling not asked", async () => {
    const router = await startWaking(fleet, autoScaling, { waitSeconds: 120 });
    try {
      // GIVEN the model's server registered, its Ollama not listening yet
      fleet.alb.unregistered.delete(ASLEEP);
      fleet.alb.refusing.add(ASLEEP);
      // WHEN a streamed request comes (the ALB's 502 does not say whether it reached the server)
      const refused = await postJson(router.url, "/api/chat", { model: "llama3:8b", messages: [{ role: "user", content: "hi" }] });
      // THEN it is answered at once, not held and never sent again
      expect(refused.status).toBe(503);
      expect(refused.headers["retry-after"]).toBe("30");
      expect(JSON.parse(refused.body)).toEqual({ error: expect.stringMatching(/^model "llama3:8b" is starting: its server is starting and does not answer yet, .*retry in 30 s$/) });
      expect(fleet.alb.received.filter((r) => r.url.startsWith("/api/chat"))).toHaveLength(1);

      // GIVEN Ollama up and still pulling the model
      fleet.alb.refusing.delete(ASLEEP);
      fleet.fake(ASLEEP).pulling = true;
      // WHEN requests without streaming come, in two dialects
      const ollama = await postJson(router.url, "/api/generate", { model: "llama3:8b", prompt: "x", stream: false });
      const openai = await postJson(router.url, "/v1/chat/completions", { model: "llama3:8b", messages: [{ role: "user", content: "hi" }] });
      // THEN each is 503 starting in its dialect, not Ollama's 404
      expect(ollama.status).toBe(503);
      expect(JSON.parse(ollama.body)).toEqual({ error: expect.stringContaining("its server is up and still getting the model") });
      expect(openai.status).toBe(503);
      expect(openai.headers["retry-after"]).toBe("30");
      expect(JSON.parse(openai.body).error).toMatchObject({ code: "model_starting", message: expect.stringContaining("still getting the model") });
      // AND the group, which has its server, was not asked to start
      expect(autoScaling.calls).toEqual([]);
      expect(requestLines(router.logs).map((l) => [l.status, l.wake])).toEqual([
        [503, "loading"],
        [503, "loading"],
        [503, "loading"],
      ]);

      // WHEN a streamed request comes while it pulls
      const before = fleet.fake(ASLEEP).requests.length;
      const held = postJson(router.url, "/api/chat", { model: "llama3:8b", messages: [{ role: "user", content: "hi" }] });
      await eventually(() => fleet.fake(ASLEEP).requests.length >= before + 2, 20_000, "the router to ask the pulling server again");
      fleet.fake(ASLEEP).pulling = false;
      // THEN it waits through the pull (each earlier ask did nothing) and is streamed once the model is there
      const r = await held;
      expect(r.status).toBe(200);
      expect(r.complete).toBe(true);
      expect(r.body).toContain("Hello");
      expect(fleet.fake(ASLEEP).completed).toHaveLength(1);
      expect(requestLines(router.logs).at(-1)).toMatchObject({ status: 200, wake: "loading" });
    } finally {
      await router.close();
    }
  });

  test("a 404 of the model's server that is not Ollama's missing model (a route an older Ollama lacks) passes as it is, at once", async () => {
    fleet.alb.unregistered.delete(ASLEEP);
    fleet.fake(ASLEEP).routeMissing = true;
    const router = await startWaking(fleet, autoScaling, { waitSeconds: 60 });
    try {
      const r = await postJson(router.url, "/v1/messages", { model: "llama3:8b", max_tokens: 16, stream: true, messages: [{ role: "user", content: "hi" }] });
      expect(r.status).toBe(404);
      expect(r.body).toBe("404 page not found");
      expect(fleet.fake(ASLEEP).requests).toHaveLength(1);
      expect(autoScaling.calls).toEqual([]);
      expect(requestLines(router.logs)[0]).toMatchObject({ status: 404 });
      expect(requestLines(router.logs)[0].wake).toBeUndefined();
    } finally {
      await router.close();
    }
  });

  test("the hold is bounded: past the wait, 503 with Retry-After; a request without streaming is not held", async () => {
    const router = await startWaking(fleet, autoScaling, { waitSeconds: 1 });
    try {
      const streamed = await postJson(router.url, "/api/generate", { model: "llama3:8b", prompt: "x" });
      expect(streamed.status).toBe(503);
      expect(streamed.headers["retry-after"]).toBe("30");
      // it asked the ALB more than once in the meantime
      const polls = fleet.alb.received.filter((r) => r.noTarget).length;
      expect(polls).toBeGreaterThan(1);

      const whole = await postJson(router.url, "/api/generate", { model: "llama3:8b", prompt: "x", stream: false });
      expect(whole.status).toBe(503);
      expect(fleet.alb.received.filter((r) => r.noTarget).length).toBe(polls + 1);
    } finally {
      await router.close();
    }
  });

  test("a model scheduled off (max_size 0) is not started: 503 says it is unavailable, the log says why", async () => {
    autoScaling.groups.set(GROUP, { minSize: 0, maxSize: 0, desiredCapacity: 0 });
    const router = await startWaking(fleet, autoScaling, { waitSeconds: 60 });
    try {
      const r = await postJson(router.url, "/v1/chat/completions", { model: "llama3:8b", stream: true, messages: [] });
      expect(r.status).toBe(503);
      expect(r.headers["retry-after"]).toBe("300");
      expect(JSON.parse(r.body).error).toMatchObject({ code: "model_unavailable", message: expect.stringContaining("scheduled off") });
      expect(autoScaling.of("SetDesiredCapacity")).toEqual([]);
      expect(requestLines(router.logs)[0]).toMatchObject({ wake: "refused", error: expect.stringContaining("its max_size is 0") });
    } finally {
      await router.close();
    }
  });

  test("Auto Scaling refusing the call: 503 unavailable, the permission named in the log only, asked again after a pause not per request", async () => {
    autoScaling.errorCode = "AccessDenied";
    const router = await startWaking(fleet, autoScaling);
    try {
      const [a, b] = await Promise.all([
        postJson(router.url, "/api/chat", { model: "llama3:8b", stream: false, messages: [] }),
        postJson(router.url, "/api/chat", { model: "llama3:8b", stream: false, messages: [] }),
      ]);
      for (const r of [a, b]) {
        expect(r.status).toBe(503);
        expect(r.body).not.toContain("autoscaling");
      }
      expect(autoScaling.calls).toHaveLength(1);
      expect(requestLines(router.logs)[0]).toMatchObject({
        wake: "failed",
        error: expect.stringContaining("needs autoscaling:DescribeAutoScalingGroups and autoscaling:SetDesiredCapacity on the group"),
      });
    } finally {
      await router.close();
    }
  });

  test("a server's own 503 (its queue full) passes as it is and starts nothing; so does the ALB's for a model that does not scale to zero", async () => {
    fleet.alb.unregistered.delete(ASLEEP);
    fleet.fake(ASLEEP).busy = true;
    fleet.alb.unregistered.add(AWAKE);
    const router = await startWaking(fleet, autoScaling, { waitSeconds: 60 });
    try {
      const busy = await postJson(router.url, "/api/chat", { model: "llama3:8b", messages: [] });
      expect(busy.status).toBe(503);
      expect(JSON.parse(busy.body)).toEqual({ error: "server busy, please try again.  maximum pending requests exceeded" });
      const other = await postJson(router.url, "/api/chat", { model: "qwen2:7b", messages: [] });
      expect(other.status).toBe(503);
      expect(other.body).toContain("503 Service Temporarily Unavailable");
      expect(autoScaling.calls).toEqual([]);
      expect(fleet.alb.received.filter((r) => r.noTarget)).toHaveLength(1);
    } finally {
      await router.close();
    }
  });

  test("lists name a sleeping model without starting it, and count only the asks that reached its servers", async () => {
    const router = await startWaking(fleet, autoScaling);
    try {
      const tags = await call(router.url, "/api/tags");
      expect(tags.status).toBe(200);
      expect((JSON.parse(tags.body).models as { name: string }[]).map((m) => m.name).sort()).toEqual([ASLEEP, AWAKE]);
      expect(JSON.parse(tags.body).models).toContainEqual({ name: ASLEEP, model: ASLEEP });
      const models = await call(router.url, "/v1/models");
      expect(JSON.parse(models.body).data).toContainEqual({ id: ASLEEP, object: "model", created: 0, owned_by: "library" });
      const ps = await call(router.url, "/api/ps");
      expect((JSON.parse(ps.body).models as { name: string }[]).map((m) => m.name)).toEqual([AWAKE]);
      expect(autoScaling.calls).toEqual([]);
      expect(requestLines(router.logs).map((l) => [l.path, l.status, l.Errors, l.failedModels, l.sleepingModels])).toEqual([
        ["/api/tags", 200, 0, undefined, [ASLEEP]],
        ["/v1/models", 200, 0, undefined, [ASLEEP]],
        ["/api/ps", 200, 0, undefined, [ASLEEP]],
      ]);
      // no list reached the sleeping model's servers, so none is counted
      expect(router.logs.filter((l) => l.event === "list")).toEqual([]);

      // WHEN its server is up
      fleet.alb.unregistered.delete(ASLEEP);
      await call(router.url, "/api/tags");
      // THEN the ask is counted, for it alone (the other model does not scale to zero), as a metric
      const counted = router.logs.filter((l) => l.event === "list");
      expect(counted).toEqual([expect.objectContaining({ Model: ASLEEP, ListRequests: 1 })]);
      expect(emfProblems(JSON.stringify(counted[0]))).toEqual([]);
      expect((counted[0]._aws as { CloudWatchMetrics: { Metrics: unknown[] }[] }).CloudWatchMetrics[0].Metrics).toEqual([{ Name: "ListRequests", Unit: "Count" }]);
    } finally {
      await router.close();
    }
  });
});

describe("busy time per model", () => {
  let fleet: Fleet;
  let autoScaling: FakeAutoScaling;
  beforeAll(async () => {
    fleet = await startFleet([{ model: ASLEEP }, { model: AWAKE, chunkDelayMs: 25, words: Array.from({ length: 16 }, (_, i) => `w${i} `) }]);
    autoScaling = await FakeAutoScaling.start();
  });
  afterAll(async () => {
    await fleet.close();
    await autoScaling.close();
  });

  test("a running request writes BusySeconds lines as it goes; with its own line they add up to its duration", async () => {
    const router = await startWaking(fleet, autoScaling, { busyTickMs: 60 });
    try {
      const r = await postJson(router.url, "/api/generate", { model: "qwen2:7b", prompt: "x" });
      expect(r.status).toBe(200);
      const busy = router.logs.filter((l) => l.event === "busy");
      const line = requestLines(router.logs)[0];
      expect(busy.length).toBeGreaterThanOrEqual(2);
      for (const b of busy) {
        expect(b).toMatchObject({ Model: AWAKE });
        expect(emfProblems(JSON.stringify(b))).toEqual([]);
      }
      const total = [...busy, line].reduce((sum, l) => sum + (l.BusySeconds as number), 0);
      // each figure is rounded to 10 ms
      expect(Math.abs(total - (line.durationMs as number) / 1000)).toBeLessThanOrEqual(0.01 * (busy.length + 1));
    } finally {
      await router.close();
    }
  });
});

describe("Ollama's answer for a model it does not have", () => {
  test.each([
    ['{"error":"model \'llama3:8b\' not found"}'],
    ['{"error":"model \\"llama3:8b\\" not found, try pulling it first"}'],
    ['{"error":{"message":"model \\"llama3:8b\\" not found, try pulling it first","type":"not_found_error","param":null,"code":null}}'],
  ])("is told by its message: %s", (body) => {
    expect(modelNotFound(Buffer.from(body))).toBe(true);
  });

  test.each([
    ["404 page not found"],
    ['{"error":"blob \\"sha256:00\\" not found"}'],
    ['{"error":"model is required"}'],
    ['{"error":{"message":"unknown"}}'],
    ["null"],
    ['{"error":"model \'llama3:8b\' not found; and more"}'],
  ])("and from any other 404: %s", (body) => {
    expect(modelNotFound(Buffer.from(body))).toBe(false);
  });
});

describe("ROUTER_WAKE_GROUPS", () => {
  const models = parseModelList("llama3:8b,qwen2:7b") as ModelTable;

  test("maps each model by its index in ROUTER_MODELS to its group", () => {
    expect(parseWakeGroups("1:llm-qwen27b,0:llm-llama38b", models)).toEqual(
      new Map([
        ["qwen2:7b", "llm-qwen27b"],
        ["llama3:8b", "llm-llama38b"],
      ]),
    );
  });

  test.each([
    ["2:llm-x", "names index 2, but ROUTER_MODELS has 2 models"],
    ["0:llm x", 'has a group name "llm x" that is not letters, digits and hyphens'],
    ["0:a,0:b", "names model llama3:8b twice"],
    ["llm-x", 'has an entry "llm-x" that is not <index>:<group name>'],
  ])("refuses %s", (text, problem) => {
    expect(parseWakeGroups(text, models)).toBe(problem);
  });

  test("the function refuses to start with a bad list, naming the variable, the value and the fix", () => {
    expect(() => settingsFromEnv({ ROUTER_ALB_URL: "http://alb", ROUTER_MODELS: "llama3:8b", ROUTER_AUTH_MODE: "AWS_IAM", ROUTER_WAKE_GROUPS: "5:g", AWS_REGION: "us-east-1" })).toThrow(
      /ROUTER_WAKE_GROUPS = "5:g" names index 5, but ROUTER_MODELS has 1 models\. Fix: <index in ROUTER_MODELS>:<Auto Scaling group name>/,
    );
  });
});
