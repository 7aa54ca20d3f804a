// `npm run bench:router`: what the router adds, measured against calling the upstream directly.
//   - added latency per request (p50, p99): small non-streamed requests, router vs direct, interleaved;
//   - added latency per streamed chunk (median, p99): each chunk carries its send time;
//   - peak memory (RSS) of the router process with 100 concurrent streams;
//   - start time of `npm run router` and of the runner alone, to the `listening on` line.
// The upstream is a stand-in in this process (one clock for send and receive times); the router is
// the real local mode in its own process, logging every request to a pipe this process drains. A
// minimal Node proxy (buffer the body, request, pipe the answer: no routing, keys or logs) runs the
// same measurements in its own process, as the floor any Node proxy meets on this machine: on a
// busy machine the tails of both are the scheduler's, and the difference is what the router's code adds.
//
//   npm run bench:router [-- --requests N] [--streams N]
import { ChildProcess, spawn } from "child_process";
import { readFileSync } from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import { loadavg } from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { createInterface } from "readline";

const ROOT = path.resolve(__dirname, "..", "..");
const TARGETS = { requestP50: 1, requestP99: 5, chunkMedian: 1, rssMiB: 150 };

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The upstream: a small JSON answer, or a stream of NDJSON chunks each stamped with its send time. */
function startUpstream(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || "{}") as { chunks?: number; intervalMs?: number; pad?: number };
      if (!body.chunks) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"model":"bench","response":"ok","done":true,"eval_count":1,"eval_duration":1000000}');
        return;
      }
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      const pad = "x".repeat(body.pad ?? 40);
      let gone = false;
      res.on("close", () => (gone = !res.writableFinished));
      for (let i = 0; i < body.chunks && !gone; i++) {
        await sleep(body.intervalMs ?? 5);
        res.write(`${JSON.stringify({ i, t: performance.now(), response: pad, done: false })}\n`);
      }
      res.end(`${JSON.stringify({ done: true, eval_count: body.chunks, eval_duration: 1e9 })}\n`);
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

interface ProxyProcess {
  readonly child: ChildProcess;
  readonly url: string;
}

/** The smallest proxy Node can be: the reference for what the machine adds to any proxy. */
const MINIMAL_PROXY = `
const http = require("http");
const up = new URL(process.argv[1]);
const agent = new http.Agent({ keepAlive: true });
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const headers = { ...req.headers, host: up.host, "content-length": body.length };
    const u = http.request({ agent, hostname: up.hostname, port: up.port, method: req.method, path: req.url, headers }, (ur) => {
      res.writeHead(ur.statusCode, ur.headers);
      ur.pipe(res);
    });
    u.end(body);
  });
});
server.listen(0, "127.0.0.1", () => console.log("listening on http://127.0.0.1:" + server.address().port));
process.on("SIGTERM", () => process.exit(0));
`;

async function startProcess(args: string[]): Promise<ProxyProcess> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith("listening on ")) resolve(line.slice("listening on ".length));
    });
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}`)));
  });
  return { child, url };
}

const startRouter = (albUrl: string) =>
  startProcess([path.join(ROOT, "scripts", "run-router.js"), "src/router/local.ts", "--listen", "127.0.0.1:0", "--alb", albUrl, "--models", "bench"]);
const startMinimalProxy = (albUrl: string) => startProcess(["-e", MINIMAL_PROXY, albUrl]);

/** CPU time a process has used, in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, at USER_HZ 100
}

/** Peak and current resident memory of a process, in MiB (Linux /proc). */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(base: string, path: string, data: unknown, onData?: (chunk: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(data);
    const started = performance.now();
    const req = http.request(new URL(path, base), { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } });
    req.on("error", reject);
    req.on("response", (res) => {
      res.setEncoding("utf8");
      res.on("data", (c: string) => onData?.(c));
      res.on("end", () => resolve(performance.now() - started));
    });
    req.end(body);
  });
}

/** Sequential requests, one to each base in turn (so all see the same moments of the machine). */
async function requestLatency(bases: readonly string[], n: number): Promise<number[][]> {
  const body = { model: "bench", prompt: "hi", stream: false };
  for (let i = 0; i < 200; i++) for (const base of bases) await post(base, "/api/generate", body);
  const times = bases.map(() => [] as number[]);
  for (let i = 0; i < n; i++) for (let b = 0; b < bases.length; b++) times[b].push(await post(bases[b], "/api/generate", body));
  return times;
}

/** Delay of each chunk from its send time to its arrival, for one stream. */
async function chunkDelays(base: string, chunks: number, intervalMs: number): Promise<number[]> {
  const delays: number[] = [];
  let buffered = "";
  await post(base, "/api/chat", { model: "bench", chunks, intervalMs }, (text) => {
    const now = performance.now();
    buffered += text;
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const t = (JSON.parse(line) as { t?: number }).t;
      if (t !== undefined) delays.push(now - t);
    }
  });
  return delays;
}

async function startTime(command: string, args: string[], runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] });
    await new Promise<void>((resolve) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (line.startsWith("listening on ")) {
          times.push(performance.now() - t0);
          child.kill("SIGTERM");
        }
      });
      child.once("exit", () => resolve());
    });
  }
  return times;
}

function option(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  const value = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number`);
  return value;
}

