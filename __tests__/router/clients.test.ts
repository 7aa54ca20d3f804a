// The real OpenAI and Ollama npm clients in front of the router (local server and Lambda adapter),
// streaming through it from fake Ollama servers behind the ALB stand-in.
import { Ollama } from "ollama";
import OpenAI from "openai";
import { sha256Hex } from "../../src/router/auth";
import { PROMPT_TOKENS } from "./helpers/fake-ollama";
import { eventually } from "./helpers/http-client";
import { Fleet, RouterUnderTest, startFleet, startLambda, startLocal, StartRouter } from "./helpers/setup";

const KEY = "sk-client-test";
const MODELS = ["llama3:8b", "qwen2:latest"];
const WORDS = ["One", " two", " three", " four"];

describe.each([
  ["local server", startLocal],
  ["Lambda adapter", startLambda],
] as [string, StartRouter][])("real clients through the %s", (_label, start) => {
  let fleet: Fleet;
  let rut: RouterUnderTest;
  let openai: OpenAI;
  let ollama: Ollama;

  beforeAll(async () => {
    fleet = await startFleet(MODELS.map((model) => ({ model, words: WORDS, chunkDelayMs: 10 })));
    rut = await start({ albUrl: fleet.alb.url, models: MODELS, keys: [{ name: "clients", sha256: sha256Hex(KEY) }] });
    openai = new OpenAI({ baseURL: `${rut.url}/v1`, apiKey: KEY, maxRetries: 0, timeout: 20_000 });
    ollama = new Ollama({ host: rut.url, headers: { Authorization: `Bearer ${KEY}` } });
  });
  afterAll(async () => {
    await rut?.close();
    await fleet?.close();
  });

  test("OpenAI: a streamed chat arrives chunk by chunk while the server still holds its end; usage comes last", async () => {
    const fake = fleet.fake("qwen2:latest");
    fake.holdFinal = true;
    try {
      const stream = await openai.chat.completions.create({
        model: "qwen2",
        messages: [{ role: "user", content: "count" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      let usage: OpenAI.CompletionUsage | undefined;
      let sawAllWhileHeld = false;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? "";
        if (chunk.usage) usage = chunk.usage;
        if (chunk.choices[0]?.finish_reason === "stop") {
          await eventually(() => fake.held === 1, 10_000, "the server to hold its end");
          sawAllWhileHeld = text === WORDS.join("");
          fake.release();
        }
      }
      expect(sawAllWhileHeld).toBe(true);
      expect(text).toBe(WORDS.join(""));
      expect(usage).toEqual({ prompt_tokens: PROMPT_TOKENS, completion_tokens: WORDS.length, total_tokens: PROMPT_TOKENS + WORDS.length });
    } finally {
      fake.holdFinal = false;
      fake.release();
    }
  });

  test("OpenAI: models are one merged list; a model by id; errors map to the SDK's classes", async () => {
    const ids: string[] = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    expect(ids.sort()).toEqual(MODELS.slice().sort());
    expect((await openai.models.retrieve("llama3:8b")).id).toBe("llama3:8b");
    await expect(openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const wrong = new OpenAI({ baseURL: `${rut.url}/v1`, apiKey: "sk-wrong", maxRetries: 0 });
    const err = await wrong.models.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe("invalid_api_key");
  });

  test("Ollama: a streamed chat arrives part by part while the server still holds its end; counts come last", async () => {
    const fake = fleet.fake("llama3:8b");
    fake.holdFinal = true;
    try {
      const parts: string[] = [];
      let last: { done: boolean; eval_count?: number } | undefined;
      const stream = await ollama.chat({ model: "LLAMA3:8B", messages: [{ role: "user", content: "count" }], stream: true });
      const reading = (async () => {
        for await (const part of stream) {
          if (!part.done) parts.push(part.message.content);
          last = part;
        }
      })();
      await eventually(() => fake.held === 1 && parts.length === WORDS.length, 10_000, "every part while the server holds its end");
      expect(last?.done).toBe(false);
      fake.release();
      await reading;
      expect(parts.join("")).toBe(WORDS.join(""));
      expect(last).toMatchObject({ done: true, eval_count: WORDS.length });
    } finally {
      fake.holdFinal = false;
      fake.release();
    }
  });

  test("Ollama: list, ps, version and a whole generate; an unknown model and a missing key are errors it reports", async () => {
    expect((await ollama.list()).models.map((m) => m.name).sort()).toEqual(MODELS.slice().sort());
    expect((await ollama.ps()).models).toHaveLength(2);
    expect((await ollama.version()).version).toBe("0.13.0");
    expect((await ollama.generate({ model: "qwen2", prompt: "x", stream: false })).response).toBe(WORDS.join(""));
    await expect(ollama.generate({ model: "phi3", prompt: "x" })).rejects.toMatchObject({ status_code: 404, error: expect.stringMatching(/"phi3" is not served here/) });
    await expect(new Ollama({ host: rut.url }).list()).rejects.toMatchObject({ status_code: 401 });
    await expect(ollama.pull({ model: "llama3:8b" })).rejects.toMatchObject({ status_code: 403 });
  });
});
