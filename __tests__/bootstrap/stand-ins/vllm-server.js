// The fake vLLM of the fake image: `vllm serve <repo or folder> [options]` as the docker stand-in
// starts it, with the container's environment, port map and mounts (FAKE_CONTAINER_*). It parses its
// options as vLLM's argparse does (an unknown one is an error, exit 2), checks tensor parallelism
// against the container's GPUs, and loads the weights: a folder (an absolute path) from the
// container's mounts, with no call to Hugging Face (as transformers loads a local folder; a folder
// that is not there is an invalid repository id, as huggingface_hub says); a repository from the
// Hugging Face cache mounted at /root/.cache/huggingface, laid out as huggingface_hub lays it out
// (hub/models--org--name/refs/<revision> holds the commit, snapshots/<commit>/<file> are relative
// links into blobs/, .locks/ and .no_exist/ beside them), asking Hugging Face for each file unless
// HF_HUB_OFFLINE=1 (a HEAD for a cached file, a GET for a missing one; each request is a line of
// state/hf-requests.log), refusing offline without the files, and refusing a gated repository
// without the right token, read from HF_TOKEN_PATH. Then it serves /health and /v1/models on the
// published port, as vLLM does only once the model is loaded. A revision's commit is the sha1 of
// `<repo>@<revision>` (a 40-hex revision is its own commit), and a file's content names its commit.
// Faults: vllm-exit-times (the first N starts die of CUDA out of memory), hf-gated.json ({repo:
// token}), hf-unreachable (no network to Hugging Face). Each start is a JSON line of state/vllm-starts.log.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const http = require("http");
const path = require("path");

const T = "/run/ollama-fleet-test";
const fault = (name) => (fs.existsSync(`${T}/faults/${name}`) ? fs.readFileSync(`${T}/faults/${name}`, "utf8").trim() : undefined);
const log = (line) => process.stdout.write(`INFO ${line}\n`);
const die = (line, status = 1) => {
  process.stderr.write(`${line}\n`);
  process.exit(status);
};

