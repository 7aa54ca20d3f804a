// Runs one scenario inside private mount, PID and network namespaces (started by sandbox.ts with
// unshare, under a bash that reaps orphans as PID 1). Nothing it does reaches the machine:
// /etc, /usr, /var, /root and /opt are overlays whose writes land in a tmpfs, /run and /tmp are fresh
// tmpfs, and the network has only its own loopback. When it exits, the kernel kills every process
// left in the namespace (the fake Ollama servers too).
//
// Input: <host dir>/plan.json (see sandbox.ts). Output: <host dir>/out/result.json, and the output
// of each step in <host dir>/out/step-<n>.{stdout,stderr}.
"use strict";
const { execFileSync, spawn } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const HOST = process.argv[2];
const plan = JSON.parse(fs.readFileSync(path.join(HOST, "plan.json"), "utf8"));
/** When the scenario began: a file untouched since then holds nothing the scenario wrote. */
const SCENARIO_START_MS = Date.now();
const T = "/run/ollama-fleet-test";
const OUT = `${T}/host/out`;
/** The stand-ins, copied beside the plan by sandbox.ts (the checkout may be hidden under the fresh /tmp). */
const STAND_INS = `${T}/host/stand-ins`;
const MODELS = "/usr/share/ollama/.ollama/models";
/** PATH of systemd services: what cloud-init and the SSM agent run with. */
const SERVICE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const run = (command, args) => execFileSync(command, args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
const mkdir = (dir, mode = 0o755) => {
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, mode);
};

