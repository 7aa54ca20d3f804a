// Stand-in for the docker CLI (and its daemon), for what the vLLM bootstrap and its unit run:
// `info`, `image inspect`, `pull`, `run`, `rm -f`, `stop`, `inspect`. It answers as Docker 25 does,
// its messages and exit statuses included (125 for a daemon error of `docker run`, the container's
// own exit status otherwise). State under /run/ollama-fleet-test/state/docker: the local images and
// one record per container. The registry knows the images of faults/docker-registry.json; a `run`
// starts the image's `vllm` entrypoint as the fake vLLM server (vllm-server.js) in the foreground,
// with the container's environment, its published port and its mounts, and records what `docker
// inspect` shows. The daemon is the dockerd stand-in docker.service runs; the CLI fails as the real one
// does when it is not running. Faults: docker-pull-fail-times (the first N pulls time out),
// no-nvidia (no NVIDIA runtime for --gpus).
"use strict";
const { spawn } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");

const T = "/run/ollama-fleet-test";
const STATE = `${T}/state/docker`;
const argv = process.argv.slice(2);
fs.appendFileSync(`${T}/calls.log`, `docker ${argv.join(" ")}\n`);
fs.mkdirSync(`${STATE}/containers`, { recursive: true });

const fault = (name) => (fs.existsSync(`${T}/faults/${name}`) ? fs.readFileSync(`${T}/faults/${name}`, "utf8").trim() : undefined);
const fail = (message, status = 1) => {
  process.stderr.write(`${message}\n`);
  process.exit(status);
};
const readJson = (file, fallback) => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : fallback);
const writeJson = (file, value) => fs.writeFileSync(file, JSON.stringify(value, null, 2));

/** `vllm/vllm-openai:v1` and `docker.io/vllm/vllm-openai:v1` are one reference; no tag means latest. */
function normalize(ref) {
  let name = ref.replace(/^docker\.io\//, "");
  const at = name.indexOf("@");
  const digest = at < 0 ? "" : name.slice(at);
  if (at >= 0) name = name.slice(0, at);
  if (!name.slice(name.lastIndexOf("/") + 1).includes(":") && digest === "") name += ":latest";
  return name + digest;
}

/** The daemon answers when docker.service runs it (the dockerd stand-in records its pid). */
function daemon() {
  const pid = fs.existsSync("/run/docker.pid") ? Number(fs.readFileSync("/run/docker.pid", "utf8")) : 0;
  if (!(pid > 0 && alive(pid))) fail("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?");
}

const images = () => readJson(`${STATE}/images.json`, []);

function pull(ref) {
  const count = Number(readJson(`${STATE}/pulls.json`, 0)) + 1;
  writeJson(`${STATE}/pulls.json`, count);
  if (count <= Number(fault("docker-pull-fail-times") ?? 0)) {
    return { ok: false, message: 'Error response from daemon: Get "https://registry-1.docker.io/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)' };
  }
  const registry = readJson(`${T}/faults/docker-registry.json`, []).map(normalize);
  const wanted = normalize(ref);
  if (!registry.includes(wanted)) {
    const [repo, tag] = wanted.split(/[:@]/);
    return { ok: false, message: `Error response from daemon: manifest for ${repo}:${tag} not found: manifest unknown: manifest unknown` };
  }
  const tag = wanted.split(":").pop();
  process.stdout.write(`${tag}: Pulling from ${wanted.split(":")[0]}\n3c645031de29: Pull complete\nDigest: sha256:${crypto.createHash("sha256").update(wanted).digest("hex")}\n`);
  process.stdout.write(`Status: Downloaded newer image for ${wanted}\ndocker.io/${wanted}\n`);
  writeJson(`${STATE}/images.json`, [...new Set([...images(), wanted])]);
  return { ok: true };
}

const containerFile = (name) => `${STATE}/containers/${name.replace(/^\//, "")}.json`;
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2].startsWith("Z");
  } catch {
    return false;
  }
};

