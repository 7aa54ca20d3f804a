// The commands as a person (or a harness) runs them: `npm run router -- ...` and `npm run keys -- ...`,
// as real processes. Every process started here is killed by its group in afterAll.
import { ChildProcess, spawn, spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { createInterface } from "readline";
import { sha256Hex } from "../../src/router/auth";
import { closedPort } from "./helpers/behaviour";
import { call, eventually } from "./helpers/http-client";
import { FakeSsm } from "./helpers/fake-ssm";
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

test.each([
  ["router", /^usage: npm run router -- --listen HOST:PORT[\s\S]*--idle-timeout SECONDS[\s\S]*--body-buffer-mb MB/],
  ["keys", /^usage: npm run keys -- add NAME \| revoke NAME \| list[\s\S]*--parameter NAME[\s\S]*--region REGION[\s\S]*--current FILE\|-/],
])("npm run %s -- --help prints its usage on stdout and exits 0", (script, usage) => {
  for (const flag of ["--help", "-h"]) {
    const r = spawnSync("npm", ["run", "--silent", script, "--", flag], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(usage as RegExp);
    expect(r.stderr).toBe("");
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
    [["--listen", "127.0.0.1:0", "--alb", "http://a", "--models", "m", "--idle-timeout", "0"], /^router: --idle-timeout "0" is not a number of seconds above 0; use e\.g\. --idle-timeout 300$/],
    [["--listen", "127.0.0.1:0", "--alb", "http://a", "--models", "m", "--body-buffer-mb", "5"], /^router: --body-buffer-mb 5 holds less than one request body \(6 MB\)/],
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

  const keys = (args: string[]) => spawnSync("npm", ["run", "--silent", "keys", "--", ...args], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
  /** Not spawnSync: the fake SSM answers from this process, which must keep running meanwhile. */
  const keysWith = (args: string[], env: NodeJS.ProcessEnv, input?: string) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn("npm", ["run", "--silent", "keys", "--", ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
      started.push(child);
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (d) => (stdout += d));
      child.stderr!.on("data", (d) => (stderr += d));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
      child.stdin!.end(input ?? "");
    });
  const keyIn = (stdout: string) => /^\s+(sk-[A-Za-z0-9_-]{43})$/m.exec(stdout)![1];

  describe("with a local file (--keys-file)", () => {
    test("add prints the key once and its hash line; the file keeps only hashes, readable by its owner alone, and merges", () => {
      const file = path.join(dir, "k.json");
      const first = keys(["add", "alice", "--keys-file", file]);
      expect(first.status).toBe(0);
      const alice = keyIn(first.stdout);
      expect(first.stdout).toContain(`Hash line: {"name":"alice","sha256":"${sha256Hex(alice)}"}`);
      expect(first.stdout).toMatch(/a local router started with --keys-file \S+k\.json uses it from its next request/);
      // the file is no deployment's list: no command that would overwrite one with it
      expect(first.stdout).not.toMatch(/put-parameter/);
      expect(statSync(file).mode & 0o777).toBe(0o600);

      const bob = keyIn(keys(["add", "bob", "--keys-file", file]).stdout);
      expect(bob).not.toBe(alice);
      expect(JSON.parse(readFileSync(file, "utf8"))).toEqual([
        { name: "alice", sha256: sha256Hex(alice) },
        { name: "bob", sha256: sha256Hex(bob) },
      ]);
      expect(readFileSync(file, "utf8")).not.toContain(alice);

      const revoked = keys(["revoke", "alice", "--keys-file", file]);
      expect(revoked.status).toBe(0);
      expect(revoked.stdout).toMatch(/^Revoked "alice" \(1 key left\)/);
      expect(keys(["list", "--keys-file", file]).stdout).toBe(`bob  sha256:${sha256Hex(bob)}\n`);
      // `remove` is the older name of revoke
      expect(keys(["remove", "bob", "--keys-file", file]).status).toBe(0);
      expect(keys(["list", "--keys-file", file]).stdout).toMatch(/: no keys$/m);
    });

    test("the default file, router-keys.json, is kept out of git", () => {
      const ignored = spawnSync("git", ["check-ignore", "--no-index", "router-keys.json"], { cwd: ROOT, encoding: "utf8" });
      expect(ignored.stdout.trim()).toBe("router-keys.json");
    });

    test("bad input: one line with the fix, exit 2", () => {
      const file = path.join(dir, "k2.json");
      expect(keys(["add", "a b", "--keys-file", file])).toMatchObject({ status: 2, stderr: expect.stringMatching(/NAME "a b" must be letters, digits/) });
      keys(["add", "carol", "--keys-file", file]);
      expect(keys(["add", "carol", "--keys-file", file])).toMatchObject({ status: 2, stderr: expect.stringMatching(/already has a key named "carol"; revoke it first/) });
      expect(keys(["revoke", "dave", "--keys-file", file])).toMatchObject({ status: 2, stderr: expect.stringMatching(/no key named "dave"/) });
      expect(keys(["rotate", "x"])).toMatchObject({ status: 2, stderr: expect.stringMatching(/usage: npm run keys -- add NAME \| revoke NAME \| list/) });
      expect(keys(["list", "--keys-file", file, "--parameter", "/p"])).toMatchObject({ status: 2, stderr: expect.stringMatching(/--keys-file .* or --parameter .*, not both/) });
      expect(keys(["list", "--region", "us-east-1"])).toMatchObject({ status: 2, stderr: expect.stringMatching(/--region and --current go with --parameter/) });
      expect(keys(["list", "--parameter", "/p", "--region", "mars"])).toMatchObject({ status: 2, stderr: expect.stringMatching(/--region "mars" is not an AWS region/) });
    });
  });

  describe("with a deployment's SSM parameter (--parameter), against a fake SSM", () => {
    const PARAMETER = "/llm/router/api-keys";
    let ssm: FakeSsm;
    let env: NodeJS.ProcessEnv;
    beforeAll(async () => {
      ssm = await FakeSsm.start();
      env = { AWS_ENDPOINT_URL_SSM: ssm.url, AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret", AWS_SESSION_TOKEN: "token", AWS_REGION: "" };
    });
    afterAll(async () => {
      await ssm?.close();
    });
    const stored = () => JSON.parse(ssm.parameters.get(PARAMETER)!) as { name: string; sha256: string }[];

    test("add reads the list first and merges: a key added from another checkout stays; revoke and list work on the same list", async () => {
      // GIVEN the module's parameter, holding a key another checkout added
      const other = { name: "carol", sha256: sha256Hex("sk-carol") };
      ssm.parameters.set(PARAMETER, JSON.stringify([other]));
      // WHEN dave is added from here
      const add = await keysWith(["add", "dave", "--parameter", PARAMETER, "--region", "us-east-1"], env);
      // THEN both are in it, and the call was a signed PutParameter of a SecureString
      expect(add.status).toBe(0);
      const dave = keyIn(add.stdout);
      expect(stored()).toEqual([other, { name: "dave", sha256: sha256Hex(dave) }]);
      expect(add.stdout).toMatch(/Stored the list \(2 keys\) in \/llm\/router\/api-keys \(us-east-1\); the router reads it within a minute/);
      const put = ssm.requests.at(-1)!;
      expect(put.headers["x-amz-target"]).toBe("AmazonSSM.PutParameter");
      expect(put.headers.authorization).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/ssm\/aws4_request/);
      expect(put.headers["x-amz-security-token"]).toBe("token");
      expect(JSON.parse(put.body)).toMatchObject({ Name: PARAMETER, Type: "SecureString", Overwrite: true });
      expect(ssm.requests.at(-2)!.headers["x-amz-target"]).toBe("AmazonSSM.GetParameter");

      // WHEN another checkout adds erin meanwhile, and this one adds frank, with the region from the environment
      ssm.parameters.set(PARAMETER, JSON.stringify([...stored(), { name: "erin", sha256: sha256Hex("sk-erin") }]));
      expect((await keysWith(["add", "frank", "--parameter", PARAMETER], { ...env, AWS_REGION: "us-east-1" })).status).toBe(0);
      // THEN nobody's key is lost
      expect(stored().map((k) => k.name)).toEqual(["carol", "dave", "erin", "frank"]);

      const revoke = await keysWith(["revoke", "carol", "--parameter", PARAMETER, "--region", "us-east-1"], env);
      expect(revoke.stdout).toMatch(/^Revoked "carol" \(3 keys left\)/);
      const list = await keysWith(["list", "--parameter", PARAMETER, "--region", "us-east-1"], env);
      expect(list.stdout.trim().split("\n").map((l) => l.split("  ")[0])).toEqual(["dave", "erin", "frank"]);
      expect(list.stdout).not.toMatch(/sk-/);
    });

    test("--current takes the list as input and prints the command that stores the merged list; no AWS call, no credentials", async () => {
      const before = ssm.requests.length;
      const current = JSON.stringify([{ name: "carol", sha256: sha256Hex("sk-carol") }]);
      const add = await keysWith(["add", "gina", "--parameter", "/prod/router/keys", "--region", "eu-west-1", "--current", "-"], { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" }, current);
      expect(add.status).toBe(0);
      const gina = keyIn(add.stdout);
      const command = /aws ssm put-parameter .*$/m.exec(add.stdout)![0];
      expect(command).toMatch(/^aws ssm put-parameter --name \/prod\/router\/keys --type SecureString --overwrite --value '\[.*\]' --region eu-west-1$/);
      expect(JSON.parse(/--value '(.*)'/.exec(command)![1])).toEqual([...JSON.parse(current), { name: "gina", sha256: sha256Hex(gina) }]);
      expect(ssm.requests.length).toBe(before);
    });

    test("without credentials, an unknown parameter or a refusal: one line saying what to do, exit 2, nothing written", async () => {
      ssm.parameters.set(PARAMETER, "[]");
      const noCredentials = await keysWith(["add", "x", "--parameter", PARAMETER, "--region", "us-east-1"], { ...env, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" });
      expect(noCredentials).toMatchObject({ status: 2, stderr: expect.stringMatching(/AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set.*aws configure export-credentials.*--current -/) });
      expect(await keysWith(["add", "x", "--parameter", PARAMETER], env)).toMatchObject({ status: 2, stderr: expect.stringMatching(/needs the parameter's region: pass --region/) });
      expect(await keysWith(["add", "x", "--parameter", "/nope/router/api-keys", "--region", "us-east-1"], env)).toMatchObject({
        status: 2,
        stderr: expect.stringMatching(/there is no parameter \/nope\/router\/api-keys in us-east-1; name the deployment's \(terraform output router_keys_parameter\)/),
      });
      ssm.errorType = "AccessDeniedException";
      try {
        expect(await keysWith(["list", "--parameter", PARAMETER, "--region", "us-east-1"], env)).toMatchObject({
          status: 2,
          stderr: expect.stringMatching(/could not read \/llm\/router\/api-keys in us-east-1: SSM answered 400 AccessDeniedException.*needs ssm:GetParameter and ssm:PutParameter/),
        });
      } finally {
        ssm.errorType = undefined;
      }
      expect(ssm.parameters.get(PARAMETER)).toBe("[]");
    });
  });
});
