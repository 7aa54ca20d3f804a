// Two engines behind one router (local server and Lambda adapter): an Ollama model and a vLLM model
// behind the ALB stand-in, called with the real OpenAI and Ollama npm clients under the same key.
// vLLM speaks OpenAI's API only: the router sends it /v1/* calls, refuses Ollama's /api/* calls for
// it in Ollama's dialect, merges /v1/models over both engines and lists only Ollama's in /api/tags.
import { Ollama } from "ollama";
import OpenAI from "openai";
import { sha256Hex } from "../../src/router/auth";
import { ROUTING_HEADER } from "../../src/router/endpoints";
import { AlbStandIn } from "./helpers/alb-standin";
import { FakeOllama } from "./helpers/fake-ollama";
import { FakeVllm, VLLM_PROMPT_TOKENS } from "./helpers/fake-vllm";
import { call, eventually } from "./helpers/http-client";
import { RouterUnderTest, startLambda, startLocal, StartRouter } from "./helpers/setup";

const KEY = "sk-engines-test";
const OLLAMA_MODEL = "llama3:8b";
const SERVED = "mistral-7b-instruct";
const REPO = "mistralai/Mistral-7B-Instruct-v0.3";
const WORDS = ["Paged", " attention", " says", " hi"];

describe.each([
  ["local server", startLocal],
  ["Lambda adapter", startLambda],
] as [string, StartRouter][])("an Ollama model and a vLLM model through the %s", (_label, start) => {
  let ollamaServer: FakeOllama;
  let vllmServer: FakeVllm;
  let alb: AlbStandIn;
  let rut: RouterUnderTest;
  let openai: OpenAI;
  let ollama: Ollama;

  beforeAll(async () => {
    // GIVEN the main server (Ollama) and a vLLM server, each behind its listener rule, and one key
    ollamaServer = await FakeOllama.start({ model: OLLAMA_MODEL });
    vllmServer = await FakeVllm.start({ served: SERVED, repo: REPO, words: WORDS });
    alb = await AlbStandIn.start([
      { model: OLLAMA_MODEL, url: ollamaServer.url },
      { model: SERVED, url: vllmServer.url },
    ]);
    rut = await start({ albUrl: alb.url, models: [OLLAMA_MODEL, `${SERVED}=vllm`], keys: [{ name: "both", sha256: sha256Hex(KEY) }] });
    openai = new OpenAI({ baseURL: `${rut.url}/v1`, apiKey: KEY, maxRetries: 0, timeout: 20_000 });
    ollama = new Ollama({ host: rut.url, headers: { Authorization: `Bearer ${KEY}` } });
  });
  afterAll(async () => {
    await rut?.close();
    await alb?.close();
    await vllmServer?.close();
    await ollamaServer?.close();
  });

  const lastLog = () => rut.logs[rut.logs.length - 1];

  test("OpenAI: a streamed chat reaches the vLLM server under its served name; its usage chunk is the request's token metrics", async () => {
    const before = vllmServer.requests.length;
    const stream = await openai.chat.completions.create({
      model: SERVED,
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(WORDS.join(""));
    expect(usage).toEqual({ prompt_tokens: VLLM_PROMPT_TOKENS, completion_tokens: WORDS.length, total_tokens: VLLM_PROMPT_TOKENS + WORDS.length });
    // routed by the listener rule on the served name, the body passed as the client wrote it
    const reached = vllmServer.requests.slice(before);
    expect(reached.map((r) => r.url)).toEqual([`/v1/chat/completions?redirect_model=${SERVED}`]);
    expect(reached[0].headers[ROUTING_HEADER]).toBe(SERVED);
    await eventually(() => lastLog()?.path === "/v1/chat/completions", 10_000, "the request's log line");
    expect(lastLog()).toMatchObject({ key: "both", model: SERVED, Model: SERVED, status: 200, promptTokens: VLLM_PROMPT_TOKENS, outputTokens: WORDS.length });
  });

  test("OpenAI: a whole completion from vLLM counts its tokens too; the Ollama model still answers its own calls", async () => {
    const completion = await openai.completions.create({ model: SERVED, prompt: "hi" });
    expect(completion.choices[0].text).toBe(WORDS.join(""));
    await eventually(() => lastLog()?.path === "/v1/completions", 10_000, "the request's log line");
    expect(lastLog()).toMatchObject({ Model: SERVED, outputTokens: WORDS.length, promptTokens: VLLM_PROMPT_TOKENS });
    const chat = await openai.chat.completions.create({ model: OLLAMA_MODEL, messages: [{ role: "user", content: "x" }] });
    expect(chat.choices[0].message.content).toBe(ollamaServer.words.join(""));
  });

  test("OpenAI: /v1/models merges both engines' lists, each model once, listed by its own server", async () => {
    const ids: string[] = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    expect(ids.sort()).toEqual([OLLAMA_MODEL, SERVED].sort());
    expect(vllmServer.requests.filter((r) => r.url.startsWith("/v1/models")).length).toBeGreaterThan(0);
  });

  test("a vLLM model is named exactly as it is served: another case or a :latest is not served here", async () => {
    for (const wrong of [SERVED.toUpperCase(), `${SERVED}:latest`]) {
      const err = await openai.chat.completions.create({ model: wrong, messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
    }
  });

  test("Ollama: /api/chat for the vLLM model is refused in Ollama's dialect, saying what to call instead; nothing reaches the vLLM server", async () => {
    const before = vllmServer.requests.length;
    const err = await ollama.chat({ model: SERVED, messages: [{ role: "user", content: "x" }], stream: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status_code: 400 });
    expect((err as { error: string }).error).toBe(
      `model "${SERVED}" is served by vLLM, which speaks the OpenAI API (/v1/chat/completions, /v1/completions, /v1/embeddings, /v1/responses, GET /v1/models) ` +
        `and Anthropic's /v1/messages, not POST /api/chat: call POST /v1/chat/completions instead`,
    );
    await expect(ollama.generate({ model: SERVED, prompt: "x" })).rejects.toMatchObject({ status_code: 400, error: expect.stringMatching(/call POST \/v1\/completions instead$/) });
    await expect(ollama.show({ model: SERVED })).rejects.toMatchObject({ status_code: 400, error: expect.stringMatching(/call GET \/v1\/models instead$/) });
    expect(vllmServer.requests.length).toBe(before);
    await eventually(() => lastLog()?.path === "/api/show", 10_000, "the refusal's log line");
    expect(lastLog()).toMatchObject({ status: 400, Model: SERVED, Errors: 0 });
  });

  test("Ollama: /api/tags lists the Ollama models only (a vLLM model cannot be called through /api/*), and asks no vLLM server", async () => {
    const before = vllmServer.requests.length;
    expect((await ollama.list()).models.map((m) => m.name)).toEqual([OLLAMA_MODEL]);
    expect(vllmServer.requests.length).toBe(before);
  });

  test("the raw answer of a refused /api/chat: Ollama's error shape, 400, nothing but the router's words", async () => {
    const res = await call(rut.url, "/api/chat", {
      method: "POST",
      body: JSON.stringify({ model: SERVED, messages: [] }),
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(Object.keys(JSON.parse(res.body))).toEqual(["error"]);
  });
});

describe.each([
  ["local server", startLocal],
  ["Lambda adapter", startLambda],
] as [string, StartRouter][])("a fleet of vLLM models only, through the %s", (_label, start) => {
  let vllmServer: FakeVllm;
  let alb: AlbStandIn;
  let rut: RouterUnderTest;

  beforeAll(async () => {
    vllmServer = await FakeVllm.start({ served: SERVED, repo: REPO });
    alb = await AlbStandIn.start([{ model: SERVED, url: vllmServer.url }]);
    rut = await start({ albUrl: alb.url, models: [`${SERVED}=vllm`] });
  });
  afterAll(async () => {
    await rut?.close();
    await alb?.close();
    await vllmServer?.close();
  });

  test("Ollama's model-less calls are refused by the router, and /api/tags is an empty list; no server is asked", async () => {
    const version = await call(rut.url, "/api/version");
    expect(version.status).toBe(404);
    expect(JSON.parse(version.body).error).toMatch(/^GET \/api\/version is a call no model served here answers: the served models' engines speak the OpenAI API/);
    const tags = await call(rut.url, "/api/tags");
    expect([tags.status, JSON.parse(tags.body)]).toEqual([200, { models: [] }]);
    expect(vllmServer.requests).toEqual([]);
  });
});
