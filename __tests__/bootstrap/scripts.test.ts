// The rendered scripts themselves: shellcheck, size limits, one shared body, and the SSM
// document's parameter patterns against the rule table's model names.
import { spawnSync } from "child_process";
import { readdirSync, readFileSync } from "fs";
import * as path from "path";
import { gunzipSync } from "zlib";
import { findProblems, MAX_MODEL_NAME_LENGTH } from "../../src/config/rules";
import { readServiceConfig } from "../../src/config/load";
import { inputsOf } from "../../src/stacks/service-stack";
import { README_EXAMPLE_FILE } from "../helpers/readme-example";
import { sourcePath, SSM_PARAMETERS } from "../../src/userdata/templates";
import { planForEach } from "../helpers/terraform";
import { CONTEXT_LENGTH, KV_CACHE_TYPES, NUM_PARALLEL } from "../../src/config/ollama-settings";
import { ollamaAcceptsName } from "../helpers/ollama-name";
import { NO_VALUE, VLLM_SSM_PARAMETERS } from "../../src/userdata/vllm-templates";
import { SHARED_FUNCTIONS } from "../../src/userdata/shell-helpers";
import { modelKey } from "../../src/config/derive";
import { VLLM_IMAGE_PATTERN, VLLM_REPO_PATTERN, SERVED_NAME_PATTERN } from "../../src/engines/vllm";
import { commandFromDocument, InvalidParameters } from "./harness/ssm-agent";
import { inputs, MODULE_PATH, renderFromModule } from "./harness/render";

const CORPUS = path.join(__dirname, "..", "corpus");
const configsOf = (kind: "good" | "bad") =>
  readdirSync(path.join(CORPUS, kind))
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({ name: f, config: JSON.parse(readFileSync(path.join(CORPUS, kind, f), "utf8")) }));

/** Runs shellcheck on `script`; throws, saying how to get it, when it is missing. */
function shellcheck(script: string): { status: number | null; output: string } {
  const found = spawnSync("shellcheck", ["--version"]);
  if (found.error || found.status !== 0) {
    throw new Error("shellcheck is not on the PATH: apt-get install -y shellcheck (`bash .ci/run` installs it on CI machines)");
  }
  const run = spawnSync("shellcheck", ["-"], { input: script, encoding: "utf8" });
  return { status: run.status, output: run.stdout + run.stderr };
}

const bodyAfterHeader = (script: string) => script.slice(script.indexOf("\nCALLER=") + 1).replace(/^CALLER=\S+\n/, "");

// GIVEN the scripts rendered from the committed module
const rendered = renderFromModule(inputs());
const userData = rendered.userData.llama38b;
const ssmScript = commandFromDocument(rendered.document, rendered.associations.llama38b.parameters).script;