/** `docker run` options: those the bootstrap's unit uses, parsed as the CLI does; any other is refused. */
function parseRun(args) {
  const o = { env: [], volumes: [], ports: [], name: undefined, gpus: undefined, ipc: undefined, entrypoint: undefined, rm: false };
  let i = 0;
  const value = (flag) => {
    const eq = args[i].indexOf("=");
    if (args[i].startsWith("--") && eq > 0) return args[i].slice(eq + 1);
    i += 1;
    if (i >= args.length) fail(`flag needs an argument: ${flag}\nSee 'docker run --help'.`, 125);
    return args[i];
  };
  for (; i < args.length && args[i].startsWith("-"); i++) {
    const flag = args[i].split("=")[0];
    switch (flag) {
      case "--name": o.name = value(flag); break;
      case "--gpus": o.gpus = value(flag); break;
      case "--ipc": o.ipc = value(flag); break;
      case "-p": case "--publish": o.ports.push(value(flag)); break;
      case "-v": case "--volume": o.volumes.push(value(flag)); break;
      case "-e": case "--env": o.env.push(value(flag)); break;
      case "--entrypoint": o.entrypoint = value(flag); break;
      case "--rm": o.rm = true; break;
      default: fail(`unknown flag: ${flag}\nSee 'docker run --help'.`, 125);
    }
  }
  if (i >= args.length) fail('"docker run" requires at least 1 argument.\nSee \'docker run --help\'.', 125);
  return { ...o, image: args[i], command: args.slice(i + 1) };
}

function run(args) {
  daemon();
  const o = parseRun(args);
  const image = normalize(o.image);
  if (!images().includes(image)) {
    process.stderr.write(`Unable to find image '${o.image}' locally\n`);
    const pulled = pull(o.image);
    if (!pulled.ok) fail(`docker: ${pulled.message}.\nSee 'docker run --help'.`, 125);
  }
  const name = o.name ?? `fake_${crypto.randomBytes(4).toString("hex")}`;
  const existing = readJson(containerFile(name), undefined);
  if (existing) {
    fail(`docker: Error response from daemon: Conflict. The container name "/${name}" is already in use by container "${existing.Id}". You have to remove (or rename) that container to be able to reuse that name.\nSee 'docker run --help'.`, 125);
  }
  if (o.gpus !== undefined && fault("no-nvidia")) fail('docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].', 125);
  // -e NAME=value as given; -e NAME takes the client's own value, and is left out without one
  const env = o.env.flatMap((e) => (e.includes("=") ? [e] : process.env[e] === undefined ? [] : [`${e}=${process.env[e]}`]));
  const mounts = Object.fromEntries(
    o.volumes.map((v) => {
      const [source, destination, mode] = v.split(":");
      if (!source.startsWith("/") || !fs.existsSync(source)) fail(`docker: Error response from daemon: invalid mount config for type "bind": bind source path does not exist: ${source}.`, 125);
      return [destination, { source, readOnly: mode === "ro" }];
    }),
  );
  const published = Object.fromEntries(o.ports.map((p) => p.split(":").reverse()));
  const id = crypto.randomBytes(32).toString("hex");
  const entrypoint = o.entrypoint ?? "vllm";
  if (entrypoint !== "vllm") fail(`docker: Error response from daemon: failed to create task for container: exec: "${entrypoint}": executable file not found in $PATH: unknown.`, 127);
  const gpus = o.gpus === undefined ? 0 : Number(fault("gpus") ?? 1);
  const child = spawn(process.execPath, [`${T}/bin/vllm-server.js`, entrypoint, ...o.command], {
    stdio: "inherit",
    env: {
      PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      ...Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])),
      FAKE_CONTAINER_PORT_MAP: JSON.stringify(published),
      FAKE_CONTAINER_MOUNTS: JSON.stringify(mounts),
      FAKE_CONTAINER_GPUS: String(gpus),
      FAKE_CONTAINER_IPC: o.ipc ?? "private",
    },
  });
  const record = {
    Id: id,
    Name: `/${name}`,
    Image: `sha256:${crypto.createHash("sha256").update(image).digest("hex")}`,
    State: { Status: "running", Running: true, Pid: child.pid, ExitCode: 0 },
    Config: { Image: o.image, Env: env, Entrypoint: [entrypoint], Cmd: o.command },
    HostConfig: {
      Binds: o.volumes,
      IpcMode: o.ipc ?? "private",
      PortBindings: Object.fromEntries(Object.entries(published).map(([c, h]) => [`${c}/tcp`, [{ HostIp: "", HostPort: h }]])),
      DeviceRequests: o.gpus === undefined ? null : [{ Driver: "", Count: -1, Capabilities: [["gpu"]] }],
    },
  };
  writeJson(containerFile(name), record);
  const forward = (signal) => child.kill(signal);
  process.on("SIGTERM", forward);
  process.on("SIGINT", forward);
  child.on("exit", (code, signal) => {
    const status = code ?? 128 + ({ SIGTERM: 15, SIGKILL: 9, SIGINT: 2 }[signal] ?? 1);
    const current = readJson(containerFile(name), undefined);
    if (o.rm) fs.rmSync(containerFile(name), { force: true });
    else if (current && current.Id === id) writeJson(containerFile(name), { ...current, State: { Status: "exited", Running: false, Pid: 0, ExitCode: status } });
    process.exit(status);
  });
}

