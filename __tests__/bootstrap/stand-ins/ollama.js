// Stand-in for the ollama binary, shipped as bin/ollama in the fake release archives (the harness
// writes node's path in the first line and the release number below). Behaves like ollama 0.13
// where the bootstrap depends on it:
// - every command panics without HOME or OLLAMA_MODELS, with the real message (envconfig.Models);
// - the client reads OLLAMA_HOST as envconfig.Host does and talks HTTP to the server with no
//   timeout of its own (http.DefaultClient), failing as the real client does when it is down;
//   `--version` asks the server too, and adds "Warning: client version is X" when they differ;
// - `pull` draws its progress on stderr as the real client does (a redraw of every line, escape
//   sequences, spinners), prints "Error: <message>" and exits 1 on an error in the stream, and
//   exits 0 when the stream simply ends, with or without "success" (api/client.go's stream());
// - `serve` listens where OLLAMA_HOST says, keeps pulled models as manifests and blobs under
//   OLLAMA_MODELS, parses names as types/model/name.go does (400 "invalid model name" otherwise),
//   matches a name's parts to existing ones regardless of case (getExistingName), and answers
//   GET /, /api/version, /api/tags, POST /api/pull, GET /v1/models/<m>; at start it logs the
//   settings it read (context length, parallel requests, KV cache type, keep-alive, flash
//   attention) as envconfig parses them.
// Every client command is recorded in /run/ollama-fleet-test/calls.log. Faults, from
// /run/ollama-fleet-test/faults: pull.json { "<model>": { "failTimes": N } } (connection reset),
// { "notFound": true } (the registry has no such manifest: 404), { "endsEarlyTimes": N } (the
// stream stops after the first layer, no manifest written, no "success"), { "delayMs": N };
// list-hangs = N (the first N GET /api/tags get no answer); serve-fails (`serve` exits at once).
// Counts persist in /run/ollama-fleet-test/state.
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");
const crypto = require("crypto");

const VERSION = "__OLLAMA_VERSION__";
const TEST_STATE = "/run/ollama-fleet-test";

function panicWithoutHome() {
  if (process.env.OLLAMA_MODELS || process.env.HOME) return;
  process.stderr.write(
    "panic: $HOME is not defined\n\ngoroutine 1 [running]:\n" +
      "github.com/ollama/ollama/envconfig.Models()\n\tgithub.com/ollama/ollama/envconfig/config.go:93 +0x75\n" +
      "github.com/ollama/ollama/envconfig.AsMap()\n\tgithub.com/ollama/ollama/envconfig/config.go:286 +0x1a5\n" +
      "github.com/ollama/ollama/cmd.NewCLI()\n\tgithub.com/ollama/ollama/cmd/cmd.go:1849 +0x1f05\n",
  );
  process.exit(2);
}

/** envconfig.Host: scheme://host:port, default 127.0.0.1:11434. */
function host() {
  let s = (process.env.OLLAMA_HOST || "").trim();
  let scheme = "http";
  let defaultPort = "11434";
  const cut = s.indexOf("://");
  if (cut >= 0) {
    scheme = s.slice(0, cut);
    s = s.slice(cut + 3);
    if (scheme === "http") defaultPort = "80";
    if (scheme === "https") defaultPort = "443";
  }
  s = s.split("/")[0];
  const match = /^\[?([^\]]*?)\]?:(\d*)$/.exec(s);
  let hostname = "127.0.0.1";
  let port = defaultPort;
  if (match) {
    hostname = match[1] || "";
    port = match[2];
  } else if (s !== "") {
    hostname = s;
  }
  const n = Number(port);
  if (!/^\d+$/.test(port) || n > 65535) port = defaultPort;
  return { hostname, port: Number(port) };
}