export async function main(argv: readonly string[]): Promise<void> {
  const requests = option(argv, "--requests", 3000);
  const streams = option(argv, "--streams", 10);
  const upstream = await startUpstream();
  const direct = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const router = await startRouter(direct);
  const minimal = await startMinimalProxy(direct);
  const f = (n: number) => n.toFixed(3);
  const results: string[] = [];
  const verdict = (ok: boolean) => (ok ? "meets target" : "MISSES target");
  const row = (what: string, d: number[], m: number[], r: number[], p: number, target?: number) => {
    const added = percentile(r, p) - percentile(d, p);
    const overMinimal = percentile(r, p) - percentile(m, p);
    const judged = target === undefined ? " | " : `< ${target} | ${verdict(added < target)}`;
    return `| ${what} | ${f(percentile(d, p))} | ${f(percentile(m, p))} | ${f(percentile(r, p))} | ${f(added)} | ${f(overMinimal)} | ${judged} |`;
  };
  try {
    process.stderr.write(`load before: ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);

    process.stderr.write(`request latency: ${requests} requests each way...\n`);
    const cpuBefore = [cpuMs(router.child.pid!), cpuMs(minimal.child.pid!)];
    const [d, m, r] = await requestLatency([direct, minimal.url, router.url], requests);
    const cpu = [cpuMs(router.child.pid!) - cpuBefore[0], cpuMs(minimal.child.pid!) - cpuBefore[1]].map((ms) => ms / (requests + 200));
    results.push(
      row("request, p50", d, m, r, 50, TARGETS.requestP50),
      row("request, p99", d, m, r, 99, TARGETS.requestP99),
      `| CPU per request (user + system) | | ${f(cpu[1])} | ${f(cpu[0])} | | ${f(cpu[0] - cpu[1])} | | |`,
    );

    process.stderr.write(`chunk latency: ${streams} streams of 100 chunks each way...\n`);
    const chunks = [[], [], []] as number[][];
    for (let s = 0; s < streams; s++) {
      for (const [i, base] of [direct, minimal.url, router.url].entries()) chunks[i].push(...(await chunkDelays(base, 100, 5)));
    }
    results.push(row("chunk, median", chunks[0], chunks[1], chunks[2], 50, TARGETS.chunkMedian), row("chunk, p99", chunks[0], chunks[1], chunks[2], 99));

    process.stderr.write("memory: 100 concurrent streams of 200 chunks (20 ms apart)...\n");
    const before = memory(router.child.pid!);
    let sampledMax = before.rss;
    const sampler = setInterval(() => (sampledMax = Math.max(sampledMax, memory(router.child.pid!).rss)), 50);
    let completed = 0;
    await Promise.all(
      Array.from({ length: 100 }, () =>
        post(router.url, "/api/chat", { model: "bench", chunks: 200, intervalMs: 20, pad: 200 }).then(() => completed++),
      ),
    );
    clearInterval(sampler);
    const peak = Math.max(memory(router.child.pid!).peak, sampledMax);
    results.push(
      `| router RSS before the streams (MiB) | | | ${before.rss.toFixed(1)} | | | | |`,
      `| router RSS peak, 100 concurrent streams (MiB) | | | ${peak.toFixed(1)} | | | < ${TARGETS.rssMiB} | ${verdict(peak < TARGETS.rssMiB)} (${completed}/100 streams completed) |`,
    );
  } finally {
    router.child.kill("SIGTERM");
    minimal.child.kill("SIGTERM");
    agent.destroy();
    upstream.closeAllConnections();
    upstream.close();
  }

  process.stderr.write("start time: 5 starts each...\n");
  const args = ["--listen", "127.0.0.1:0", "--alb", "http://127.0.0.1:9", "--models", "bench"];
  const runner = await startTime(process.execPath, ["scripts/run-router.js", "src/router/local.ts", ...args], 5);
  const npm = await startTime("npm", ["run", "router", "--", ...args], 5);
  results.push(
    `| start to \`listening on\`, node scripts/run-router.js (ms, median of 5) | | | ${percentile(runner, 50).toFixed(0)} | | | | |`,
    `| start to \`listening on\`, npm run router (ms, median of 5) | | | ${percentile(npm, 50).toFixed(0)} | | | | |`,
  );

  process.stdout.write(
    [
      `Router benchmark, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} (after)`,
      "",
      "| measure (ms unless noted) | direct | minimal proxy | router | added by the router | router over minimal proxy | target | |",
      "|---|---|---|---|---|---|---|---|",
      ...results,
      "",
    ].join("\n"),
  );
}
