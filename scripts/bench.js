#!/usr/bin/env node
// `npm run bench`: synth time and peak memory of the app for 1, 10, 50 and 100 models, plus the
// issue's two targets (default app vs a trivial 3-resource app; growth from 10 to 100 models).
// Public tools only: the project's own cdktf CLI and Node's process.resourceUsage().
//
//   node scripts/bench.js [--runs N] [--sizes 1,10,50,100]
//
// Progress goes to stderr, the Markdown tables to stdout. All temp dirs are removed on exit.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const cdktfBin = path.join(root, "node_modules", ".bin", "cdktf");
const runTs = path.join(root, "scripts", "run-ts.js");
const mainTs = path.join(root, "main.ts");

// ---------------------------------------------------------------------------------------------
// Options
function usageError(msg) {
  const err = new Error(`${msg}\nusage: node scripts/bench.js [--runs N] [--sizes 1,10,50,100]`);
  err.usage = true;
  return err;
}

function parseArgs(argv) {
  const opts = { runs: 5, sizes: [1, 10, 50, 100] };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    if (flag === "--runs") opts.runs = Number(value());
    else if (flag === "--sizes") opts.sizes = String(value()).split(",").map((s) => Number(s.trim()));
    else if (flag === "-h" || flag === "--help") {
      process.stdout.write("usage: node scripts/bench.js [--runs N] [--sizes 1,10,50,100]\n");
      process.exit(0);
    } else throw usageError(`unknown option ${argv[i]}`);
  }
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw usageError("--runs must be a positive integer");
  if (opts.sizes.length === 0 || opts.sizes.some((n) => !Number.isInteger(n) || n < 1))
    throw usageError("--sizes must be a comma-separated list of positive integers");
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Temp dirs, always cleaned
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "ollama-fleet-bench-"));
let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  fs.rmSync(tmpRoot, { recursive: true, force: true });
}
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}
let outCounter = 0;
fs.mkdirSync(path.join(tmpRoot, "out")); // App creates its outdir non-recursively
function freshOutdir() {
  return path.join(tmpRoot, "out", String(outCounter++));
}

const log = (msg) => process.stderr.write(`${msg}\n`);

// ---------------------------------------------------------------------------------------------
// The app-process probe: a preload that records peak RSS and the app's phases.
// maxRSS is the app process's own peak (KiB); the esbuild child that run-ts.js spawns is not in it.
const PRELOAD = String.raw`
"use strict";
const fs = require("fs");
const path = require("path");
const Module = require("module");
const t0 = process.hrtime.bigint();
const ms = (a, b) => Number(b - a) / 1e6;
const out = process.env.BENCH_PROBE_FILE;
const p = { transpileMs: 0, depsMs: 0, synthMs: 0 };
let synthStart = null, synthEnd = null, patchedSynth = false, wrappedEsbuild = null, depth = 0;
const origLoad = Module._load;
Module._load = function (request, parent, isMain) {
  // Time spent loading npm packages (cdktf, constructs, provider classes), top-level calls only.
  const isDep = depth === 0 && !request.startsWith(".") && !path.isAbsolute(request) && !Module.isBuiltin(request);
  const start = isDep ? process.hrtime.bigint() : 0n;
  depth += isDep ? 1 : 0;
  let result;
  try {
    result = origLoad.apply(this, arguments);
  } finally {
    if (isDep) { depth -= 1; p.depsMs += ms(start, process.hrtime.bigint()); }
  }
  if (request === "esbuild" && result && typeof result.buildSync === "function") {
    // esbuild's exports are getters: hand out a copy with a timed buildSync.
    if (!wrappedEsbuild) {
      const orig = result.buildSync;
      wrappedEsbuild = { ...result, buildSync() {
        const s = process.hrtime.bigint();
        try { return orig.apply(this, arguments); } finally { p.transpileMs += ms(s, process.hrtime.bigint()); }
      } };
    }
    return wrappedEsbuild;
  }
  if (request === "cdktf" && !patchedSynth && result && result.App) {
    patchedSynth = true;
    const orig = result.App.prototype.synth;
    result.App.prototype.synth = function () {
      synthStart = process.hrtime.bigint();
      try { return orig.apply(this, arguments); } finally { synthEnd = process.hrtime.bigint(); }
    };
  }
  return result;
};
process.on("exit", (code) => {
  if (!out) return;
  const end = process.hrtime.bigint();
  if (synthStart !== null && synthEnd !== null) p.synthMs = ms(synthStart, synthEnd);
  p.totalMs = ms(t0, end);
  p.maxRssKb = process.resourceUsage().maxRSS;
  p.exitCode = code;
  fs.writeFileSync(out, JSON.stringify(p));
});
`;
const preloadFile = path.join(tmpRoot, "probe.js");
fs.writeFileSync(preloadFile, PRELOAD);