function isolate() {
  const scratch = path.join(HOST, "ns");
  run("mount", ["-t", "tmpfs", "-o", "mode=755", "tmpfs", scratch]);
  if (!fs.existsSync("/opt")) throw new Error("the sandbox overlays /opt (the CloudWatch agent's home), which this machine lacks");
  for (const dir of ["etc", "usr", "var", "root", "opt"]) {
    mkdir(`${scratch}/${dir}-upper`);
    mkdir(`${scratch}/${dir}-work`);
    run("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=/${dir},upperdir=${scratch}/${dir}-upper,workdir=${scratch}/${dir}-work`, `/${dir}`]);
  }
  run("mount", ["-t", "tmpfs", "-o", "mode=755", "tmpfs", "/run"]);
  mkdir("/run/lock", 0o1777);
  for (const dir of ["faults", "releases", "bin", "host"]) mkdir(`${T}/${dir}`);
  mkdir(`${T}/state`, 0o777);
  run("mount", ["--bind", HOST, `${T}/host`]);
  run("mount", ["-t", "tmpfs", "-o", "mode=1777", "tmpfs", "/tmp"]);
  run("ip", ["link", "set", "lo", "up"]);
}

function prepare() {
  fs.writeFileSync(`${T}/calls.log`, "");
  fs.chmodSync(`${T}/calls.log`, 0o666);
  for (const [name, value] of Object.entries(plan.faults)) fs.writeFileSync(`${T}/faults/${name}`, String(value));
  fs.writeFileSync(`${T}/faults/pull.json`, JSON.stringify(plan.pullFaults));
  fs.cpSync(`${T}/host/releases`, `${T}/releases`, { recursive: true });
  // Stand-ins where the service PATH finds them first.
  for (const tool of ["curl", "systemctl", "sleep", "uname", "ldd"]) fs.copyFileSync(`${STAND_INS}/${tool}`, `/usr/local/sbin/${tool}`);
  // A machine without getconf (the bootstrap then asks ldd), or with the stand-in that can report another glibc.
  if (plan.getconf) fs.copyFileSync(`${STAND_INS}/getconf`, "/usr/local/sbin/getconf");
  else for (const dir of ["/usr/bin", "/bin", "/usr/sbin"]) fs.rmSync(`${dir}/getconf`, { force: true });
  if (plan.cloudWatchAgent) installCloudWatchAgent();
  if (plan.dlamiAgentUnit) {
    // The Deep Learning AMI's template unit, enabled as earlier releases of this module did.
    fs.writeFileSync("/etc/systemd/system/dlami-cloudwatch-agent@.service", "[Unit]\nDescription=DLAMI CloudWatch agent (%i)\n\n[Service]\nType=oneshot\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n");
    mkdir("/etc/systemd/system/multi-user.target.wants");
    fs.symlinkSync("/etc/systemd/system/dlami-cloudwatch-agent@.service", "/etc/systemd/system/multi-user.target.wants/dlami-cloudwatch-agent@partial.service");
  }
  for (const tool of ["apt-get", "apt", "dnf", "yum", "microdnf"]) {
    for (const dir of ["/usr/bin", "/usr/sbin"]) fs.rmSync(`${dir}/${tool}`, { force: true });
  }
  for (const manager of plan.packageManagers) fs.copyFileSync(`${STAND_INS}/package-manager`, `/usr/local/sbin/${manager}`);
  prepareVllmMachine();
  for (const tool of fs.readdirSync("/usr/local/sbin")) fs.chmodSync(`/usr/local/sbin/${tool}`, 0o755);
  fs.copyFileSync(run("sh", ["-c", "command -v zstd"]).trim(), `${T}/bin/zstd`);
  if (!plan.zstd) for (const tool of ["zstd", "unzstd", "zstdcat", "zstdmt", "pzstd"]) fs.rmSync(`/usr/bin/${tool}`, { force: true });
  mkdir("/var/lib/cloud/instance/scripts");
  if (plan.bootFinished) fs.writeFileSync("/var/lib/cloud/instance/boot-finished", "");
  prepareS3();
  // The Deep Learning AMI's instance store folder: a mount when the type has an instance store, else a plain folder.
  mkdir(INSTANCE_STORE);
  if (plan.instanceStore) mountInstanceStore();
  for (const [file, { content, ageSeconds }] of Object.entries(plan.files || {})) {
    mkdir(path.dirname(file));
    fs.writeFileSync(file, content);
    const when = new Date(Date.now() - (ageSeconds || 0) * 1000);
    fs.utimesSync(file, when, when);
  }
}

const INSTANCE_STORE = "/opt/dlami/nvme";

/** A fresh, empty instance store, as after every start of the instance. */
function mountInstanceStore() {
  run("mount", ["-t", "tmpfs", "-o", "mode=755", "tmpfs", INSTANCE_STORE]);
}

/** The fake bucket: its objects (with their LastModified as mtimes), and the AWS CLI that reaches it. */
function prepareS3() {
  if (!plan.s3) return;
  fs.writeFileSync(`${T}/faults/s3.json`, JSON.stringify(plan.s3));
  fs.writeFileSync(`${T}/s3-requests.log`, "");
  fs.chmodSync(`${T}/s3-requests.log`, 0o666);
  mkdir(`${T}/s3`);
  if (fs.existsSync(`${T}/host/s3-objects`)) fs.cpSync(`${T}/host/s3-objects`, `${T}/s3`, { recursive: true, preserveTimestamps: true });
  if (plan.awsCli !== false) {
    const cli = fs.readFileSync(`${STAND_INS}/aws.js`, "utf8");
    fs.writeFileSync("/usr/local/sbin/aws", `#!${process.execPath}\n${cli}`, { mode: 0o755 });
  }
}

/**
 * A reboot: every service stops, /run's state of the boot goes (locks, working folders, units as
 * loaded), the instance store comes back empty, then systemd starts the enabled units in order.
 */
async function reboot(index, step) {
  const state = fs.existsSync("/run/fake-systemd") ? fs.readdirSync("/run/fake-systemd") : [];
  // A restarting service's supervisor first (the stand-in's Restart=), so it starts nothing again.
  for (const file of state.filter((f) => f.endsWith(".supervisor"))) {
    try {
      process.kill(Number(fs.readFileSync(`/run/fake-systemd/${file}`, "utf8")), "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const file of state.filter((f) => /\.(supervisor|stopping|nrestarts)$/.test(f))) fs.rmSync(`/run/fake-systemd/${file}`, { force: true });
  const pids = state.filter((f) => f.endsWith(".pid"));
  for (const file of pids) {
    const pid = Number(fs.readFileSync(`/run/fake-systemd/${file}`, "utf8"));
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
    fs.rmSync(`/run/fake-systemd/${file}`, { force: true });
  }
  fs.rmSync("/run/fake-systemd/loaded", { recursive: true, force: true });
  for (const entry of fs.readdirSync("/run")) if (entry.startsWith("ollama-bootstrap.")) fs.rmSync(`/run/${entry}`, { recursive: true, force: true });
  fs.rmSync("/run/lock/ollama-bootstrap.lock", { force: true });
  if (plan.instanceStore) {
    run("umount", ["-l", INSTANCE_STORE]);
    mountInstanceStore();
  }
  return spawnStep(index, "/usr/local/sbin/systemctl", ["boot"], { env: { PATH: SERVICE_PATH } }, step.timeoutMs);
}

/**
 * What a vLLM server's machine has: docker (its CLI and daemon, one stand-in) and the NVIDIA Container
 * Toolkit unless the plan leaves them out, nvidia-smi, the AWS CLI and SSM's parameters (the
 * instance store is prepare()'s). The machine's own docker and aws are hidden.
 */
function prepareVllmMachine() {
  for (const tool of ["docker", "aws", "nvidia-smi", "nvidia-container-cli", "nvidia-ctk"]) {
    for (const dir of ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin"]) fs.rmSync(`${dir}/${tool}`, { force: true });
  }
  const node = (name, file) => fs.writeFileSync(`/usr/local/sbin/${name}`, `#!${process.execPath}\n${fs.readFileSync(`${STAND_INS}/${file}`, "utf8")}`, { mode: 0o755 });
  node("fake-http-get", "fake-http-get.js");
  fs.copyFileSync(`${STAND_INS}/vllm-server.js`, `${T}/bin/vllm-server.js`);
  if (plan.docker) {
    node("docker", "docker.js");
    fs.copyFileSync(`${STAND_INS}/dockerd`, "/usr/local/sbin/dockerd");
    // docker.service as the docker package installs it (enabled; the bootstrap starts it when it is not running)
    fs.writeFileSync("/etc/systemd/system/docker.service", "[Unit]\nDescription=Docker Application Container Engine\n\n[Service]\nType=notify\nExecStart=/usr/local/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n\n[Install]\nWantedBy=multi-user.target\n");
    mkdir("/etc/systemd/system/multi-user.target.wants");
    fs.symlinkSync("/etc/systemd/system/docker.service", "/etc/systemd/system/multi-user.target.wants/docker.service");
  }
  if (plan.nvidiaToolkit) fs.copyFileSync(`${STAND_INS}/nvidia-container-cli`, "/usr/local/sbin/nvidia-container-cli");
  fs.copyFileSync(`${STAND_INS}/nvidia-smi`, "/usr/local/sbin/nvidia-smi");
  // SSM's AWS CLI; a scenario with a weight cache bucket (an Ollama server's) gets the S3 one instead (prepareS3).
  if (!plan.s3) fs.copyFileSync(`${STAND_INS}/aws`, "/usr/local/sbin/aws");
  mkdir(`${T}/faults/ssm`);
  for (const [name, value] of Object.entries(plan.ssmParameters)) fs.writeFileSync(`${T}/faults/ssm/${name.split("/").join("%2F")}`, value);
}

/**
 * The files below `roots` whose content holds one of `secrets`, and the processes whose arguments or
 * environment do. Only files written or changed during the scenario are read (their mtime or ctime,
 * which a copy that keeps the mtime still sets): the machine's own files cannot hold a value the
 * scenario invented, and reading gigabytes of them would take minutes.
 */
function holdingSecrets(secrets, roots) {
  if (secrets.length === 0) return { files: [], processes: [] };
  const files = [];
  const walk = (p) => {
    // the test's own world (the plan, the stand-ins' faults and answers), not the machine's
    if (p === `${T}/host` || p === `${T}/faults`) return;
    let stat;
    try {
      stat = fs.lstatSync(p);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(p)) walk(path.join(p, name));
    } else if (stat.isFile() && stat.size < 16 * 1024 * 1024 && Math.max(stat.mtimeMs, stat.ctimeMs) >= SCENARIO_START_MS - 2000) {
      const text = fs.readFileSync(p, "latin1");
      if (secrets.some((secret) => text.includes(secret))) files.push(p);
    }
  };
  roots.forEach(walk);
  const processes = [];
  for (const pid of fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    for (const what of ["cmdline", "environ"]) {
      try {
        const text = fs.readFileSync(`/proc/${pid}/${what}`, "latin1");
        if (secrets.some((secret) => text.includes(secret))) processes.push(`${pid} ${what}: ${fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ").slice(0, 200)}`);
      } catch {
        // gone meanwhile
      }
    }
  }
  return { files, processes };
}

/** The CloudWatch agent as its package installs it: the control script, the agent, its unit. */
function installCloudWatchAgent() {
  const bin = "/opt/aws/amazon-cloudwatch-agent/bin";
  mkdir(bin);
  mkdir("/opt/aws/amazon-cloudwatch-agent/etc");
  const ctl = fs.readFileSync(`${STAND_INS}/amazon-cloudwatch-agent-ctl.js`, "utf8");
  fs.writeFileSync(`${bin}/amazon-cloudwatch-agent-ctl`, `#!${process.execPath}\n${ctl}`, { mode: 0o755 });
  fs.copyFileSync(`${STAND_INS}/start-amazon-cloudwatch-agent`, `${bin}/start-amazon-cloudwatch-agent`);
  fs.chmodSync(`${bin}/start-amazon-cloudwatch-agent`, 0o755);
  fs.writeFileSync(
    "/etc/systemd/system/amazon-cloudwatch-agent.service",
    "[Unit]\nDescription=Amazon CloudWatch Agent\nAfter=network.target\n\n[Service]\nType=simple\n" +
      `ExecStart=${bin}/start-amazon-cloudwatch-agent\nKillMode=process\nRestart=on-failure\nRestartSec=60s\n\n[Install]\nWantedBy=multi-user.target\n`,
  );
}

/** Runs `command` in its own session, killing the whole process group at the deadline. */
function spawnStep(index, command, args, options, timeoutMs) {
  const stdout = fs.openSync(`${OUT}/step-${index}.stdout`, "w");
  const stderr = fs.openSync(`${OUT}/step-${index}.stderr`, "w");
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", stdout, stderr], detached: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      fs.closeSync(stdout);
      fs.closeSync(stderr);
      resolve({ exitCode: code, signal, timedOut, ms: Date.now() - started });
    });
  });
}