/** envconfig.Var: the variable with surrounding spaces, then quotes, trimmed. */
function envVar(key) {
  return (process.env[key] || "").trim().replace(/^["']+|["']+$/g, "");
}

/** A duration as Go's time.Duration.String() writes it (whole nanoseconds as a BigInt). */
function goDuration(ns) {
  if (ns === 0n) return "0s";
  const negative = ns < 0n;
  let rest = negative ? -ns : ns;
  const hours = rest / 3600000000000n;
  rest %= 3600000000000n;
  const minutes = rest / 60000000000n;
  rest %= 60000000000n;
  const seconds = rest / 1000000000n;
  const fraction = (rest % 1000000000n).toString().padStart(9, "0").replace(/0+$/, "");
  const s = `${seconds}${fraction ? `.${fraction}` : ""}s`;
  return `${negative ? "-" : ""}${hours > 0n ? `${hours}h${minutes}m` : minutes > 0n ? `${minutes}m` : ""}${s}`;
}

/** Go's time.ParseDuration for whole numbers of h, m, s, ms, us, ns (what the scenarios use); null when it fails. */
function parseGoDuration(text) {
  const match = /^([-+]?)((?:\d+(?:h|m|s|ms|us|µs|ns))+)$/.exec(text);
  if (!match) return text === "0" ? 0n : null;
  const unit = { h: 3600000000000n, m: 60000000000n, s: 1000000000n, ms: 1000000n, us: 1000n, "µs": 1000n, ns: 1n };
  let total = 0n;
  for (const [, n, u] of match[2].matchAll(/(\d+)(h|ms|m|s|us|µs|ns)/g)) total += BigInt(n) * unit[u];
  return match[1] === "-" ? -total : total;
}

/**
 * The settings `serve` logs at start ("server config", server/routes.go), read as envconfig reads
 * them in 0.13: a number that does not parse keeps the default; keep-alive is a Go duration or
 * whole seconds, negative for ever, 5m by default; flash attention a Go bool (unparsable: true).
 */
function serverConfig() {
  const uint = (key, fallback) => (/^\d+$/.test(envVar(key)) ? String(BigInt(envVar(key))) : fallback);
  let keepAlive = 300000000000n;
  const k = envVar("OLLAMA_KEEP_ALIVE");
  if (k !== "") {
    const parsed = parseGoDuration(k);
    if (parsed !== null) keepAlive = parsed;
    else if (/^[-+]?\d+$/.test(k)) keepAlive = BigInt(k) * 1000000000n;
  }
  if (keepAlive < 0n) keepAlive = 9223372036854775807n;
  const fa = envVar("OLLAMA_FLASH_ATTENTION");
  const flash = fa === "" ? "false" : /^(0|f|F|FALSE|false|False)$/.test(fa) ? "false" : "true";
  const env = {
    OLLAMA_CONTEXT_LENGTH: uint("OLLAMA_CONTEXT_LENGTH", "4096"),
    OLLAMA_FLASH_ATTENTION: flash,
    OLLAMA_KEEP_ALIVE: goDuration(keepAlive),
    OLLAMA_KV_CACHE_TYPE: envVar("OLLAMA_KV_CACHE_TYPE"),
    OLLAMA_NUM_PARALLEL: uint("OLLAMA_NUM_PARALLEL", "1"),
  };
  return `msg="server config" env="map[${Object.entries(env).map(([key, value]) => `${key}:${value}`).join(" ")}]"`;
}

function modelsDir() {
  return process.env.OLLAMA_MODELS || path.join(process.env.HOME, ".ollama", "models");
}

/** Ollama's isValidPart (types/model/name.go): first character, the rest, and the length. */
function validPart(kind, part) {
  const max = kind === "host" ? 350 : 80;
  if (part.length < 1 || part.length > max) return false;
  const rest = kind === "host" ? /^[A-Za-z0-9_.:-]*$/ : kind === "namespace" ? /^[A-Za-z0-9_-]*$/ : /^[A-Za-z0-9_.-]*$/;
  return /^[A-Za-z0-9_]$/.test(part[0]) && rest.test(part.slice(1));
}

/** ParseName: registry host, namespace, model and tag, the defaults filled in; null when not IsValid. */
function parseName(name) {
  let rest = name;
  let tag = "latest";
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const cut = rest.lastIndexOf("/");
  const model = rest.slice(cut + 1);
  let namespace = "library";
  let registry = "registry.ollama.ai";
  if (cut >= 0) {
    const before = rest.slice(0, cut);
    const second = before.lastIndexOf("/");
    namespace = before.slice(second + 1);
    if (second >= 0) registry = before.slice(0, second).replace(/^[a-z]+:\/\//, "");
  }
  const parts = { host: registry, namespace, model, tag };
  const ok = Object.entries(parts).every(([kind, part]) => validPart(kind, part));
  return ok ? { registry, namespace, model, tag } : null;
}

/** getExistingName: each part takes the spelling of an existing model's part equal to it but for case. */
function existingName(parsed) {
  const keys = ["registry", "namespace", "model", "tag"];
  const result = { ...parsed };
  for (const existing of manifests()) {
    for (const key of keys) {
      if (existing.parts[key].toLowerCase() === parsed[key].toLowerCase()) result[key] = existing.parts[key];
    }
  }
  return result;
}

const sameName = (a, b) => ["registry", "namespace", "model", "tag"].every((k) => a[k].toLowerCase() === b[k].toLowerCase());

function displayName(n) {
  const prefix = n.registry === "registry.ollama.ai" ? (n.namespace === "library" ? "" : `${n.namespace}/`) : `${n.registry}/${n.namespace}/`;
  return `${prefix}${n.model}:${n.tag}`;
}

function manifests() {
  const root = path.join(modelsDir(), "manifests");
  const found = [];
  const walk = (dir, depth) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (depth < 3 && fs.statSync(full).isDirectory()) walk(full, depth + 1);
      else if (depth === 3) {
        const [registry, namespace, model, tag] = path.relative(root, full).split(path.sep);
        const manifest = JSON.parse(fs.readFileSync(full, "utf8"));
        const parts = { registry, namespace, model, tag };
        found.push({ name: displayName(parts), parts, manifest, mtime: fs.statSync(full).mtime });
      }
    }
  };
  walk(root, 0);
  return found;
}

function readJson(file, fallback) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return fallback;
  }
}

