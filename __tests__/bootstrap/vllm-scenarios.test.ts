// The vLLM servers' bootstrap, rendered from the committed module (user data and the serve-vllm
// document) and run as cloud-init and the SSM agent run them, in the sandbox: bare environment,
// stand-ins for docker (and its daemon and registry), the NVIDIA Container Toolkit and nvidia-smi,
// the AWS CLI, the instance metadata, systemd (restarting what exits) and vLLM itself (a fake
// server the fake image runs, downloading from a fake Hugging Face). See README.md beside this file.
import { modelKey } from "../../src/config/derive";
import { DEFAULT_VLLM_IMAGE } from "../../src/engines/vllm";
import { commandFromDocument, InvalidParameters } from "./harness/ssm-agent";
import { inputs, Rendered, renderFromModule } from "./harness/render";
import { cleanUpReleases, requireSandbox, runScenario, ScenarioResult, StepResult } from "./harness/sandbox";
import { NO_VALUE } from "../../src/userdata/vllm-templates";

const SCENARIO_TIMEOUT_MS = 240_000;
const MODEL = "mistralai/Mistral-7B-Instruct-v0.3";
const SERVED = "mistral-7b";
const KEY = modelKey(MODEL);
const PORT = 8000;
const TOKEN_PARAMETER = "/acme/hf-token";
const TOKEN = "hf_FakeTokenNobodyMaySee0123456789";
const HEALTH = `http://127.0.0.1:${PORT}/health`;

let fleet: Rendered;

