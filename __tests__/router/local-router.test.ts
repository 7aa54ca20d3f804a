// The router as a local Node HTTP server, in process, over real HTTP on loopback.
import { writeFileSync } from "fs";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { sha256Hex } from "../../src/router/auth";
import { startLocalRouter } from "../../src/router/local";
import { parseLocalArgs } from "../../src/router/local-args";
import { describeRouterBehaviour, logOf } from "./helpers/behaviour";
import { describeRouterAnswers } from "./helpers/behaviour-answers";
import { describeRouterBounds } from "./helpers/behaviour-bounds";
import { call, eventually, postJson } from "./helpers/http-client";
import { Fleet, startFleet, startLocal } from "./helpers/setup";
import * as http from "http";
import * as net from "net";

describeRouterBehaviour(startLocal);
describeRouterAnswers(startLocal);
describeRouterBounds(startLocal);

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
      // the answer says nothing internal; the log line has the file and the parser's words
      expect(JSON.parse(broken.body).error).toBe("the router cannot check API keys right now; try again later");
      expect(JSON.parse(logs.at(-1)!).error).toMatch(/keys file could not be read.*keys\.json is not valid JSON/);
    } finally {
      await local.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    ["stalls", (socket: net.Socket) => socket.write('{"model":"llama3",')],
    ["trickles a byte every 50 ms", (socket: net.Socket) => {
      const timer = setInterval(() => socket.writable && socket.write(" "), 50);
      socket.on("close", () => clearInterval(timer));
    }],
  ])("a client that %s its body is answered 408 at the body timeout, the connection closed, nothing sent upstream", async (_, sendBody) => {
    const rut = await startLocal({ albUrl: fleet.alb.url, models: ["llama3:latest"], bodyTimeoutSeconds: 0.5 });
    try {
      const n = fleet.alb.received.length;
      const { port } = new URL(rut.url);
      const socket = net.connect(Number(port), "127.0.0.1");
      let answer = "";
      socket.on("data", (d) => (answer += d));
      socket.on("error", () => undefined); // the router may cut it while the trickle still writes
      const closed = new Promise((resolve) => socket.on("close", resolve));
      socket.write("POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
      sendBody(socket);
      await closed;
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toMatch(/did not arrive within 0.5 s/);
      expect(fleet.alb.received).toHaveLength(n);
      expect((await logOf(rut, "/api/generate")).status).toBe(408);
      expect(rut.logs.length).toBe(1);
    } finally {
      await rut.close();
    }
  });

  test("a refused call answers once its body is in; a body that never comes costs the connection at the body timeout", async () => {
    const rut = await startLocal({ albUrl: fleet.alb.url, models: ["llama3:latest"], bodyTimeoutSeconds: 0.5 });
    try {
      const { port } = new URL(rut.url);
      const socket = net.connect(Number(port), "127.0.0.1");
      let answer = "";
      socket.on("data", (d) => (answer += d));
      socket.on("error", () => undefined);
      const closed = new Promise((resolve) => socket.on("close", resolve));
      socket.write("POST /api/pull HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
      await closed;
      expect(answer).toBe("");
      expect((await logOf(rut, "/api/pull")).status).toBe(403);
    } finally {
      await rut.close();
    }
  });

  test("an ALB whose listener rules predate the routing header still routes by the router's redirect_model", async () => {
    const older = await startFleet([{ model: "llama3:latest" }, { model: "qwen2:latest" }], "query");
    const rut = await startLocal({ albUrl: older.alb.url, models: ["llama3:latest", "qwen2:latest"] });
    try {
      const r = await postJson(rut.url, "/api/generate?redirect_model=llama3:latest", { model: "qwen2", prompt: "x", stream: false });
      expect(r.headers["x-fake-server"]).toBe("qwen2:latest");
      expect(older.alb.received.at(-1)).toMatchObject({ url: "/api/generate?redirect_model=qwen2%3Alatest", routedTo: "qwen2:latest" });
    } finally {
      await rut.close();
      await older.close();
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