/** GET `url` until something answers or `waitMs` have passed: its status code (0 when nothing answered). */
async function httpGetWhenUp(url, waitMs) {
  const deadline = Date.now() + (waitMs || 0);
  for (;;) {
    const answer = await httpGet(url);
    if (answer.status !== 0 || Date.now() >= deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** GET `url` from inside the namespace: its status code (0 when nothing answers). */
function httpGet(url) {
  return new Promise((resolve) => {
    const request = require("http").get(url, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode }));
    });
    request.on("error", () => resolve({ status: 0 }));
    request.setTimeout(10_000, () => request.destroy());
  });
}

/** cloud-init's scripts-user module: runs the user data script as a file, then final writes boot-finished. */
async function cloudInit(index, step) {
  const script = "/var/lib/cloud/instance/scripts/part-001";
  fs.copyFileSync(`${T}/host/${step.script}`, "/var/lib/cloud/instance/user-data.txt");
  fs.copyFileSync(`${T}/host/${step.script}`, script);
  fs.chmodSync(script, 0o700);
  const result = await spawnStep(index, script, [], { cwd: "/", env: { PATH: SERVICE_PATH } }, step.timeoutMs);
  fs.writeFileSync("/var/lib/cloud/instance/boot-finished", "");
  return result;
}

