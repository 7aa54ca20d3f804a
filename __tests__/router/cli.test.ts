// The commands as a person (or a harness) runs them: `npm run router -- ...` and `npm run keys -- ...`,
// as real processes. Every process started here is killed by its group in afterAll.
import { ChildProcess, spawn, spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { createInterface } from "readline";
import { sha256Hex } from "../../src/router/auth";
import { closedPort } from "./helpers/behaviour";
import { call, eventually } from "./helpers/http-client";
import { Fleet, startFleet } from "./helpers/setup";

const ROOT = path.resolve(__dirname, "..", "..");
const started: ChildProcess[] = [];

interface Running {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<number | null>;
}

function npmRun(script: string, args: string[], cwd = ROOT): Running {
  const child = spawn("npm", ["--prefix", ROOT, "run", script, "--", ...args], { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  started.push(child);
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (l) => stdout.push(l));
  createInterface({ input: child.stderr! }).on("line", (l) => stderr.push(l));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, stdout, stderr, exited };
}

afterAll(() => {
  for (const child of started) {
    try {
      process.kill(-child.pid!, "SIGKILL"); // the whole group: npm and the router under it
    } catch {
      // already gone
    }
  }
});

describe("npm run router", () => {
  let fleet: Fleet;
  let dir: string;
  beforeAll(async () => {
    fleet = await startFleet([{ model: "llama3:latest" }]);
    dir = mkdtempSync(path.join(tmpdir(), "router-cli-"));
  });
  afterAll(async () => {
    await fleet?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function listening(run: Running): Promise<string> {
    await eventually(() => run.stdout.some((l) => l.startsWith("listening on")) || run.child.exitCode !== null, 30_000, "the listening line");
    const line = run.stdout.find((l) => l.startsWith("listening on"));
    if (!line) throw new Error(`router exited: ${run.stderr.join("\n")}`);
    return line.slice("listening on ".length);
  }

  test.each(["SIGTERM", "SIGINT"] as const)("prints exactly `listening on http://HOST:PORT`, serves, warns once without keys, and exits 0 on %s", async (signal) => {
    const run = npmRun("router", ["--listen", "127.0.0.1:0", "--alb", fleet.alb.url, "--models", "llama3:latest,qwen2"]);
    const url = await listening(run);
    expect(run.stdout.filter((l) => l.startsWith("listening on"))).toEqual([expect.stringMatching(/^listening on http:\/\/127\.0\.0\.1:\d+$/)]);
    expect(run.stderr).toEqual([expect.stringMatching(/^router: warning: no --keys-file, so API keys are NOT checked/)]);
    expect((await call(url, "/")).body).toBe("Ollama is running");
    expect((await call(url, "/api/version")).status).toBe(200);
    await eventually(() => run.stdout.some((l) => l.includes('"path":"/api/version"')), 10_000, "the request's log line on stdout");
    run.child.kill(signal); // npm forwards it to the router, which closes and exits
    expect(await run.exited).toBe(0);
    await expect(call(url, "/")).rejects.toThrow(/ECONNREFUSED/);
  });

  test("the port given is the port used; --keys-file checks keys, a relative path read from where npm was started", async () => {
    // npm runs scripts from the package root; both commands resolve keys.json against INIT_CWD (here `dir`)
    const add = spawnSync("npm", ["--prefix", ROOT, "run", "--silent", "keys", "--", "add", "ci", "--keys-file", "keys.json"], { cwd: dir, encoding: "utf8" });
    expect(add.status).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, "keys.json"), "utf8"))[0].name).toBe("ci");
    const key = /^\s+(sk-\S+)$/m.exec(add.stdout)![1];
    const port = await closedPort();
    const run = npmRun("router", ["--listen", `127.0.0.1:${port}`, "--alb", fleet.alb.url, "--models", "llama3", "--keys-file", "keys.json"], dir);
    expect(await listening(run)).toBe(`http://127.0.0.1:${port}`);
    expect(run.stderr).toEqual([]);
    expect((await call(`http://127.0.0.1:${port}`, "/")).status).toBe(401);
    expect((await call(`http://127.0.0.1:${port}`, "/", { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  });

  test.each([
    [[], /^router: --listen is required, e\.g\. --listen 127\.0\.0\.1:8080$/],
    [["--listen", "localhost", "--alb", "http://a", "--models", "m"], /^router: --listen "localhost" is not HOST:PORT .*use e\.g\. --listen 127\.0\.0\.1:8080$/],
    [["--listen", "127.0.0.1:99999", "--alb", "http://a", "--models", "m"], /^router: --listen "127\.0\.0\.1:99999" is not HOST:PORT with a port from 0 to 65535/],
    [["--listen", "127.0.0.1:0", "--models", "m"], /^router: --alb is required, e\.g\. --alb http:\/\//],
    [["--listen", "127.0.0.1:0", "--alb", "alb.internal", "--models", "m"], /^router: --alb "alb\.internal" is not a URL; use e\.g\. --alb http:\/\//],
    [["--listen", "127.0.0.1:0", "--alb", "http://a/x", "--models", "m"], /^router: --alb "http:\/\/a\/x" must be the ALB's origin only/],
    [["--listen", "127.0.0.1:0", "--alb", "http://a", "--models", ","], /^router: --models "," names no model; use e\.g\. --models llama3:8b,qwen2:7b$/],
    [["--listen", "127.0.0.1:0", "--alb", "http://a", "--models", "llama3,LLAMA3:latest"], /^router: --models .* are the same model/],
    [["--listen", "127.0.0.1:0", "--alb", "http://a", "--models", "m", "--keys-file", "/nonexistent/keys.json"], /^router: --keys-file \/nonexistent\/keys\.json: ENOENT.*create or fix it with: npm run keys -- add NAME --keys-file/],
    [["--listen", "127.0.0.1:0", "--alb", "http://a", "--models", "m", "--upstream-timeout", "soon"], /^router: --upstream-timeout "soon" is not a number of seconds above 0/],
    [["--listen", "127.0.0.1:0", "--alb", "http://a", "--models", "m", "--verbose"], /^router: unknown option "--verbose"; usage: npm run router -- --listen HOST:PORT/],
    [["--listen", "127.0.0.1:0", "--alb", "http://a", "--models"], /^router: --models needs a value, e\.g\. --models llama3:8b,qwen2:7b$/],
    [["--listen", "127.0.0.1:0", "--alb", "http://a", "--models", "m", "--allow-model-management=yes"], /^router: --allow-model-management takes no value/],
  ])("bad flags %j: one line naming the flag and the fix, exit 2", (args, message) => {
    const r = spawnSync("npm", ["run", "router", "--", ...(args as string[])], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(2);
    const lines = r.stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message as RegExp);
    expect(r.stdout).not.toMatch(/listening on/);
  });
});

describe("npm run keys", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "router-keys-cli-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const keys = (...args: string[]) => spawnSync("npm", ["run", "--silent", "keys", "--", ...args], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });

  test("add prints the key once, its hash line and the put-parameter command; the file keeps only hashes and merges", () => {
    const file = path.join(dir, "k.json");
    const first = keys("add", "alice", "--keys-file", file);
    expect(first.status).toBe(0);
    const alice = /^\s+(sk-[A-Za-z0-9_-]{43})$/m.exec(first.stdout)![1];
    expect(first.stdout).toContain(`Hash line: {"name":"alice","sha256":"${sha256Hex(alice)}"}`);
    expect(first.stdout).toContain(
      `aws ssm put-parameter --name /llm/router/api-keys --type SecureString --overwrite --value '[{"name":"alice","sha256":"${sha256Hex(alice)}"}]'`,
    );

    const second = keys("add", "bob", "--keys-file", file, "--parameter", "/prod/router/keys");
    const bob = /^\s+(sk-\S+)$/m.exec(second.stdout)![1];
    expect(bob).not.toBe(alice);
    const stored = JSON.parse(readFileSync(file, "utf8"));
    expect(stored).toEqual([
      { name: "alice", sha256: sha256Hex(alice) },
      { name: "bob", sha256: sha256Hex(bob) },
    ]);
    expect(readFileSync(file, "utf8")).not.toContain(alice);
    const command = /aws ssm put-parameter .*$/m.exec(second.stdout)![0];
    expect(command).toMatch(/^aws ssm put-parameter --name \/prod\/router\/keys --type SecureString --overwrite --value '\[.*\]'$/);
    expect(JSON.parse(/--value '(.*)'$/.exec(command)![1])).toEqual(stored);

    const removed = keys("remove", "alice", "--keys-file", file);
    expect(removed.status).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).map((k: { name: string }) => k.name)).toEqual(["bob"]);
    expect(keys("list", "--keys-file", file).stdout).toBe(`bob  sha256:${sha256Hex(bob)}\n`);
  });

  test("bad input: one line with the fix, exit 2", () => {
    const file = path.join(dir, "k2.json");
    expect(keys("add", "a b", "--keys-file", file)).toMatchObject({ status: 2, stderr: expect.stringMatching(/NAME "a b" must be letters, digits/) });
    keys("add", "carol", "--keys-file", file);
    expect(keys("add", "carol", "--keys-file", file)).toMatchObject({ status: 2, stderr: expect.stringMatching(/already has a key named "carol"; remove it first/) });
    expect(keys("remove", "dave", "--keys-file", file)).toMatchObject({ status: 2, stderr: expect.stringMatching(/no key named "dave"/) });
    expect(keys("rotate", "x")).toMatchObject({ status: 2, stderr: expect.stringMatching(/usage: npm run keys -- add\|remove NAME/) });
  });
});