/** The fault planned for this pull of `model`, if any ("error: ..." or "ends-early"); counts every pull. */
function pullFault(model) {
  const faults = readJson(path.join(TEST_STATE, "faults", "pull.json"), {});
  const countsFile = path.join(TEST_STATE, "state", "pull-counts.json");
  const counts = readJson(countsFile, {});
  counts[model] = (counts[model] || 0) + 1;
  try {
    fs.writeFileSync(countsFile, JSON.stringify(counts));
  } catch {
    // a read-only state directory only loses the count
  }
  const fault = faults[model];
  if (!fault) return null;
  // makeRequestWithRetry turns the registry's 404 into os.ErrNotExist.
  if (fault.notFound) return "error: pull model manifest: file does not exist";
  if (fault.failTimes && counts[model] <= fault.failTimes) {
    return `error: pull model manifest: Get "https://registry.ollama.ai/v2/library/${model}/manifests/latest": read tcp: connection reset by peer`;
  }
  if (fault.endsEarlyTimes && counts[model] <= fault.endsEarlyTimes) return "ends-early";
  return null;
}

/** Counts a GET /api/tags; true for the first N when faults/list-hangs is N. */
function listHangs() {
  const hangs = Number(readText(path.join(TEST_STATE, "faults", "list-hangs")) || 0);
  const file = path.join(TEST_STATE, "state", "list-requests");
  const count = Number(readText(file) || 0) + 1;
  try {
    fs.writeFileSync(file, String(count));
  } catch {
    // a read-only state directory only loses the count
  }
  return count <= hangs;
}

function readText(file) {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}

/**
 * What Serve does before it listens, unless OLLAMA_NOPRUNE is set (server/routes.go, images.go):
 * when every manifest reads, it removes the blobs no manifest names (and files whose names are no
 * digest, e.g. partial downloads). From 0.21 a blob changed in the last hour is spared (another
 * process may not have written its manifest yet); before, every unnamed blob goes.
 */
