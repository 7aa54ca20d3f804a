// The router in time: a server that stalls after its headers or between chunks is cut at the idle
// timeout; a generation asked for whole waits the upstream timeout for its headers, a streamed one
// the idle timeout; a merged list answers without its slow server; a request that changes something
// is never sent twice. Run against each way of running the router.
import * as http from "http";
import { logOf } from "./behaviour";
import { call, eventually, postJson } from "./http-client";
import { Fleet, RouterUnderTest, startFleet, StartRouter } from "./setup";

const MODELS = ["llama3:latest", "qwen2:latest", "mistral:7b"];

export function describeRouterBounds(start: StartRouter): void {
  describe("bounded in time", () => {
    let fleet: Fleet;
    let rut: RouterUnderTest;
    beforeAll(async () => {
      fleet = await startFleet(MODELS.map((model) => ({ model, chunkDelayMs: 5 })));
      rut = await start({ albUrl: fleet.alb.url, models: MODELS, idleTimeoutSeconds: 0.4, upstreamTimeoutSeconds: 1.2, listTimeoutSeconds: 0.3 });
    });
    afterAll(async () => {
      await rut?.close();
      await fleet?.close();
    });

    const lastLog = async (path: string) => {
      const n = rut.logs.filter((l) => l.path === path).length;
      return () => logOf(rut, path, n);
    };

    test("a server that sends its headers, then nothing: the stream is cut at the idle timeout and logged as an error", async () => {
      const fake = fleet.fake("qwen2:latest");
      fake.stallAfterHeaders = true;
      try {
        const log = await lastLog("/api/chat");
        const r = await postJson(rut.url, "/api/chat", { model: "qwen2", messages: [] });
        expect(r.status).toBe(200);
        expect(r.complete).toBe(false);
        expect(await log()).toMatchObject({ status: 200, Errors: 1, error: expect.stringMatching(/sent nothing for 0.4 s \(idle timeout\) after 0 bytes/) });
        await eventually(() => fake.abandoned.length === 1, 10_000, "the server to see the router go");
      } finally {
        fake.stallAfterHeaders = false;
      }
    });

    test("a server that stalls between chunks: the client keeps what came, the stream is cut, the log says so", async () => {
      const fake = fleet.fake("mistral:7b");
      fake.stallAfterChunks = 2;
      try {
        const log = await lastLog("/api/generate");
        const r = await postJson(rut.url, "/api/generate", { model: "mistral:7b", prompt: "x" });
        expect(r.complete).toBe(false);
        expect(r.body.trim().split("\n")).toHaveLength(2);
        expect((await log()).error).toMatch(/sent nothing for 0.4 s \(idle timeout\) after \d+ bytes/);
      } finally {
        fake.stallAfterChunks = undefined;
      }
    });

    test("no headers: a whole generation waits the upstream timeout, a streamed one and a read the idle timeout", async () => {
      const fake = fleet.fake("llama3:latest");
      fake.hang = true;
      try {
        const whole = await postJson(rut.url, "/api/chat", { model: "llama3", messages: [], stream: false });
        expect(whole.status).toBe(504);
        expect(JSON.parse(whole.body).error).toMatch(/did not start answering within 1.2 s/);
        const streamed = await postJson(rut.url, "/v1/chat/completions", { model: "llama3", messages: [], stream: true });
        expect(JSON.parse(streamed.body).error.message).toMatch(/did not start answering within 0.4 s/);
        const show = await postJson(rut.url, "/api/show", { model: "llama3" });
        expect(JSON.parse(show.body).error).toMatch(/within 0.4 s/);
        // Go reads "Stream": false too
        const spelled = await call(rut.url, "/api/generate", { method: "POST", body: '{"model":"llama3","Stream":false}' });
        expect(JSON.parse(spelled.body).error).toMatch(/within 1.2 s/);
      } finally {
        fake.hang = false;
      }
    });

    test("a merged list answers with the servers that answered within the list timeout, and logs the slow one", async () => {
      const slow = fleet.fake("mistral:7b");
      slow.listDelayMs = 5_000;
      try {
        const log = await lastLog("/api/tags");
        const tags = await call(rut.url, "/api/tags");
        expect(tags.status).toBe(200);
        expect(JSON.parse(tags.body).models.map((m: { name: string }) => m.name).sort()).toEqual(["llama3:latest", "qwen2:latest"]);
        expect(await log()).toMatchObject({ failedModels: ["mistral:7b"], error: expect.stringMatching(/mistral:7b \(no answer within 0.3 s\)/) });
      } finally {
        slow.listDelayMs = 0;
      }
    });
  });

  describe("a reset connection", () => {
    test("a POST is sent once: a reset after it reached the ALB is 502, never a second request; a GET is sent again", async () => {
      // GIVEN an "ALB" that resets a kept-alive connection when a second request arrives on it
      const perSocket = new Map<unknown, number>();
      const arrived: string[] = [];
      let connections = 0;
      const alb = http.createServer((req, res) => {
        arrived.push(`${req.method} ${req.url}`);
        const n = (perSocket.get(req.socket) ?? 0) + 1;
        perSocket.set(req.socket, n);
        if (n > 1) return void req.socket.resetAndDestroy();
        req.resume();
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"version":"0.13.0"}');
      });
      alb.on("connection", () => connections++);
      await new Promise<void>((r) => alb.listen(0, "127.0.0.1", r));
      const rut = await start({ albUrl: `http://127.0.0.1:${(alb.address() as { port: number }).port}`, models: ["m"] });
      try {
        // WHEN a GET leaves a kept-alive connection and a POST meets its reset
        expect((await call(rut.url, "/api/version")).status).toBe(200);
        const post = await postJson(rut.url, "/api/generate", { model: "m", prompt: "x" });
        // THEN the POST is not sent again
        expect(post.status).toBe(502);
        expect(arrived.filter((a) => a.startsWith("POST"))).toEqual(["POST /api/generate?redirect_model=m"]);
        // AND a GET meeting the same reset is sent again, on a new connection
        expect((await call(rut.url, "/api/version")).status).toBe(200);
        expect((await call(rut.url, "/api/version")).status).toBe(200);
        expect(arrived.filter((a) => a === "GET /api/version").length).toBe(4);
        expect(connections).toBe(3);
      } finally {
        await rut.close();
        alb.closeAllConnections();
        await new Promise<void>((r) => alb.close(() => r()));
      }
    });
  });
}