beforeAll(() => {
  requireSandbox();
  // GIVEN a fleet of an Ollama model (the main server) and a vLLM model on a 4-GPU g5.12xlarge,
  // with a Hugging Face token parameter, as rendered from the committed module
  fleet = renderFromModule(
    inputs({
      hf_token_parameter: TOKEN_PARAMETER,
      llm_ec2_configs: [
        { llm_model: "llama3:8b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
        { llm_model: MODEL, engine: "vllm", served_model_name: SERVED, max_model_len: 8192, instance_type: "g5.12xlarge", ami_id: "", ebs_volume_gb: 300, app_port: PORT },
      ],
    }),
  );
});

afterAll(() => cleanUpReleases());

/** The script the SSM agent runs for the vLLM model's association, parameters overridden. */
const ssm = (overrides: Record<string, string> = {}) => commandFromDocument(fleet.vllmDocument, { ...fleet.associations[KEY].parameters, ...overrides }).script;
const lastLine = (step: StepResult) => step.stdout.trim().split("\n").pop() ?? "";
const calls = (result: ScenarioResult, tool: string) => result.calls.split("\n").filter((l) => l.startsWith(`${tool} `));
/** The machine has what the Deep Learning AMI has: Docker, the toolkit, 4 GPUs; the registry the image; SSM the token. */
const DLAMI = { releases: [] as string[], gpus: 4, ssmParameters: { [TOKEN_PARAMETER]: TOKEN } } as const;

/** Nothing of the token but its own file, anywhere: files, running processes' arguments and environments, the steps' output. */
function expectTokenNowhere(result: ScenarioResult) {
  expect(result.vllm.filesHoldingSecret).toEqual([]);
  expect(result.vllm.processesHoldingSecret).toEqual([]);
  for (const step of result.steps) expect(`${step.stdout}${step.stderr}`).not.toContain(TOKEN);
  expect(result.log ?? "").not.toContain(TOKEN);
  expect(result.calls).not.toContain(TOKEN);
}

describe("vLLM bootstrap scenarios (user data and the serve-vllm document from the committed module)", () => {
  test("the rendered scripts: the vLLM model's user data and association name its engine's settings; the token's value is in neither", () => {
    expect(fleet.associations[KEY].parameters).toEqual({
      Model: MODEL,
      ServedModelName: SERVED,
      AppPort: String(PORT),
      Image: DEFAULT_VLLM_IMAGE,
      MaxModelLen: "8192",
      TensorParallelSize: "4",
      GpuMemoryUtilization: "0.9",
      Dtype: "auto",
      Quantization: NO_VALUE,
      // no engine_args: no extra flags
      EngineArgs: NO_VALUE,
      HfTokenParameter: TOKEN_PARAMETER,
      CacheOnInstanceStore: "true",
      TimeoutSeconds: "3600",
      // no weight cache (vllm-weight-cache.test.ts has one)
      ModelCacheBucket: "-",
      ModelCachePrefix: "-",
      ModelCacheRegion: "-",
      // an instance model's association applies a new image or setting (no release rollout serves vLLM)
      UpgradeInPlace: "true",
    });
    expect(fleet.userData[KEY]).toContain(`MODEL='${MODEL}'\nSERVED_NAME='${SERVED}'\nAPP_PORT='${PORT}'\nIMAGE='${DEFAULT_VLLM_IMAGE}'`);
    expect(fleet.userData[KEY]).toContain(`HF_TOKEN_PARAMETER='${TOKEN_PARAMETER}'`);
    // the main server (Ollama) pulls the Ollama models only, never the vLLM model's weights
    expect(fleet.associations.llama38b.parameters.Models).toBe("llama3:8b");
    expect(fleet.userDataBytes[KEY]).toBeLessThan(16 * 1024);
    expect(`${fleet.userData[KEY]}${fleet.vllmDocument}`).not.toContain(TOKEN);
  });

  test(
    "first boot: the image is pulled (past two timeouts), the unit runs it with every GPU, --ipc=host, the model's port and the cache on the instance store; vLLM downloads the gated weights with the token from SSM and serves; the next start is offline",
    async () => {
      const result = await runScenario({
        ...DLAMI,
        instanceStore: true,
        dockerPullFailTimes: 2,
        hfGated: { [MODEL]: TOKEN },
        steps: [
          { kind: "cloud-init", script: fleet.userData[KEY] },
          { kind: "http", url: HEALTH },
          { kind: "exec", argv: ["systemctl", "restart", "vllm"] },
          { kind: "ssm", script: ssm() },
          { kind: "http", url: HEALTH },
        ],
      });
      const [boot, health, restart, association, healthAfter] = result.steps;
      expect([boot.exitCode, restart.exitCode, association.exitCode]).toEqual([0, 0, 0]);
      expect([health.status, healthAfter.status]).toEqual([200, 200]);
      expect(lastLine(boot)).toMatch(
        new RegExp(`OK: vllm \\(${DEFAULT_VLLM_IMAGE}\\) serves ${MODEL} as ${SERVED} on port ${PORT}; weights downloaded to /opt/dlami/nvme/huggingface; later starts run offline$`),
      );
      expect(lastLine(association)).toMatch(/; weights already in \/opt\/dlami\/nvme\/huggingface$/);
      // pulled on the third try, once
      expect(calls(result, "docker").filter((c) => c.startsWith("docker pull"))).toEqual(Array(3).fill(`docker pull ${DEFAULT_VLLM_IMAGE}`));
      expect(result.log).toContain("pulling vllm/vllm-openai:v0.29.0 failed (attempt 2/5, exit 1: Error response from daemon: Get");
      // the unit: restarted whenever it exits, around the script that runs the container
      expect(result.vllm.unit).toContain("ExecStart=/usr/local/lib/ollama-fleet/vllm-serve\nExecStop=/usr/local/sbin/docker stop -t 30 vllm\nRestart=always\n");
      expect(result.vllm.serveScript).toContain(
        `--name vllm --gpus all --ipc=host -p ${PORT}:8000 \\\n  -v "$cache:/root/.cache/huggingface" -e HF_HUB_OFFLINE=$offline -e VLLM_NO_USAGE_STATS=1 -e DO_NOT_TRACK=1`,
      );
      // two starts: the first online with the token file (never its value in the environment), downloading; the second offline
      const [first, second] = result.vllm.starts;
      expect(first).toMatchObject({ offline: "0", token: "read", tokenInEnvironment: false, downloaded: true, gpus: 4, ipc: "host", usageStats: "1", outcome: "serving" });
      expect(first.args).toEqual([
        "serve", MODEL, "--served-model-name", SERVED, "--host", "0.0.0.0", "--port", "8000", "--tensor-parallel-size", "4",
        "--gpu-memory-utilization", "0.9", "--dtype", "auto", "--max-model-len", "8192",
      ]);
      expect(second).toMatchObject({ offline: "1", downloaded: false, outcome: "serving" });
      expect(result.vllm.cacheFiles).toEqual(
        expect.arrayContaining([`/opt/dlami/nvme/huggingface/hub/models--mistralai--Mistral-7B-Instruct-v0.3/snapshots/${first.commit}/config.json`]),
      );
      // docker inspect shows the token's path, not the token; the file is root's alone
      const env = (result.vllm.containers.vllm as { Config: { Env: string[] } }).Config.Env;
      expect(env).toEqual(expect.arrayContaining(["HF_TOKEN_PATH=/run/secrets/hf-token", "HF_HUB_OFFLINE=1"]));
      expect(result.vllm.tokenFile).toEqual({ mode: "600", owner: "root:root", content: `${TOKEN}\n` });
      expectTokenNowhere(result);
      expect(result.hostChanges).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "run twice: the association after the user data pulls nothing, writes nothing and restarts nothing; it only checks that vLLM serves",
    async () => {
      const result = await runScenario({
        ...DLAMI,
        steps: [
          { kind: "cloud-init", script: fleet.userData[KEY] },
          { kind: "snapshot", name: "before" },
          { kind: "ssm", script: ssm() },
          { kind: "snapshot", name: "after" },
        ],
      });
      expect([result.steps[0].exitCode, result.steps[2].exitCode]).toEqual([0, 0]);
      const { before, after } = result.snapshots;
      expect(after.vllmPid).toBe(before.vllmPid);
      expect(before.vllmPid).toMatch(/^MainPID=[1-9]\d*$/);
      expect(after.files).toEqual(before.files);
      const later = result.calls.split("\n").slice(before.calls);
      expect(later.filter((c) => /^docker (pull|run)|^systemctl (start|restart|daemon-reload)/.test(c))).toEqual([]);
      // without an instance store the weights stay on the root volume
      expect(lastLine(result.steps[2])).toMatch(/weights already in \/var\/lib\/ollama-fleet\/huggingface$/);
      expect(result.vllm.starts).toHaveLength(1);
      expect(result.hostChanges).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "the container dies twice (CUDA out of memory): systemd restarts it, the third start serves, and the run waits through the restarts",
    async () => {
      const result = await runScenario({ ...DLAMI, vllmExitTimes: 2, steps: [{ kind: "cloud-init", script: fleet.userData[KEY] }] });
      expect(result.steps[0].exitCode).toBe(0);
      expect(result.vllm.starts.map((s) => s.outcome)).toEqual(["out of memory", "out of memory", "serving"]);
      expect(result.vllm.journal).toContain("vllm.service: Scheduled restart job, restart counter is at 2.");
      expect(result.vllm.journal).toContain("torch.OutOfMemoryError: CUDA out of memory.");
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "the container keeps dying: the run gives up after five restarts (exit 24), naming the container's exit code and where to look",
    async () => {
      const result = await runScenario({ ...DLAMI, vllmExitTimes: 1000, steps: [{ kind: "cloud-init", script: fleet.userData[KEY] }] });
      expect(result.steps[0].exitCode).toBe(24);
      expect(lastLine(result.steps[0])).toMatch(
        // the container as docker last shows it: exited, or already removed for the next restart
        /FAILED \(exit 24\): API: vLLM's container exited 5 times without serving mistral-7b \((container exited, exit code 1|no container at the moment: the unit removes it before each restart)\); journalctl -u vllm says why$/,
      );
      expect(result.vllm.starts.length).toBeGreaterThanOrEqual(5);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a gated model and no token parameter: vLLM cannot download it, and the run says so instead of waiting out its hour (the association's shorter run)",
    async () => {
      const result = await runScenario({
        ...DLAMI,
        hfGated: { [MODEL]: TOKEN },
        bootFinished: true,
        steps: [{ kind: "ssm", script: ssm({ HfTokenParameter: NO_VALUE, TimeoutSeconds: "180" }) }],
      });
      expect(result.steps[0].exitCode).toBe(24);
      expect(result.vllm.journal).toContain(`Access to model ${MODEL} is restricted`);
      expect(result.vllm.tokenFile).toBeNull();
      expect(result.vllm.starts.every((s) => s.outcome === "gated")).toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test.each([
    ["no docker (an AMI without it)", { docker: false }, /FAILED \(exit 12\): platform: no docker on this machine; the Deep Learning AMIs ship Docker and the NVIDIA Container Toolkit/],
    ["no NVIDIA Container Toolkit", { nvidiaToolkit: false }, /FAILED \(exit 12\): platform: no NVIDIA Container Toolkit \(nvidia-container-cli\), which docker run --gpus needs/],
    ["the docker daemon down", { dockerDaemonDown: true }, /FAILED \(exit 12\): platform: the docker daemon does not answer \(exit 1: Cannot connect to the Docker daemon/],
    ["one GPU for a model split over four", { gpus: 1 }, /FAILED \(exit 12\): platform: this machine has 1 GPU\(s\), and the model is split over 4 \(tensor_parallel_size\)/],
    [
      "an NVIDIA driver older than the image's CUDA 13 needs (R580)",
      { nvidiaDriver: "535.183.01" },
      /FAILED \(exit 12\): platform: NVIDIA driver '535\.183\.01' is older than the R580 that vllm\/vllm-openai:v0\.29\.0's CUDA needs; leave ami_id empty for a current Deep Learning AMI$/,
    ],
  ] as const)(
    "%s: refused at the platform step (exit 12), before any pull, unit or token",
    async (_label, machine, message) => {
      const result = await runScenario({ ...DLAMI, ...machine, steps: [{ kind: "cloud-init", script: fleet.userData[KEY] }] });
      expect(result.steps[0].exitCode).toBe(12);
      expect(lastLine(result.steps[0])).toMatch(message);
      expect(result.vllm.unit).toBeNull();
      expect(result.vllm.tokenFile).toBeNull();
      expect(calls(result, "docker").filter((c) => c.startsWith("docker pull"))).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "an image its registry does not have: refused at once, not retried (exit 20), nothing started",
    async () => {
      const image = "vllm/vllm-openai:v9.9.9";
      const result = await runScenario({ ...DLAMI, bootFinished: true, steps: [{ kind: "ssm", script: ssm({ Image: image }) }] });
      expect(result.steps[0].exitCode).toBe(20);
      expect(lastLine(result.steps[0])).toMatch(/FAILED \(exit 20\): image: could not pull vllm\/vllm-openai:v9\.9\.9 \(Error response from daemon: manifest for vllm\/vllm-openai:v9\.9\.9 not found: manifest unknown: manifest unknown: no such image on its registry, not retried\)$/);
      expect(calls(result, "docker").filter((c) => c.startsWith("docker pull"))).toHaveLength(1);
      expect(result.vllm.unit).toBeNull();
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "the token parameter may not be read (access denied): retried (a new policy takes a moment to reach IAM's endpoints), then exit 25 naming the fix; no token file, the value nowhere",
    async () => {
      const result = await runScenario({ ...DLAMI, awsAccessDenied: true, steps: [{ kind: "cloud-init", script: fleet.userData[KEY] }] });
      expect(result.steps[0].exitCode).toBe(25);
      expect(lastLine(result.steps[0])).toMatch(
        /FAILED \(exit 25\): token: could not read SSM parameter \/acme\/hf-token \(exit 254: An error occurred \(AccessDeniedException\) .* on resource: arn:aws:ssm:ap-southeast-1:123456789012:parameter\/acme\/hf-token because .*\); the parameter must exist in this region, the servers' role may read it/,
      );
      expect(calls(result, "aws")).toHaveLength(4);
      expect(calls(result, "docker").filter((c) => /^docker (pull|run)/.test(c))).toEqual([]);
      expect(result.vllm.tokenFile).toBeNull();
      expectTokenNowhere(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "no such token parameter: exit 25 at once, not retried",
    async () => {
      const result = await runScenario({ ...DLAMI, ssmParameters: {}, steps: [{ kind: "cloud-init", script: fleet.userData[KEY] }] });
      expect(result.steps[0].exitCode).toBe(25);
      expect(lastLine(result.steps[0])).toMatch(/FAILED \(exit 25\): token: could not read SSM parameter \/acme\/hf-token \(An error occurred \(ParameterNotFound\) when calling the GetParameter operation:\); the parameter must exist in this region, /);
      expect(calls(result, "aws")).toHaveLength(1);
      expect(result.vllm.tokenFile).toBeNull();
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "SSM unreachable twice: the token read is retried and succeeds; the token parameter taken out later removes the file",
    async () => {
      const result = await runScenario({
        ...DLAMI,
        awsFailTimes: 2,
        steps: [
          { kind: "cloud-init", script: fleet.userData[KEY] },
          { kind: "ssm", script: ssm({ HfTokenParameter: NO_VALUE }) },
        ],
      });
      expect([result.steps[0].exitCode, result.steps[1].exitCode]).toEqual([0, 0]);
      expect(calls(result, "aws")).toHaveLength(3);
      expect(result.log).toContain("removed the Hugging Face token file (hf_token_parameter is empty)");
      expect(result.vllm.tokenFile).toBeNull();
      expectTokenNowhere(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a warm pool's server (CacheOnInstanceStore=false) keeps the weights on the root volume though it has an instance store: a stopped instance loses its store",
    async () => {
      const result = await runScenario({
        ...DLAMI,
        instanceStore: true,
        bootFinished: true,
        steps: [{ kind: "ssm", script: ssm({ CacheOnInstanceStore: "false" }) }],
      });
      expect(result.steps[0].exitCode).toBe(0);
      expect(lastLine(result.steps[0])).toMatch(/weights downloaded to \/var\/lib\/ollama-fleet\/huggingface; later starts run offline$/);
      expect(result.vllm.cacheFiles.some((f) => f.startsWith("/opt/dlami/nvme/"))).toBe(false);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "the instance store wiped (a stop and start): the offline marker went with the weights, so the container downloads them again instead of failing offline",
    async () => {
      const result = await runScenario({
        ...DLAMI,
        instanceStore: true,
        steps: [
          { kind: "cloud-init", script: fleet.userData[KEY] },
          { kind: "exec", argv: ["bash", "-c", "systemctl stop vllm && rm -rf /opt/dlami/nvme/huggingface && systemctl start vllm"] },
          { kind: "ssm", script: ssm() },
        ],
      });
      expect([result.steps[0].exitCode, result.steps[1].exitCode, result.steps[2].exitCode]).toEqual([0, 0, 0]);
      expect(result.vllm.starts.map((s) => [s.offline, s.downloaded])).toEqual([
        ["0", true],
        ["0", true],
      ]);
      expect(lastLine(result.steps[2])).toMatch(/weights downloaded to \/opt\/dlami\/nvme\/huggingface; later starts run offline$/);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "UpgradeInPlace=false with a new image pending: no pull, no unit change, no restart; the run only checks that vLLM serves",
    async () => {
      const result = await runScenario({
        ...DLAMI,
        dockerRegistry: [DEFAULT_VLLM_IMAGE, "vllm/vllm-openai:v0.30.0"],
        steps: [
          { kind: "cloud-init", script: fleet.userData[KEY] },
          { kind: "snapshot", name: "before" },
          { kind: "ssm", script: ssm({ UpgradeInPlace: "false", Image: "vllm/vllm-openai:v0.30.0" }) },
          { kind: "snapshot", name: "after" },
        ],
      });
      expect(result.steps[2].exitCode).toBe(0);
      expect(result.log).toContain("vllm/vllm-openai:v0.30.0 is asked for: this server keeps its image until its group replaces it (instance refresh)");
      expect(result.snapshots.after.vllmPid).toBe(result.snapshots.before.vllmPid);
      expect(result.snapshots.after.files).toEqual(result.snapshots.before.files);
      expect(calls(result, "docker").filter((c) => c.includes("v0.30.0"))).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test.each([
    ["Model", `${MODEL}; id`],
    ["Model", "llama3:8b"],
    ["ServedModelName", "a b"],
    ["ServedModelName", "x,y=vllm"],
    ["Image", "vllm/vllm-openai:latest"],
    ["Image", "evil/vllm-openai:v0.29.0"],
    ["TensorParallelSize", "0"],
    ["GpuMemoryUtilization", "1.5"],
    ["Dtype", "bf16"],
    ["Quantization", "gguf"],
    ["HfTokenParameter", "/a b"],
    ["CacheOnInstanceStore", "yes"],
  ])("%s %j is refused by SSM before anything runs", (name, value) => {
    expect(() => ssm({ [name]: value })).toThrow(InvalidParameters);
  });

  test(
    "were a bad value to get past the document, the script itself refuses it (exit 10) and changes nothing",
    async () => {
      const script = fleet.userData[KEY].replace(`SERVED_NAME='${SERVED}'`, "SERVED_NAME='x;id'");
      const result = await runScenario({ ...DLAMI, steps: [{ kind: "cloud-init", script }] });
      expect(result.steps[0].exitCode).toBe(10);
      expect(lastLine(result.steps[0])).toMatch(/FAILED \(exit 10\): inputs: SERVED_NAME 'x;id' is not a served name$/);
      expect(calls(result, "docker")).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