function prune(dir) {
  if (["1", "true"].includes((process.env.OLLAMA_NOPRUNE || "").toLowerCase())) return;
  const blobs = path.join(dir, "blobs");
  if (!fs.existsSync(blobs)) return;
  let named;
  try {
    named = new Set(manifests().flatMap((m) => [m.manifest.config.digest, ...m.manifest.layers.map((l) => l.digest)]));
  } catch (e) {
    console.log(`level=WARN msg="corrupt manifests detected, skipping prune operation.  Re-pull or delete to clear" error="${e.message}"`);
    return;
  }
  const [major, minor] = VERSION.split(".").map(Number);
  const graceMs = major > 0 || minor >= 21 ? 3600 * 1000 : 0;
  let removed = 0;
  for (const name of fs.readdirSync(blobs)) {
    const file = path.join(blobs, name);
    if (!/^sha256[-:][0-9a-fA-F]{64}$/.test(name)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (named.has(name.replace("-", ":")) || Date.now() - fs.statSync(file).mtimeMs < graceMs) continue;
    fs.rmSync(file, { force: true });
    removed++;
  }
  console.log(`level=INFO msg="total unused blobs removed: ${removed}"`);
}

function serve() {
  if (fs.existsSync(path.join(TEST_STATE, "faults", "serve-fails"))) {
    console.error("Error: unable to initialize llm runners: no compatible GPUs were discovered");
    process.exit(1);
  }
  const { hostname, port } = host();
  console.log(serverConfig());
  const dir = modelsDir();
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    console.error(`Error: mkdir ${dir}: ${e.code === "EACCES" ? "permission denied" : e.message}`);
    process.exit(1);
  }
  prune(dir);
  const server = http.createServer((req, res) => {
    const send = (status, body, type = "application/json") => {
      res.writeHead(status, { "Content-Type": type });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    console.log(`[GIN] ${req.method} ${req.url}`);
    const url = new URL(req.url, "http://x");
    if ((req.method === "GET" || req.method === "HEAD") && url.pathname === "/") return send(200, "Ollama is running", "text/plain");
    if (req.method === "GET" && url.pathname === "/api/version") return send(200, { version: VERSION });
    if (req.method === "GET" && url.pathname === "/api/tags") {
      // A wedged server: the request is read and never answered.
      if (listHangs()) return undefined;
      return send(200, {
        models: manifests().map((m) => ({
          name: m.name,
          model: m.name,
          modified_at: m.mtime.toISOString(),
          size: m.manifest.layers.reduce((sum, l) => sum + l.size, 0),
          digest: m.manifest.config.digest.replace("sha256:", ""),
        })),
      });
    }
    if (req.method === "GET" && url.pathname.startsWith("/v1/models/")) {
      const name = decodeURIComponent(url.pathname.slice("/v1/models/".length));
      const parsed = parseName(name);
      const present = parsed && manifests().some((m) => sameName(m.parts, parsed));
      return present ? send(200, { id: name, object: "model", owned_by: "library" }) : send(404, { error: { message: `model "${name}" not found` } });
    }
    if (req.method === "POST" && url.pathname === "/api/pull") {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        let request = {};
        try {
          request = JSON.parse(body);
        } catch {
          // an unreadable body names no model
        }
        const name = request.model || request.name || "";
        const parsed = parseName(name);
        if (!parsed) return send(400, { error: "invalid model name" });
        const target = existingName(parsed);
        res.writeHead(200, { "Content-Type": "application/x-ndjson" });
        const line = (o) => res.write(JSON.stringify(o) + "\n");
        line({ status: "pulling manifest" });
        const fault = pullFault(name);
        if (fault && fault.startsWith("error: ")) {
          line({ error: fault.slice("error: ".length) });
          return res.end();
        }
        const delayMs = (readJson(path.join(TEST_STATE, "faults", "pull.json"), {})[name] || {}).delayMs || 0;
        setTimeout(() => finishPull(target, line, fault === "ends-early"), delayMs);
        return undefined;
      });
      const finishPull = (parsed, line, endsEarly) => {
        const model = fakeModel(displayName(parsed));
        try {
          const blobs = path.join(dir, "blobs");
          fs.mkdirSync(blobs, { recursive: true });
          const files = Object.entries(model.blobs);
          const [firstName, first] = files[0];
          const firstDigest = firstName.replace("-", ":");
          line({ status: `pulling ${firstDigest.slice(7, 19)}`, digest: firstDigest, total: first.length * 2, completed: first.length });
          // The server went away mid-download (a restart, a crash): the stream just stops.
          if (endsEarly) return res.end();
          // A blob already there is not downloaded again (a layer another model shares).
          for (const [name, content] of files) {
            if (!fs.existsSync(path.join(blobs, name))) fs.writeFileSync(path.join(blobs, name), content);
            line({ status: `pulling ${name.slice(7, 19)}`, digest: name.replace("-", ":"), total: content.length, completed: content.length });
          }
          const manifestDir = path.join(dir, "manifests", parsed.registry, parsed.namespace, parsed.model);
          fs.mkdirSync(manifestDir, { recursive: true });
          line({ status: "verifying sha256 digest" });
          line({ status: "writing manifest" });
          fs.writeFileSync(path.join(manifestDir, parsed.tag), model.manifest);
          line({ status: "success" });
        } catch (e) {
          line({ error: `write ${dir}: ${e.code === "EACCES" ? "permission denied" : e.message}` });
        }
        res.end();
      };
      return undefined;
    }
    return send(404, "404 page not found", "text/plain");
  });
  server.on("error", (e) => {
    console.error(`Error: listen tcp ${hostname}:${port}: ${e.message}`);
    process.exit(1);
  });
  server.listen(port, hostname === "" ? "0.0.0.0" : hostname, () => console.log(`Listening on ${hostname}:${port} (version ${VERSION})`));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

