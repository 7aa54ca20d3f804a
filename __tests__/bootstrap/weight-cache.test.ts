// The weight cache, end to end on one fake server: the user data and the pull-models document
// rendered from the committed module with a cache, run as cloud-init, the SSM agent and systemd run
// them, against a fake bucket reached through an AWS CLI stand-in (stand-ins/aws.js), the fake
// registry (the ollama stand-in's pull) and the fake download site (the curl stand-in).
import { createHash } from "crypto";
import { OLLAMA_READABLE, OLLAMA_WRITE_ONCE } from "../../src/constructs/model-cache/layout";
import { cacheLogMarker } from "../../src/constructs/model-cache/cache-events";
import { PLANNED_REGION } from "../helpers/terraform";
import { inputs, Rendered, renderFromModule } from "./harness/render";
import { cachedModels, cleanUpReleases, FakeBucket, releaseArchive, requireSandbox, runScenario, ScenarioResult, StepResult } from "./harness/sandbox";
import { commandFromDocument } from "./harness/ssm-agent";

const SCENARIO_TIMEOUT_MS = 180_000;
const BUCKET = "acme-weights";
const CACHE_PREFIX = "model-cache/";
const OLLAMA = `${CACHE_PREFIX}ollama/`;
const LLAMA: readonly [string, string] = ["llama3:8b", "registry.ollama.ai/library/llama3/8b"];
const QWEN: readonly [string, string] = ["qwen2:7b", "registry.ollama.ai/library/qwen2/7b"];
const INSTANCE_STORE_MODELS = "/opt/dlami/nvme/ollama/models";
const ROOT_MODELS = "/usr/share/ollama/.ollama/models";
/** Releases 0.21 and later spare blobs younger than an hour from the prune at start; 0.13 spares none. */
const VERSION = "0.21.0";
const NEXT = "0.22.0";
const BOOT_COPY = "/usr/local/lib/ollama-fleet/bootstrap.sh";

let fleet: Rendered;
let fleet013: Rendered;
let fleetWithout: Rendered;
let fleetNext: Rendered;

beforeAll(() => {
  requireSandbox();
  // GIVEN a main server (llama3:8b) and a second one (qwen2:7b), with the weight cache in an existing bucket
  fleet = renderFromModule(inputs({ model_cache_bucket: BUCKET, model_cache_prefix: CACHE_PREFIX, ollama_version: VERSION }));
  fleet013 = renderFromModule(inputs({ model_cache_bucket: BUCKET, model_cache_prefix: CACHE_PREFIX, ollama_version: "0.13.0" }));
  fleetWithout = renderFromModule(inputs({ ollama_version: VERSION }));
  fleetNext = renderFromModule(inputs({ model_cache_bucket: BUCKET, model_cache_prefix: CACHE_PREFIX, ollama_version: NEXT }));
});

afterAll(() => cleanUpReleases());

/** The bucket as the servers' role sees it: the prefixes the module's policy grants. */
function bucket(objects: FakeBucket["objects"] = {}, more: Partial<FakeBucket> = {}): FakeBucket {
  return {
    bucket: BUCKET,
    region: PLANNED_REGION,
    readable: OLLAMA_READABLE.map((p) => `${CACHE_PREFIX}${p}`),
    writeOnce: OLLAMA_WRITE_ONCE.map((p) => `${CACHE_PREFIX}${p}`),
    objects,
    ...more,
  };
}

/** The release archive an operator seeded, so a server needs no download site either. */
function seededRelease(version = VERSION): FakeBucket["objects"] {
  const { name, content } = releaseArchive(version, "amd64");
  return { [`${OLLAMA}releases/${version}/${name}`]: { content } };
}

const ssm = (rendered: Rendered, key: string) => commandFromDocument(rendered.document, rendered.associations[key].parameters).script;
/** The release rollout's script, as the SSM agent runs it on each instance server. */
const rollout = (rendered: Rendered) => commandFromDocument(rendered.document, (rendered.rollout as NonNullable<Rendered["rollout"]>).parameters).script;
const lastLine = (step: StepResult) => step.stdout.trim().split("\n").pop() ?? "";
const calls = (result: ScenarioResult, tool: string) => result.calls.split("\n").filter((l) => l.startsWith(`${tool} `));
const requests = (result: ScenarioResult, kind: string) => result.s3Requests.filter((r) => r.startsWith(`${kind} `)).map((r) => r.slice(kind.length + 1));
const blobsOf = (name: string): string[] => Object.keys(cachedModels("", [[name, "x"]])).filter((k) => k.startsWith("blobs/")).map((k) => k.slice("blobs/".length));
/** What the fake registry and the download site saw: pulls, and downloads of the release. */
function registryTraffic(result: ScenarioResult): string[] {
  return [...calls(result, "ollama pull"), ...calls(result, "curl"), ...(result.journal ?? "").split("\n").filter((l) => l.includes("POST /api/pull"))];
}

