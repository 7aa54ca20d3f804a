// A vLLM server's weights from the weight cache, end to end on one fake server: the user data and
// the serve-vllm document rendered from the committed module with a cache, run as cloud-init, the SSM
// agent and systemd run them, against a fake bucket reached through the AWS CLI stand-in
// (stand-ins/aws.js), docker's stand-in and the fake vLLM, which records every request it sends to
// its fake Hugging Face (stand-ins/vllm-server.js).
import { createHash } from "crypto";
import { readFileSync } from "fs";
import * as path from "path";
import { gunzipSync } from "zlib";
import { modelKey } from "../../src/config/derive";
import { OLLAMA_READABLE, OLLAMA_WRITE_ONCE, VLLM_ENGINE_PREFIX } from "../../src/constructs/model-cache/layout";
import { cacheLogMarker } from "../../src/constructs/model-cache/cache-events";
import { NO_MODEL_CACHE } from "../../src/userdata/vllm-templates";
import { WORST_ENGINE_ARGS } from "../helpers/vllm-worst-args";
import { PLANNED_REGION, planForEach } from "../helpers/terraform";
import { inputs, MODULE_PATH, Rendered, renderFromModule } from "./harness/render";
import { cleanUpReleases, FakeBucket, requireSandbox, runScenario, ScenarioResult, StepResult } from "./harness/sandbox";
import { commandFromDocument } from "./harness/ssm-agent";

const SCENARIO_TIMEOUT_MS = 240_000;
const BUCKET = "acme-weights";
const CACHE_PREFIX = "model-cache/";
const MODEL = "mistralai/Mistral-7B-Instruct-v0.3";
const SERVED = "mistral-7b";
const KEY = modelKey(MODEL);
const PORT = 8000;
const HEALTH = `http://127.0.0.1:${PORT}/health`;
/** Where the cache keeps this model: `<prefix>vllm/<org>/<name>/`. */
const IN_CACHE = `${CACHE_PREFIX}vllm/${MODEL}/`;
const LOCAL_COPY = `/opt/dlami/nvme/vllm-models/${MODEL}/main`;
const IN_CONTAINER = `/models/${MODEL}`;
/** The commit the fake Hugging Face resolves `main` to (stand-ins/vllm-server.js). */
const HUB_COMMIT = createHash("sha1").update(`${MODEL}@main`).digest("hex");
/** A snapshot an operator or another server put in the cache, at another commit than the hub's. */
const CACHED_COMMIT = "0123456789abcdef0123456789abcdef01234567";
const CACHED_FILES: Record<string, string> = {
  "config.json": JSON.stringify({ model_type: "fake", commit: CACHED_COMMIT }),
  "model.safetensors": "weights from the cache\n",
  "tokenizer.json": JSON.stringify({ version: "1.0" }),
  "original/params.json": JSON.stringify({ dim: 4096 }),
};
const DLAMI = { releases: [] as string[], gpus: 4 } as const;
/** Engine arguments ride along whether vLLM serves the cache's copy or a download. */
const ENGINE_ARGS = { "max-num-seqs": "64", "enable-prefix-caching": "false" };

let fleet: Rendered;
let fleetWithout: Rendered;