/** One request to the server; resolves with the status line once the body ends. No timeout, as http.DefaultClient. */
function request(method, pathname, body, onLine) {
  const { hostname, port } = host();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path: pathname, headers: { "Content-Type": "application/json" } }, (res) => {
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        buffer += chunk;
        let newline;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          onLine(buffer.slice(0, newline), res.statusCode);
          buffer = buffer.slice(newline + 1);
        }
      });
      res.on("end", () => {
        if (buffer) onLine(buffer, res.statusCode);
        resolve({ status: res.statusCode, statusText: `${res.statusCode} ${http.STATUS_CODES[res.statusCode]}` });
      });
    });
    req.on("error", reject);
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

function fail(message) {
  console.error(`Error: ${message}`);
  process.exit(1);
}

const notRunning = (e) => (e.code === "ECONNREFUSED" ? "could not connect to ollama app, is it running?" : e.message);

/** progress.Progress: every 100 ms (here: on every event) all lines are drawn again over the last drawing. */
function progress() {
  const states = [];
  let drawn = 0;
  const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
  let frame = 0;
  const render = (stopped) => {
    let out = "\x1b[?2026h\x1b[?25l";
    for (let i = 0; i < drawn - 1; i++) out += "\x1b[A";
    out += "\x1b[1G";
    out += states
      .map((s) => (s.bar ? `pulling ${s.name}: ${String(Math.round((100 * s.completed) / s.total)).padStart(3)}% ▕██████▏ ${s.total} B` : `${s.status} ${stopped ? "" : `${frames[frame++ % frames.length]} `}`) + "\x1b[K")
      .join("\n");
    out += "\x1b[?25h\x1b[?2026l";
    drawn = states.length;
    process.stderr.write(out);
  };
  return {
    event(e) {
      if (e.digest) {
        if (e.completed === 0) return;
        const name = e.digest.replace("sha256:", "").slice(0, 12);
        const bar = states.find((s) => s.bar && s.name === name);
        if (bar) Object.assign(bar, { completed: e.completed, total: e.total });
        else states.push({ bar: true, name, completed: e.completed, total: e.total });
      } else if (!states.length || states[states.length - 1].status !== e.status) {
        states.push({ status: e.status });
      }
      render(false);
    },
    stop() {
      if (states.length) {
        render(true);
        process.stderr.write("\n");
      }
    },
  };
}

async function client(command, args) {
  try {
    fs.appendFileSync(path.join(TEST_STATE, "calls.log"), `ollama ${[command, ...args].join(" ")}\n`);
  } catch {
    // outside a scenario there is no log of calls
  }
  if (command === "-v" || command === "--version") {
    // versionHandler: the server's version first, the client's when they differ.
    let text = "";
    const answer = await request("GET", "/api/version", null, (l) => (text += l)).catch(() => null);
    const server = answer && answer.status === 200 ? JSON.parse(text).version : "";
    if (!server) console.log("Warning: could not connect to a running Ollama instance");
    if (server) console.log(`ollama version is ${server}`);
    if (server !== VERSION) console.log(`Warning: client version is ${VERSION}`);
    return;
  }
  if (command === "list" || command === "ls") {
    let text = "";
    const answer = await request("GET", "/api/tags", null, (l) => (text += l)).catch((e) => fail(notRunning(e)));
    if (answer.status !== 200) fail(`${answer.statusText}: ${text}`);
    const rows = JSON.parse(text).models.map((m) => [m.name, m.digest.slice(0, 12), `${m.size} B`, "About a minute ago"]);
    const all = [["NAME", "ID", "SIZE", "MODIFIED"], ...rows];
    const widths = all[0].map((_, i) => Math.max(...all.map((r) => r[i].length)));
    for (const row of all) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join("    ").trimEnd());
    return;
  }
  if (command === "pull") {
    if (args.length !== 1) fail(`accepts 1 arg(s), received ${args.length}`);
    const shown = progress();
    let error = null;
    const answer = await request("POST", "/api/pull", { name: args[0] }, (l, status) => {
      const event = JSON.parse(l);
      if (status >= 400) error = `${status} ${http.STATUS_CODES[status]}: ${event.error}`;
      else if (event.error) error = event.error;
      if (!error) shown.event(event);
    }).catch((e) => {
      shown.stop();
      fail(notRunning(e));
    });
    shown.stop();
    if (error) fail(error);
    // The stream ended: success or not, the real client returns nil.
    return answer;
  }
  fail(`unknown command "${command}" for "ollama"`);
}

panicWithoutHome();
const [command, ...args] = process.argv.slice(2);
if (command === "serve") serve();
else client(command, args);