describe("the weight cache on a server", () => {
  test(
    "a cache hit: the model and the release come from the bucket before Ollama starts, verified, with no registry or download-site traffic at all",
    async () => {
      // GIVEN a bucket that holds llama3:8b and the pinned release
      const objects = { ...cachedModels(OLLAMA, [LLAMA]), ...seededRelease() };
      // WHEN the main server boots
      const result = await runScenario({
        releases: [VERSION],
        arch: "x86_64",
        s3: bucket(objects),
        steps: [{ kind: "cloud-init", script: fleet.userData.llama38b }, { kind: "http", url: "http://127.0.0.1:11434/v1/models/llama3:8b" }],
      });
      // THEN it serves the model it copied, and neither the registry nor the download site saw a request
      const [boot, ready] = result.steps;
      expect(boot.exitCode).toBe(0);
      expect(lastLine(boot)).toMatch(/OK: ollama 0\.21\.0 serves on port 11434; from the cache: llama3:8b; pulled: none; already there: none$/);
      expect(ready.status).toBe(200);
      expect(registryTraffic(result)).toEqual([]);
      expect(result.log).toContain(`${cacheLogMarker("hit")} llama3:8b from s3://${BUCKET}/${OLLAMA.slice(0, -1)} (3 new blobs`);
      expect(result.log).toContain(`copied ollama ${VERSION} from s3://${BUCKET}/${OLLAMA}releases/${VERSION}/ollama-linux-amd64.tar.zst`);
      expect(result.models).toEqual(["llama3:8b"]);
      // every blob the manifest names, each once, verified against its name; the manifest first read
      expect(requests(result, "GET")).toEqual([
        `${OLLAMA}releases/${VERSION}/ollama-linux-amd64.tar.zst`,
        `${OLLAMA}manifests/${LLAMA[1]}`,
        ...blobsOf("llama3:8b").map((b) => `${OLLAMA}blobs/${b}`),
      ]);
      expect(Object.keys(result.blobs).sort()).toEqual(blobsOf("llama3:8b").sort());
      for (const [name, blob] of Object.entries(result.blobs)) expect(`sha256-${blob.sha256}`).toBe(name);
      // downloads through the CRT client, in the bucket's region; nothing uploaded (the cache had it)
      expect(calls(result, "aws").filter((c) => c.includes(" s3 cp ") && !c.includes("--no-overwrite"))).toEqual(
        Array(5).fill(expect.stringMatching(new RegExp(`^aws --region ${PLANNED_REGION} s3 cp .*\\(client crt, target 10Gb/s\\)$`))),
      );
      expect(requests(result, "PUT")).toEqual([]);
      // no instance store here: the root volume's folder, every file the ollama user's
      expect(result.modelsDir).toBe(ROOT_MODELS);
      expect(result.unownedModelFiles).toEqual([]);
      expect(result.hostChanges).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a miss then a seed: the server pulls from the registry and uploads, blobs first, the manifest last, a layer two models share once; a second server then hits",
    async () => {
      // GIVEN an empty cache WHEN the main server boots (llama3:8b) and its association pulls the rest (qwen2:7b)
      const first = await runScenario({
        releases: [VERSION],
        s3: bucket(),
        steps: [
          { kind: "cloud-init", script: fleet.userData.llama38b },
          { kind: "ssm", script: ssm(fleet, "llama38b") },
        ],
      });
      // THEN both models were pulled, counted as misses, and seeded
      const [boot, association] = first.steps;
      expect([boot.exitCode, association.exitCode]).toEqual([0, 0]);
      expect(lastLine(association)).toMatch(/from the cache: none; pulled: qwen2:7b; already there: llama3:8b$/);
      expect(first.log).toMatch(new RegExp(`${cacheLogMarker("miss")} llama3:8b \\(no manifest in the cache \\(exit 1: fatal error: An error occurred \\(403\\) when calling the HeadObject operation: Forbidden\\)\\)`));
      expect(first.log).toContain(`${cacheLogMarker("seeded")} llama3:8b to s3://${BUCKET}/${OLLAMA.slice(0, -1)} (3 blobs uploaded)`);
      expect(first.log).toContain(`${cacheLogMarker("seeded")} qwen2:7b to s3://${BUCKET}/${OLLAMA.slice(0, -1)} (2 blobs uploaded)`);
      const expected = cachedModels(OLLAMA, [LLAMA, QWEN]);
      expect(Object.fromEntries(Object.entries(first.s3).map(([key, o]) => [key, o.sha256]))).toEqual(
        Object.fromEntries(Object.entries(expected).map(([key, o]) => [key, createHash("sha256").update(o.content).digest("hex")])),
      );
      // each model's manifest is uploaded after all its blobs; the shared license once
      const puts = requests(first, "PUT");
      for (const [name, manifestPath] of [LLAMA, QWEN]) {
        const manifestAt = puts.indexOf(`${OLLAMA}manifests/${manifestPath}`);
        expect(manifestAt).toBeGreaterThan(-1);
        for (const blob of blobsOf(name)) expect(puts.indexOf(`${OLLAMA}blobs/${blob}`)).toBeLessThan(manifestAt);
      }
      expect(puts).toHaveLength(new Set(puts).size);
      expect(calls(first, "aws").filter((c) => c.includes("--no-overwrite"))).toEqual(Array(7).fill(expect.stringMatching(/\(client classic\)$/)));
      // the association's document knows no instance type: the user data's target stays
      expect(calls(first, "aws").filter((c) => c.includes("(client crt"))).toEqual(
        Array(calls(first, "aws").filter((c) => c.includes("(client crt")).length).fill(expect.stringMatching(/target 10Gb\/s\)$/)),
      );
      // WHEN a new qwen2:7b server boots against what the first one seeded (the same objects, as checked above)
      const second = await runScenario({
        releases: [VERSION],
        s3: bucket(expected),
        steps: [{ kind: "cloud-init", script: fleet.userData.qwen27b }],
      });
      // THEN it hits: no pull
      expect(second.steps[0].exitCode).toBe(0);
      expect(lastLine(second.steps[0])).toMatch(/from the cache: qwen2:7b; pulled: none/);
      expect(calls(second, "ollama pull")).toEqual([]);
      expect(second.hostChanges).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a blob whose content does not match its digest: counted as corrupt and a miss, pulled from the registry, and the cache's objects left as they are",
    async () => {
      // GIVEN a cache whose llama3:8b weights were damaged
      const objects = cachedModels(OLLAMA, [LLAMA]);
      const weights = blobsOf("llama3:8b").find((b) => objects[`${OLLAMA}blobs/${b}`].content.startsWith("fake weights")) as string;
      objects[`${OLLAMA}blobs/${weights}`] = { content: "damaged weights\n" };
      // WHEN the main server boots
      const result = await runScenario({ releases: [VERSION], s3: bucket(objects), steps: [{ kind: "cloud-init", script: fleet.userData.llama38b }] });
      // THEN it falls back to the registry, serves the right weights, and says what to do
      expect(result.steps[0].exitCode).toBe(0);
      expect(lastLine(result.steps[0])).toMatch(/from the cache: none; pulled: llama3:8b; already there: none$/);
      expect(calls(result, "ollama pull")).toEqual(["ollama pull llama3:8b"]);
      expect(result.log).toMatch(new RegExp(`${cacheLogMarker("corrupt")} llama3:8b: the cache's ${weights} does not match its digest \\(sha256 [0-9a-f]{64}\\); remove its manifest from the cache`));
      expect(result.log).toContain(`${cacheLogMarker("miss")} llama3:8b (the cache's ${weights} does not match its digest`);
      for (const [name, blob] of Object.entries(result.blobs)) expect(`sha256-${blob.sha256}`).toBe(name);
      // nothing half-restored stays behind, and nothing in the bucket changed
      expect(Object.keys(result.blobs).sort()).toEqual(blobsOf("llama3:8b").sort());
      expect(requests(result, "PUT")).toEqual([]);
      expect(result.hostChanges).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a transfer cut midway leaves no file; a server that seeds while another finishes first keeps the other's copy",
    async () => {
      // GIVEN a cache whose llama3:8b license blob transfer is cut, and a qwen2:7b manifest another server completes right after this one looks
      const objects = cachedModels(OLLAMA, [LLAMA]);
      const license = blobsOf("llama3:8b").find((b) => objects[`${OLLAMA}blobs/${b}`].content.startsWith("fake license")) as string;
      const theirs = JSON.stringify({ schemaVersion: 2, note: "another server's upload" });
      const result = await runScenario({
        releases: [VERSION],
        s3: bucket(objects, { failAfterBytes: { [`${OLLAMA}blobs/${license}`]: 5 }, appearsAfterHead: { [`${OLLAMA}manifests/${QWEN[1]}`]: theirs } }),
        steps: [
          { kind: "cloud-init", script: fleet.userData.llama38b },
          { kind: "ssm", script: ssm(fleet, "llama38b") },
        ],
      });
      // THEN the cut transfer is a miss with the CLI's words, and no partial file is left
      expect(result.steps.map((s) => s.exitCode)).toEqual([0, 0]);
      expect(result.log).toContain(`${cacheLogMarker("miss")} llama3:8b (the cache's manifest names ${license}, which the cache does not give (exit 1: download failed:`);
      expect(Object.keys(result.blobs).every((name) => /^sha256-[0-9a-f]{64}$/.test(name))).toBe(true);
      // and seeding qwen2:7b does not replace the manifest the other server wrote
      expect(result.log).toContain("qwen2:7b: another server seeded it first; the cache keeps its copy");
      expect(result.log).not.toContain(`${cacheLogMarker("seeded")} qwen2:7b`);
      expect(result.s3[`${OLLAMA}manifests/${QWEN[1]}`].sha256).toBe(createHash("sha256").update(theirs).digest("hex"));
      expect(requests(result, "PUT-SKIPPED")).toEqual([`${OLLAMA}manifests/${QWEN[1]}`]);
      expect(result.hostChanges).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test.each([VERSION, "0.13.0"])(
    "restored blobs an hour old survive the prune Ollama %s runs at start, which removes the blobs no manifest names",
    async (version) => {
      // GIVEN a cache seeded two hours ago, and two blobs no manifest names on the disk already (two hours, and ten minutes old)
      const oldOrphan = `sha256-${"a".repeat(64)}`;
      const youngOrphan = `sha256-${"b".repeat(64)}`;
      const rendered = version === VERSION ? fleet : fleet013;
      const result = await runScenario({
        releases: [version],
        s3: bucket(cachedModels(OLLAMA, [QWEN], 7200)),
        files: {
          [`${ROOT_MODELS}/blobs/${oldOrphan}`]: { content: "left over\n", ageSeconds: 7200 },
          [`${ROOT_MODELS}/blobs/${youngOrphan}`]: { content: "being written\n", ageSeconds: 600 },
        },
        steps: [{ kind: "cloud-init", script: rendered.userData.qwen27b }],
      });
      // THEN the restored blobs keep their age (their LastModified) and survive, as Ollama's prune spares what a manifest names
      expect(result.steps[0].exitCode).toBe(0);
      expect(lastLine(result.steps[0])).toMatch(/from the cache: qwen2:7b; pulled: none/);
      for (const blob of blobsOf("qwen2:7b")) expect(result.blobs[blob]?.ageSeconds).toBeGreaterThan(3600);
      // and the prune did run: the old orphan went; the young one stays only where the release has the grace hour
      expect(result.blobs).not.toHaveProperty(oldOrphan);
      if (version === VERSION) expect(result.blobs).toHaveProperty(youngOrphan);
      else expect(result.blobs).not.toHaveProperty(youngOrphan);
      expect(result.journal).toContain(`total unused blobs removed: ${version === VERSION ? 1 : 2}`);
      expect(calls(result, "ollama pull")).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "an instance store: the models live there, and a reboot (a warm pool's stop and start) restores them before Ollama starts",
    async () => {
      // GIVEN a g5-like server whose instance store is mounted at /opt/dlami/nvme, and a cache with qwen2:7b
      const result = await runScenario({
        releases: [VERSION],
        instanceStore: true,
        s3: bucket(cachedModels(OLLAMA, [QWEN])),
        steps: [
          { kind: "cloud-init", script: fleet.userData.qwen27b },
          { kind: "snapshot", name: "before" },
          { kind: "reboot" },
          { kind: "http", url: "http://127.0.0.1:11435/v1/models/qwen2:7b", waitMs: 30_000 },
        ],
      });
      // THEN the first boot restored into the instance store and installed the boot-time copy
      const [boot, , reboot, ready] = result.steps;
      expect(boot.exitCode).toBe(0);
      expect(result.modelsDir).toBe(INSTANCE_STORE_MODELS);
      expect(result.dropIn).toContain(`Environment="OLLAMA_MODELS=${INSTANCE_STORE_MODELS}"`);
      expect(result.weightsUnit).toContain("Before=ollama.service");
      expect(result.weightsUnit).toContain("ExecStart=/usr/local/lib/ollama-fleet/bootstrap.sh boot");
      // the reboot emptied the instance store; the unit ran before Ollama and copied the model again
      expect(reboot.exitCode).toBe(0);
      const bootCalls = result.calls.split("\n").filter((l) => l.startsWith("boot: starting"));
      expect(bootCalls.indexOf("boot: starting ollama-fleet-weights.service")).toBeLessThan(bootCalls.indexOf("boot: starting ollama.service"));
      expect(bootCalls.indexOf("boot: starting ollama-fleet-weights.service")).toBeGreaterThan(-1);
      expect(result.log).toMatch(new RegExp(`ollama-bootstrap\\[boot\\]: ${cacheLogMarker("hit")} qwen2:7b`));
      expect(result.log).toMatch(/ollama-bootstrap\[boot\]: OK: boot: from the cache: qwen2:7b/);
      const manifest = `${OLLAMA}manifests/${QWEN[1]}`;
      expect(requests(result, "GET").filter((key) => key === manifest)).toHaveLength(2);
      expect(ready.status).toBe(200);
      expect(Object.keys(result.blobs).sort()).toEqual(blobsOf("qwen2:7b").sort());
      expect(result.unownedModelFiles).toEqual([]);
      expect(calls(result, "ollama pull")).toEqual([]);
      expect(result.hostChanges).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "the release rollout on an instance-store server: at its release it is done at once; a new release goes in, the boot copy keeps the server's models, and a reboot restores them",
    async () => {
      // GIVEN a server on an instance store, set up with the cache and by its model's own association
      const result = await runScenario({
        releases: [VERSION, NEXT],
        instanceStore: true,
        s3: bucket(cachedModels(OLLAMA, [QWEN])),
        steps: [
          { kind: "cloud-init", script: fleet.userData.qwen27b },
          { kind: "ssm", script: ssm(fleet, "qwen27b") },
          // WHEN the release rollout runs at the release the server has, then at a new one
          { kind: "ssm", script: rollout(fleet) },
          { kind: "ssm", script: rollout(fleetNext) },
          { kind: "exec", argv: ["grep", "-E", "^(MODELS|OLLAMA_VERSION|UPGRADE_IN_PLACE)=", BOOT_COPY] },
          // AND the server stops and starts (the instance store comes back empty)
          { kind: "reboot" },
          { kind: "http", url: "http://127.0.0.1:11435/v1/models/qwen2:7b", waitMs: 30_000 },
        ],
      });
      const [boot, own, same, next, copy, reboot, ready] = result.steps;
      expect([boot.exitCode, own.exitCode, same.exitCode, next.exitCode, copy.exitCode, reboot.exitCode, ready.status]).toEqual([0, 0, 0, 0, 0, 0, 200]);
      // THEN the rollout at the same release compares the unit's settings with the instance store's folder and finishes before anything else
      expect(result.modelsDir).toBe(INSTANCE_STORE_MODELS);
      expect(lastLine(same)).toMatch(new RegExp(`OK: ollama ${VERSION} serves on port 11435; no models asked for$`));
      expect(same.stdout).not.toContain("is installed");
      // the new release goes in on the same folder; the rollout names no models, so the boot copy keeps the model association's
      expect(lastLine(next)).toMatch(new RegExp(`OK: ollama ${NEXT.replace(/\./g, "\\.")} serves on port 11435; no models asked for$`));
      expect(result.installedVersion).toBe(`${NEXT}\n`);
      expect(result.dropIn).toContain(`Environment="OLLAMA_MODELS=${INSTANCE_STORE_MODELS}"`);
      expect(copy.stdout.trim().split("\n")).toEqual([`OLLAMA_VERSION='${VERSION}'`, "MODELS='qwen2:7b'", "UPGRADE_IN_PLACE='false'"]);
      // and after the reboot the boot unit copied the model back before Ollama started: no pull anywhere
      expect(result.log).toMatch(new RegExp(`ollama-bootstrap\\[boot\\]: OK: boot: from the cache: qwen2:7b`));
      expect(Object.keys(result.blobs).sort()).toEqual(blobsOf("qwen2:7b").sort());
      expect(calls(result, "ollama pull")).toEqual([]);
      expect(result.hostChanges).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "no instance store (a plain /opt/dlami/nvme): the root volume keeps the models, and a reboot copies nothing",
    async () => {
      const result = await runScenario({
        releases: [VERSION],
        instanceStore: false,
        s3: bucket(cachedModels(OLLAMA, [QWEN])),
        steps: [{ kind: "cloud-init", script: fleet.userData.qwen27b }, { kind: "reboot" }, { kind: "http", url: "http://127.0.0.1:11435/v1/models/qwen2:7b", waitMs: 30_000 }],
      });
      const [boot, reboot, ready] = result.steps;
      expect([boot.exitCode, reboot.exitCode, ready.status]).toEqual([0, 0, 200]);
      expect(result.modelsDir).toBe(ROOT_MODELS);
      expect(requests(result, "GET").filter((key) => key.includes("/manifests/"))).toHaveLength(1);
      expect(result.log).toMatch(/ollama-bootstrap\[boot\]: OK: boot: from the cache: none/);
      expect(result.hostChanges).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "the cache turned on for a running server: its next association run seeds what it has and installs the boot unit; Ollama, its folder and its unit stay as they are",
    async () => {
      // GIVEN a server set up without a cache (on a type with an instance store), WHEN the document with the cache runs on it
      const result = await runScenario({
        releases: [VERSION],
        instanceStore: true,
        s3: bucket(),
        bootFinished: true,
        steps: [
          { kind: "cloud-init", script: fleetWithout.userData.qwen27b },
          { kind: "snapshot", name: "before" },
          { kind: "ssm", script: ssm(fleet, "qwen27b") },
          { kind: "snapshot", name: "after" },
        ],
      });
      // THEN the model went to the cache, and nothing of the running server changed
      const [boot, , association] = result.steps;
      expect([boot.exitCode, association.exitCode]).toEqual([0, 0]);
      expect(lastLine(association)).toMatch(/from the cache: none; pulled: none; already there: qwen2:7b$/);
      expect(result.log).toContain(`${cacheLogMarker("seeded")} qwen2:7b`);
      expect(Object.keys(result.s3).sort()).toEqual(Object.keys(cachedModels(OLLAMA, [QWEN])).sort());
      expect(result.snapshots.after.mainPid).toBe(result.snapshots.before.mainPid);
      expect(result.modelsDir).toBe(ROOT_MODELS);
      const unitFiles = (snapshot: ScenarioResult["snapshots"][string]) =>
        Object.entries(snapshot.files).filter(([file]) => file.startsWith("/etc/systemd/system/ollama.service"));
      expect(unitFiles(result.snapshots.after)).toEqual(unitFiles(result.snapshots.before));
      expect(result.weightsUnit).toContain("Before=ollama.service");
      expect(calls(result, "ollama pull")).toEqual(["ollama pull qwen2:7b"]);
      expect(result.hostChanges).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "without an AWS CLI, or with one too old to write without overwriting: misses are counted, models pulled, nothing written",
    async () => {
      // GIVEN a server without the AWS CLI
      const bare = await runScenario({ releases: [VERSION], awsCli: false, s3: bucket(), steps: [{ kind: "cloud-init", script: fleet.userData.qwen27b }] });
      expect(bare.steps[0].exitCode).toBe(0);
      expect(bare.log).toContain(`${cacheLogMarker("miss")} qwen2:7b (no AWS CLI on this server)`);
      expect(calls(bare, "ollama pull")).toEqual(["ollama pull qwen2:7b"]);
      // GIVEN AWS CLI 2.32, which has no --no-overwrite
      const old = await runScenario({ releases: [VERSION], s3: bucket({}, { version: "2.32.0" }), steps: [{ kind: "cloud-init", script: fleet.userData.qwen27b }] });
      expect(old.steps[0].exitCode).toBe(0);
      expect(old.log).toContain("cannot seed qwen2:7b: this AWS CLI (aws-cli/2.32.0");
      expect(old.log).not.toContain(cacheLogMarker("seeded"));
      expect(old.s3).toEqual({});
      expect([...bare.hostChanges, ...old.hostChanges]).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