const [entrypoint, subcommand, repo, ...options] = process.argv.slice(2);
if (entrypoint !== "vllm" || subcommand !== "serve" || !repo || repo.startsWith("-")) die("usage: vllm serve [model_tag] [options]", 2);
const VALUED = ["--served-model-name", "--host", "--port", "--tensor-parallel-size", "--gpu-memory-utilization", "--dtype", "--revision", "--max-model-len", "--quantization"];
// The tuning options of vLLM's parser the fleet may pass (vllm/engine/arg_utils.py, cli_args.py):
// typed (argparse's type= and choices=), and the bool fields, which argparse's BooleanOptionalAction
// spells --x and --no-x and which take no value.
const INT = (v) => /^-?[0-9]+$/.test(v);
const FLOAT = (v) => /^-?([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(v);
const TYPED = {
  "--max-num-seqs": { type: "int", ok: INT },
  "--max-num-batched-tokens": { type: "int", ok: INT },
  "--seed": { type: "int", ok: INT },
  "--max-logprobs": { type: "int", ok: INT },
  "--cpu-offload-gb": { type: "float", ok: FLOAT },
  "--block-size": { type: "int", ok: INT },
  "--kv-cache-dtype": {
    choices: [
      "auto", "bfloat16", "float16", "fp8", "fp8_ds_mla", "fp8_e4m3", "fp8_e5m2", "fp8_inc", "fp8_per_token_head", "int4_per_token_head",
      "int8_per_token_head", "nvfp4", "nvfp4_4over6", "nvfp4_ds_mla", "turboquant_3bit_nc", "turboquant_4bit_nc", "turboquant_k3v4_nc", "turboquant_k8v4",
    ],
  },
  "--scheduling-policy": { choices: ["fcfs", "priority"] },
  "--generation-config": { type: "str", ok: () => true },
  "--tool-call-parser": { type: "str", ok: () => true },
  // choices: the reasoning parsers vLLM registers (vllm/reasoning/__init__.py); the tool-call
  // parser is a plain string to argparse (vLLM checks it when the server starts)
  "--reasoning-parser": {
    choices: [
      "cohere_command3", "cohere_command4", "deepseek_r1", "deepseek_v3", "deepseek_v4", "ernie45", "gemma4", "glm45", "glm47", "granite", "holo2",
      "hunyuan_a13b", "hy_v3", "inkling", "kimi_k2", "kimi_k3", "mimo", "minimax_m2", "minimax_m2_append_think", "minimax_m3", "mistral",
      "nemotron_v3", "olmo3", "openai_gptoss", "poolside_v1", "qwen3", "seed_oss", "solar_open2", "step3", "step3p5",
    ],
  },
};
const BOOLEAN = ["enable-prefix-caching", "enable-chunked-prefill", "enforce-eager", "enable-auto-tool-choice"];
const argError = (flag, text) => die(`usage: vllm serve [model_tag] [options]\nvllm serve: error: argument ${flag}: ${text}`, 2);
const args = {};
for (let i = 0; i < options.length; i++) {
  const o = options[i];
  const bool = BOOLEAN.find((b) => o === `--${b}` || o === `--no-${b}`);
  if (bool !== undefined) {
    args[`--${bool}`] = o === `--${bool}`;
    continue;
  }
  const typed = TYPED[o];
  if (typed !== undefined) {
    if (i + 1 >= options.length || options[i + 1].startsWith("--")) argError(o, "expected one argument");
    const v = options[++i];
    if (typed.choices && !typed.choices.includes(v)) argError(o, `invalid choice: '${v}' (choose from ${typed.choices.map((c) => `'${c}'`).join(", ")})`);
    if (typed.ok && !typed.ok(v)) argError(o, `invalid ${typed.type} value: '${v}'`);
    args[o] = v;
    continue;
  }
  if (!VALUED.includes(o) || i + 1 >= options.length) die(`usage: vllm serve [model_tag] [options]\nvllm serve: error: unrecognized arguments: ${o}`, 2);
  args[o] = options[++i];
}
// vLLM's own check of the parsed serve arguments (validate_parsed_serve_args)
if (args["--enable-auto-tool-choice"] === true && args["--tool-call-parser"] === undefined) {
  die("TypeError: Error: --enable-auto-tool-choice requires --tool-call-parser", 1);
}
const served = args["--served-model-name"] ?? repo;
const containerPort = args["--port"] ?? "8000";
const tp = Number(args["--tensor-parallel-size"] ?? 1);
const mounts = JSON.parse(process.env.FAKE_CONTAINER_MOUNTS ?? "{}");
const hostPath = (p) => {
  const mount = Object.keys(mounts).find((m) => p === m || p.startsWith(`${m}/`));
  return mount === undefined ? undefined : path.join(mounts[mount].source, p.slice(mount.length));
};

const startCount = (() => {
  const file = `${T}/state/vllm-starts`;
  const n = Number(fs.existsSync(file) ? fs.readFileSync(file, "utf8") : 0) + 1;
  fs.writeFileSync(file, String(n));
  return n;
})();
const tokenFile = process.env.HF_TOKEN_PATH ? hostPath(process.env.HF_TOKEN_PATH) : undefined;
const token = tokenFile && fs.existsSync(tokenFile) ? fs.readFileSync(tokenFile, "utf8").trim() : undefined;
const cacheRoot = hostPath("/root/.cache/huggingface");
const record = {
  args: process.argv.slice(3),
  offline: process.env.HF_HUB_OFFLINE ?? "",
  usageStats: process.env.VLLM_NO_USAGE_STATS ?? "",
  ipc: process.env.FAKE_CONTAINER_IPC,
  gpus: Number(process.env.FAKE_CONTAINER_GPUS ?? 0),
  tokenInEnvironment: "HF_TOKEN" in process.env,
  token: token === undefined ? null : "read",
  cache: cacheRoot ?? null,
  downloaded: false,
};
const finish = (extra) => fs.appendFileSync(`${T}/state/vllm-starts.log`, `${JSON.stringify({ ...record, ...extra })}\n`);

log(`vLLM API server version 0.29.0 (fake); model ${repo} served as ${served}, tensor parallel ${tp}, dtype ${args["--dtype"] ?? "auto"}`);
if (record.gpus < tp) {
  finish({ outcome: "too few GPUs" });
  die(`ValueError: The number of required GPUs exceeds the total number of available GPUs in the placement group (tensor_parallel_size=${tp}, available GPUs: ${record.gpus}).`);
}
if (cacheRoot === undefined) {
  finish({ outcome: "no cache" });
  die("the fake image keeps its Hugging Face cache at /root/.cache/huggingface: mount one");
}
const hfRequest = (line) => fs.appendFileSync(`${T}/state/hf-requests.log`, `${line}\n`);
/** The files of a fake repository, each naming its repository and commit. */
const repoFiles = (commit) => ({
  "config.json": JSON.stringify({ model_type: "fake", commit }),
  "model.safetensors": `fake weights of ${repo}@${commit}\n`,
  "tokenizer.json": JSON.stringify({ version: "1.0", commit }),
});
if (repo.startsWith("/")) {
  // A folder: loaded from the container's mounts alone.
  const folder = hostPath(repo);
  if (folder === undefined || !fs.existsSync(path.join(folder, "config.json"))) {
    finish({ outcome: "no such folder" });
    die(`huggingface_hub.errors.HFValidationError: Repo id must be in the form 'repo_name' or 'namespace/repo_name': '${repo}'. Use \`repo_type\` argument if needed.`);
  }
  const mount = Object.keys(mounts).find((m) => repo === m || repo.startsWith(`${m}/`));
  record.source = "folder";
  record.folder = { path: repo, readOnly: mounts[mount].readOnly, files: fs.readdirSync(folder).sort() };
  record.weights = fs.readFileSync(path.join(folder, "model.safetensors"), "utf8");
} else {
  const revision = args["--revision"] ?? "main";
  const storage = path.join(cacheRoot, "hub", `models--${repo.replace("/", "--")}`);
  const refFile = path.join(storage, "refs", revision);
  let commit = /^[0-9a-f]{40}$/.test(revision) ? revision : fs.existsSync(refFile) ? fs.readFileSync(refFile, "utf8") : undefined;
  const cached = (c) => c !== undefined && Object.keys(repoFiles(c)).every((f) => fs.existsSync(path.join(storage, "snapshots", c, f)));
  if (process.env.HF_HUB_OFFLINE === "1") {
    if (!cached(commit)) {
      finish({ outcome: "offline without weights" });
      die(`OSError: We couldn't connect to 'https://huggingface.co' to load the files, and couldn't find them in the cached files. Check your internet connection or see how to run the library in offline mode (HF_HUB_OFFLINE=1).`);
    }
  } else {
    if (fault("hf-unreachable")) {
      finish({ outcome: "hub unreachable" });
      die(`requests.exceptions.ConnectionError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /api/models/${repo}/revision/${revision}`);
    }
    hfRequest(`GET https://huggingface.co/api/models/${repo}/revision/${revision}`);
    const gated = JSON.parse(fault("hf-gated.json") ?? "{}");
    if (gated[repo] !== undefined && token !== gated[repo]) {
      finish({ outcome: "gated" });
      die(`huggingface_hub.errors.GatedRepoError: 401 Client Error. Cannot access gated repo for url https://huggingface.co/${repo}/resolve/${revision}/config.json. Access to model ${repo} is restricted. You must have access to it and be authenticated to access it.`);
    }
    commit = /^[0-9a-f]{40}$/.test(revision) ? revision : crypto.createHash("sha1").update(`${repo}@${revision}`).digest("hex");
    if (commit !== revision) {
      fs.mkdirSync(path.dirname(refFile), { recursive: true });
      fs.writeFileSync(refFile, commit);
    }
    for (const [file, content] of Object.entries(repoFiles(commit))) {
      const pointer = path.join(storage, "snapshots", commit, file);
      if (fs.existsSync(pointer)) {
        hfRequest(`HEAD https://huggingface.co/${repo}/resolve/${commit}/${file}`);
        continue;
      }
      hfRequest(`GET https://huggingface.co/${repo}/resolve/${commit}/${file}`);
      const etag = crypto.createHash("sha256").update(content).digest("hex");
      const blob = path.join(storage, "blobs", etag);
      fs.mkdirSync(path.join(cacheRoot, "hub", ".locks", path.basename(storage)), { recursive: true });
      fs.writeFileSync(path.join(cacheRoot, "hub", ".locks", path.basename(storage), `${etag}.lock`), "");
      fs.mkdirSync(path.dirname(blob), { recursive: true });
      fs.writeFileSync(`${blob}.incomplete`, content);
      fs.renameSync(`${blob}.incomplete`, blob);
      fs.mkdirSync(path.dirname(pointer), { recursive: true });
      fs.symlinkSync(path.relative(path.dirname(pointer), blob), pointer);
      record.downloaded = true;
    }
    // what huggingface_hub remembers of a file the repository lacks
    fs.mkdirSync(path.join(storage, ".no_exist", commit), { recursive: true });
    fs.writeFileSync(path.join(storage, ".no_exist", commit, "generation_config.json"), "");
    if (record.downloaded) log(`downloaded ${repo}@${revision} (${commit}) to ${path.join(storage, "snapshots", commit)}`);
  }
  record.source = "hub";
  record.commit = commit;
  record.weights = fs.readFileSync(path.join(storage, "snapshots", commit, "model.safetensors"), "utf8");
}
if (startCount <= Number(fault("vllm-exit-times") ?? 0)) {
  finish({ outcome: "out of memory" });
  die("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 22.05 GiB of which 1.06 GiB is free.");
}

const portMap = JSON.parse(process.env.FAKE_CONTAINER_PORT_MAP ?? "{}");
const hostPort = portMap[containerPort];
if (hostPort === undefined) {
  finish({ outcome: "no published port" });
  die(`the container's port ${containerPort} is not published`);
}
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://vllm");
  if (req.method === "GET" && url.pathname === "/health") {
    res.writeHead(200, { "content-length": 0 });
    return res.end();
  }
  if (req.method === "GET" && url.pathname === "/v1/models") {
    const body = JSON.stringify({ object: "list", data: [{ id: served, object: "model", created: 1733356800, owned_by: "vllm", root: repo, parent: null, max_model_len: Number(args["--max-model-len"] ?? 8192) }] });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    return res.end(body);
  }
  const body = JSON.stringify({ detail: "Not Found" });
  res.writeHead(404, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
});
server.listen(Number(hostPort), "0.0.0.0", () => {
  finish({ outcome: "serving", port: Number(hostPort) });
  log(`Started server process; Uvicorn running on http://0.0.0.0:${containerPort}`);
});
process.on("SIGTERM", () => {
  log("Shutting down");
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
});