beforeAll(() => {
  requireSandbox();
  // GIVEN an Ollama model (the main server) and a vLLM model on a 4-GPU g5.12xlarge, with the weight cache
  const configs = [
    { llm_model: "llama3:8b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
    { llm_model: MODEL, engine: "vllm", served_model_name: SERVED, instance_type: "g5.12xlarge", ami_id: "", ebs_volume_gb: 300, app_port: PORT, engine_args: ENGINE_ARGS },
  ];
  fleet = renderFromModule(inputs({ model_cache_bucket: BUCKET, model_cache_prefix: CACHE_PREFIX, llm_ec2_configs: configs }));
  fleetWithout = renderFromModule(inputs({ llm_ec2_configs: configs }));
});

afterAll(() => cleanUpReleases());

const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

/** The manifest a seeding server writes: the model, the commit, each file's sha256, size and path. */
function manifestOf(files: Record<string, string>, commit: string, revision = "main"): string {
  const lines = Object.keys(files)
    .sort()
    .map((p) => `file ${sha256(files[p])} ${Buffer.byteLength(files[p])} ${p}`);
  return ["ollama-fleet vllm weights 1", `repo ${MODEL}`, `revision ${revision}`, `commit ${commit}`, ...lines, ""].join("\n");
}

/** A cached copy: the files under their commit, the manifest under the revision. */
function cachedCopy(files = CACHED_FILES, manifestFiles = files): NonNullable<FakeBucket["objects"]> {
  return {
    ...Object.fromEntries(Object.entries(files).map(([p, content]) => [`${IN_CACHE}${CACHED_COMMIT}/files/${p}`, { content }])),
    [`${IN_CACHE}main/manifest`]: { content: manifestOf(manifestFiles, CACHED_COMMIT) },
  };
}

/** The bucket as the servers' role sees it: the prefixes the module's policy grants a fleet with a vLLM model. */
function bucket(objects: FakeBucket["objects"] = {}, more: Partial<FakeBucket> = {}): FakeBucket {
  return {
    bucket: BUCKET,
    region: PLANNED_REGION,
    readable: [...OLLAMA_READABLE, VLLM_ENGINE_PREFIX].map((p) => `${CACHE_PREFIX}${p}`),
    writeOnce: [...OLLAMA_WRITE_ONCE, VLLM_ENGINE_PREFIX].map((p) => `${CACHE_PREFIX}${p}`),
    objects,
    ...more,
  };
}

const ssm = (overrides: Record<string, string> = {}) => commandFromDocument(fleet.vllmDocument, { ...fleet.associations[KEY].parameters, ...overrides }).script;
const lastLine = (step: StepResult) => step.stdout.trim().split("\n").pop() ?? "";
const requests = (result: ScenarioResult, kind: string) => result.s3Requests.filter((r) => r.startsWith(`${kind} `)).map((r) => r.slice(kind.length + 1));
const cacheEvents = (result: ScenarioResult) => (result.log ?? "").split("\n").filter((l) => l.includes("weight-cache: ")).map((l) => l.slice(l.indexOf("weight-cache: ")));
const localCopy = (result: ScenarioResult) => result.vllm.cacheFiles.filter((f) => f.startsWith(`${LOCAL_COPY}/`) || f.startsWith(`${LOCAL_COPY}.`)).map((f) => f.slice(LOCAL_COPY.length));

describe("a vLLM server's weights from the weight cache", () => {
  test("the rendered scripts: the vLLM model's user data and association name the cache; without one, the association says so with a word the AWS provider keeps", () => {
    expect(fleet.associations[KEY].parameters).toMatchObject({ ModelCacheBucket: BUCKET, ModelCachePrefix: CACHE_PREFIX, ModelCacheRegion: PLANNED_REGION });
    expect(fleetWithout.associations[KEY].parameters).toMatchObject({ ModelCacheBucket: NO_MODEL_CACHE, ModelCachePrefix: NO_MODEL_CACHE, ModelCacheRegion: NO_MODEL_CACHE });
    expect(fleet.userData[KEY]).toContain(`MODEL_CACHE_BUCKET='${BUCKET}'\nMODEL_CACHE_PREFIX='${CACHE_PREFIX}'\nMODEL_CACHE_REGION='${PLANNED_REGION}'\nTRANSFER_GBPS='40'\n`);
    expect(fleetWithout.userData[KEY]).toContain("MODEL_CACHE_BUCKET=''\nMODEL_CACHE_PREFIX=''\nMODEL_CACHE_REGION=''\n");
    // the serve-vllm document is the same with or without a cache: only the association changes
    expect(fleet.vllmDocument).toBe(fleetWithout.vllmDocument);
  });

  test("a warm pool's vLLM launch template with the cache, the longest names, every engine argument and the model-ready part, stays under EC2's 16 KB of user data", () => {
    const repo = `${"o".repeat(40)}/${"n".repeat(55)}`;
    const variables = inputs({
      prefix: "a".repeat(28),
      pull_models_wait_seconds: 172800,
      model_cache_bucket: "b".repeat(63),
      model_cache_prefix: `${"p".repeat(255)}/`,
      llm_ec2_configs: [
        { llm_model: "llama3:8b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
        {
          llm_model: `${repo}@${"r".repeat(128)}`,
          engine: "vllm",
          served_model_name: `s${"x".repeat(127)}`,
          max_model_len: 16777216,
          quantization: "awq",
          engine_args: WORST_ENGINE_ARGS,
          instance_type: "g5.12xlarge",
          ami_id: "",
          ebs_volume_gb: 300,
          app_port: 65535,
          server_mode: "asg",
          warm_pool: true,
        },
      ],
    });
    const json = JSON.parse(readFileSync(path.join(MODULE_PATH, "main.tf.json"), "utf8"));
    const rows = planForEach(json, { variables, resource: { type: "aws_launch_template", name: "llm" }, attributes: ["user_data"], replace: { "${path.module}": MODULE_PATH } });
    const [template] = Object.values(rows);
    const bytes = Buffer.from(template.user_data as string, "base64");
    const text = gunzipSync(bytes).toString("utf8");
    expect(text).toContain("model-ready.sh");
    expect(text).toContain(`MODEL_CACHE_PREFIX='${"p".repeat(255)}/'`);
    expect(text).toContain("restore_weights()");
    expect(text).toMatch(/\nENGINE_ARGS='[^']*tool-call-parser=[^']*'\n/);
    if (process.env.SHOW_USER_DATA_BYTES) process.stdout.write(`worst-case vLLM user data: ${bytes.length} gzip bytes\n`);
    expect(bytes.length).toBeLessThan(16 * 1024);
  });

  test(
    "a hit: the weights come from the bucket, every file checked, into a local folder vLLM serves read-only and offline; not one request to Hugging Face; a second run changes nothing",
    async () => {
      const result = await runScenario({
        ...DLAMI,
        instanceStore: true,
        s3: bucket(cachedCopy()),
        steps: [
          { kind: "cloud-init", script: fleet.userData[KEY] },
          { kind: "http", url: HEALTH },
          { kind: "snapshot", name: "before" },
          { kind: "ssm", script: ssm() },
          { kind: "snapshot", name: "after" },
        ],
      });
      const [boot, health, , association] = result.steps;
      expect([boot.exitCode, association.exitCode, health.status]).toEqual([0, 0, 200]);
      expect(lastLine(boot)).toMatch(new RegExp(`OK: vllm .* serves ${MODEL} as ${SERVED} on port ${PORT}; weights from the weight cache's copy in ${LOCAL_COPY}$`));
      expect(cacheEvents(result)).toEqual([
        expect.stringMatching(new RegExp(`^${cacheLogMarker("hit")} ${MODEL} from s3://${BUCKET}/${IN_CACHE}main \\(commit ${CACHED_COMMIT}, 4 files, \\d+ bytes, \\d+ s\\)$`)),
      ]);
      // no Hugging Face at all, and the container on the local copy, mounted read-only, offline, under the same served name
      expect(result.vllm.hfRequests).toEqual([]);
      expect(result.vllm.starts).toHaveLength(1);
      const [start] = result.vllm.starts;
      expect(start).toMatchObject({ source: "folder", offline: "1", weights: CACHED_FILES["model.safetensors"], outcome: "serving" });
      expect(start.folder).toEqual({ path: IN_CONTAINER, readOnly: true, files: ["config.json", "model.safetensors", "original", "tokenizer.json"] });
      expect((start.args as string[]).slice(0, 4)).toEqual(["serve", IN_CONTAINER, "--served-model-name", SERVED]);
      expect(start.args).not.toContain("--revision");
      expect((start.args as string[]).slice(-3)).toEqual(["--no-enable-prefix-caching", "--max-num-seqs", "64"]);
      // the local copy: the cache's files, nothing else (no staging folder left)
      expect(localCopy(result).sort()).toEqual(Object.keys(CACHED_FILES).map((p) => `/${p}`).sort());
      // read only: no upload, no listing
      expect(requests(result, "PUT")).toEqual([]);
      expect(result.s3Requests.filter((r) => r.startsWith("DENIED"))).toEqual([]);
      // the second run: no request to S3 at all (the copy is there); nothing restarted, nothing rewritten
      const { before, after } = result.snapshots;
      expect(after.vllmPid).toBe(before.vllmPid);
      expect(after.files).toEqual(before.files);
      const gets = requests(result, "GET");
      expect(gets.filter((k) => k.endsWith("/manifest"))).toHaveLength(1);
      expect(gets).toHaveLength(Object.keys(CACHED_FILES).length + 1);
      expect(lastLine(association)).toMatch(/; weights from the weight cache's copy in /);
      expect(result.hostChanges).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a miss, then seeding: vLLM downloads from Hugging Face, then the server uploads the snapshot's files (links resolved, huggingface_hub's locks and notes left out) create-only, the manifest last; the next run uploads nothing",
    async () => {
      const snapshot = `/var/lib/ollama-fleet/huggingface/hub/models--mistralai--Mistral-7B-Instruct-v0.3/snapshots/${HUB_COMMIT}`;
      const result = await runScenario({
        ...DLAMI,
        s3: bucket(),
        // what is no model file, in the snapshot before vLLM fills it: left out of the cache
        files: { [`${snapshot}/.cache/huggingface/download/config.json.lock`]: { content: "" }, [`${snapshot}/model.safetensors.incomplete`]: { content: "half" } },
        steps: [
          { kind: "cloud-init", script: fleet.userData[KEY] },
          { kind: "snapshot", name: "before" },
          { kind: "ssm", script: ssm() },
          { kind: "snapshot", name: "after" },
        ],
      });
      const [boot, , association] = result.steps;
      expect([boot.exitCode, association.exitCode]).toEqual([0, 0]);
      const events = cacheEvents(result);
      expect(events[0]).toMatch(new RegExp(`^${cacheLogMarker("miss")} ${MODEL} \\(no manifest in the cache \\(exit 1: fatal error: An error occurred \\(403\\) when calling the HeadObject operation: Forbidden\\)\\); vLLM downloads it from Hugging Face$`));
      expect(events[1]).toMatch(new RegExp(`^${cacheLogMarker("seeded")} ${MODEL} to s3://${BUCKET}/${IN_CACHE}main \\(commit ${HUB_COMMIT}, 3 files, 3 uploaded\\)$`));
      expect(events).toHaveLength(2);
      // vLLM served from Hugging Face, as without a cache
      expect(result.vllm.starts[0]).toMatchObject({ source: "hub", commit: HUB_COMMIT, downloaded: true, offline: "0" });
      expect(result.vllm.hfRequests.filter((r) => r.startsWith("GET ") && r.includes("/resolve/"))).toHaveLength(3);
      // the files first, each under its commit, the manifest last, every one created (none over another)
      const puts = requests(result, "PUT");
      expect(puts).toEqual([
        `${IN_CACHE}${HUB_COMMIT}/files/config.json`,
        `${IN_CACHE}${HUB_COMMIT}/files/model.safetensors`,
        `${IN_CACHE}${HUB_COMMIT}/files/tokenizer.json`,
        `${IN_CACHE}main/manifest`,
      ]);
      expect(result.s3Requests.filter((r) => r.startsWith("DENIED PutObject"))).toEqual([]);
      expect(result.calls.split("\n").filter((c) => /^aws .*s3 cp \//.test(c)).every((c) => c.includes("--no-overwrite"))).toBe(true);
      // what was uploaded is what vLLM downloaded: the manifest names each file's sha256 and size, not the links
      expect(result.log).toContain(`not seeding ${snapshot}/.cache/huggingface/download/config.json.lock (not a model file)`);
      expect(result.log).toContain(`not seeding ${snapshot}/model.safetensors.incomplete (not a model file)`);
      expect(result.vllm.cacheFiles).toEqual(expect.arrayContaining([`${snapshot}/config.json`]));
      // the files as the fake Hugging Face served them (stand-ins/vllm-server.js), and a manifest naming each
      const hubFiles: Record<string, string> = {
        "config.json": JSON.stringify({ model_type: "fake", commit: HUB_COMMIT }),
        "model.safetensors": `fake weights of ${MODEL}@${HUB_COMMIT}\n`,
        "tokenizer.json": JSON.stringify({ version: "1.0", commit: HUB_COMMIT }),
      };
      for (const [file, content] of Object.entries(hubFiles)) {
        expect(result.s3[`${IN_CACHE}${HUB_COMMIT}/files/${file}`]).toMatchObject({ sha256: sha256(content), size: Buffer.byteLength(content) });
      }
      expect(result.s3[`${IN_CACHE}main/manifest`]).toMatchObject({ sha256: sha256(manifestOf(hubFiles, HUB_COMMIT)) });
      expect(Object.keys(result.s3).filter((k) => k.startsWith(IN_CACHE)).sort()).toEqual([...puts].sort());
      // the second run: the manifest is there, so one HEAD and no upload; vLLM neither restarted nor asked Hugging Face again
      const { before, after } = result.snapshots;
      expect(after.vllmPid).toBe(before.vllmPid);
      expect(after.files).toEqual(before.files);
      expect(result.vllm.starts).toHaveLength(1);
      expect(puts).toHaveLength(4);
      expect(result.hostChanges).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "another server seeds the same model at the same time: its manifest lands first and stays whole; this server's upload of it is skipped",
    async () => {
      const theirs = manifestOf({ "config.json": "{}" }, HUB_COMMIT);
      const result = await runScenario({
        ...DLAMI,
        s3: bucket({}, { appearsAfterHead: { [`${IN_CACHE}main/manifest`]: theirs } }),
        steps: [{ kind: "cloud-init", script: fleet.userData[KEY] }],
      });
      expect(result.steps[0].exitCode).toBe(0);
      // the first look at the manifest (the restore's GET) finds none; the seeding's HEAD finds none, then theirs lands
      expect(requests(result, "PUT-SKIPPED")).toEqual([`${IN_CACHE}main/manifest`]);
      expect(result.s3[`${IN_CACHE}main/manifest`].sha256).toBe(sha256(theirs));
      expect(result.log).toContain(`${MODEL}: another server seeded it first; the cache keeps its copy`);
      expect(cacheEvents(result).filter((e) => e.startsWith(cacheLogMarker("seeded")))).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a damaged copy (a file whose content is not its manifest's): counted as corrupt and a miss, vLLM downloads from Hugging Face, and never serves the bad folder",
    async () => {
      // one byte flipped: the size is right, the content is not
      const damaged = { ...CACHED_FILES, "model.safetensors": "weights from the cachE\n" };
      const result = await runScenario({
        ...DLAMI,
        instanceStore: true,
        s3: bucket(cachedCopy(damaged, CACHED_FILES)),
        steps: [{ kind: "cloud-init", script: fleet.userData[KEY] }],
      });
      expect(result.steps[0].exitCode).toBe(0);
      const events = cacheEvents(result);
      expect(events[0]).toBe(
        `${cacheLogMarker("corrupt")} ${MODEL}: the cache's model.safetensors does not match its manifest (sha256 ${sha256(damaged["model.safetensors"])}); ` +
          `remove s3://${BUCKET}/${IN_CACHE}main/manifest (docs/weight-cache.md)`,
      );
      expect(events[1]).toMatch(new RegExp(`^${cacheLogMarker("miss")} ${MODEL} \\(the cache's model.safetensors does not match`));
      expect(events).toHaveLength(2);
      const [start] = result.vllm.starts;
      expect(start).toMatchObject({ source: "hub", weights: `fake weights of ${MODEL}@${HUB_COMMIT}\n`, outcome: "serving" });
      expect(result.vllm.hfRequests.length).toBeGreaterThan(0);
      // no local copy, not even a staging folder
      expect(localCopy(result)).toEqual([]);
      expect(result.vllm.cacheFiles.filter((f) => f.includes("/vllm-models/"))).toEqual([]);
      // the cache keeps its manifest (a server never replaces one): nothing uploaded
      expect(requests(result, "PUT")).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a planted manifest naming a path out of the copy's folder, or another model: refused as corrupt before any file is copied",
    async () => {
      const escape = manifestOf({ ...CACHED_FILES, "../../../../../etc/cron.d/evil": "* * * * * root true\n" }, CACHED_COMMIT);
      const result = await runScenario({
        ...DLAMI,
        s3: bucket({ ...cachedCopy(), [`${IN_CACHE}main/manifest`]: { content: escape } }),
        steps: [{ kind: "cloud-init", script: fleet.userData[KEY] }],
      });
      expect(result.steps[0].exitCode).toBe(0);
      expect(cacheEvents(result)[0]).toBe(
        `${cacheLogMarker("corrupt")} ${MODEL}: the cache's manifest names a path that is not a model file: ../../../../../etc/cron.d/evil; remove s3://${BUCKET}/${IN_CACHE}main/manifest (docs/weight-cache.md)`,
      );
      expect(requests(result, "GET")).toEqual([`${IN_CACHE}main/manifest`]);
      expect(result.vllm.starts[0]).toMatchObject({ source: "hub", outcome: "serving" });

      const other = manifestOf(CACHED_FILES, CACHED_COMMIT).replace(`repo ${MODEL}`, "repo evil/model");
      const moved = await runScenario({
        ...DLAMI,
        s3: bucket({ ...cachedCopy(), [`${IN_CACHE}main/manifest`]: { content: other } }),
        steps: [{ kind: "cloud-init", script: fleet.userData[KEY] }],
      });
      expect(cacheEvents(moved)[0]).toMatch(new RegExp(`^${cacheLogMarker("corrupt")} ${MODEL}: the cache's manifest is another model's;`));
      expect(moved.vllm.starts[0]).toMatchObject({ source: "hub" });
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a file the manifest names is missing from the cache: a miss, nothing of the copy left behind",
    async () => {
      const objects = Object.fromEntries(Object.entries(cachedCopy()).filter(([key]) => key !== `${IN_CACHE}${CACHED_COMMIT}/files/tokenizer.json`));
      const result = await runScenario({ ...DLAMI, s3: bucket(objects), steps: [{ kind: "cloud-init", script: fleet.userData[KEY] }] });
      expect(result.steps[0].exitCode).toBe(0);
      expect(cacheEvents(result)[0]).toMatch(new RegExp(`^${cacheLogMarker("corrupt")} ${MODEL}: the cache's manifest names tokenizer.json, which the cache does not give`));
      expect(result.vllm.starts[0]).toMatchObject({ source: "hub", outcome: "serving" });
      expect(result.vllm.cacheFiles.filter((f) => f.includes("/vllm-models/"))).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "the instance store wiped by a stop and start: ollama-fleet-vllm-weights.service copies the weights again before vLLM starts, and vLLM serves them offline, still without Hugging Face",
    async () => {
      const result = await runScenario({
        ...DLAMI,
        instanceStore: true,
        s3: bucket(cachedCopy()),
        steps: [
          { kind: "cloud-init", script: fleet.userData[KEY] },
          { kind: "reboot" },
          { kind: "http", url: HEALTH, waitMs: 60_000 },
        ],
      });
      const [boot, reboot, health] = result.steps;
      expect([boot.exitCode, reboot.exitCode, health.status]).toEqual([0, 0, 200]);
      expect(result.vllm.weightsUnit).toContain("Before=vllm.service");
      expect(result.vllm.weightsUnit).toContain("ExecStart=/usr/local/lib/ollama-fleet/vllm-bootstrap.sh boot");
      expect(result.vllm.weightsJournal).toContain(`OK: boot: ${MODEL} is in ${LOCAL_COPY}, from the weight cache`);
      expect(result.calls.indexOf("boot: starting ollama-fleet-vllm-weights.service")).toBeLessThan(result.calls.indexOf("boot: starting vllm.service"));
      expect(cacheEvents(result).filter((e) => e.startsWith(cacheLogMarker("hit")))).toHaveLength(2);
      expect(requests(result, "GET").filter((k) => k.endsWith("/manifest"))).toHaveLength(2);
      expect(result.vllm.starts.map((s) => [s.source, s.offline, s.outcome])).toEqual([
        ["folder", "1", "serving"],
        ["folder", "1", "serving"],
      ]);
      expect(result.vllm.hfRequests).toEqual([]);
      expect(localCopy(result).sort()).toEqual(Object.keys(CACHED_FILES).map((p) => `/${p}`).sort());
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "the cache turned off: the association removes the boot-time copy and its unit; vLLM keeps serving",
    async () => {
      const result = await runScenario({
        ...DLAMI,
        s3: bucket(cachedCopy()),
        steps: [
          { kind: "cloud-init", script: fleet.userData[KEY] },
          { kind: "ssm", script: commandFromDocument(fleetWithout.vllmDocument, fleetWithout.associations[KEY].parameters).script },
        ],
      });
      expect(result.steps.map((s) => s.exitCode)).toEqual([0, 0]);
      expect(result.vllm.weightsUnit).toBeNull();
      expect(result.log).toContain("no weight cache: removed /etc/systemd/system/ollama-fleet-vllm-weights.service");
      expect(result.vllm.starts).toHaveLength(1);
      expect(result.vllm.hfRequests).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