/** The SSM agent's aws:runShellScript: the commands in _script.sh (0700), run as `sh -c <file>` in its folder. */
async function ssmAgent(index, step) {
  const dir = `/var/lib/amazon/ssm/i-0fa1e5e4e7e5e4e7e/document/orchestration/command-${index}/pullModels`;
  mkdir(dir, 0o700);
  fs.copyFileSync(`${T}/host/${step.script}`, `${dir}/_script.sh`);
  fs.chmodSync(`${dir}/_script.sh`, 0o700);
  const env = {
    PATH: SERVICE_PATH,
    AWS_SSM_INSTANCE_ID: "i-0fa1e5e4e7e5e4e7e",
    AWS_SSM_REGION_NAME: "ap-southeast-1",
    AWS_SSM_PLATFORM_NAME: "Amazon Linux",
    AWS_SSM_PLATFORM_VERSION: "2023",
  };
  return spawnStep(index, "sh", ["-c", `${dir}/_script.sh`], { cwd: dir, env }, step.timeoutMs);
}

function hashFile(file) {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex").slice(0, 16);
}

/** Every file below `dir` (or `dir` itself): path -> content hash, mode, owner, and mtime when asked. */
function fingerprint(dir, withTimes) {
  const entries = {};
  const walk = (p) => {
    if (!fs.existsSync(p)) return;
    const stat = fs.lstatSync(p);
    const meta = `${(stat.mode & 0o7777).toString(8)} ${stat.uid}:${stat.gid}${withTimes ? ` ${stat.mtimeMs}` : ""}`;
    if (stat.isSymbolicLink()) entries[p] = `-> ${fs.readlinkSync(p)}`;
    else if (stat.isDirectory()) {
      entries[p] = `dir ${meta}`;
      for (const name of fs.readdirSync(p).sort()) walk(path.join(p, name));
    } else entries[p] = `${hashFile(p)} ${meta}`;
  };
  walk(dir);
  return entries;
}

