// Stand-in for the ollama binary, shipped as bin/ollama in the fake release archives (the harness
// writes node's path in the first line and the release number below). Behaves like ollama 0.13
// where the bootstrap depends on it:
// - every command panics without HOME or OLLAMA_MODELS, with the real message (envconfig.Models);
// - the client reads OLLAMA_HOST as envconfig.Host does, and `list` / `pull` talk HTTP to the
//   server, failing as the real client does when it is down;
// - `serve` listens where OLLAMA_HOST says, keeps pulled models as manifests and blobs under
//   OLLAMA_MODELS, and answers GET /, /api/version, /api/tags, POST /api/pull, GET /v1/models/<m>.
// Pull faults come from /run/ollama-fleet-test/faults/pull.json: { "<model>": { "failTimes": N } },
// { "<model>": { "always": true } } or { "<model>": { "delayMs": N } }; counts persist in
// /run/ollama-fleet-test/state. With faults/serve-fails, `serve` exits at once.
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

function modelsDir() {
  return process.env.OLLAMA_MODELS || path.join(process.env.HOME, ".ollama", "models");
}

/** registry host, namespace, model, tag of a model name, as Ollama fills them in. */
function parseName(name) {
  let rest = name;
  let tag = "latest";
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split("/");
  const model = parts.pop();
  const namespace = parts.pop() || "library";
  const registry = parts.length > 0 ? parts.join("/") : "registry.ollama.ai";
  const ok = [registry, namespace, model, tag].every((p) => /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(p)) && model.length > 0;
  return ok ? { registry, namespace, model, tag } : null;
}

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
        found.push({ name: displayName({ registry, namespace, model, tag }), manifest, mtime: fs.statSync(full).mtime });
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

/** The fault planned for this pull of `model`, if any; counts every pull. */
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
  if (fault.always) return `pull model manifest: file does not exist`;
  if (fault.failTimes && counts[model] <= fault.failTimes) {
    return `pull model manifest: Get "https://registry.ollama.ai/v2/library/${model}": read tcp: connection reset by peer`;
  }
  return null;
}

function serve() {
  if (fs.existsSync(path.join(TEST_STATE, "faults", "serve-fails"))) {
    console.error("Error: unable to initialize llm runners: no compatible GPUs were discovered");
    process.exit(1);
  }
  const { hostname, port } = host();
  const dir = modelsDir();
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    console.error(`Error: mkdir ${dir}: ${e.code === "EACCES" ? "permission denied" : e.message}`);
    process.exit(1);
  }
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
      const present = parsed && manifests().some((m) => m.name === displayName(parsed));
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
        res.writeHead(200, { "Content-Type": "application/x-ndjson" });
        const line = (o) => res.write(JSON.stringify(o) + "\n");
        line({ status: "pulling manifest" });
        const fault = pullFault(name);
        if (fault) {
          line({ error: fault });
          return res.end();
        }
        const delayMs = (readJson(path.join(TEST_STATE, "faults", "pull.json"), {})[name] || {}).delayMs || 0;
        setTimeout(() => finishPull(parsed, line), delayMs);
        return undefined;
      });
      const finishPull = (parsed, line) => {
        const content = `fake weights of ${displayName(parsed)}\n`;
        const digest = "sha256:" + crypto.createHash("sha256").update(content).digest("hex");
        try {
          const blobs = path.join(dir, "blobs");
          fs.mkdirSync(blobs, { recursive: true });
          fs.writeFileSync(path.join(blobs, digest.replace(":", "-")), content);
          const manifestDir = path.join(dir, "manifests", parsed.registry, parsed.namespace, parsed.model);
          fs.mkdirSync(manifestDir, { recursive: true });
          const manifest = { schemaVersion: 2, config: { digest, size: content.length }, layers: [{ digest, size: content.length }] };
          line({ status: `pulling ${digest.slice(7, 19)}`, digest, total: content.length, completed: content.length });
          line({ status: "verifying sha256 digest" });
          line({ status: "writing manifest" });
          fs.writeFileSync(path.join(manifestDir, parsed.tag), JSON.stringify(manifest));
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
          onLine(buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
        }
      });
      res.on("end", () => {
        if (buffer) onLine(buffer);
        resolve(res.statusCode);
      });
    });
    req.on("error", reject);
    req.setTimeout(30000, () => req.destroy(new Error("timeout")));
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

function fail(message) {
  console.error(`Error: ${message}`);
  process.exit(1);
}

async function client(command, args) {
  const notRunning = (e) =>
    e.code === "ECONNREFUSED" ? "ollama server not responding - could not connect to ollama app, is it running?" : e.message;
  if (command === "list" || command === "ls") {
    let text = "";
    const status = await request("GET", "/api/tags", null, (l) => (text += l)).catch((e) => fail(notRunning(e)));
    if (status !== 200) fail(`list: status ${status}`);
    const rows = JSON.parse(text).models.map((m) => [m.name, m.digest.slice(0, 12), `${m.size} B`, "About a minute ago"]);
    const all = [["NAME", "ID", "SIZE", "MODIFIED"], ...rows];
    const widths = all[0].map((_, i) => Math.max(...all.map((r) => r[i].length)));
    for (const row of all) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join("    ").trimEnd());
    return;
  }
  if (command === "pull") {
    if (args.length !== 1) fail(`accepts 1 arg(s), received ${args.length}`);
    let error = null;
    let success = false;
    const status = await request("POST", "/api/pull", { model: args[0], stream: true }, (l) => {
      const event = JSON.parse(l);
      if (event.error) error = event.error;
      else {
        if (event.status === "success") success = true;
        console.log(event.status);
      }
    }).catch((e) => fail(notRunning(e)));
    if (error) fail(error);
    if (status !== 200 || !success) fail(`pull: status ${status}`);
    return;
  }
  fail(`unknown command "${command}" for "ollama"`);
}

panicWithoutHome();
const [command, ...args] = process.argv.slice(2);
if (command === "-v" || command === "--version") console.log(`ollama version is ${VERSION}`);
else if (command === "serve") serve();
else client(command, args);
