// Runs bootstrap scenarios on this machine without touching it: sandbox-runner.js inside private
// mount, PID and network namespaces (see there), with stand-ins for curl, systemctl, sleep, uname,
// getconf, ldd, the package managers, the CloudWatch agent and the ollama binary (shipped in fake
// release archives).
import { spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, utimesSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { DEFAULT_VLLM_IMAGE } from "../../../src/engines/vllm";

const HERE = __dirname;
const STAND_INS = path.join(HERE, "..", "stand-ins");
const RUNNER = path.join(HERE, "sandbox-runner.js");

/**
 * One step of a scenario. `background` steps run while the next ones start; a `wait` step waits
 * for every background step started before it.
 */
export type Step =
  | { readonly kind: "cloud-init" | "ssm"; readonly script: string; readonly timeoutMs?: number; readonly background?: boolean }
  | { readonly kind: "exec"; readonly argv: readonly string[]; readonly timeoutMs?: number; readonly background?: boolean }
  | { readonly kind: "http"; readonly url: string; /** Retry while nothing answers, up to this long (a server still starting). @default 0 */ readonly waitMs?: number }
  | { readonly kind: "delay"; readonly ms: number }
  | { readonly kind: "wait" }
  | { readonly kind: "snapshot"; readonly name: string }
  | { readonly kind: "reboot"; readonly timeoutMs?: number };

/** The fake weight cache: one bucket as the servers' role sees it (see stand-ins/aws.js). */
export interface FakeBucket {
  readonly bucket: string;
  readonly region: string;
  /** Key prefixes the role may read. */
  readonly readable: readonly string[];
  /** Key prefixes the role may create objects in (with If-None-Match only). */
  readonly writeOnce: readonly string[];
  /** Objects there before the scenario: key -> content, and how long ago it was last modified. */
  readonly objects?: Readonly<Record<string, { readonly content: string | Buffer; readonly ageSeconds?: number }>>;
  /** The AWS CLI's release. @default "2.33.1" */
  readonly version?: string;
  /** Transfers of these keys are cut after that many bytes. */
  readonly failAfterBytes?: Readonly<Record<string, number>>;
  /** Objects another server writes right after a HeadObject of this server found none there. */
  readonly appearsAfterHead?: Readonly<Record<string, string>>;
}

export interface Scenario {
  readonly steps: readonly Step[];
  /** Ollama releases the fake download site serves (0.14 and later as .tar.zst, earlier as .tgz). */
  readonly releases: readonly string[];
  /** What `uname -m` says, e.g. "aarch64". @default the machine's */
  readonly arch?: string;
  /** Whether `ollama serve` exits at once (a server that never comes up). */
  readonly serveFails?: boolean;
  /** Package managers on the fake machine. @default ["dnf"] */
  readonly packageManagers?: ReadonlyArray<"dnf" | "yum" | "apt-get">;
  /** Whether zstd is installed. @default true */
  readonly zstd?: boolean;
  /** Whether cloud-init has finished before the first step. @default false */
  readonly bootFinished?: boolean;
  readonly curlFailTimes?: number;
  readonly packageManagerFailTimes?: number;
  /** The n-th sleep creates cloud-init's boot-finished. */
  readonly bootFinishedAfterSleeps?: number;
  /**
   * Per model: fail its first N pulls (connection reset), answer every pull with the registry's
   * 404 (`notFound`), end the first N pull streams early (no manifest, no "success"), or take that long.
   */
  readonly pullFaults?: Readonly<
    Record<string, { readonly failTimes?: number; readonly notFound?: boolean; readonly endsEarlyTimes?: number; readonly delayMs?: number }>
  >;
  /** The first N `GET /api/tags` the server gets are never answered (a wedged server). @default 0 */
  readonly listHangs?: number;
  /** The machine's glibc release, as getconf and ldd report it, e.g. "2.26" (Amazon Linux 2). @default this machine's */
  readonly glibc?: string;
  /** Whether getconf is installed (without it the bootstrap asks ldd). @default true */
  readonly getconf?: boolean;
  /** Whether the CloudWatch agent is installed, as on the Deep Learning AMIs. @default true */
  readonly cloudWatchAgent?: boolean;
  /** Whether the Deep Learning AMI's `dlami-cloudwatch-agent@partial` unit is enabled. @default false */
  readonly dlamiAgentUnit?: boolean;
  // The vLLM servers' machine: Docker, the NVIDIA Container Toolkit, GPUs, Hugging Face, SSM.
  /** Whether docker is installed (the stand-in and its daemon). @default true */
  readonly docker?: boolean;
  /** Whether the NVIDIA Container Toolkit is installed (nvidia-container-cli, the runtime for --gpus). @default true */
  readonly nvidiaToolkit?: boolean;
  /** GPUs nvidia-smi lists and a container with --gpus gets. @default 1 */
  readonly gpus?: number;
  /** The NVIDIA driver's version nvidia-smi reports. @default "580.95.05" */
  readonly nvidiaDriver?: string;
  /** The images the fake registry has. @default the module's default vLLM image */
  readonly dockerRegistry?: readonly string[];
  /** The first N docker pulls time out. @default 0 */
  readonly dockerPullFailTimes?: number;
  /** The docker daemon does not answer. @default false */
  readonly dockerDaemonDown?: boolean;
  /** The first N starts of the fake vLLM die of CUDA out of memory. @default 0 */
  readonly vllmExitTimes?: number;
  /** Gated Hugging Face repositories and the token each needs. @default {} */
  readonly hfGated?: Readonly<Record<string, string>>;
  /** Hugging Face cannot be reached. @default false */
  readonly hfUnreachable?: boolean;
  /** Seconds systemd waits before restarting a service that exited (the units' own RestartSec, shortened). @default 0.2 */
  readonly restartSec?: number;
  /** SSM parameters and their values (aws ssm get-parameter). @default {} */
  readonly ssmParameters?: Readonly<Record<string, string>>;
  /** The first N aws calls cannot reach the endpoint. @default 0 */
  readonly awsFailTimes?: number;
  /** aws ssm get-parameter is denied. @default false */
  readonly awsAccessDenied?: boolean;
  /** The weight cache's bucket, reached through the AWS CLI stand-in. @default none */
  readonly s3?: FakeBucket;
  /** Whether the AWS CLI is installed (with `s3`). @default true */
  readonly awsCli?: boolean;
  /** Whether /opt/dlami/nvme is an instance store (a mount, emptied at every reboot) rather than a plain folder. @default false */
  readonly instanceStore?: boolean;
  /** Files written on the fake server before the first step, with their age. */
  readonly files?: Readonly<Record<string, { readonly content: string; readonly ageSeconds?: number }>>;
}

/** A file's content hash, size and, where asked, age. */
export interface FileState {
  readonly sha256: string;
  readonly size: number;
  readonly ageSeconds?: number;
}

export interface StepResult {
  readonly kind: Step["kind"];
  /** `http` steps: the status code, 0 when nothing answered. */
  readonly status?: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Snapshot {
  readonly mainPid: string;
  /** vllm.service's MainPID (`MainPID=0` when it does not run). */
  readonly vllmPid: string;
  /** How many stand-in calls `calls` held when the snapshot was taken (the calls after it: `calls.split("\n").slice(n)`). */
  readonly calls: number;
  readonly files: Record<string, string>;
}

export interface ScenarioResult {
  readonly steps: readonly StepResult[];
  readonly snapshots: Record<string, Snapshot>;
  /** Models whose manifests the fake server wrote, e.g. `llama3:8b`, `hf.co/org/repo:Q4_K_M`. */
  readonly models: readonly string[];
  readonly log: string | null;
  readonly calls: string;
  readonly journal: string | null;
  readonly unit: string | null;
  readonly dropIn: string | null;
  readonly installedVersion: string | null;
  /** The CloudWatch agent: the configuration the bootstrap wrote, what the agent applied, its process's output. */
  readonly agent: { readonly config: string | null; readonly applied: readonly string[]; readonly journal: string | null; readonly dlamiUnitEnabled: boolean };
  readonly ollamaUser: string | null;
  readonly modelsOwner: string | null;
  /** The vLLM server: its unit, the script the unit runs, its journal, each start of the fake vLLM, the docker containers, the token file. */
  readonly vllm: {
    readonly unit: string | null;
    readonly serveScript: string | null;
    readonly journal: string | null;
    readonly starts: ReadonlyArray<Record<string, unknown>>;
    readonly containers: Record<string, unknown>;
    readonly tokenFile: { readonly mode: string; readonly owner: string; readonly content: string } | null;
    /** Files under the instance store and the root volume's cache, relative to /. */
    readonly cacheFiles: readonly string[];
    /** Every request the fake vLLM sent to Hugging Face: `GET <url>` (a download, or the revision's commit), `HEAD <url>` (a cached file checked). */
    readonly hfRequests: readonly string[];
    /** ollama-fleet-vllm-weights.service as written, and its output at boots. */
    readonly weightsUnit: string | null;
    readonly weightsJournal: string | null;
    /** The files (under /etc, /var, /usr/local, /opt, /run, /tmp, /root) that hold a value of `ssmParameters`, but its own file. */
    readonly filesHoldingSecret: readonly string[];
    /** The processes still running at the end whose arguments or environment hold one. */
    readonly processesHoldingSecret: readonly string[];
  };
  /** The models' folder Ollama's unit names. */
  readonly modelsDir: string;
  /** Blob file name -> its state, in the models' folder. */
  readonly blobs: Readonly<Record<string, FileState>>;
  /** Files and folders of the models' folder the ollama user does not own. */
  readonly unownedModelFiles: readonly string[];
  /** The fake bucket's objects at the end: key -> state. */
  readonly s3: Readonly<Record<string, FileState>>;
  /** Every S3 request the AWS CLI stand-in made: `GET <key>`, `HEAD <key>`, `PUT <key>`, `PUT-SKIPPED <key>`, `DENIED <operation> <key>`. */
  readonly s3Requests: readonly string[];
  /** ollama-fleet-weights.service as written, and its output at boots. */
  readonly weightsUnit: string | null;
  readonly weightsJournal: string | null;
  /** Paths of this machine that differ from before the scenario: must be empty. */
  readonly hostChanges: readonly string[];
  readonly ms: number;
}

const REQUIRED_TOOLS: ReadonlyArray<[string, string]> = [
  ["unshare", "util-linux (apt-get install -y util-linux)"],
  ["setpriv", "util-linux (apt-get install -y util-linux)"],
  ["zstd", "zstd (apt-get install -y zstd)"],
  ["ip", "iproute2 (apt-get install -y iproute2)"],
  ["useradd", "passwd (apt-get install -y passwd)"],
];

/** Throws, saying how to get them, unless the tools and the namespaces the sandbox needs are here. */
export function requireSandbox(): void {
  const missing = REQUIRED_TOOLS.filter(([tool]) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
  if (missing.length > 0) {
    throw new Error(
      `The bootstrap scenarios need ${missing.map(([tool, from]) => `${tool} from ${from}`).join(", ")}; ` +
        "`bash .ci/run` installs them on CI machines.",
    );
  }
  const probe = spawnSync("unshare", ["--mount", "--propagation", "private", "--pid", "--fork", "--net", "true"], { encoding: "utf8" });
  if (probe.status !== 0) {
    throw new Error(
      `The bootstrap scenarios run in private namespaces, but \`unshare --mount --pid --net true\` failed: ${probe.stderr.trim()}. ` +
        "Run the tests as root (CI does), or in a container allowed to create namespaces (CAP_SYS_ADMIN).",
    );
  }
}

const releaseCache = path.join(tmpdir(), `ollama-fleet-fake-releases-${process.pid}`);

/** The fake release of `version`: bin/ollama (the stand-in) and lib/ollama, as .tgz before 0.14, .tar.zst after. */
function buildRelease(version: string): string {
  const [major, minor] = version.split(".").map(Number);
  const extension = major > 0 || minor >= 14 ? "tar.zst" : "tgz";
  const dir = path.join(releaseCache, version);
  if (existsSync(dir)) return dir;
  const tree = path.join(releaseCache, `${version}-tree`);
  mkdirSync(path.join(tree, "bin"), { recursive: true });
  mkdirSync(path.join(tree, "lib", "ollama"), { recursive: true });
  const client = readFileSync(path.join(STAND_INS, "ollama.js"), "utf8").replace("__OLLAMA_VERSION__", version);
  const models = readFileSync(path.join(STAND_INS, "fake-models.js"), "utf8").replace('"use strict";', "");
  writeFileSync(path.join(tree, "bin", "ollama"), `#!${process.execPath}\n${client}\n${models}`, { mode: 0o755 });
  writeFileSync(path.join(tree, "lib", "ollama", "libggml-base.so"), `fake library of ollama ${version}\n`);
  mkdirSync(dir, { recursive: true });
  for (const arch of ["amd64", "arm64"]) {
    const archive = path.join(dir, `ollama-linux-${arch}.${extension}`);
    const command =
      extension === "tgz" ? `tar -C '${tree}' -czf '${archive}' bin lib` : `tar -C '${tree}' -cf - bin lib | zstd -q -o '${archive}'`;
    const made = spawnSync("sh", ["-c", command], { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`cannot build the fake ollama ${version} release: ${made.stderr}`);
  }
  rmSync(tree, { recursive: true, force: true });
  return dir;
}

/**
 * This machine's state wherever a scenario writes (if it escaped its namespaces it would show
 * here). Specific paths, not whole folders, so other work on a shared machine does not show.
 */
function hostFingerprint(): Record<string, string> {
  const result: Record<string, string> = {};
  const describe = (p: string) => {
    let stat;
    try {
      stat = lstatSync(p);
    } catch {
      result[p] = "absent";
      return;
    }
    if (stat.isSymbolicLink()) result[p] = `-> ${readlinkSync(p)}`;
    else if (stat.isDirectory()) result[p] = `dir ${readdirSync(p).sort().join(",")}`;
    else result[p] = `${createHash("sha256").update(readFileSync(p)).digest("hex")} ${stat.mtimeMs}`;
  };
  const paths = [
    "/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow",
    "/etc/systemd/system/ollama.service", "/etc/systemd/system/ollama.service.d",
    "/etc/systemd/system/default.target.wants", "/etc/systemd/system/multi-user.target.wants",
    "/usr/local/sbin", "/usr/local/bin/ollama", "/usr/local/lib/ollama", "/usr/local/lib/ollama-fleet-staging",
    "/usr/share/ollama", "/usr/bin/zstd", "/usr/bin/apt-get", "/usr/bin/uname", "/usr/bin/sleep",
    "/var/log/ollama-bootstrap.log", "/var/lib/cloud", "/var/lib/amazon", "/run/lock/ollama-bootstrap.lock",
    "/run/fake-systemd", "/run/ollama-fleet-test", "/root/.ollama", "/opt/aws", "/usr/bin/getconf",
    "/etc/systemd/system/vllm.service", "/etc/ollama-fleet", "/usr/local/lib/ollama-fleet", "/var/lib/ollama-fleet", "/opt/dlami",
    "/etc/systemd/system/ollama-fleet-weights.service", "/usr/local/sbin/aws",
  ];
  for (const p of paths) describe(p);
  return result;
}

/** Runs `scenario` in the sandbox; resolves with what happened (it rejects only when the harness itself fails). */
export async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  requireSandbox();
  const started = Date.now();
  const host = mkdtempSync(path.join(tmpdir(), "ollama-fleet-sandbox-"));
  chmodSync(host, 0o755);
  try {
    for (const dir of ["ns", "out", "releases"]) mkdirSync(path.join(host, dir), { mode: 0o755 });
    // Into the folder the sandbox binds: a fresh /tmp hides the checkout when it lives under /tmp.
    cpSync(STAND_INS, path.join(host, "stand-ins"), { recursive: true });
    for (const version of scenario.releases) {
      const release = buildRelease(version);
      spawnSync("cp", ["-r", release, path.join(host, "releases", version)]);
    }
    for (const [key, { content, ageSeconds }] of Object.entries(scenario.s3?.objects ?? {})) {
      const file = path.join(host, "s3-objects", key);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
      const when = new Date(Date.now() - (ageSeconds ?? 0) * 1000);
      utimesSync(file, when, when);
    }
    const steps = scenario.steps.map((step, i) => {
      if (step.kind !== "cloud-init" && step.kind !== "ssm") return { timeoutMs: 60_000, ...step };
      writeFileSync(path.join(host, `step-${i}.sh`), step.script);
      return { ...step, script: `step-${i}.sh`, timeoutMs: step.timeoutMs ?? 60_000 };
    });
    const faults: Record<string, string | number> = {
      "curl-fail-times": scenario.curlFailTimes ?? 0,
      "pm-fail-times": scenario.packageManagerFailTimes ?? 0,
      "boot-finished-after-sleeps": scenario.bootFinishedAfterSleeps ?? 0,
      ...(scenario.arch ? { arch: scenario.arch } : {}),
      ...(scenario.serveFails ? { "serve-fails": 1 } : {}),
      ...(scenario.listHangs ? { "list-hangs": scenario.listHangs } : {}),
      ...(scenario.glibc ? { glibc: scenario.glibc } : {}),
      gpus: scenario.gpus ?? 1,
      ...(scenario.nvidiaDriver ? { "nvidia-driver": scenario.nvidiaDriver } : {}),
      "restart-sec": scenario.restartSec ?? 0.2,
      "docker-registry.json": JSON.stringify(scenario.dockerRegistry ?? [DEFAULT_VLLM_IMAGE]),
      "docker-pull-fail-times": scenario.dockerPullFailTimes ?? 0,
      "vllm-exit-times": scenario.vllmExitTimes ?? 0,
      "hf-gated.json": JSON.stringify(scenario.hfGated ?? {}),
      "aws-fail-times": scenario.awsFailTimes ?? 0,
      ...(scenario.dockerDaemonDown ? { "docker-daemon-down": 1 } : {}),
      ...(scenario.nvidiaToolkit === false ? { "no-nvidia": 1 } : {}),
      ...(scenario.hfUnreachable ? { "hf-unreachable": 1 } : {}),
      ...(scenario.awsAccessDenied ? { "aws-access-denied": 1 } : {}),
    };
    const plan = {
      steps,
      faults,
      pullFaults: scenario.pullFaults ?? {},
      packageManagers: scenario.packageManagers ?? ["dnf"],
      zstd: scenario.zstd ?? true,
      bootFinished: scenario.bootFinished ?? false,
      getconf: scenario.getconf ?? true,
      cloudWatchAgent: scenario.cloudWatchAgent ?? true,
      dlamiAgentUnit: scenario.dlamiAgentUnit ?? false,
      docker: scenario.docker ?? true,
      nvidiaToolkit: scenario.nvidiaToolkit ?? true,
      ssmParameters: scenario.ssmParameters ?? {},
      s3: scenario.s3 ? { ...scenario.s3, objects: undefined } : undefined,
      awsCli: scenario.awsCli ?? true,
      instanceStore: scenario.instanceStore ?? false,
      files: scenario.files ?? {},
    };
    writeFileSync(path.join(host, "plan.json"), JSON.stringify(plan, null, 2));

    const before = hostFingerprint();
    const budget = steps.reduce((sum, s) => sum + (s.timeoutMs ?? 0), 30_000);
    const status = await new Promise<number | null>((resolve) => {
      const child = spawn(
        "unshare",
        ["--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--", "bash", "-c", 'node "$1" "$2"; exit $?', "_", RUNNER, host],
        { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` } },
      );
      let output = "";
      child.stdout.on("data", (c) => (output += c));
      child.stderr.on("data", (c) => (output += c));
      const timer = setTimeout(() => child.kill("SIGKILL"), budget);
      child.on("close", (code) => {
        clearTimeout(timer);
        if (code !== 0) writeFileSync(path.join(host, "out", "unshare-output.txt"), output);
        resolve(code);
      });
    });
    const after = hostFingerprint();
    const hostChanges = Object.keys({ ...before, ...after }).filter((p) => before[p] !== after[p]);

    const resultFile = path.join(host, "out", "result.json");
    if (!existsSync(resultFile)) {
      const why = ["runner-error.txt", "unshare-output.txt"].map((f) => path.join(host, "out", f)).filter(existsSync);
      throw new Error(`the sandbox runner failed (status ${status}):\n${why.map((f) => readFileSync(f, "utf8")).join("\n")}`);
    }
    const result = JSON.parse(readFileSync(resultFile, "utf8"));
    return { ...result, hostChanges, ms: Date.now() - started };
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fakeModel } = require(path.join(STAND_INS, "fake-models.js")) as { fakeModel(name: string): { manifest: string; blobs: Record<string, string> } };

/**
 * The cache objects of models as a server seeds them under `ollamaPrefix` (e.g. `model-cache/ollama/`):
 * `manifests/<host>/<namespace>/<model>/<tag>` and `blobs/sha256-<hex>`, the fake registry's files.
 * Each model is given as its name and its manifest path, e.g. `["llama3:8b", "registry.ollama.ai/library/llama3/8b"]`.
 */
export function cachedModels(ollamaPrefix: string, models: ReadonlyArray<readonly [name: string, manifestPath: string]>, ageSeconds = 0): Record<string, { content: string; ageSeconds?: number }> {
  const objects: Record<string, { content: string; ageSeconds?: number }> = {};
  for (const [name, manifestPath] of models) {
    const model = fakeModel(name);
    objects[`${ollamaPrefix}manifests/${manifestPath}`] = { content: model.manifest, ageSeconds };
    for (const [blob, content] of Object.entries(model.blobs)) objects[`${ollamaPrefix}blobs/${blob}`] = { content, ageSeconds };
  }
  return objects;
}

/** The bytes of a fake release archive, as the download site serves them (for seeding a cache with it). */
export function releaseArchive(version: string, arch: "amd64" | "arm64"): { name: string; content: Buffer } {
  const dir = buildRelease(version);
  const name = readdirSync(dir).find((f) => f.startsWith(`ollama-linux-${arch}.`));
  if (!name) throw new Error(`no fake ${arch} archive of ${version}`);
  return { name, content: readFileSync(path.join(dir, name)) };
}

/** Removes the fake releases this process built. */
export function cleanUpReleases(): void {
  rmSync(releaseCache, { recursive: true, force: true });
}
