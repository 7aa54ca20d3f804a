// The router as a local Node HTTP server, in process, over real HTTP on loopback.
import { writeFileSync } from "fs";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { sha256Hex } from "../../src/router/auth";
import { startLocalRouter } from "../../src/router/local";
import { parseLocalArgs } from "../../src/router/local-args";
import { describeRouterBehaviour, logOf } from "./helpers/behaviour";
import { call, eventually, postJson } from "./helpers/http-client";
import { Fleet, startFleet, startLocal } from "./helpers/setup";
import * as http from "http";

describeRouterBehaviour(startLocal);

describe("local mode only", () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet([{ model: "llama3:latest", chunkDelayMs: 40, words: Array.from({ length: 50 }, (_, i) => `w${i} `) }]);
  });
  afterAll(async () => {
    await fleet?.close();
  });

  test("a client that hangs up mid-stream ends the request to the server", async () => {
    const rut = await startLocal({ albUrl: fleet.alb.url, models: ["llama3:latest"] });
    const fake = fleet.fake("llama3:latest");
    try {
      await new Promise<void>((resolve, reject) => {
        const req = http.request(new URL("/api/generate", rut.url), { method: "POST", agent: false, headers: { "content-type": "application/json" } });
        req.on("error", () => undefined);
        req.on("response", (res) => {
          res.once("data", () => {
            req.destroy();
            resolve();
          });
        });
        setTimeout(() => reject(new Error("no first chunk")), 10_000).unref();
        req.end(JSON.stringify({ model: "llama3", prompt: "long" }));
      });
      await eventually(() => fake.abandoned.includes("/api/generate?redirect_model=llama3%3Alatest"), 10_000, "the server to see its client go");
      expect(fake.completed).not.toContain("/api/generate?redirect_model=llama3%3Alatest");
      const log = await logOf(rut, "/api/generate");
      expect(log.error).toMatch(/client closed/);
      expect(log.Errors).toBe(0);
    } finally {
      await rut.close();
    }
  });

  test("a client that hangs up before the server answers ends the request to the server too", async () => {
    const rut = await startLocal({ albUrl: fleet.alb.url, models: ["llama3:latest"] });
    const fake = fleet.fake("llama3:latest");
    fake.hang = true;
    try {
      const before = fake.requests.length;
      const req = http.request(new URL("/api/chat", rut.url), { method: "POST", agent: false });
      req.on("error", () => undefined);
      req.end(JSON.stringify({ model: "llama3", messages: [] }));
      await eventually(() => fake.requests.length > before, 10_000, "the request to reach the server");
      let albConnections = -1;
      const countAlbConnections = () => fleet.alb.server.getConnections((_err, n) => (albConnections = n));
      req.destroy();
      const log = await logOf(rut, "/api/chat");
      expect(log.status).toBe(499);
      expect(log.error).toMatch(/before the server answered/);
      await eventually(() => (countAlbConnections(), albConnections === 0), 10_000, "the router's connection to the ALB to close");
    } finally {
      fake.hang = false;
      await rut.close();
    }
  });

  test("the keys file is re-read when it changes: a key added or removed counts from the next request", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "router-keys-"));
    const file = path.join(dir, "keys.json");
    writeFileSync(file, JSON.stringify([{ name: "alice", sha256: sha256Hex("sk-a") }]));
    const logs: string[] = [];
    const local = await startLocalRouter(parseLocalArgs(["--listen", "127.0.0.1:0", "--alb", fleet.alb.url, "--models", "llama3:latest", "--keys-file", file]), (l) => logs.push(l));
    try {
      const version = (key: string) => call(local.url, "/api/version", { headers: { authorization: `Bearer ${key}` } });
      expect((await version("sk-a")).status).toBe(200);
      expect((await version("sk-b")).status).toBe(401);
      writeFileSync(file, JSON.stringify([{ name: "bob", sha256: sha256Hex("sk-b") }]));
      expect((await version("sk-b")).status).toBe(200);
      expect((await version("sk-a")).status).toBe(401);
      writeFileSync(file, "not json");
      const broken = await version("sk-b");
      expect(broken.status).toBe(503);
      expect(JSON.parse(broken.body).error).toMatch(/keys file could not be read.*not valid JSON/);
    } finally {
      await local.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a kept-alive connection the ALB dropped while idle is retried once on a fresh connection", async () => {
    // GIVEN an "ALB" that resets a kept-alive connection when a second request arrives on it
    const perSocket = new Map<unknown, number>();
    let connections = 0;
    const alb = http.createServer((req, res) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      if (n > 1) return void req.socket.resetAndDestroy();
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"version":"0.13.0"}');
    });
    alb.on("connection", () => connections++);
    await new Promise<void>((r) => alb.listen(0, "127.0.0.1", r));
    const rut = await startLocal({ albUrl: `http://127.0.0.1:${(alb.address() as { port: number }).port}`, models: ["m"] });
    try {
      // WHEN two requests go through one after the other
      expect((await call(rut.url, "/api/version")).status).toBe(200);
      const second = await postJson(rut.url, "/api/generate", { model: "m", prompt: "x" });
      // THEN the second succeeds on a new connection
      expect(second.status).toBe(200);
      expect(connections).toBe(2);
    } finally {
      await rut.close();
      alb.closeAllConnections();
      await new Promise<void>((r) => alb.close(() => r()));
    }
  });

  test("X-Forwarded-For names the client after any proxies it came through", async () => {
    const rut = await startLocal({ albUrl: fleet.alb.url, models: ["llama3:latest"] });
    try {
      await postJson(rut.url, "/api/show", { model: "llama3" }, { "x-forwarded-for": "203.0.113.9" });
      expect(fleet.alb.received.at(-1)!.headers["x-forwarded-for"]).toBe("203.0.113.9, 127.0.0.1");
    } finally {
      await rut.close();
    }
  });
});
