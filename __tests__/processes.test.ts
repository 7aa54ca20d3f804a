// The child-process helpers the terraform tests rely on: a command that runs too long is killed
// with everything it started, and says what it was; nothing outlives a test process that dies.
import { spawn } from "child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { buildSync } from "esbuild";
import { liveChildren, runBounded, startDaemon, TimeoutError } from "./helpers/processes";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * How long a test waits for something to happen before it counts as never: a bound for a hang, not
 * a claim about speed (the killing itself takes the 3 s grace at most), generous for a loaded machine.
 */
const NEVER_MS = 60_000;

/** Polls until `pid` is gone, up to `ms`; returns whether it went. */
async function gone(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    if (!alive(pid)) return true;
  }
  return !alive(pid);
}

describe("runBounded", () => {
  test("GIVEN a command whose child outlives it WHEN it runs past its limit THEN the whole group is killed and the error names the command", async () => {
    // GIVEN a shell that starts a grandchild and waits (like terraform and its provider plugins)
    const run = runBounded({ command: "/bin/sh", args: ["-c", "sleep 60 & echo grandchild $!; wait"], cwd: tmpdir(), timeoutMs: 1000 });
    // WHEN the limit passes
    const error = await run.catch((e: unknown) => e);
    // THEN it rejects naming the command, its folder and its limit, with its last output
    expect(error).toBeInstanceOf(TimeoutError);
    const message = (error as Error).message;
    expect(message).toContain(`\`/bin/sh -c sleep 60 & echo grandchild $!; wait\` in ${tmpdir()} did not finish within 1 s`);
    const grandchild = Number(/grandchild (\d+)/.exec(message)?.[1]);
    expect(grandchild).toBeGreaterThan(1);
    // AND the grandchild is gone too
    expect(await gone(grandchild, NEVER_MS)).toBe(true);
    expect(liveChildren()).toBe(0);
  });

  test("a command that finishes in time resolves with its status and output", async () => {
    const result = await runBounded({ command: "/bin/sh", args: ["-c", "read x; echo got $x; exit 3"], cwd: tmpdir(), input: "terraform\n", timeoutMs: NEVER_MS });
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 3, stdout: "got terraform\n" });
  });
});

describe("startDaemon", () => {
  test("a server that never says it is ready is killed after its limit, and the error names it", async () => {
    const error = await startDaemon({ command: "/bin/sh", args: ["-c", "echo starting; sleep 60"], cwd: tmpdir(), timeoutMs: 1000 }, (out) =>
      out.includes("ready") ? true : undefined,
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^`\/bin\/sh -c echo starting; sleep 60` in .* was not ready within 1 s; its process group \(pid \d+\) was killed/);
    expect(liveChildren()).toBe(0);
  });
});

describe("a test process that dies", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "ollama-fleet-processes-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("GIVEN a process running a bounded command and a daemon WHEN it is killed with SIGKILL THEN its watchdogs kill both groups", async () => {
    // GIVEN a small program (the helpers, bundled) that starts a long command and a daemon, prints their pids, and waits
    const entry = path.join(dir, "holder.ts");
    const pidFile = path.join(dir, "bounded-grandchild.pid");
    writeFileSync(
      entry,
      `import { runBounded, startDaemon } from ${JSON.stringify(path.join(__dirname, "helpers", "processes"))};
startDaemon({ command: "/bin/sh", args: ["-c", "echo up $$; sleep 120"], cwd: "/", timeoutMs: 30000 }, (o) => /up (\\d+)/.exec(o)?.[1]).then(({ value }) => {
  runBounded({ command: "/bin/sh", args: ["-c", "sleep 120 & echo $! > ${pidFile}; wait"], cwd: "/", timeoutMs: 120000 });
  console.log("daemon " + value);
});
setInterval(() => undefined, 1000);
`,
    );
    const bundle = path.join(dir, "holder.js");
    buildSync({ entryPoints: [entry], outfile: bundle, bundle: true, platform: "node", logLevel: "silent" });
    const holder = spawn(process.execPath, [bundle], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    holder.stdout.on("data", (chunk) => (out += chunk));
    const waitFor = async (ok: () => boolean) => {
      for (const end = Date.now() + NEVER_MS; !ok() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
    };
    await waitFor(() => /daemon \d+/.test(out) && existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "");
    const daemon = Number(/daemon (\d+)/.exec(out)?.[1]);
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    expect([alive(daemon), alive(grandchild)]).toEqual([true, true]);
    // WHEN the holder dies without any chance to clean up
    holder.kill("SIGKILL");
    // THEN both groups are killed by their watchdogs
    expect([await gone(daemon, NEVER_MS), await gone(grandchild, NEVER_MS)]).toEqual([true, true]);
  });
});