function stopContainer(name, seconds) {
  const record = readJson(containerFile(name), undefined);
  if (!record) fail(`Error response from daemon: No such container: ${name}`);
  const pid = record.State.Pid;
  if (record.State.Running && alive(pid)) {
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + seconds * 1000;
    while (alive(pid) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    if (alive(pid)) process.kill(pid, "SIGKILL");
  }
  return record;
}

const [command, ...rest] = argv;
switch (command) {
  case "info":
    daemon();
    process.stdout.write(`Client: Docker Engine - Community\n Version: 25.0.16\n\nServer:\n Containers: ${fs.readdirSync(`${STATE}/containers`).length}\n Server Version: 25.0.16\n Runtimes: io.containerd.runc.v2 ${fault("no-nvidia") ? "" : "nvidia "}runc\n Default Runtime: runc\n`);
    break;
  case "image": {
    daemon();
    if (rest[0] !== "inspect" || rest.length !== 2) fail(`docker image: unsupported by the stand-in: ${rest.join(" ")}`);
    const image = normalize(rest[1]);
    if (!images().includes(image)) {
      process.stdout.write("[]\n");
      fail(`Error response from daemon: No such image: ${rest[1]}`);
    }
    process.stdout.write(`${JSON.stringify([{ Id: `sha256:${crypto.createHash("sha256").update(image).digest("hex")}`, RepoTags: [image] }], null, 4)}\n`);
    break;
  }
  case "pull": {
    daemon();
    if (rest.length !== 1) fail('"docker pull" requires exactly 1 argument.');
    const pulled = pull(rest[0]);
    if (!pulled.ok) fail(pulled.message);
    break;
  }
  case "run":
    run(rest);
    break;
  case "rm": {
    daemon();
    const force = rest.includes("-f") || rest.includes("--force");
    const names = rest.filter((a) => !a.startsWith("-"));
    let status = 0;
    for (const name of names) {
      const record = readJson(containerFile(name), undefined);
      if (!record) {
        process.stderr.write(`Error response from daemon: No such container: ${name}\n`);
        status = 1;
        continue;
      }
      if (record.State.Running && alive(record.State.Pid)) {
        if (!force) fail(`Error response from daemon: You cannot remove a running container ${record.Id}. Stop the container before attempting removal or force remove`);
        process.kill(record.State.Pid, "SIGKILL");
      }
      fs.rmSync(containerFile(name), { force: true });
      process.stdout.write(`${name}\n`);
    }
    process.exit(status);
    break;
  }
  case "stop": {
    daemon();
    const t = rest.indexOf("-t");
    const seconds = t >= 0 ? Number(rest[t + 1]) : 10;
    const names = rest.filter((a, i) => !a.startsWith("-") && (t < 0 || i !== t + 1));
    for (const name of names) {
      stopContainer(name, seconds);
      process.stdout.write(`${name}\n`);
    }
    break;
  }
  case "inspect": {
    daemon();
    const names = rest.filter((a, i) => !a.startsWith("-") && rest[i - 1] !== "--type");
    const found = names.map((n) => readJson(containerFile(n), undefined));
    process.stdout.write(`${JSON.stringify(found.filter(Boolean), null, 4)}\n`);
    const missing = names.filter((n, i) => !found[i]);
    if (missing.length > 0) fail(`Error: No such object: ${missing[0]}`);
    break;
  }
  default:
    fail(`docker: '${command}' is not a docker command (the stand-in has info, image inspect, pull, run, rm, stop, inspect).`);
}
