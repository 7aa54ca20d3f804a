// Child processes that cannot outlive their test: each runs in a process group of its own (so
// terraform and the provider plugins it starts die together), within a time limit, and with a
// watchdog that kills the group if the test process itself dies (jest interrupted or killed).
import { ChildProcess, spawn } from "child_process";

export interface RunSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is then closed. */
  readonly input?: string;
  /** The whole group is killed after this long. */
  readonly timeoutMs: number;
}

export interface RunResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** A child that ran out of time: the message says what ran, where, for how long, and its last output. */
export class TimeoutError extends Error {}

/** After SIGTERM (terraform stops its plugins and exits), how long before SIGKILL. */
const GRACE_MS = 3000;

/** Children running now, by process group id (= the child's pid, as it leads its group). */
const live = new Map<number, ChildProcess>();

/**
 * The watchdog: a detached shell that waits on a pipe from this process. A clean finish writes
 * "done"; if this process dies first the pipe closes and the shell kills the group.
 */
function watch(pgid: number): ChildProcess {
  const script = `trap '' INT TERM HUP; read -r line; [ "$line" = done ] && exit 0; kill -TERM -${pgid} 2>/dev/null; sleep ${GRACE_MS / 1000}; kill -KILL -${pgid} 2>/dev/null; exit 0`;
  const watchdog = spawn("/bin/sh", ["-c", script], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
  watchdog.on("error", () => undefined);
  watchdog.stdin?.on("error", () => undefined);
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone already
  }
}

const tail = (text: string, lines = 30) => text.trimEnd().split("\n").slice(-lines).join("\n");

/** `terraform test -json` in /tmp/x/module: how errors name a command. */
export function describeRun(spec: Pick<RunSpec, "command" | "args" | "cwd">): string {
  return `\`${[spec.command, ...spec.args].join(" ")}\` in ${spec.cwd}`;
}

/** Runs a command to completion, or kills its whole process group after `spec.timeoutMs` and rejects. */
export function runBounded(spec: RunSpec): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(spec.input ?? "");
    const pgid = child.pid;
    const watchdog = pgid === undefined ? undefined : watch(pgid);
    if (pgid !== undefined) live.set(pgid, child);

    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pgid === undefined) return;
      killGroup(pgid, "SIGTERM");
      killTimer = setTimeout(() => killGroup(pgid, "SIGKILL"), GRACE_MS);
    }, spec.timeoutMs);

    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${describeRun(spec)} could not start: ${error.message}`));
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      if (pgid !== undefined) {
        // A plugin that outlived terraform is still in the group: end it too.
        killGroup(pgid, "SIGKILL");
        live.delete(pgid);
      }
      watchdog?.stdin?.end("done\n");
      const ms = Date.now() - started;
      if (timedOut) {
        reject(
          new TimeoutError(
            `${describeRun(spec)} did not finish within ${spec.timeoutMs / 1000} s; its process group ` +
              `(pid ${pgid}) was killed.\n--- last stdout ---\n${tail(stdout)}\n--- last stderr ---\n${tail(stderr)}`,
          ),
        );
      } else {
        resolve({ status, signal, stdout, stderr, ms });
      }
    });
  });
}

export interface Daemon {
  readonly pid: number;
  /** Kills its process group; safe to call twice. */
  stop(): void;
}

/**
 * Starts a long-lived server in a process group of its own (watched like every child: it dies with
 * this process) and resolves once `ready` finds what it needs in its stdout, within `timeoutMs`.
 * The caller stops it; `killAllChildren` does too.
 */
export function startDaemon<T>(spec: RunSpec, ready: (stdout: string) => T | undefined): Promise<{ daemon: Daemon; value: T }> {
  return new Promise((resolve, reject) => {
    const child = spawn(spec.command, [...spec.args], { cwd: spec.cwd, env: spec.env ?? process.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const pgid = child.pid;
    if (pgid === undefined) {
      child.on("error", (error) => reject(new Error(`${describeRun(spec)} could not start: ${error.message}`)));
      return;
    }
    const watchdog = watch(pgid);
    live.set(pgid, child);
    let stdout = "";
    let stderr = "";
    let settled = false;
    const stop = () => {
      killGroup(pgid, "SIGKILL");
      live.delete(pgid);
      watchdog.stdin?.end("done\n");
    };
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      stop();
      reject(new Error(`${describeRun(spec)} ${why}.\n--- stdout ---\n${tail(stdout)}\n--- stderr ---\n${tail(stderr)}`));
    };
    const timer = setTimeout(() => fail(`was not ready within ${spec.timeoutMs / 1000} s; its process group (pid ${pgid}) was killed`), spec.timeoutMs);
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
      const value = settled ? undefined : ready(stdout);
      if (value !== undefined) {
        settled = true;
        clearTimeout(timer);
        resolve({ daemon: { pid: pgid, stop }, value });
      }
    });
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    child.on("close", (status) => {
      clearTimeout(timer);
      live.delete(pgid);
      watchdog.stdin?.end("done\n");
      fail(`exited (${status}) before it was ready`);
    });
    child.unref();
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  });
}

/** Kills every child this test file still has running (for `afterAll`, after a failed or timed-out test). */
export function killAllChildren(): void {
  for (const pgid of live.keys()) killGroup(pgid, "SIGKILL");
}

/** How many children are running now. */
export function liveChildren(): number {
  return live.size;
}