describe("rendered scripts", () => {

  test("shellcheck passes the user data and the SSM document's script, at every severity", () => {
    expect(shellcheck(userData)).toEqual({ status: 0, output: "" });
    expect(shellcheck(rendered.userData.qwen27b)).toEqual({ status: 0, output: "" });
    expect(shellcheck(ssmScript)).toEqual({ status: 0, output: "" });
  });

  test("user data and the SSM document run one body; only their headers differ", () => {
    expect(bodyAfterHeader(userData)).toBe(bodyAfterHeader(ssmScript));
    expect(userData).toMatch(/\nCALLER=user-data\n/);
    expect(ssmScript).toMatch(/\nCALLER=ssm\n/);
    expect(bodyAfterHeader(userData).length).toBeGreaterThan(5000);
  });

  test("the user data EC2 receives stays under its 16 KB even for a 128-character model name, the longest prefixes, bucket name and run", () => {
    // host, namespace, model and tag each within Ollama's limits, 128 characters in all
    const longest = `${"r".repeat(40)}/${"n".repeat(40)}/${"m".repeat(38)}:${"q".repeat(7)}`;
    expect(longest).toHaveLength(MAX_MODEL_NAME_LENGTH);
    const big = renderFromModule(
      inputs({
        prefix: "a".repeat(28),
        pull_models_wait_seconds: 172800,
        llm_ec2_configs: [{ llm_model: longest, instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 65535 }],
        model_cache_bucket: "b".repeat(63),
        model_cache_prefix: `${"p".repeat(255)}/`,
      }),
    );
    const [key] = Object.keys(big.userData);
    expect(big.userData[key]).toContain(`MODELS='${longest}'`);
    expect(big.userData[key]).toContain(`MODEL_CACHE_PREFIX='${"p".repeat(255)}/'`);
    expect(big.userData[key]).toContain(`LOG_GROUP='/ollama-fleet/${"a".repeat(28)}/servers'`);
    // EC2 counts the bytes it receives: the compressed script, which cloud-init unpacks.
    expect(big.userDataBytes[key]).toBeLessThan(16 * 1024);
    expect(Buffer.byteLength(big.userData[key])).toBeGreaterThan(16 * 1024);
    // and the document under SSM's 64 KB
    expect(Buffer.byteLength(rendered.document)).toBeLessThan(64 * 1024);
  });

  test("a warm pool's launch template, the model-ready part added, stays under 16 KB too; the servers get the body without its comments", () => {
    const longest = `${"r".repeat(40)}/${"n".repeat(40)}/${"m".repeat(38)}:${"q".repeat(7)}`;
    const variables = inputs({
      prefix: "a".repeat(28),
      pull_models_wait_seconds: 172800,
      model_cache_bucket: "b".repeat(63),
      model_cache_prefix: `${"p".repeat(255)}/`,
      llm_ec2_configs: [{ llm_model: longest, instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 65535, server_mode: "asg", warm_pool: true }],
    });
    const json = JSON.parse(readFileSync(path.join(MODULE_PATH, "main.tf.json"), "utf8"));
    const rows = planForEach(json, { variables, resource: { type: "aws_launch_template", name: "llm" }, attributes: ["user_data"], replace: { "${path.module}": MODULE_PATH } });
    const [template] = Object.values(rows);
    const bytes = Buffer.from(template.user_data as string, "base64");
    expect(gunzipSync(bytes).toString("utf8")).toContain("model-ready.sh");
    expect(bytes.length).toBeLessThan(16 * 1024);
    // comment lines stay in the source only (shellcheck's directives go along)
    const source = readFileSync(sourcePath("bootstrap.sh"), "utf8").split("\n");
    const body = bodyAfterHeader(userData).split("\n");
    expect(body.filter((l) => /^\s*#/.test(l) && !/^\s*# shellcheck /.test(l))).toEqual([]);
    expect(body).toEqual(source.filter((l) => !/^\s*#/.test(l) || /^\s*# shellcheck /.test(l)));
  });

  test("associations: the main server's full list, each server's port and Ollama settings, the release kept where one runs, a time limit following pull_models_wait_seconds, every 30 minutes; the release rollout: no models, the servers' own ports and settings, upgrading", () => {
    // Ollama's settings left out: the word default (Ollama's own), and the original's 6h keep-alive
    const own = { OllamaVersion: "0.13.0", TimeoutSeconds: "3600", UpgradeInPlace: "false", ContextLength: "default", NumParallel: "default", KvCacheType: "default", KeepAlive: "6h" };
    expect(rendered.associations).toEqual({
      llama38b: { parameters: { Models: "llama3:8b,qwen2:7b", AppPort: "11434", ...own }, schedule: "rate(30 minutes)" },
      qwen27b: { parameters: { Models: "qwen2:7b", AppPort: "11435", ...own }, schedule: "rate(30 minutes)" },
    });
    expect(rendered.rollout).toEqual({
      parameters: { AppPort: "unchanged", OllamaVersion: "0.13.0", TimeoutSeconds: "3600", UpgradeInPlace: "true" },
      schedule: "rate(30 minutes)",
    });
    const longer = renderFromModule(inputs({ pull_models_wait_seconds: 7200, pull_models_schedule: "" }));
    expect(longer.associations.qwen27b).toEqual({ parameters: expect.objectContaining({ TimeoutSeconds: "7200" }), schedule: null });
    expect(longer.rollout).toEqual({ parameters: expect.objectContaining({ TimeoutSeconds: "7200" }), schedule: null });
    expect(longer.userData.qwen27b).toContain("RUN_TIMEOUT_SECONDS='7200'\n");
    expect(commandFromDocument(longer.document, longer.associations.qwen27b.parameters).timeoutSeconds).toBe(7200);
  });
});

/** Model names of every shape: random parts of random characters, joined as Ollama names are, and plain random strings. */
function sampleNames(count: number): string[] {
  const alphabet = "abcXYZ019._:/+-@ ";
  let state = 7;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = (chars: string) => chars[Math.floor(random() * chars.length)];
  const part = (max: number, chars = alphabet) => Array.from({ length: Math.floor(random() * max) }, () => pick(chars)).join("");
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 3 === 0) names.push(part(130));
    else {
      const clean = "abcXYZ019_.-";
      const parts = Array.from({ length: 1 + Math.floor(random() * 4) }, () => part(random() < 0.1 ? 400 : 30, random() < 0.8 ? clean : alphabet));
      names.push(parts.join("/") + (random() < 0.6 ? `:${part(random() < 0.05 ? 90 : 12, random() < 0.8 ? clean : alphabet)}` : ""));
    }
  }
  return names;
}

describe("model names: the rules, the SSM pattern and the script follow Ollama's own parser", () => {
  const models = new RegExp(SSM_PARAMETERS.Models.allowedPattern);
  const example = inputsOf(readServiceConfig(readFileSync(README_EXAMPLE_FILE, "utf8"), README_EXAMPLE_FILE));
  const ruleRefuses = (name: string) =>
    findProblems({ ...example, llm_ec2_configs: [{ ...example.llm_ec2_configs[0], llm_model: name }] })
      .filter((p) => p.path === "llm_ec2_configs[0].llm_model" && p.rule.startsWith("model-name"))
      .map((p) => p.rule);
  const names = [
    ...sampleNames(3000),
    ...["llama3", "llama3:8b", "library/llama3:8b", "registry.ollama.ai/library/qwen2:7b", "hf.co/org/Model-GGUF:Q4_K_M", "_x/_y:_z",
      "localhost:5000/team/model:tag", "llama3+fast:8b", "hf.co/Model:Q4", "llama3:8b:q4", "a/b/c/d", "-x/y/z", "llama3:8b+q4", "llama3:",
      ":8b", "/llama3", "llama3/", "a//b", "/n/m", "//m", "h//m", "h/n/", "https://h/n/m", "LLAMA3:8B", "x".repeat(80), "x".repeat(81), `${"h".repeat(350)}/n/m`],
  ];

  test("the corpus's names and thousands of others: the rules refuse exactly what Ollama refuses (and names over 128 characters)", () => {
    // the sample holds many names of each kind
    expect(names.filter((n) => ollamaAcceptsName(n)).length).toBeGreaterThan(400);
    expect(names.filter((n) => !ollamaAcceptsName(n)).length).toBeGreaterThan(1000);
    for (const name of names) {
      const expected = ollamaAcceptsName(name) && name.length <= MAX_MODEL_NAME_LENGTH;
      expect({ name, refused: ruleRefuses(name).length > 0 }).toEqual({ name, refused: !expected });
    }
  });

  test("each refusal names the part at fault (or the shape), one rule per bad part", () => {
    expect(ruleRefuses("llama3+fast:8b")).toEqual(["model-name-model"]);
    expect(ruleRefuses("llama3:8b:q4")).toEqual(["model-name-model"]);
    expect(ruleRefuses("hf.co/Model:Q4")).toEqual(["model-name-namespace"]);
    expect(ruleRefuses("-x/y/z")).toEqual(["model-name-host"]);
    expect(ruleRefuses("llama3:8b+q4")).toEqual(["model-name-tag"]);
    expect(ruleRefuses("a/b/c/d")).toEqual(["model-name"]);
    expect(ruleRefuses("hf.co/Model:+q")).toEqual(["model-name-namespace", "model-name-tag"]);
    // A name of the wrong shape gets that rule alone: its parts cannot be told apart.
    for (const name of names) {
      const rules = ruleRefuses(name);
      if (rules.includes("model-name")) expect({ name, rules }).toEqual({ name, rules: ["model-name"] });
    }
  });

  test("the Models pattern admits exactly the names Ollama accepts, alone and as a list (an empty list is no name: none to pull)", () => {
    for (const name of names.filter((n) => !n.includes(",") && n !== "")) {
      expect({ name, pattern: models.test(name) }).toEqual({ name, pattern: ollamaAcceptsName(name) && !name.includes("://") });
    }
    for (const { name, config } of configsOf("good")) {
      // what a pull list holds: the Ollama models (a vLLM model's repository goes to its own document)
      const listed: string[] = config.llm_ec2_configs.filter((c: { engine?: string }) => (c.engine ?? "ollama") === "ollama").map((c: { llm_model: string }) => c.llm_model);
      expect({ name, ok: models.test(listed.join(",")) }).toEqual({ name, ok: true });
    }
    for (const bad of ["llama;id", "llama$x", "llama'", 'llama"', "llama`", "llama\\", "llama\n", "llama 3", "llama*", "llama?"]) {
      expect({ bad, pattern: models.test(bad) }).toEqual({ bad, pattern: false });
    }
  });

  test("the script's own check (name_problem, run by bash as rendered) accepts exactly what Ollama accepts, naming the part", () => {
    const fn = /\nname_problem\(\) \{\n[\s\S]*?\n\}\n/.exec(ssmScript)?.[0];
    expect(fn).toBeDefined();
    const run = spawnSync("bash", ["-c", `${fn}\nwhile IFS= read -r name; do printf '%s\\n' "$(name_problem "$name")"; done`], {
      input: names.map((n) => `${n}\n`).join(""),
      encoding: "utf8",
    });
    expect(run.status).toBe(0);
    const verdicts = run.stdout.split("\n").slice(0, names.length);
    names.forEach((name, i) =>
      expect({ name, refused: verdicts[i] !== "" }).toEqual({ name, refused: !(ollamaAcceptsName(name) && !name.includes("://")) }),
    );
    const verdictOf = (name: string) => verdicts[names.indexOf(name)];
    expect(verdictOf("llama3+fast:8b")).toMatch(/^its model part 'llama3\+fast'/);
    expect(verdictOf("llama3:8b:q4")).toMatch(/^its model part 'llama3:8b'/);
    expect(verdictOf("hf.co/Model:Q4")).toMatch(/^its namespace 'hf\.co'/);
    expect(verdictOf("-x/y/z")).toMatch(/^its host '-x'/);
    expect(verdictOf("llama3:8b+q4")).toMatch(/^its tag '8b\+q4'/);
  });

  test("up to 100 models, as the model-count rule; none (the default) for the release rollout, which pulls nothing", () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `model${i}:7b`).join(",");
    expect(models.test(names(1))).toBe(true);
    expect(models.test(names(100))).toBe(true);
    expect(models.test(names(101))).toBe(false);
    expect(models.test("")).toBe(true);
    expect(SSM_PARAMETERS.Models.default).toBe("");
    expect(models.test(",")).toBe(false);
    expect(models.test("llama3:8b,")).toBe(false);
  });

  test("AppPort is exactly 1-65535, OllamaVersion a release, TimeoutSeconds a number", () => {
    const port = new RegExp(SSM_PARAMETERS.AppPort.allowedPattern);
    for (let p = 0; p <= 65536; p += p < 100 || p > 65430 ? 1 : 97) expect({ p, ok: port.test(String(p)) }).toEqual({ p, ok: p >= 1 && p <= 65535 });
    expect(port.test("011434")).toBe(false);
    // or the word that keeps the port a server already has (an empty value would not reach SSM: the provider drops it)
    expect(port.test("unchanged")).toBe(true);
    expect(["", "unchanged ", "keep", "Unchanged"].some((v) => port.test(v))).toBe(false);
    const version = new RegExp(SSM_PARAMETERS.OllamaVersion.allowedPattern);
    expect(["0.13.0", "0.14.0", "1.2.3"].every((v) => version.test(v))).toBe(true);
    expect(["latest", "0.13", "v0.13.0", "0.13.0;id", "0.14.0-rc2"].some((v) => version.test(v))).toBe(false);
    const upgrade = new RegExp(SSM_PARAMETERS.UpgradeInPlace.allowedPattern);
    expect(["true", "false"].every((v) => upgrade.test(v))).toBe(true);
    expect(["True", "yes", "1", "", "false;id"].some((v) => upgrade.test(v))).toBe(false);
    expect(SSM_PARAMETERS.UpgradeInPlace.default).toBe("true");
    const timeout = new RegExp(SSM_PARAMETERS.TimeoutSeconds.allowedPattern);
    expect(["120", "199", "200", "999", "3600", "172800"].every((t) => timeout.test(t))).toBe(true);
    expect(["0", "60", "100", "119", "3600s", "-1", "1e5"].some((t) => timeout.test(t))).toBe(false);
  });

  test("Ollama's settings: each parameter takes every value its rule admits, and the word default for Ollama's own (not empty, which the AWS provider drops); nothing but digits, a cache type or a duration", () => {
    const pattern = (name: "ContextLength" | "NumParallel" | "KvCacheType" | "KeepAlive") => new RegExp(SSM_PARAMETERS[name].allowedPattern);
    const example = inputsOf(readServiceConfig(readFileSync(README_EXAMPLE_FILE, "utf8"), README_EXAMPLE_FILE));
    const admitted = (rule: string, field: string, value: unknown) =>
      !findProblems({ ...example, llm_ec2_configs: example.llm_ec2_configs.map((c) => ({ ...c, [field]: value })) }).some((p) => p.rule === rule);
    for (const n of [CONTEXT_LENGTH.min, 1024, 4096, 8192, 131072, 500000, CONTEXT_LENGTH.max]) {
      expect({ n, rule: admitted("context-length", "context_length", n), parameter: pattern("ContextLength").test(String(n)) }).toEqual({ n, rule: true, parameter: true });
    }
    for (let n = NUM_PARALLEL.min; n <= NUM_PARALLEL.max; n++) expect({ n, ok: pattern("NumParallel").test(String(n)) }).toEqual({ n, ok: true });
    for (const type of KV_CACHE_TYPES) expect(pattern("KvCacheType").test(type)).toBe(true);
    for (const keep of ["-1", "0", "3600", "6h", "30m", "90s"]) {
      expect({ keep, rule: admitted("keep-alive", "keep_alive", keep), parameter: pattern("KeepAlive").test(keep) }).toEqual({ keep, rule: true, parameter: true });
    }
    for (const name of ["ContextLength", "NumParallel", "KvCacheType"] as const) {
      expect({ name, word: pattern(name).test("default"), empty: pattern(name).test(""), other: pattern(name).test("Default") }).toEqual({ name, word: true, empty: false, other: false });
    }
    // and the shapes no rule admits: the script refuses what the pattern lets through (its range checks)
    expect(["8192 ", "08192", "8k", "-1", "1e4", "8192\n"].some((v) => pattern("ContextLength").test(v))).toBe(false);
    expect(["0", "01", "4 ", "100"].some((v) => pattern("NumParallel").test(v))).toBe(false);
    expect(["F16", "q8", "q5_0", "q8_0 "].some((v) => pattern("KvCacheType").test(v))).toBe(false);
    expect(["", "1h30m", "-5m", "6 h", "1.5h", "6h;id"].some((v) => pattern("KeepAlive").test(v))).toBe(false);
  });

  test("the SSM emulation refuses an unknown parameter and a missing required one", () => {
    const rendered = renderFromModule(inputs());
    expect(() => commandFromDocument(rendered.document, { ...rendered.associations.qwen27b.parameters, Extra: "x" })).toThrow(InvalidParameters);
    const { AppPort: _omitted, ...withoutPort } = rendered.associations.qwen27b.parameters;
    expect(() => commandFromDocument(rendered.document, withoutPort)).toThrow(/AppPort is required/);
  });
});

