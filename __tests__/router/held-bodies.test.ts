// The router in memory: 100 clients each sending a 6 MB body at once, to a load balancer that takes
// none of them yet. The router (local mode, in its own process, its peak RSS read from /proc) holds
// at most its body buffer, turns the rest away with 503 and Retry-After, and takes bodies again
// once the held ones are gone.
import { ChildProcess, spawn } from "child_process";
import { readFileSync } from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { createInterface } from "readline";
import { DEFAULTS } from "../../src/router/config";
import { eventually } from "./helpers/http-client";

const ROOT = path.resolve(__dirname, "..", "..");
const CLIENTS = 100;
const BODY_BYTES = 6 * 1024 * 1024 - 1024;

/** The peak resident memory of a process, in MiB (Linux /proc). */
function peakMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]) / 1024;
}

function post(base: string, body: Buffer): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL("/api/generate", base), {
      method: "POST",
      agent: false,
      headers: { "content-type": "application/json", "content-length": body.length },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] as string | undefined }));
    });
    req.end(body);
  });
}

describe("request bodies held at once", () => {
  let router: ChildProcess | undefined;
  let alb: http.Server;
  const waiting: (() => void)[] = [];
  let arrived = 0;

  beforeAll(async () => {
    // an ALB that reads nothing of a request until told to
    alb = http.createServer((req, res) => {
      arrived++;
      req.pause();
      waiting.push(() => {
        req.resume();
        req.on("end", () => res.end('{"response":"ok","done":true}'));
      });
    });
    await new Promise<void>((resolve) => alb.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    router?.kill("SIGKILL");
    alb.closeAllConnections();
    await new Promise<void>((resolve) => alb.close(() => resolve()));
  });

  test(`${CLIENTS} clients with 6 MB bodies: the router stays under 150 MB, holds at most its buffer, and answers the rest 503 with Retry-After`, async () => {
    // GIVEN the router in its own process, with the default body buffer
    const albUrl = `http://127.0.0.1:${(alb.address() as AddressInfo).port}`;
    router = spawn(process.execPath, [path.join(ROOT, "scripts", "run-router.js"), "src/router/local.ts", "--listen", "127.0.0.1:0", "--alb", albUrl, "--models", "m"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "ignore"],
    });
    const lines: string[] = [];
    createInterface({ input: router.stdout! }).on("line", (l) => lines.push(l));
    await eventually(() => lines.some((l) => l.startsWith("listening on ")), 30_000, "the router to listen");
    const url = lines.find((l) => l.startsWith("listening on "))!.slice("listening on ".length);

    // WHEN 100 clients send a 6 MB body each, at once
    const body = Buffer.alloc(BODY_BYTES, " ");
    body.write('{"model":"m","prompt":"', 0);
    body.write('"}', BODY_BYTES - 2);
    const answers = Promise.all(Array.from({ length: CLIENTS }, () => post(url, body)));
    const held = Math.floor((DEFAULTS.bodyBufferMb * 1024 * 1024) / BODY_BYTES);
    const turnedAway = () => lines.filter((l) => l.includes('"status":503')).length;
    await eventually(() => turnedAway() + arrived === CLIENTS, 120_000, "every body to be turned away or forwarded");
    const peak = peakMiB(router.pid!);

    // THEN it held only what its buffer allows: those reached the ALB, the others were turned away
    expect(arrived).toBe(held);
    expect(turnedAway()).toBe(CLIENTS - held);
    expect(peak).toBeLessThan(150);
    // AND once the ALB takes the held bodies, they are answered, and a new body is taken again
    waiting.splice(0).forEach((go) => go());
    const all = await answers;
    expect(all.filter((a) => a.status === 200)).toHaveLength(held);
    const busy = all.filter((a) => a.status === 503);
    expect(busy).toHaveLength(CLIENTS - held);
    expect(new Set(busy.map((a) => a.retryAfter))).toEqual(new Set(["2"]));
    const again = post(url, body);
    await eventually(() => waiting.length === 1, 30_000, "the next body to reach the ALB");
    waiting.splice(0).forEach((go) => go());
    expect((await again).status).toBe(200);
  });
});