/** What the machine looks like now, but for the log: compared between runs to prove a re-run changed nothing. */
function snapshot() {
  const pidOf = (unit) => {
    try {
      return run("/usr/local/sbin/systemctl", ["show", "-p", "MainPID", unit]).trim();
    } catch {
      return "MainPID=?";
    }
  };
  const mainPid = pidOf("ollama");
  return {
    mainPid,
    vllmPid: pidOf("vllm"),
    calls: fs.readFileSync(`${T}/calls.log`, "utf8").split("\n").filter(Boolean).length,
    files: Object.assign(
      {},
      ...["/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", "/etc/systemd/system", "/usr/local/bin", "/usr/local/lib", "/usr/share/ollama", "/etc/ollama-fleet"].map(
        (p) => fingerprint(p, p.startsWith("/usr/share/ollama")),
      ),
    ),
  };
}

/** The models' folder the unit gives Ollama, else the root volume's. */
function modelsDir() {
  const dropIn = read("/etc/systemd/system/ollama.service.d/override.conf") || "";
  const match = /^Environment="OLLAMA_MODELS=(.*)"$/m.exec(dropIn);
  return match ? match[1] : MODELS;
}

/** Every file below `dir`, relative: its sha256 and size, and its age in seconds when asked. */
function files(dir, withAge) {
  const found = {};
  const walk = (p) => {
    if (!fs.existsSync(p)) return;
    for (const name of fs.readdirSync(p)) {
      const full = path.join(p, name);
      const stat = fs.statSync(full);
      if (stat.isDirectory()) walk(full);
      else {
        const sha256 = crypto.createHash("sha256").update(fs.readFileSync(full)).digest("hex");
        found[path.relative(dir, full)] = { sha256, size: stat.size, ...(withAge ? { ageSeconds: Math.round((Date.now() - stat.mtimeMs) / 1000) } : {}) };
      }
    }
  };
  walk(dir);
  return found;
}

function modelsOnDisk() {
  const root = `${modelsDir()}/manifests`;
  const found = [];
  const walk = (dir, depth) => {
    if (!fs.existsSync(dir)) return;
    for (const name of fs.readdirSync(dir)) {
      const full = path.join(dir, name);
      if (depth < 3) walk(full, depth + 1);
      else {
        const [registry, namespace, model] = path.relative(root, path.dirname(full)).split(path.sep);
        const prefix = registry === "registry.ollama.ai" ? (namespace === "library" ? "" : `${namespace}/`) : `${registry}/${namespace}/`;
        found.push(`${prefix}${model}:${name}`);
      }
    }
  };
  walk(root, 0);
  return found.sort();
}

const read = (file) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null);

function vllmResult() {
  const tokenPath = "/etc/ollama-fleet/vllm/hf-token";
  const containers = {};
  const dir = `${T}/state/docker/containers`;
  if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir)) containers[f.replace(/\.json$/, "")] = JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8"));
  const starts = read(`${T}/state/vllm-starts.log`);
  const cacheFiles = [];
  const walk = (p) => {
    if (!fs.existsSync(p)) return;
    if (fs.statSync(p).isDirectory()) fs.readdirSync(p).forEach((n) => walk(path.join(p, n)));
    else cacheFiles.push(p);
  };
  ["/opt/dlami/nvme", "/var/lib/ollama-fleet"].forEach(walk);
  const secrets = Object.values(plan.ssmParameters);
  const held = holdingSecrets(secrets, ["/etc", "/var", "/usr/local", "/opt", "/run", "/tmp", "/root"]);
  return {
    unit: read("/etc/systemd/system/vllm.service"),
    serveScript: read("/usr/local/lib/ollama-fleet/vllm-serve"),
    journal: read("/run/fake-systemd/vllm.service.journal"),
    starts: starts === null ? [] : starts.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)),
    containers,
    tokenFile: fs.existsSync(tokenPath)
      ? { mode: (fs.statSync(tokenPath).mode & 0o777).toString(8), owner: run("stat", ["-c", "%U:%G", tokenPath]).trim(), content: read(tokenPath) }
      : null,
    cacheFiles: cacheFiles.sort(),
    hfRequests: (read(`${T}/state/hf-requests.log`) || "").split("\n").filter(Boolean),
    weightsUnit: read("/etc/systemd/system/ollama-fleet-vllm-weights.service"),
    weightsJournal: read("/run/fake-systemd/ollama-fleet-vllm-weights.service.journal"),
    // the token file itself is where it belongs
    filesHoldingSecret: held.files.filter((f) => f !== tokenPath),
    processesHoldingSecret: held.processes,
  };
}