// ---------------------------------------------------------------------------------------------
// Baseline: a trivial 3-resource app, precompiled JS, deep imports, its own cdktf.json.
function createBaselineApp() {
  const dir = path.join(tmpRoot, "baseline-app");
  fs.mkdirSync(dir);
  fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
  fs.writeFileSync(
    path.join(dir, "cdktf.json"),
    JSON.stringify(
      { language: "typescript", app: "node main.js", sendCrashReports: "false", terraformProviders: [], terraformModules: [], context: {} },
      null,
      2,
    ),
  );
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "bench-baseline", private: true }));
  fs.writeFileSync(
    path.join(dir, "main.js"),
    `"use strict";
const { App, TerraformStack } = require("cdktf");
const { AwsProvider } = require("@cdktf/provider-aws/lib/provider");
const { S3Bucket } = require("@cdktf/provider-aws/lib/s3-bucket");
const { SecurityGroup } = require("@cdktf/provider-aws/lib/security-group");
const { IamRole } = require("@cdktf/provider-aws/lib/iam-role");

class Trivial extends TerraformStack {
  constructor(scope, id) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: "ap-southeast-1" });
    new S3Bucket(this, "bucket", { bucketPrefix: "bench-" });
    new SecurityGroup(this, "sg", { namePrefix: "bench-", vpcId: "vpc-0a1b2c3d4e5f67890" });
    new IamRole(this, "role", {
      namePrefix: "bench-",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "ec2.amazonaws.com" } }],
      }),
    });
  }
}

const app = new App();
new Trivial(app, "trivial");
app.synth();
`,
  );
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Configs with N models, valid under the upcoming validation rules.
function writeConfig(n) {
  const models = [];
  for (let i = 1; i <= n; i++)
    models.push({ llm_model: `model-${i}:7b`, instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 });
  const config = {
    prefix: "llm",
    region: "ap-southeast-1",
    azs: ["ap-southeast-1a", "ap-southeast-1b"],
    vpc_id: "vpc-0a1b2c3d4e5f67890",
    vpc_cidr_block: "172.31.0.0/16",
    subnet_ids: ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"],
    llm_ec2_configs: models,
    open_webui_port: 8080,
    create_api_gw: true,
    api_gw_disable_execute_endpoint: false,
    api_gw_domain: "",
    api_gw_domain_route53_zone: "",
    api_gw_domain_ssl_cert_arn: "",
  };
  const file = path.join(tmpRoot, `config-${n}.json`);
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

// ---------------------------------------------------------------------------------------------
// Runners
function baseEnv(extra) {
  const env = { ...process.env, CHECKPOINT_DISABLE: "1" };
  delete env.LLM_SERVICE_CONFIG;
  delete env.CDKTF_OUTDIR;
  Object.assign(env, extra);
  for (const [k, v] of Object.entries(extra || {})) if (v === undefined) delete env[k];
  return env;
}

function fail(what, res) {
  const tail = (s) => String(s || "").split("\n").slice(-25).join("\n");
  throw new Error(`${what} failed (status ${res.status}, signal ${res.signal})\n${tail(res.stdout)}\n${tail(res.stderr)}`);
}

function countStackResources(outdir) {
  const stacksDir = path.join(outdir, "stacks");
  const result = {};
  for (const stack of fs.readdirSync(stacksDir)) {
    const tf = JSON.parse(fs.readFileSync(path.join(stacksDir, stack, "cdk.tf.json"), "utf8"));
    let resources = 0;
    for (const byType of Object.values(tf.resource || {})) resources += Object.keys(byType).length;
    let data = 0;
    for (const byType of Object.values(tf.data || {})) data += Object.keys(byType).length;
    result[stack] = { resources, data, bytes: fs.statSync(path.join(stacksDir, stack, "cdk.tf.json")).size };
  }
  return result;
}

/** Full `cdktf synth` through the project's CLI, wall time in ms. */
function cliSynth(cwd, configFile) {
  const outdir = freshOutdir();
  const start = process.hrtime.bigint();
  const res = spawnSync(cdktfBin, ["synth", "--output", outdir], {
    cwd,
    env: baseEnv({ LLM_SERVICE_CONFIG: configFile }),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.status !== 0 || !fs.existsSync(path.join(outdir, "manifest.json"))) fail(`cdktf synth in ${cwd}`, res);
  fs.rmSync(outdir, { recursive: true, force: true });
  return ms;
}

/** The app process alone (what cdktf would spawn), with the probe preloaded. */
function appOnly(cwd, args, configFile, keepOutput) {
  const outdir = freshOutdir();
  const probeFile = path.join(tmpRoot, `probe-${outCounter}.json`);
  const start = process.hrtime.bigint();
  const res = spawnSync(process.execPath, ["-r", preloadFile, ...args], {
    cwd,
    env: baseEnv({ LLM_SERVICE_CONFIG: configFile, CDKTF_OUTDIR: outdir, BENCH_PROBE_FILE: probeFile }),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.status !== 0 || !fs.existsSync(path.join(outdir, "manifest.json"))) fail(`app ${args.join(" ")}`, res);
  const probe = JSON.parse(fs.readFileSync(probeFile, "utf8"));
  fs.rmSync(probeFile, { force: true });
  const counts = keepOutput ? countStackResources(outdir) : undefined;
  fs.rmSync(outdir, { recursive: true, force: true });
  return { wallMs, ...probe, counts };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtS = (ms) => (ms / 1000).toFixed(2);
const fmtMs = (ms) => ms.toFixed(0);
const fmtMb = (kb) => (kb / 1024).toFixed(0);
const range = (xs) => `${fmtS(Math.min(...xs))}–${fmtS(Math.max(...xs))}`;

function table(header, rows) {
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((h, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`);
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
function main() {
  const opts = parseArgs(process.argv.slice(2));
  const runs = opts.runs;
  const benchStart = Date.now();
  log(`bench: ${runs} runs each, sizes ${opts.sizes.join(",")}, node ${process.version}, ${os.cpus().length} CPUs; temp ${tmpRoot}`);

  const baselineDir = createBaselineApp();
  const defaultApp = ["scripts/run-ts.js", "main.ts"];

  // Warm-up (file cache, esbuild binary), not counted.
  log("warm-up ...");
  cliSynth(baselineDir, undefined);
  cliSynth(root, undefined);
  appOnly(root, defaultApp, undefined);

  // Every measured case once per round, round after round: load from other processes on the
  // machine then spreads over all cases instead of skewing whichever ran during a busy stretch.
  const base = { cli: [], app: [] };
  const def = { cli: [], app: [] };
  const sizes = opts.sizes.map((n) => ({ n, config: writeConfig(n), cli: [], app: [], counts: undefined }));
  for (let i = 0; i < runs; i++) {
    log(`round ${i + 1}/${runs}: baseline, default app, ${opts.sizes.join(", ")} model(s)`);
    base.cli.push(cliSynth(baselineDir, undefined));
    base.app.push(appOnly(baselineDir, ["main.js"], undefined));
    def.cli.push(cliSynth(root, undefined));
    def.app.push(appOnly(root, defaultApp, undefined));
    for (const s of sizes) {
      s.cli.push(cliSynth(root, s.config));
      const a = appOnly(root, defaultApp, s.config, i === 0);
      if (i === 0) s.counts = a.counts;
      s.app.push(a);
    }
  }

  // ------------------------------------------------------------------------------ output
  const out = [];
  const appRow = (label, cli, app) => {
    const pick = (k) => median(app.map((a) => a[k]));
    return [
      label,
      fmtS(median(cli)),
      range(cli),
      fmtS(pick("wallMs")),
      fmtS(Math.max(0, median(cli) - pick("wallMs"))),
      fmtMs(pick("transpileMs")),
      fmtMs(pick("depsMs")),
      fmtMs(Math.max(0, pick("wallMs") - pick("transpileMs") - pick("depsMs") - pick("synthMs"))),
      fmtMs(pick("synthMs")),
      fmtMb(Math.max(...app.map((a) => a.maxRssKb))),
    ];
  };
  const appHeader = [
    "app",
    "`cdktf synth` median (s)",
    "range (s)",
    "app only (s)",
    "CLI overhead (s)",
    "transpile (ms)",
    "load deps (ms)",
    "other (ms)",
    "App.synth (ms)",
    "app peak RSS (MB)",
  ];

  out.push(`## Synth benchmark (median of ${runs} runs; node ${process.version}, ${os.cpus().length} CPUs)`);
  out.push("");
  out.push("### Default app vs trivial 3-resource app (deep imports, precompiled JS)");
  out.push("");
  out.push(
    table(appHeader, [
      appRow("trivial baseline (`node main.js`)", base.cli, base.app),
      appRow("default app (no `LLM_SERVICE_CONFIG`)", def.cli, def.app),
    ]),
  );
  const ratio = median(def.cli) / median(base.cli);
  out.push("");
  out.push(
    `**Target: default / baseline \`cdktf synth\` = ${fmtS(median(def.cli))} s / ${fmtS(median(base.cli))} s = ${ratio.toFixed(2)} ` +
      `(limit 1.30) → ${ratio <= 1.3 ? "PASS" : "FAIL"}**; ratio of the fastest runs (less sensitive to ` +
      `other load on the machine): ${(Math.min(...def.cli) / Math.min(...base.cli)).toFixed(2)}; app process alone: ` +
      `${(median(def.app.map((a) => a.wallMs)) / median(base.app.map((a) => a.wallMs))).toFixed(2)}×.`,
  );
  out.push("");

  out.push("### Per number of models");
  out.push("");
  const sizeRows = sizes.map((s) => {
    const row = appRow(String(s.n), s.cli, s.app);
    const svc = s.counts && s.counts["llm-service"];
    return [...row, svc ? `${svc.resources} / ${svc.data}` : "?", svc ? (svc.bytes / 1024).toFixed(0) : "?"];
  });
  out.push(table(["models", ...appHeader.slice(1), "llm-service resources / data", "cdk.tf.json (KiB)"], sizeRows));
  out.push("");

  const s10 = sizes.find((s) => s.n === 10);
  const s100 = sizes.find((s) => s.n === 100);
  if (s10 && s100) {
    const rows = [];
    for (const [label, f] of [
      ["`cdktf synth`", (s) => median(s.cli)],
      ["app only", (s) => median(s.app.map((a) => a.wallMs))],
      ["App.synth phase", (s) => median(s.app.map((a) => a.synthMs))],
    ]) {
      const t10 = f(s10);
      const t100 = f(s100);
      rows.push([
        label,
        fmtS(t10),
        fmtS(t100),
        (t10 / 10).toFixed(1),
        (t100 / 100).toFixed(1),
        ((t100 - t10) / 90).toFixed(1),
        (t100 / t10).toFixed(2),
      ]);
    }
    out.push("### Growth from 10 to 100 models (target: t(100)/t(10) ≤ 10, i.e. no worse than linear)");
    out.push("");
    out.push(
      table(
        ["measure", "t(10) (s)", "t(100) (s)", "t(10)/10 (ms/model)", "t(100)/100 (ms/model)", "marginal (ms/model)", "t(100)/t(10)"],
        rows,
      ),
    );
    const r = median(s100.cli) / median(s10.cli);
    out.push("");
    out.push(
      `**Target: \`cdktf synth\` t(100)/t(10) = ${r.toFixed(2)} (limit 10) → ${r <= 10 ? "PASS" : "FAIL"}**; ` +
        `fastest runs: ${(Math.min(...s100.cli) / Math.min(...s10.cli)).toFixed(2)}`,
    );
    out.push("");
  }
  out.push(
    "Columns: `cdktf synth` = the project's cdktf CLI end to end (CLI start-up + app process + manifest); " +
      "app only = `node scripts/run-ts.js main.ts` (or the baseline's `node main.js`) run directly with " +
      "`CDKTF_OUTDIR`; CLI overhead = `cdktf synth` − app only (CLI start-up, terraform version checks, " +
      "spawning the app); the app-only time is split into transpile (esbuild `buildSync`), load deps (top-level `require` of npm packages), " +
      "other (Node start-up + construct tree), `App.synth`; peak RSS = max over runs of the app process's " +
      "`process.resourceUsage().maxRSS` (excludes the esbuild child and the CLI).",
  );
  process.stdout.write(out.join("\n") + "\n");
  log(`bench: done in ${((Date.now() - benchStart) / 1000).toFixed(0)} s`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`bench failed: ${err && err.usage ? err.message : err && err.stack ? err.stack : err}\n`);
  cleanup();
  process.exit(1);
}