/** The functions a script defines and their text as bash reads them: the script up to its first step, run with `declare -f`. */
function definedFunctions(script: string): Record<string, string> {
  const definitions = script.slice(0, script.indexOf('\nmkdir -p "${LOG_FILE%/*}"\n'));
  expect(definitions.length).toBeGreaterThan(1000);
  const run = spawnSync("bash", ["--norc", "--noprofile", "-c", `${definitions}\ndeclare -f`], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
  expect(run.stderr).toBe("");
  const functions: Record<string, string> = {};
  for (const text of run.stdout.split(/\n(?=[a-z_][a-z0-9_]* \(\) \n)/)) functions[text.slice(0, text.indexOf(" "))] = text.trim();
  return functions;
}

describe("the vLLM server's rendered scripts", () => {
  const MODEL = "mistralai/Mistral-7B-Instruct-v0.3";
  const KEY = modelKey(MODEL);
  // GIVEN an Ollama model and a vLLM model, rendered from the committed module
  const fleet = renderFromModule(
    inputs({
      hf_token_parameter: "/acme/hf-token",
      llm_ec2_configs: [
        { llm_model: "llama3:8b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
        { llm_model: MODEL, engine: "vllm", instance_type: "g4dn.12xlarge", ami_id: "", ebs_volume_gb: 300, app_port: 8000 },
      ],
    }),
  );
  const vllmUserData = fleet.userData[KEY];
  const vllmSsm = commandFromDocument(fleet.vllmDocument, fleet.associations[KEY].parameters).script;

  test("shellcheck passes the vLLM user data and the serve-vllm document's script, at every severity", () => {
    expect(shellcheck(vllmUserData)).toEqual({ status: 0, output: "" });
    expect(shellcheck(vllmSsm)).toEqual({ status: 0, output: "" });
  });

  test("user data and the document run one body; the defaults resolve per family (T4: half, every GPU of the instance)", () => {
    expect(bodyAfterHeader(vllmUserData)).toBe(bodyAfterHeader(vllmSsm));
    expect(vllmUserData).toContain(`MODEL='${MODEL}'\nSERVED_NAME='${MODEL}'\n`);
    expect(vllmUserData).toContain("TENSOR_PARALLEL_SIZE='4'\nGPU_MEMORY_UTILIZATION='0.9'\nDTYPE='half'\n");
    expect(fleet.associations[KEY].parameters).toMatchObject({ TensorParallelSize: "4", Dtype: "half", ServedModelName: MODEL });
    expect(fleet.userDataBytes[KEY]).toBeLessThan(16 * 1024);
    expect(Buffer.byteLength(fleet.vllmDocument)).toBeLessThan(64 * 1024);
  });

  test("the helpers both engines share are Ollama's own, function for function, as bash reads them", () => {
    const ollama = definedFunctions(userData);
    const vllm = definedFunctions(vllmUserData);
    for (const name of SHARED_FUNCTIONS) expect({ name, text: vllm[name] }).toEqual({ name, text: ollama[name] });
    // and the vLLM script defines every function it calls (a helper cut short would leave some undefined)
    const called = new Set([...vllmUserData.matchAll(/^\s*([a-z_]+)(?:\s|$)/gm)].map((m) => m[1]).filter((n) => /^(ensure|check|validate|wait|use|mark|take)_/.test(n)));
    expect(called.size).toBeGreaterThan(8);
    for (const name of called) expect({ name, defined: name in vllm }).toEqual({ name, defined: true });
    expect(vllm.agent_config).toContain('"log_stream_name": "{instance_id}/ollama-bootstrap"');
  });

  test("the serve-vllm document's patterns admit what the rules admit and no shell metacharacter", () => {
    const model = new RegExp(VLLM_SSM_PARAMETERS.Model.allowedPattern);
    expect(VLLM_SSM_PARAMETERS.Model.allowedPattern).toBe(VLLM_REPO_PATTERN);
    expect(VLLM_SSM_PARAMETERS.ServedModelName.allowedPattern).toBe(SERVED_NAME_PATTERN);
    expect(VLLM_SSM_PARAMETERS.Image.allowedPattern).toBe(VLLM_IMAGE_PATTERN);
    for (const good of [MODEL, "Qwen/Qwen2.5-7B-Instruct-AWQ", "org/name@main", "org/name@0123abcd"]) expect({ good, ok: model.test(good) }).toEqual({ good, ok: true });
    for (const bad of ["llama3:8b", "name", "org/name;id", "org/$x", "org/name'", "org/ name", "org/name@", "-org/name", "org/name.", "a/b/c"]) {
      expect({ bad, ok: model.test(bad) }).toEqual({ bad, ok: false });
    }
    const served = new RegExp(SERVED_NAME_PATTERN);
    for (const bad of ["", "a,b", "a=b", "a*", "a?", "a b", "-a", "a'", "x".repeat(129)]) expect({ bad, ok: served.test(bad) }).toEqual({ bad, ok: false });
    const util = new RegExp(VLLM_SSM_PARAMETERS.GpuMemoryUtilization.allowedPattern);
    expect(["0.9", ".5", "1", "1.0", "0.05"].every((v) => util.test(v))).toBe(true);
    expect(["0", "0.0", "1.1", "2", "-0.5", "0.9;id"].some((v) => util.test(v))).toBe(false);
    const token = new RegExp(VLLM_SSM_PARAMETERS.HfTokenParameter.allowedPattern);
    expect([NO_VALUE, "/acme/hf-token", "hf_token"].every((v) => token.test(v))).toBe(true);
    expect(["", "/a b", "/a;b", "arn:aws:ssm:x", "/a//b"].some((v) => token.test(v))).toBe(false);
  });
});