async function main() {
  isolate();
  prepare();
  const steps = [];
  const snapshots = {};
  const background = [];
  const settle = async (index, running) => {
    steps[index] = { kind: plan.steps[index].kind, ...(await running) };
    steps[index].stdout = read(`${OUT}/step-${index}.stdout`);
    steps[index].stderr = read(`${OUT}/step-${index}.stderr`);
  };
  for (const [index, step] of plan.steps.entries()) {
    let running;
    if (step.kind === "cloud-init") running = cloudInit(index, step);
    else if (step.kind === "ssm") running = ssmAgent(index, step);
    else if (step.kind === "exec") running = spawnStep(index, step.argv[0], step.argv.slice(1), { env: { PATH: SERVICE_PATH } }, step.timeoutMs);
    else if (step.kind === "http") running = httpGetWhenUp(step.url, step.waitMs);
    else if (step.kind === "reboot") running = reboot(index, step);
    else if (step.kind === "delay") running = new Promise((resolve) => setTimeout(() => resolve({}), step.ms));
    else if (step.kind === "wait") running = Promise.all(background.splice(0)).then(() => ({}));
    else if (step.kind === "snapshot") {
      snapshots[step.name] = snapshot();
      running = Promise.resolve({});
    } else throw new Error(`unknown step kind ${step.kind}`);
    if (step.background) background.push(settle(index, running));
    else await settle(index, running);
  }
  await Promise.all(background);
  const result = {
    steps,
    snapshots,
    models: modelsOnDisk(),
    log: read("/var/log/ollama-bootstrap.log"),
    calls: read(`${T}/calls.log`),
    journal: read("/run/fake-systemd/ollama.service.journal"),
    unit: read("/etc/systemd/system/ollama.service"),
    dropIn: read("/etc/systemd/system/ollama.service.d/override.conf"),
    installedVersion: read("/usr/local/lib/ollama/.ollama-fleet-version"),
    agent: {
      config: read("/opt/aws/amazon-cloudwatch-agent/etc/ollama-fleet.json"),
      applied: fs.existsSync("/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.d")
        ? fs.readdirSync("/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.d").sort()
        : [],
      journal: read("/run/fake-systemd/amazon-cloudwatch-agent.service.journal"),
      dlamiUnitEnabled: fs.existsSync("/etc/systemd/system/multi-user.target.wants/dlami-cloudwatch-agent@partial.service"),
    },
    ollamaUser: (() => {
      try {
        return run("id", ["ollama"]).trim();
      } catch {
        return null;
      }
    })(),
    modelsOwner: fs.existsSync(modelsDir()) ? run("stat", ["-c", "%U:%G", modelsDir()]).trim() : null,
    modelsDir: modelsDir(),
    blobs: files(`${modelsDir()}/blobs`, true),
    unownedModelFiles: fs.existsSync(modelsDir()) ? run("find", [modelsDir(), "!", "-user", "ollama"]).split("\n").filter(Boolean) : [],
    s3: plan.s3 ? files(`${T}/s3`, true) : {},
    s3Requests: (read(`${T}/s3-requests.log`) || "").split("\n").filter(Boolean),
    weightsUnit: read("/etc/systemd/system/ollama-fleet-weights.service"),
    weightsJournal: read("/run/fake-systemd/ollama-fleet-weights.service.journal"),
    vllm: vllmResult(),
  };
  fs.writeFileSync(`${OUT}/result.json`, JSON.stringify(result, null, 2));
}

main().catch((error) => {
  const file = fs.existsSync(OUT) ? `${OUT}/runner-error.txt` : path.join(HOST, "out", "runner-error.txt");
  fs.writeFileSync(file, String(error && error.stack ? error.stack : error));
  process.exit(1);
});
