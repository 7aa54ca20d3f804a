// What the router answers itself for calls it does not forward, in each caller's dialect: a target
// that is not canonical (400), a path it does not know (404), a method a known path does not take
// (405 with Allow). Run against each way of running the router.
import { ENDPOINTS } from "../../../src/router/endpoints";
import { call, postJson } from "./http-client";
import { rawRequest } from "./raw-http";
import { Fleet, RouterUnderTest, startFleet, StartRouter } from "./setup";

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

const json = (r: Answer) => JSON.parse(r.body);

function expectDialect(r: Answer, status: number, dialect: "ollama" | "openai" | "anthropic", pattern: RegExp): void {
  expect(r.status).toBe(status);
  expect(r.headers["content-type"]).toMatch(/application\/json/);
  const body = json(r);
  if (dialect === "ollama") {
    expect(Object.keys(body)).toEqual(["error"]);
    expect(body.error).toMatch(pattern);
  } else if (dialect === "openai") {
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(body.error.message).toMatch(pattern);
  } else {
    // Ollama's Anthropic layer: {"type": "error", "error": {"type", "message"}}
    expect(body.type).toBe("error");
    expect(Object.keys(body.error).sort()).toEqual(["message", "type"]);
    expect(body.error.message).toMatch(pattern);
  }
}

export function describeRouterAnswers(start: StartRouter): void {
  describe("calls the router answers itself", () => {
    let fleet: Fleet;
    let rut: RouterUnderTest;
    beforeAll(async () => {
      fleet = await startFleet([{ model: "llama3:latest" }, { model: "qwen2:latest" }]);
      rut = await start({ albUrl: fleet.alb.url, models: ["llama3:latest", "qwen2:latest"] });
    });
    afterAll(async () => {
      await rut?.close();
      await fleet?.close();
    });

    test("a target that is not canonical is 400 in the caller's dialect, and nothing goes upstream", async () => {
      const n = fleet.alb.received.length;
      const body = JSON.stringify({ model: "llama3" });
      const send = (method: string, target: string) => rawRequest(rut.url, method, target, { "content-type": "application/json" }, method === "POST" ? body : undefined);
      expectDialect(await send("GET", "/api/%74ags"), 400, "ollama", /not canonical: its path holds percent-escapes/);
      expectDialect(await send("POST", "/api//chat"), 400, "ollama", /empty segment/);
      expectDialect(await send("GET", "/v1/./models"), 400, "openai", /dot segment/);
      expectDialect(await send("POST", "/v1/messages/"), 400, "anthropic", /ends with \//);
      // the function URL's front hands the function only the path of an absolute-form target
      if (rut.mode === "local") expectDialect(await send("POST", "http://127.0.0.1/api/chat"), 400, "ollama", /absolute form/);
      expectDialect(await send("POST", "/api\\chat"), 400, "ollama", /backslash/);
      expect(json(await send("GET", "/v1/%6dodels")).error).toMatchObject({ type: "invalid_request_error", code: "invalid_request_target" });
      expect(json(await send("POST", "/v1/messages;x")).error.type).toBe("invalid_request_error");
      expect(fleet.alb.received).toHaveLength(n);
    });

    test("an unknown path is 404 and a known path with another method 405 with Allow, in each dialect", async () => {
      const n = fleet.alb.received.length;
      expectDialect(await call(rut.url, "/api/status"), 404, "ollama", /no such endpoint: \/api\/status/);
      expectDialect(await postJson(rut.url, "/v1/audio/transcriptions", {}), 404, "openai", /no such endpoint/);
      const anthropic = await postJson(rut.url, "/v1/messages/count_tokens", { model: "llama3" });
      expectDialect(anthropic, 404, "anthropic", /no such endpoint/);
      expect(json(anthropic).error.type).toBe("not_found_error");

      const get = await call(rut.url, "/api/chat");
      expectDialect(get, 405, "ollama", /GET is not allowed on \/api\/chat; use POST/);
      expect(get.headers.allow).toBe("POST");
      const del = await call(rut.url, "/v1/models", { method: "DELETE" });
      expectDialect(del, 405, "openai", /DELETE is not allowed/);
      expect(del.headers.allow).toBe("GET");
      const head = await call(rut.url, "/api/version", { method: "PUT" });
      expect(head.headers.allow).toBe("GET, HEAD");
      expect(fleet.alb.received).toHaveLength(n);
    });

    test("the Anthropic route's errors are Anthropic's shape: an unknown model is not_found_error", async () => {
      const r = await postJson(rut.url, "/v1/messages", { model: "claude-3", max_tokens: 10, messages: [] });
      expectDialect(r, 404, "anthropic", /"claude-3" is not served here/);
      expect(json(r).error.type).toBe("not_found_error");
    });

    test("every endpoint of the allowlist but model management reaches the ALB with its method", async () => {
      for (const endpoint of ENDPOINTS.filter((e) => e.kind !== "management" && e.kind !== "index")) {
        const n = fleet.alb.received.length;
        const path = endpoint.path.replace("{model}", "llama3:latest");
        const r = await call(rut.url, path, {
          method: endpoint.method,
          headers: { "content-type": "application/json" },
          body: endpoint.method === "POST" ? JSON.stringify({ model: "llama3", stream: false, messages: [], prompt: "x", input: "x" }) : undefined,
        });
        expect([endpoint.method, path, r.status < 500]).toEqual([endpoint.method, path, true]);
        const seen = fleet.alb.received.slice(n);
        expect(seen.length).toBeGreaterThan(0);
        for (const s of seen) {
          expect(s.method).toBe(endpoint.method);
          expect(s.url.split("?")[0]).toBe(path);
        }
      }
    });
  });
}
