// The router's behaviour over real HTTP, as one suite run against each way of running it (the local
// server, and the Lambda handler behind the streaming-runtime stand-in).
import { createServer } from "net";
import { sha256Hex } from "../../../src/router/auth";
import { emfProblems } from "./emf";
import { PROMPT_TOKENS } from "./fake-ollama";
import { call, eventually, postJson, Reply } from "./http-client";
import { Fleet, RouterUnderTest, startFleet, StartRouter } from "./setup";
import { ROUTING_HEADER } from "../../../src/router/endpoints";

export const MODELS = ["llama3:latest", "Qwen2", "mistral:7b"];
const WORDS = ["Hello", " from", " the", " fake", " server"];
const ALICE_KEY = "sk-alice-test-key";

/** The log line of the n-th request to `path`, once the router has written it. */
export async function logOf(rut: RouterUnderTest, path: string, nth = 0): Promise<Record<string, unknown>> {
  const matching = () => rut.logs.filter((l) => l.path === path);
  await eventually(() => matching().length > nth, 10_000, `log line of ${path}`);
  return matching()[nth];
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const json = (r: Reply) => JSON.parse(r.body);

function expectOllamaError(r: Reply, status: number, pattern: RegExp) {
  expect(r.status).toBe(status);
  expect(r.headers["content-type"]).toMatch(/application\/json/);
  const body = json(r);
  expect(typeof body.error).toBe("string");
  expect(body.error).toMatch(pattern);
}

function expectOpenAiError(r: Reply, status: number, pattern: RegExp, code?: string) {
  expect(r.status).toBe(status);
  const body = json(r);
  expect(typeof body.error).toBe("object");
  expect(body.error.message).toMatch(pattern);
  expect(typeof body.error.type).toBe("string");
  expect(body.error).toHaveProperty("code");
  if (code) expect(body.error.code).toBe(code);
}

export function describeRouterBehaviour(start: StartRouter): void {
  describe("with the default settings (no key checks)", () => {
    let fleet: Fleet;
    let rut: RouterUnderTest;

    beforeAll(async () => {
      fleet = await startFleet(MODELS.map((model) => ({ model, words: WORDS, chunkDelayMs: 15 })));
      rut = await start({ albUrl: fleet.alb.url, models: MODELS });
    });
    afterAll(async () => {
      await rut?.close();
      await fleet?.close();
    });

    test("GET and HEAD / answer 'Ollama is running' themselves, as Ollama does (the ollama CLI's heartbeat)", async () => {
      const before = fleet.alb.received.length;
      const get = await call(rut.url, "/");
      expect(get.status).toBe(200);
      expect(get.body).toBe("Ollama is running");
      const head = await call(rut.url, "/", { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.body).toBe("");
      expect(fleet.alb.received.length).toBe(before);
    });

    test("the ollama command line's calls for `ollama run` go through: HEAD /, version, show, a streamed chat", async () => {
      // as api/client.go sends them: JSON with Accept: application/json and its User-Agent
      const headers = { "content-type": "application/json", accept: "application/json", "user-agent": "ollama/0.13.0 (amd64 linux) Go/go1.24.0" };
      expect((await call(rut.url, "/", { method: "HEAD", headers })).status).toBe(200);
      expect(json(await call(rut.url, "/api/version", { headers })).version).toBe("0.13.0");
      expect((await postJson(rut.url, "/api/show", { model: "mistral:7b" }, headers)).status).toBe(200);
      const chat = await postJson(rut.url, "/api/chat", { model: "mistral:7b", messages: [{ role: "user", content: "hi" }], stream: true }, headers);
      expect(chat.status).toBe(200);
      expect(chat.chunks.length).toBeGreaterThan(1);
      expect(chat.body.trim().split("\n").at(-1)).toContain('"done":true');
      // a model the router does not serve: show is 404, and the pull the CLI then tries is 403 with a reason
      expect((await postJson(rut.url, "/api/show", { model: "phi3" }, headers)).status).toBe(404);
      expectOllamaError(await postJson(rut.url, "/api/pull", { model: "phi3", stream: true }, headers), 403, /closed on this router/);
    });

    test("a POST goes to the server of the model its body names, through the ALB with the routing header (and redirect_model)", async () => {
      for (const model of MODELS) {
        const r = await postJson(rut.url, "/api/chat", { model, messages: [{ role: "user", content: "hi" }], stream: false });
        expect(r.status).toBe(200);
        expect(r.headers["x-fake-server"]).toBe(model);
        const seen = fleet.alb.received.at(-1)!;
        expect(seen.url).toBe(`/api/chat?redirect_model=${encodeURIComponent(model)}`);
        expect(seen.headers[ROUTING_HEADER]).toBe(model);
        expect(seen.routedTo).toBe(model);
      }
    });

    test("models match as Ollama matches them (any case, no tag means :latest) and the served spelling is sent", async () => {
      const cases = [
        ["LLAMA3", "llama3:latest"],
        ["llama3:LATEST", "llama3:latest"],
        ["qwen2:latest", "Qwen2"],
        ["QWEN2", "Qwen2"],
        ["Mistral:7B", "mistral:7b"],
      ];
      for (const [asked, served] of cases) {
        const r = await postJson(rut.url, "/api/generate", { model: asked, prompt: "hi", stream: false });
        expect(r.status).toBe(200);
        expect(r.headers["x-fake-server"]).toBe(served);
        expect(fleet.alb.received.at(-1)!.url).toBe(`/api/generate?redirect_model=${encodeURIComponent(served)}`);
      }
    });

    test("no routing key of the client's reaches the ALB: its query string is dropped, its routing headers replaced", async () => {
      const n = fleet.alb.received.length;
      const r = await postJson(
        rut.url,
        "/api/generate?foo=1&redirect_model=mistral:7b&REDIRECT_NAME=llama3&redirect%5Fmodel=llama3&Redirect_Model=mistral%3A7b",
        { model: "qwen2", prompt: "x", stream: false },
        { [ROUTING_HEADER]: "mistral:7b", "X-Ollama-Fleet-Model": "llama3", x_ollama_fleet_model: "mistral:7b" },
      );
      expect(r.headers["x-fake-server"]).toBe("Qwen2");
      expect(fleet.alb.received).toHaveLength(n + 1);
      const seen = fleet.alb.received[n];
      expect(seen.url).toBe("/api/generate?redirect_model=Qwen2");
      expect(seen.routedTo).toBe("Qwen2");
      const routing = seen.rawHeaders.filter((_, i) => i % 2 === 0 && /^x.ollama.fleet.model$/i.test(seen.rawHeaders[i]));
      expect(routing).toEqual([ROUTING_HEADER]);
      expect(seen.headers[ROUTING_HEADER]).toBe("Qwen2");
      expect(fleet.fake("Qwen2").requests.at(-1)!.url).toBe("/api/generate?redirect_model=Qwen2");
    });

    test("the model is read as Ollama's Go server reads it: any case of the key, the last duplicate, escapes in keys, null ignored", async () => {
      const raw = (path: string, body: string) => call(rut.url, path, { method: "POST", headers: { "content-type": "application/json" }, body });
      const cases: [string, string, string][] = [
        ["/api/chat", '{"Model":"mistral:7b","messages":[],"stream":false}', "mistral:7b"],
        ["/api/chat", '{"MODEL":"qwen2","messages":[],"stream":false}', "Qwen2"],
        ["/api/chat", '{"model":"llama3","Model":"qwen2","stream":false}', "Qwen2"],
        ["/api/chat", '{"Model":"qwen2","model":"llama3","Model":"mistral:7b","stream":false}', "mistral:7b"],
        ["/api/chat", '{"model":"qwen2","model":null,"stream":false}', "Qwen2"],
        ["/api/chat", '{"\\u006dodel":"mistral:7b","stream":false}', "mistral:7b"],
        ["/api/chat", '{"options":{"model":"qwen2"},"messages":[{"model":"qwen2"}],"model":"llama3","stream":false}', "llama3:latest"],
        ["/v1/responses", '{"input":"x","mOdEl":"qwen2"}', "Qwen2"],
        ["/api/show", '{"model":"","name":"mistral:7b"}', "mistral:7b"],
        ["/api/show", '{"Name":"qwen2"}', "Qwen2"],
      ];
      for (const [path, body, served] of cases) {
        const n = fleet.alb.received.length;
        // the fake server is no Go decoder: what is checked is where the router sent it
        await raw(path, body);
        expect(fleet.alb.received).toHaveLength(n + 1);
        expect([body, fleet.alb.received[n].headers[ROUTING_HEADER]]).toEqual([body, served]);
        expect(fleet.alb.received[n].routedTo).toBe(served);
      }
      // a key Go does not match, a value Go refuses, a field Go does not read there: refused, nothing sent
      const n = fleet.alb.received.length;
      expectOllamaError(await raw("/api/chat", '{"model ":"qwen2"}'), 400, /names no model/);
      expectOllamaError(await raw("/api/chat", '{"model":"qwen2","Model":5}'), 400, /"model" must be a string naming a model, got number/);
      expectOllamaError(await raw("/api/chat", '{"Model":["qwen2"],"model":"qwen2"}'), 400, /got array/);
      expectOllamaError(await raw("/api/chat", '{"name":"qwen2"}'), 400, /names no model: put it in the JSON body as "model"$/);
      expectOllamaError(await raw("/api/chat", '["model","qwen2"]'), 400, /must be a JSON object/);
      expectOllamaError(await raw("/api/chat", '{"model":"qwen2"} {"model":"llama3"}'), 400, /not valid JSON/);
      expect(fleet.alb.received).toHaveLength(n);
    });

    test("`name` (older Ollama admin calls) picks the server when there is no `model`", async () => {
      const r = await postJson(rut.url, "/api/show", { name: "mistral:7b" });
      expect(r.status).toBe(200);
      expect(r.headers["x-fake-server"]).toBe("mistral:7b");
    });

    test("an unknown model is 404, naming it and the served models, in each API's dialect", async () => {
      const ollama = await postJson(rut.url, "/api/chat", { model: "gpt-5", messages: [] });
      expectOllamaError(ollama, 404, /"gpt-5".*llama3:latest, Qwen2, mistral:7b/);
      const openai = await postJson(rut.url, "/v1/chat/completions", { model: "gpt-5", messages: [] });
      expectOpenAiError(openai, 404, /"gpt-5".*llama3:latest, Qwen2, mistral:7b/, "model_not_found");
      expect((await logOf(rut, "/v1/chat/completions")).status).toBe(404);
    });

    test("no model is 400 and invalid JSON is 400, in each dialect", async () => {
      expectOllamaError(await postJson(rut.url, "/api/generate", { prompt: "hi" }), 400, /names no model/);
      expectOpenAiError(await postJson(rut.url, "/v1/chat/completions", { messages: [] }), 400, /names no model/, "missing_model");
      const bad = { method: "POST", headers: { "content-type": "application/json" }, body: '{"model": "llama3",' };
      expectOllamaError(await call(rut.url, "/api/chat", bad), 400, /not valid JSON/);
      expectOpenAiError(await call(rut.url, "/v1/chat/completions", bad), 400, /not valid JSON/, "invalid_json");
      expectOllamaError(await postJson(rut.url, "/api/chat", { model: 42 }), 400, /"model" must be a string/);
      expectOllamaError(await call(rut.url, "/api/chat", { method: "POST" }), 400, /names no model/);
    });

    test("a body over 6 MB is 413 (and the server never sees it)", async () => {
      const before = fleet.alb.received.length;
      const big = JSON.stringify({ model: "llama3", prompt: "x".repeat(6 * 1024 * 1024) });
      expectOllamaError(await call(rut.url, "/api/generate", { method: "POST", headers: { "content-type": "application/json" }, body: big }), 413, /larger than 6291456 bytes/);
      expectOpenAiError(await call(rut.url, "/v1/completions", { method: "POST", headers: { "content-type": "application/json" }, body: big }), 413, /6 MB/, "request_too_large");
      expect(fleet.alb.received.length).toBe(before);
      // just under the limit passes
      const fits = JSON.stringify({ model: "llama3", prompt: "x".repeat(6 * 1024 * 1024 - 100), stream: false });
      expect((await call(rut.url, "/api/generate", { method: "POST", headers: { "content-type": "application/json" }, body: fits })).status).toBe(200);
    });

    test("GET /v1/models/<model> routes by the model in the path; an unknown one is an OpenAI 404", async () => {
      const r = await call(rut.url, "/v1/models/qwen2");
      expect(r.status).toBe(200);
      expect(json(r).id).toBe("Qwen2");
      expect(fleet.alb.received.at(-1)!.url).toBe("/v1/models/qwen2?redirect_model=Qwen2");
      expectOpenAiError(await call(rut.url, "/v1/models/phi3"), 404, /"phi3"/, "model_not_found");
    });

    test("a request naming no model goes to the ALB without redirect_model (its default action answers)", async () => {
      const r = await call(rut.url, "/api/version");
      expect(r.status).toBe(200);
      expect(json(r)).toEqual({ version: "0.13.0" });
      const seen = fleet.alb.received.at(-1)!;
      expect(seen.url).toBe("/api/version");
      expect(seen.routedTo).toBe("default");
    });

    test("NDJSON streams: chunks reach the client while the server still holds its final chunk", async () => {
      const fake = fleet.fake("llama3:latest");
      fake.holdFinal = true;
      try {
        for (const path of ["/api/chat", "/api/generate"]) {
          let received = "";
          const pending = postJson(rut.url, path, { model: "llama3", prompt: "hi", messages: [{ role: "user", content: "hi" }] }, {}, { onChunk: (t) => (received += t) });
          await eventually(() => fake.held === 1, 10_000, "the server to hold its final chunk");
          await eventually(() => WORDS.every((w) => received.includes(JSON.stringify(w))), 10_000, "every word at the client");
          expect(received).not.toContain('"done":true');
          fake.release();
          const reply = await pending;
          expect(reply.status).toBe(200);
          expect(reply.headers["content-type"]).toBe("application/x-ndjson");
          const lines = reply.body.trim().split("\n").map((l) => JSON.parse(l));
          expect(lines).toHaveLength(WORDS.length + 1);
          expect(lines.at(-1)).toMatchObject({ done: true, eval_count: WORDS.length, prompt_eval_count: PROMPT_TOKENS });
        }
      } finally {
        fake.holdFinal = false;
        fake.release();
      }
    });

    test("server-sent events stream the same way", async () => {
      const fake = fleet.fake("Qwen2");
      fake.holdFinal = true;
      try {
        let received = "";
        const pending = postJson(
          rut.url,
          "/v1/chat/completions",
          { model: "qwen2", messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } },
          {},
          { onChunk: (t) => (received += t) },
        );
        await eventually(() => fake.held === 1, 10_000, "the server to hold its final chunk");
        await eventually(() => received.includes('"finish_reason":"stop"'), 10_000, "the stop event at the client");
        expect(received).not.toContain("[DONE]");
        fake.release();
        const reply = await pending;
        expect(reply.headers["content-type"]).toBe("text/event-stream");
        expect(reply.body.trimEnd().endsWith("data: [DONE]")).toBe(true);
        const log = await logOf(rut, "/v1/chat/completions", rut.logs.filter((l) => l.path === "/v1/chat/completions").length - 1);
        expect(log).toMatchObject({ status: 200, outputTokens: WORDS.length, promptTokens: PROMPT_TOKENS, model: "qwen2" });
      } finally {
        fake.holdFinal = false;
        fake.release();
      }
    });

    test("hop-by-hop headers and the client's Authorization never reach the ALB; host names the ALB", async () => {
      await postJson(rut.url, "/api/chat", { model: "llama3", messages: [], stream: false }, {
        "x-hop-test": "1",
        connection: "keep-alive, x-drop-me",
        "x-drop-me": "1",
        "keep-alive": "timeout=30",
        te: "trailers",
        "transfer-encoding": "chunked",
        trailer: "x-checksum",
        "proxy-authorization": "Basic Zm9vOmJhcg==",
        "proxy-secret": "s",
        authorization: "Bearer sk-must-not-leak",
        "x-api-key": "sk-must-not-leak-either",
        "api-key": "sk-nor-this",
        cookie: "session=must-not-leak",
        "x-kept": "yes",
      });
      const seen = fleet.alb.received.find((r) => r.headers["x-hop-test"] === "1")!;
      const names = seen.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
      for (const dropped of ["x-drop-me", "keep-alive", "te", "trailer", "proxy-authorization", "proxy-secret", "authorization", "transfer-encoding", "x-api-key", "api-key", "cookie"]) {
        expect(names).not.toContain(dropped);
      }
      expect(JSON.stringify(seen.rawHeaders)).not.toMatch(/sk-must-not-leak|sk-nor-this|session=/);
      expect(seen.headers.connection ?? "").not.toMatch(/x-drop-me/);
      expect(seen.headers["x-kept"]).toBe("yes");
      expect(seen.headers.host).toBe(new URL(fleet.alb.url).host);
      // the chunked body went on with a length the router set
      expect(seen.headers["content-length"]).toBe(String(Buffer.byteLength(JSON.stringify({ model: "llama3", messages: [], stream: false }))));
    });

    test("hop-by-hop headers of the response are dropped, the others kept", async () => {
      const fake = fleet.fake("mistral:7b");
      fake.extraHeaders = { "keep-alive": "timeout=99", "proxy-authenticate": "Basic", "x-response-kept": "yes" };
      try {
        const r = await postJson(rut.url, "/api/generate", { model: "mistral:7b", prompt: "x", stream: false });
        expect(r.status).toBe(200);
        expect(r.headers["x-response-kept"]).toBe("yes");
        expect(r.headers["proxy-authenticate"]).toBeUndefined();
        expect(r.headers["keep-alive"]).not.toBe("timeout=99");
      } finally {
        fake.extraHeaders = {};
      }
    });

    test("/api/tags, /api/ps and /v1/models ask every server and merge without duplicates, each in its shape", async () => {
      const llama = fleet.fake("llama3:latest");
      llama.extraListed = ["QWEN2:latest", "not-served:1b"];
      try {
        const tags = await call(rut.url, "/api/tags");
        expect(tags.status).toBe(200);
        const names = json(tags).models.map((m: { name: string }) => m.name.toLowerCase()).sort();
        // llama3's server also lists QWEN2:latest (a duplicate of Qwen2's) and a model nobody serves
        expect(names).toEqual(["llama3:latest", "mistral:7b", "qwen2:latest"]);
        expect(Object.keys(json(tags))).toEqual(["models"]);

        const ps = json(await call(rut.url, "/api/ps"));
        expect(ps.models).toHaveLength(3);
        expect(ps.models.every((m: { size_vram?: number }) => typeof m.size_vram === "number")).toBe(true);

        const models = json(await call(rut.url, "/v1/models"));
        expect(models.object).toBe("list");
        expect(models.data.map((m: { id: string }) => m.id.toLowerCase()).sort()).toEqual(["llama3:latest", "mistral:7b", "qwen2:latest"]);
        for (const model of MODELS) {
          for (const path of ["/api/tags", "/api/ps", "/v1/models"]) {
            expect(fleet.alb.received.some((r) => r.url === `${path}?redirect_model=${encodeURIComponent(model)}` && r.routedTo === model)).toBe(true);
          }
        }
      } finally {
        llama.extraListed = [];
      }
    });

    test("a merged list answers with what the servers that answered returned, and logs which failed", async () => {
      const mistral = fleet.fake("mistral:7b");
      mistral.listStatus = 500;
      try {
        const n = rut.logs.filter((l) => l.path === "/api/tags").length;
        const tags = await call(rut.url, "/api/tags");
        expect(tags.status).toBe(200);
        expect(json(tags).models.map((m: { name: string }) => m.name).sort()).toEqual(["Qwen2", "llama3:latest"]);
        const log = await logOf(rut, "/api/tags", n);
        expect(log.failedModels).toEqual(["mistral:7b"]);
        expect(log.error).toMatch(/mistral:7b \(HTTP 500\)/);
      } finally {
        mistral.listStatus = undefined;
      }
    });

    test("when every server fails, a merged list is 502 in its dialect", async () => {
      fleet.fakes.forEach((f) => (f.listStatus = 503));
      try {
        expectOllamaError(await call(rut.url, "/api/ps"), 502, /no model server answered/);
        expectOpenAiError(await call(rut.url, "/v1/models"), 502, /no model server answered/, "upstream_unreachable");
      } finally {
        fleet.fakes.forEach((f) => (f.listStatus = undefined));
      }
    });

    test("model management is closed: 403 for pull, delete, create, copy, push and blobs", async () => {
      const before = fleet.alb.received.length;
      const calls: [string, string, unknown][] = [
        ["POST", "/api/pull", { model: "llama3" }],
        ["DELETE", "/api/delete", { model: "llama3" }],
        ["POST", "/api/create", { model: "x", from: "llama3" }],
        ["POST", "/api/copy", { source: "llama3", destination: "y" }],
        ["POST", "/api/push", { model: "llama3" }],
        ["POST", "/api/blobs/sha256-0123", "raw bytes"],
        ["HEAD", "/api/blobs/sha256-0123", undefined],
      ];
      for (const [method, path, body] of calls) {
        const r = await call(rut.url, path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
        expect(r.status).toBe(403);
        if (method !== "HEAD") expect(json(r).error).toMatch(/closed on this router.*--allow-model-management/);
      }
      expect(fleet.alb.received.length).toBe(before);
    });

    test("a stream the server breaks off is cut at the client too, and logged as an error", async () => {
      const fake = fleet.fake("Qwen2");
      fake.breakAfterChunks = 2;
      try {
        const n = rut.logs.filter((l) => l.path === "/api/generate").length;
        const r = await postJson(rut.url, "/api/generate", { model: "qwen2", prompt: "x" });
        expect(r.status).toBe(200);
        expect(r.body).toContain('"response":"Hello"');
        expect(r.body).not.toContain('"done":true');
        expect(r.complete).toBe(false);
        const log = await logOf(rut, "/api/generate", n);
        expect(log.Errors).toBe(1);
        expect(log.error).toMatch(/broke off/);
      } finally {
        fake.breakAfterChunks = undefined;
      }
    });

    test("one JSON log line per request: key, model, method, path, status, time to first byte, duration, bytes, tokens, as EMF", async () => {
      const n = rut.logs.filter((l) => l.path === "/api/chat").length;
      const r = await postJson(rut.url, "/api/chat", { model: "Llama3", messages: [{ role: "user", content: "hi" }] });
      const log = await logOf(rut, "/api/chat", n);
      expect(log).toMatchObject({
        key: null,
        model: "Llama3",
        method: "POST",
        path: "/api/chat",
        status: 200,
        bytesOut: Buffer.byteLength(r.body),
        promptTokens: PROMPT_TOKENS,
        outputTokens: WORDS.length,
        tokensPerSecond: WORDS.length / 0.5, // eval_count over eval_duration (0.5 s)
        Model: "llama3:latest",
        Requests: 1,
        Errors: 0,
        OutputTokens: WORDS.length,
      });
      expect(log.ttfbMs as number).toBeGreaterThan(0);
      expect(log.durationMs as number).toBeGreaterThanOrEqual(log.ttfbMs as number);
      // the words come 15 ms apart: the first byte is well before the end
      expect(log.durationMs as number).toBeGreaterThan((log.ttfbMs as number) + 40);
      expect(emfProblems(JSON.stringify(log))).toEqual([]);
      const directive = (log._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] }).CloudWatchMetrics[0];
      expect(directive.Namespace).toBe("OllamaFleet/Router");
      expect(directive.Dimensions).toEqual([["Model"]]);
      expect(directive.Metrics.map((m) => m.Name).sort()).toEqual(["BusySeconds", "Errors", "OutputTokens", "Requests", "TimeToFirstByte", "TokensPerSecond"]);
      // a request shorter than a minute is busy for its whole duration, in its own line
      expect(log.BusySeconds as number).toBeCloseTo((log.durationMs as number) / 1000, 1);
    });

    test("tokens come from OpenAI's usage in a whole JSON body too; a 404 is logged with no served model", async () => {
      const n = rut.logs.filter((l) => l.path === "/v1/chat/completions").length;
      await postJson(rut.url, "/v1/chat/completions", { model: "mistral:7b", messages: [{ role: "user", content: "hi" }] });
      const log = await logOf(rut, "/v1/chat/completions", n);
      expect(log).toMatchObject({ status: 200, outputTokens: WORDS.length, promptTokens: PROMPT_TOKENS, Model: "mistral:7b" });
      expect(emfProblems(JSON.stringify(log))).toEqual([]);

      await postJson(rut.url, "/api/chat", { model: "attacker-chosen-name", messages: [] });
      const missing = rut.logs.find((l) => l.model === "attacker-chosen-name")!;
      expect(missing).toMatchObject({ status: 404, Model: "(none)", Errors: 0 });
      expect(emfProblems(JSON.stringify(missing))).toEqual([]);

      // a huge model name is cut short in the answer and the log line
      const huge = await postJson(rut.url, "/api/chat", { model: "m".repeat(1_000_000), messages: [] });
      expect(huge.status).toBe(404);
      expect(huge.body.length).toBeLessThan(1000);
      await eventually(() => rut.logs.some((l) => typeof l.model === "string" && l.model.startsWith("mmm")), 10_000, "the log line");
      expect(JSON.stringify(rut.logs.find((l) => typeof l.model === "string" && l.model.startsWith("mmm"))).length).toBeLessThan(2000);
    });
  });

  describe("with model management allowed", () => {
    let fleet: Fleet;
    let rut: RouterUnderTest;
    beforeAll(async () => {
      fleet = await startFleet(MODELS.map((model) => ({ model })));
      rut = await start({ albUrl: fleet.alb.url, models: MODELS, allowModelManagement: true });
    });
    afterAll(async () => {
      await rut?.close();
      await fleet?.close();
    });

    test("pull, delete (a DELETE with a body) and copy go to the named model's server", async () => {
      const pull = await postJson(rut.url, "/api/pull", { model: "mistral:7b" });
      expect(pull.status).toBe(200);
      expect(fleet.alb.received.at(-1)!.url).toBe("/api/pull?redirect_model=mistral%3A7b");
      const del = await call(rut.url, "/api/delete", { method: "DELETE", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "qwen2" }) });
      expect(del.status).toBe(200);
      expect(fleet.alb.received.at(-1)).toMatchObject({ method: "DELETE", url: "/api/delete?redirect_model=Qwen2", routedTo: "Qwen2" });
      await postJson(rut.url, "/api/copy", { source: "llama3", destination: "llama3-copy" });
      expect(fleet.alb.received.at(-1)!.url).toBe("/api/copy?redirect_model=llama3%3Alatest");
    });
  });

  describe("with API keys", () => {
    let fleet: Fleet;
    let rut: RouterUnderTest;
    beforeAll(async () => {
      fleet = await startFleet([{ model: "llama3:latest" }]);
      rut = await start({ albUrl: fleet.alb.url, models: ["llama3:latest"], keys: [{ name: "alice", sha256: sha256Hex(ALICE_KEY) }, { name: "bob", sha256: sha256Hex("sk-bob") }] });
    });
    afterAll(async () => {
      await rut?.close();
      await fleet?.close();
    });

    test("a missing or wrong key is 401 with WWW-Authenticate: Bearer, in each dialect; the server never sees it", async () => {
      const before = fleet.alb.received.length;
      const chat = { model: "llama3", messages: [] };
      const missing = await postJson(rut.url, "/api/chat", chat);
      expectOllamaError(missing, 401, /missing API key/);
      expect(missing.headers["www-authenticate"]).toBe("Bearer");
      const wrong = await postJson(rut.url, "/v1/chat/completions", chat, { authorization: "Bearer sk-wrong" });
      expectOpenAiError(wrong, 401, /invalid API key/, "invalid_api_key");
      expect(wrong.headers["www-authenticate"]).toBe("Bearer");
      expect((await call(rut.url, "/api/tags", { headers: { authorization: `Basic ${ALICE_KEY}` } })).status).toBe(401);
      expect((await call(rut.url, "/")).status).toBe(401);
      expect(fleet.alb.received.length).toBe(before);
    });

    test("the right key passes, its name (never the key) is logged, and the key does not reach the server", async () => {
      const n = rut.logs.filter((l) => l.path === "/api/generate").length;
      const r = await postJson(rut.url, "/api/generate", { model: "llama3", prompt: "x", stream: false }, { authorization: `Bearer ${ALICE_KEY}` });
      expect(r.status).toBe(200);
      const log = await logOf(rut, "/api/generate", n);
      expect(log.key).toBe("alice");
      expect(JSON.stringify(rut.logs)).not.toContain(ALICE_KEY);
      expect(fleet.alb.received.at(-1)!.headers.authorization).toBeUndefined();
      expect(JSON.stringify(fleet.fake("llama3:latest").requests.at(-1)!.rawHeaders)).not.toContain(ALICE_KEY);
      const bob = await call(rut.url, "/api/version", { headers: { authorization: "bearer sk-bob" } });
      expect(bob.status).toBe(200);
      expect((await logOf(rut, "/api/version")).key).toBe("bob");
    });
  });

  describe("with an empty key list (fail closed)", () => {
    let fleet: Fleet;
    let rut: RouterUnderTest;
    beforeAll(async () => {
      fleet = await startFleet([{ model: "llama3:latest" }]);
      rut = await start({ albUrl: fleet.alb.url, models: ["llama3:latest"], keys: [] });
    });
    afterAll(async () => {
      await rut?.close();
      await fleet?.close();
    });

    test("every request is refused, saying no keys are configured (and where they go only in the log)", async () => {
      for (const [path, auth] of [["/api/tags", undefined], ["/v1/models", "Bearer anything"], ["/", undefined]] as const) {
        const r = await call(rut.url, path, { headers: auth ? { authorization: auth } : {} });
        expect(r.status).toBe(401);
        expect(r.body).toMatch(/no API keys are configured on this router.*npm run keys/);
        // nothing internal: no parameter name, no file
        expect(r.body).not.toMatch(/\/llm\/|keys\.json|--parameter|--keys-file|\//);
      }
      expect(fleet.alb.received).toHaveLength(0);
      expect((await logOf(rut, "/api/tags")).error).toMatch(/npm run keys -- add NAME (--parameter \/llm\/router\/api-keys|--keys-file \S+keys\.json)/);
    });
  });

  describe("when the ALB cannot be reached or does not answer", () => {
    let fleet: Fleet;
    let down: RouterUnderTest;
    let slow: RouterUnderTest;
    beforeAll(async () => {
      fleet = await startFleet([{ model: "llama3:latest" }]);
      down = await start({ albUrl: `http://127.0.0.1:${await closedPort()}`, models: ["llama3:latest"] });
      slow = await start({ albUrl: fleet.alb.url, models: ["llama3:latest"], upstreamTimeoutSeconds: 0.5, idleTimeoutSeconds: 0.5 });
    });
    afterAll(async () => {
      await down?.close();
      await slow?.close();
      await fleet?.close();
    });

    test("connection refused is 502 in the caller's dialect, logged as an error", async () => {
      expectOllamaError(await postJson(down.url, "/api/chat", { model: "llama3", messages: [] }), 502, /could not be reached.*ECONNREFUSED/);
      expectOpenAiError(await postJson(down.url, "/v1/chat/completions", { model: "llama3", messages: [] }), 502, /ECONNREFUSED/, "upstream_unreachable");
      const log = await logOf(down, "/api/chat");
      expect(log).toMatchObject({ status: 502, Errors: 1 });
    });

    test("no response headers within the upstream timeout is 504 (also on a kept-alive connection, not retried)", async () => {
      // a first answer leaves a kept-alive connection for the next request to reuse
      expect((await postJson(slow.url, "/api/show", { model: "llama3" })).status).toBe(200);
      fleet.fake("llama3:latest").hang = true;
      try {
        const started = Date.now();
        expectOllamaError(await postJson(slow.url, "/api/chat", { model: "llama3", messages: [] }), 504, /did not start answering within 0.5 s/);
        expect(Date.now() - started).toBeGreaterThanOrEqual(450);
        expectOpenAiError(await postJson(slow.url, "/v1/chat/completions", { model: "llama3", messages: [] }), 504, /upstream timeout/, "upstream_timeout");
        expect((await logOf(slow, "/api/chat")).Errors).toBe(1);
      } finally {
        fleet.fake("llama3:latest").hang = false;
      }
    });
  });
}
