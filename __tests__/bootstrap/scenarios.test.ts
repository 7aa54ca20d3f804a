// Runs the user data and the pull-models document, rendered from the committed module by
// Terraform, the way cloud-init and the SSM agent run them (bare environment: PATH only, no HOME),
// on this machine inside private namespaces, against stand-ins for the network, systemd, the
// package managers and Ollama. See README.md beside this file.
import { commandFromDocument, InvalidParameters } from "./harness/ssm-agent";
import { inputs, Rendered, renderFromModule } from "./harness/render";
import { cleanUpReleases, requireSandbox, runScenario, ScenarioResult, StepResult } from "./harness/sandbox";
import { GPU_MEMORY_USED_METRIC, GPU_UTILIZATION_METRIC } from "../../src/constructs/fleet-dashboard";
import { GPU_GROUP_DIMENSION, GPU_MEASUREMENTS } from "../../src/constructs/servers/server-telemetry";

const SCENARIO_TIMEOUT_MS = 180_000;

let fleet: Rendered;
let fleet014: Rendered;

beforeAll(() => {
  requireSandbox();
  // GIVEN a main server (llama3:8b on 11434) and a second one (qwen2:7b on 11435), as rendered
  // from the committed module for the default release and for 0.14.0
  fleet = renderFromModule(inputs());
  fleet014 = renderFromModule(inputs({ ollama_version: "0.14.0" }));
});

afterAll(() => cleanUpReleases());

/** The script the SSM agent runs for `key`'s association, parameters overridden. */
function ssm(rendered: Rendered, key: string, overrides: Record<string, string> = {}): string {
  return commandFromDocument(rendered.document, { ...rendered.associations[key].parameters, ...overrides }).script;
}

/** The second model (qwen2:7b on 11435) with Ollama's settings given. */
const SETTINGS = { context_length: 16384, num_parallel: 4, kv_cache_type: "q8_0", keep_alive: "-1" };
const withSettings = (settings: Record<string, unknown>) => {
  const configs = inputs().llm_ec2_configs as Array<Record<string, unknown>>;
  return [configs[0], { ...configs[1], ...settings }];
};
const DROP_IN = "/etc/systemd/system/ollama.service.d/override.conf";

/** The script the SSM agent runs on each instance server for the release rollout. */
function rollout(rendered: Rendered): string {
  if (!rendered.rollout) throw new Error("the rendered fleet has no release rollout (no instance model)");
  return commandFromDocument(rendered.document, rendered.rollout.parameters).script;
}

const lastLine = (step: StepResult) => step.stdout.trim().split("\n").pop() ?? "";
const calls = (result: ScenarioResult, tool: string) => result.calls.split("\n").filter((l) => l.startsWith(`${tool} `));

/** Every scenario leaves this machine as it found it. */
function expectMachineUntouched(result: ScenarioResult) {
  expect(result.hostChanges).toEqual([]);
}

describe("bootstrap scenarios (user data and SSM document from the committed module)", () => {
  test(
    "clean boot on Amazon Linux 2023 (x86_64, glibc 2.34, dnf): user data installs 0.13.0 from its .tgz, starts the unit on the model's port and pulls the server's model; the association's first run pulls the rest",
    async () => {
      // WHEN cloud-init runs the main server's user data, then State Manager runs its association
      const result = await runScenario({
        releases: ["0.13.0"],
        packageManagers: ["dnf"],
        glibc: "2.34",
        arch: "x86_64",
        steps: [
          { kind: "cloud-init", script: fleet.userData.llama38b },
          { kind: "http", url: "http://127.0.0.1:11434/v1/models/qwen2:7b" },
          { kind: "ssm", script: ssm(fleet, "llama38b") },
          { kind: "http", url: "http://127.0.0.1:11434/v1/models/qwen2:7b" },
          { kind: "http", url: "http://127.0.0.1:11434/v1/models/llama3:8b" },
        ],
      });
      // THEN both succeed, and the main server has every model
      const [boot, before, association, after, own] = result.steps;
      // the target group's model-ready health check: red until the model is there
      expect([before.status, after.status, own.status]).toEqual([404, 200, 200]);
      expect([boot.exitCode, association.exitCode]).toEqual([0, 0]);
      expect(lastLine(boot)).toMatch(/OK: ollama 0\.13\.0 serves on port 11434; pulled: llama3:8b; already there: none$/);
      expect(lastLine(association)).toMatch(/OK: .*pulled: qwen2:7b; already there: llama3:8b$/);
      expect(result.models).toEqual(["llama3:8b", "qwen2:7b"]);
      // the release asked for, installed as the install script does, and run as the ollama user
      expect(calls(result, "curl")).toEqual([expect.stringContaining("https://ollama.com/download/ollama-linux-amd64.tgz?version=0.13.0")]);
      expect(result.installedVersion).toBe("0.13.0\n");
      expect(result.ollamaUser).toMatch(/^uid=\d+\(ollama\) gid=\d+\(ollama\)/);
      expect(result.modelsOwner).toBe("ollama:ollama");
      expect(result.unit).toContain("ExecStart=/usr/local/bin/ollama serve\nUser=ollama\nGroup=ollama\n");
      expect(result.dropIn).toContain('Environment="OLLAMA_HOST=0.0.0.0:11434"');
      expect(result.dropIn).toContain('Environment="OLLAMA_KEEP_ALIVE=6h"');
      expect(result.journal).toContain("Listening on 0.0.0.0:11434 (version 0.13.0)");
      expect(result.log).toContain("ollama-bootstrap[user-data]: OK:");
      expect(result.log).toContain("ollama-bootstrap[ssm]: OK:");
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "the stand-in client behaves like ollama 0.13 without HOME (panics), which the scripts survive",
    async () => {
      // GIVEN an installed server WHEN the client runs with the bare environment alone
      const result = await runScenario({
        releases: ["0.13.0"],
        steps: [
          { kind: "cloud-init", script: fleet.userData.qwen27b },
          { kind: "exec", argv: ["/usr/local/bin/ollama", "list"] },
        ],
      });
      // THEN the client alone panics as the real one does, and the user data did its job
      const [boot, bare] = result.steps;
      expect(boot.exitCode).toBe(0);
      expect(result.models).toEqual(["qwen2:7b"]);
      expect(result.dropIn).toContain('Environment="OLLAMA_HOST=0.0.0.0:11435"');
      expect(bare.exitCode).toBe(2);
      expect(bare.stderr).toMatch(/^panic: \$HOME is not defined$/m);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "the install download fails twice: retried with backoff, then installed; the log says what failed",
    async () => {
      const result = await runScenario({ releases: ["0.13.0"], curlFailTimes: 2, steps: [{ kind: "cloud-init", script: fleet.userData.qwen27b }] });
      const [boot] = result.steps;
      expect(boot.exitCode).toBe(0);
      expect(result.models).toEqual(["qwen2:7b"]);
      expect(calls(result, "curl")).toHaveLength(3);
      expect(result.log).toMatch(/download of ollama 0\.13\.0 failed \(attempt 1\/5, exit 56: curl: \(56\) Recv failure: Connection reset by peer\)/);
      expect(result.log).toMatch(/attempt 2\/5/);
      // backoff: the waits between attempts grow
      expect(calls(result, "sleep").slice(0, 2)).toEqual(["sleep 10", "sleep 20"]);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "one pull fails once: retried, every model pulled, success",
    async () => {
      const result = await runScenario({
        releases: ["0.13.0"],
        bootFinished: true,
        pullFaults: { "qwen2:7b": { failTimes: 1 } },
        steps: [{ kind: "ssm", script: ssm(fleet, "llama38b") }],
      });
      const [run] = result.steps;
      expect(run.exitCode).toBe(0);
      expect(result.models).toEqual(["llama3:8b", "qwen2:7b"]);
      expect(result.log).toMatch(/pulling qwen2:7b failed \(attempt 1\/3, exit 1: Error: pull model manifest: .*connection reset by peer\)/);
      expect(lastLine(run)).toMatch(/OK: .*pulled: llama3:8b qwen2:7b/);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a model its registry does not have (404): not retried; the others are pulled; the run fails naming it",
    async () => {
      const rendered = renderFromModule(
        inputs({
          llm_ec2_configs: [
            { llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
            { llm_model: "no-such-model:1b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
            { llm_model: "hf.co/org/Model-GGUF:Q4_K_M", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
          ],
        }),
      );
      const command = commandFromDocument(rendered.document, rendered.associations.llama38b.parameters);
      const result = await runScenario({
        releases: ["0.13.0"],
        bootFinished: true,
        pullFaults: { "no-such-model:1b": { notFound: true } },
        steps: [{ kind: "ssm", script: command.script }],
      });
      const [run] = result.steps;
      expect(run.exitCode).toBe(30);
      expect(lastLine(run)).toMatch(
        /FAILED \(exit 30\): pulls: could not pull no-such-model:1b; pulled: llama3:8b hf\.co\/org\/Model-GGUF:Q4_K_M; already there: none$/,
      );
      expect(result.models).toEqual(["hf.co/org/Model-GGUF:Q4_K_M", "llama3:8b"]);
      // the client's own message, and one attempt only: no retry brings a manifest the registry lacks
      expect(result.log).toContain(
        "pulling no-such-model:1b failed (attempt 1/3, Error: pull model manifest: file does not exist (no-such-model:1b: no such model or tag on its registry, or a name it refuses; not retried))",
      );
      expect(calls(result, "ollama").filter((c) => c === "ollama pull no-such-model:1b")).toHaveLength(1);
      // no backoff before another attempt (15 s, then 30 s)
      expect(calls(result, "sleep").filter((c) => /^sleep (15|30)$/.test(c))).toEqual([]);
      expect(run.timedOut).toBe(false);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "user data run twice: the second run changes nothing (no download, no restart, no pull) and succeeds",
    async () => {
      const result = await runScenario({
        releases: ["0.13.0"],
        steps: [
          { kind: "cloud-init", script: fleet.userData.llama38b },
          { kind: "snapshot", name: "first" },
          { kind: "cloud-init", script: fleet.userData.llama38b },
          { kind: "snapshot", name: "second" },
        ],
      });
      const [first, , second] = result.steps;
      expect([first.exitCode, second.exitCode]).toEqual([0, 0]);
      expect(lastLine(second)).toMatch(/OK: .*pulled: none; already there: llama3:8b$/);
      const { first: one, second: two } = result.snapshots;
      expect({ ...two, calls: 0 }).toEqual({ ...one, calls: 0 });
      expect(result.snapshots.first.mainPid).toMatch(/^MainPID=[1-9]\d*$/);
      expect(calls(result, "curl")).toHaveLength(1);
      expect(calls(result, "systemctl").filter((c) => /^systemctl (start|stop|restart) ollama$/.test(c))).toEqual(["systemctl stop ollama", "systemctl start ollama"]);
      // the second run only asked: no download, no systemd change, no agent configuration, no pull
      const later = result.calls.split("\n").slice(result.snapshots.first.calls).filter(Boolean);
      expect(later.filter((c) => !/^(ollama list|systemctl (is-active|is-enabled|show) .*)$/.test(c))).toEqual([]);
      expect(later).toContain("ollama list");
      expect(result.models).toEqual(["llama3:8b"]);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "the association runs while cloud-init is still busy: it waits for boot-finished, then installs and pulls",
    async () => {
      const result = await runScenario({
        releases: ["0.13.0"],
        bootFinished: false,
        bootFinishedAfterSleeps: 4,
        steps: [{ kind: "ssm", script: ssm(fleet, "qwen27b") }],
      });
      const [run] = result.steps;
      expect(run.exitCode).toBe(0);
      expect(result.models).toEqual(["qwen2:7b"]);
      expect(result.log).toContain("waiting for cloud-init to finish");
      const lines = result.calls.split("\n");
      // nothing was installed before cloud-init had finished
      expect(lines.indexOf("boot-finished")).toBeGreaterThan(-1);
      expect(lines.findIndex((l) => l.startsWith("curl "))).toBeGreaterThan(lines.indexOf("boot-finished"));
      expect(calls(result, "sleep").slice(0, 4)).toEqual(["sleep 10", "sleep 10", "sleep 10", "sleep 10"]);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "the association starts while the user data is still running: it waits for cloud-init, then finds Ollama installed",
    async () => {
      const result = await runScenario({
        releases: ["0.13.0"],
        pullFaults: { "llama3:8b": { delayMs: 5000 } },
        steps: [
          { kind: "cloud-init", script: fleet.userData.llama38b, background: true },
          { kind: "delay", ms: 300 },
          { kind: "ssm", script: ssm(fleet, "llama38b") },
          { kind: "wait" },
        ],
      });
      const [boot, , association] = result.steps;
      expect([boot.exitCode, association.exitCode]).toEqual([0, 0]);
      expect(calls(result, "curl")).toHaveLength(1);
      expect(result.models).toEqual(["llama3:8b", "qwen2:7b"]);
      const log = result.log ?? "";
      expect(log.indexOf("ollama-bootstrap[ssm]: start")).toBeLessThan(log.indexOf("ollama-bootstrap[user-data]: OK"));
      expect(log.indexOf("ollama-bootstrap[ssm]: ollama 0.13.0 is installed")).toBeGreaterThan(log.indexOf("ollama-bootstrap[user-data]: OK"));
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "two overlapping runs (the association and a manual Run Command): the lock keeps them apart, one download, both succeed",
    async () => {
      const result = await runScenario({
        releases: ["0.13.0"],
        bootFinished: true,
        pullFaults: { "qwen2:7b": { delayMs: 5000 } },
        steps: [
          { kind: "ssm", script: ssm(fleet, "llama38b"), background: true },
          { kind: "delay", ms: 300 },
          { kind: "ssm", script: ssm(fleet, "llama38b") },
          { kind: "wait" },
        ],
      });
      const [first, , second] = result.steps;
      expect([first.exitCode, second.exitCode]).toEqual([0, 0]);
      expect(calls(result, "curl")).toHaveLength(1);
      expect(calls(result, "systemctl").filter((c) => /^systemctl (re)?start ollama$/.test(c))).toEqual(["systemctl start ollama"]);
      expect(result.models).toEqual(["llama3:8b", "qwen2:7b"]);
      expect(result.log).toMatch(/ollama-bootstrap\[ssm\]: another bootstrap run is under way; waiting for it/);
      // whichever ran second found everything done
      expect([lastLine(first), lastLine(second)].filter((l) => /pulled: none; already there: llama3:8b qwen2:7b$/.test(l))).toHaveLength(1);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "first boot failed (download unreachable): the user data says so; the association installs Ollama and pulls",
    async () => {
      const result = await runScenario({
        releases: ["0.13.0"],
        curlFailTimes: 5,
        steps: [
          { kind: "cloud-init", script: fleet.userData.llama38b },
          { kind: "ssm", script: ssm(fleet, "llama38b") },
        ],
      });
      const [boot, heal] = result.steps;
      expect(boot.exitCode).toBe(20);
      expect(lastLine(boot)).toMatch(
        /FAILED \(exit 20\): install: could not download https:\/\/ollama\.com\/download\/ollama-linux-amd64\.tgz\?version=0\.13\.0 \(exit 56: curl: \(56\)/,
      );
      expect(heal.exitCode).toBe(0);
      expect(result.log).toContain("ollama-bootstrap[ssm]: installed ollama 0.13.0 (amd64)");
      expect(result.models).toEqual(["llama3:8b", "qwen2:7b"]);
      expect(result.journal).toContain("Listening on 0.0.0.0:11434");
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a .tar.zst release (0.14.0) on Ubuntu arm64 without zstd: apt-get installs zstd (retried past a held dpkg lock), then the arm64 build",
    async () => {
      const result = await runScenario({
        releases: ["0.14.0"],
        arch: "aarch64",
        packageManagers: ["apt-get"],
        zstd: false,
        packageManagerFailTimes: 2,
        steps: [{ kind: "cloud-init", script: fleet014.userData.llama38b }],
      });
      const [boot] = result.steps;
      expect(boot.exitCode).toBe(0);
      expect(result.installedVersion).toBe("0.14.0\n");
      // install fails, update + install fails (one attempt), then install succeeds
      expect(calls(result, "apt-get").map((c) => c.replace(/ -o \S+/g, ""))).toEqual([
        "apt-get install -y zstd",
        "apt-get update",
        "apt-get install -y zstd",
        "apt-get install -y zstd",
      ]);
      expect(result.log).toMatch(/installing zstd failed \(attempt 1\/4, exit 1: E: Could not get lock/);
      expect(calls(result, "curl")).toEqual([expect.stringContaining("ollama-linux-arm64.tar.zst?version=0.14.0")]);
      expect(result.journal).toContain("(version 0.14.0)");
      expect(result.models).toEqual(["llama3:8b"]);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "Amazon Linux 2023 (dnf) with a .tar.zst release: zstd comes from dnf; a .tgz release needs no zstd",
    async () => {
      const result = await runScenario({
        releases: ["0.14.0"],
        packageManagers: ["dnf"],
        zstd: false,
        steps: [{ kind: "cloud-init", script: fleet014.userData.qwen27b }],
      });
      expect(result.steps[0].exitCode).toBe(0);
      expect(calls(result, "dnf")).toEqual(["dnf install -y zstd"]);
      expect(result.models).toEqual(["qwen2:7b"]);

      const tgz = await runScenario({ releases: ["0.13.0"], packageManagers: ["dnf"], zstd: false, steps: [{ kind: "cloud-init", script: fleet.userData.qwen27b }] });
      expect(tgz.steps[0].exitCode).toBe(0);
      expect(calls(tgz, "dnf")).toEqual([]);
      expect(calls(tgz, "curl")).toEqual([expect.stringContaining("ollama-linux-amd64.tgz?version=0.13.0")]);
      expectMachineUntouched(result);
      expectMachineUntouched(tgz);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a new ollama_version: the model's own association keeps the running release; the release rollout upgrades the server in place, on its own port, keeping its models, restarting once",
    async () => {
      const result = await runScenario({
        releases: ["0.13.0", "0.14.0"],
        steps: [
          { kind: "cloud-init", script: fleet.userData.qwen27b },
          { kind: "ssm", script: ssm(fleet014, "qwen27b") },
          { kind: "snapshot", name: "kept" },
          { kind: "ssm", script: rollout(fleet014) },
          { kind: "http", url: "http://127.0.0.1:11435/v1/models/qwen2:7b" },
        ],
      });
      const [boot, own, , upgrade, probe] = result.steps;
      expect([boot.exitCode, own.exitCode, upgrade.exitCode, probe.status]).toEqual([0, 0, 0, 200]);
      // the model's own association (UpgradeInPlace=false): 0.13.0 stays, nothing downloaded or restarted
      expect(lastLine(own)).toMatch(/OK: ollama 0\.13\.0 serves on port 11435; pulled: none; already there: qwen2:7b$/);
      expect(result.log).toContain("ollama 0.13.0 is installed and 0.14.0 is asked for: UpgradeInPlace=false keeps 0.13.0");
      const upToKept = result.calls.split("\n").slice(0, result.snapshots.kept.calls);
      expect(upToKept.filter((c) => c.startsWith("curl "))).toHaveLength(1);
      // the rollout (UpgradeInPlace=true, AppPort unchanged, no models): 0.14.0 on the port the server had, one restart, no pull
      expect(fleet014.rollout?.parameters).toMatchObject({ AppPort: "unchanged", OllamaVersion: "0.14.0", UpgradeInPlace: "true" });
      expect(fleet014.rollout?.parameters.Models).toBeUndefined();
      expect(lastLine(upgrade)).toMatch(/OK: ollama 0\.14\.0 serves on port 11435; no models asked for$/);
      expect(result.installedVersion).toBe("0.14.0\n");
      expect(result.journal).toContain("Listening on 0.0.0.0:11435 (version 0.14.0)");
      expect(result.dropIn).toContain('Environment="OLLAMA_HOST=0.0.0.0:11435"');
      const afterKept = result.calls.split("\n").slice(result.snapshots.kept.calls);
      // stopped while the new binary goes in, started on it: one restart
      expect(afterKept.filter((c) => /^systemctl (stop|start|restart) ollama$/.test(c))).toEqual(["systemctl stop ollama", "systemctl start ollama"]);
      expect(afterKept.filter((c) => c.startsWith("ollama pull"))).toEqual([]);
      expect(result.models).toEqual(["qwen2:7b"]);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "the release rollout on a server at its release while a model's association holds the lock (a long pull): done at once, without waiting for it",
    async () => {
      const lock = "/run/lock/ollama-bootstrap.lock";
      const result = await runScenario({
        releases: ["0.13.0"],
        steps: [
          { kind: "cloud-init", script: fleet.userData.qwen27b },
          // another run holds the lock until told to let go
          {
            kind: "exec",
            argv: ["flock", lock, "sh", "-c", "touch /run/lock/held; until [ -e /run/lock/release ]; do /usr/bin/sleep 0.05; done"],
            background: true,
            timeoutMs: 120_000,
          },
          { kind: "exec", argv: ["sh", "-c", "until [ -e /run/lock/held ]; do /usr/bin/sleep 0.05; done"], timeoutMs: 60_000 },
          { kind: "ssm", script: rollout(fleet) },
          { kind: "exec", argv: ["touch", "/run/lock/release"] },
          { kind: "wait" },
        ],
      });
      const [boot, holder, , run] = result.steps;
      expect([boot.exitCode, holder.exitCode, run.exitCode]).toEqual([0, 0, 0]);
      expect(lastLine(run)).toMatch(/OK: ollama 0\.13\.0 serves on port 11435; no models asked for$/);
      expect(result.log).not.toMatch(/another bootstrap run is under way/);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "the release rollout on a server already at its release changes nothing (no download, no restart, no pull)",
    async () => {
      const result = await runScenario({
        releases: ["0.13.0"],
        steps: [
          { kind: "cloud-init", script: fleet.userData.llama38b },
          { kind: "snapshot", name: "before" },
          { kind: "ssm", script: rollout(fleet) },
          { kind: "snapshot", name: "after" },
        ],
      });
      const run = result.steps[2];
      expect(run.exitCode).toBe(0);
      expect(lastLine(run)).toMatch(/OK: ollama 0\.13\.0 serves on port 11434; no models asked for$/);
      const { before, after } = result.snapshots;
      expect(after.mainPid).toBe(before.mainPid);
      expect(after.files).toEqual(before.files);
      const later = result.calls.split("\n").slice(before.calls).filter(Boolean);
      expect(later.filter((c) => /^(curl|dnf|apt-get|amazon-cloudwatch-agent-ctl|ollama pull) |^systemctl (start|stop|restart|daemon-reload|enable)/.test(c))).toEqual([]);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "upgrade: a server set up by the previous user data (Ollama's install script, override.conf) is adopted without a download or a restart",
    async () => {
      const previousBootstrap = [
        "set -e",
        "export HOME=/root",
        "tar -xzf /run/ollama-fleet-test/releases/0.13.0/ollama-linux-amd64.tgz -C /usr/local",
        "useradd -r -s /bin/false -U -m -d /usr/share/ollama ollama",
        "for group in render video; do getent group $group >/dev/null && usermod -a -G $group ollama; done",
        "printf '%s\\n' '[Unit]' 'Description=Ollama Service' 'After=network-online.target' '' '[Service]' 'ExecStart=/usr/local/bin/ollama serve' " +
          "'User=ollama' 'Group=ollama' 'Restart=always' 'RestartSec=3' 'Environment=\"PATH=/usr/local/bin:/usr/bin:/bin\"' '' '[Install]' 'WantedBy=default.target' " +
          "> /etc/systemd/system/ollama.service",
        "mkdir -p /etc/systemd/system/ollama.service.d",
        "printf '%s\\n' '[Service]' 'Environment=\"OLLAMA_HOST=0.0.0.0:11435\"' 'Environment=\"OLLAMA_MODELS=/usr/share/ollama/.ollama/models\"' " +
          "'Environment=\"OLLAMA_KEEP_ALIVE=6h\"' 'Environment=\"OLLAMA_FLASH_ATTENTION=1\"' > /etc/systemd/system/ollama.service.d/override.conf",
        "systemctl daemon-reload && systemctl enable ollama && systemctl restart ollama",
        // Ollama's install script waits for the server before pulling; so does this one, for as long as a busy machine needs.
        "deadline=$(( $(date +%s) + 150 ))",
        "until OLLAMA_HOST=127.0.0.1:11435 timeout 10 ollama list >/dev/null 2>&1; do",
        "  [ \"$(date +%s)\" -lt \"$deadline\" ] || { echo 'the server did not answer within 150 s' >&2; exit 1; }",
        "  /usr/bin/sleep 0.2",
        "done",
        "OLLAMA_HOST=127.0.0.1:11435 ollama pull qwen2:7b",
      ].join("\n");
      const result = await runScenario({
        releases: ["0.13.0"],
        bootFinished: true,
        steps: [
          { kind: "exec", argv: ["bash", "-c", previousBootstrap], timeoutMs: 200_000 },
          { kind: "snapshot", name: "before" },
          { kind: "ssm", script: ssm(fleet, "qwen27b") },
          { kind: "snapshot", name: "after" },
        ],
      });
      expect([result.steps[0].exitCode, result.steps[2].exitCode]).toEqual([0, 0]);
      expect(lastLine(result.steps[2])).toMatch(/OK: ollama 0\.13\.0 serves on port 11435; pulled: none; already there: qwen2:7b$/);
      expect(calls(result, "curl")).toEqual([]);
      expect(result.snapshots.after.mainPid).toBe(result.snapshots.before.mainPid);
      // the changes: the release marker, read from `ollama --version`, and the CloudWatch agent now enabled with our configuration
      const { before, after } = result.snapshots;
      const changed = Object.keys({ ...before.files, ...after.files }).filter((f) => before.files[f] !== after.files[f]);
      expect(changed.sort()).toEqual([
        "/etc/systemd/system/multi-user.target.wants/amazon-cloudwatch-agent.service",
        "/usr/local/lib/ollama/.ollama-fleet-version",
      ]);
      expect(result.agent.applied).toEqual(["file_ollama-fleet.json"]);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "Ollama never comes up: the run fails at the API step, naming the port, within its bounded wait",
    async () => {
      const result = await runScenario({ releases: ["0.13.0"], serveFails: true, steps: [{ kind: "cloud-init", script: fleet.userData.qwen27b }] });
      const [boot] = result.steps;
      expect(boot.exitCode).toBe(24);
      expect(lastLine(boot)).toMatch(/FAILED \(exit 24\): API: ollama does not answer on 127\.0\.0\.1:11435 after 60 tries \(.*could not connect.*\); journalctl -u ollama says why$/);
      expect(calls(result, "sleep").filter((c) => c === "sleep 2")).toHaveLength(60);
      expect(result.journal).toContain("no compatible GPUs were discovered");
      expect(result.models).toEqual([]);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "an architecture Ollama does not build for: the install step fails and says so",
    async () => {
      // (an AMI without the CloudWatch agent, too: the run goes on, saying the log stays on the server)
      const result = await runScenario({
        releases: ["0.13.0"],
        arch: "s390x",
        cloudWatchAgent: false,
        steps: [{ kind: "cloud-init", script: fleet.userData.qwen27b }],
      });
      expect(result.steps[0].exitCode).toBe(20);
      expect(lastLine(result.steps[0])).toMatch(/FAILED \(exit 20\): install: no ollama release for architecture s390x$/);
      expect(result.log).toContain(
        "warning: no CloudWatch agent on this machine (/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl): this log stays in /var/log/ollama-bootstrap.log, and no GPU metrics",
      );
      expect(calls(result, "curl")).toEqual([]);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "app_port changed: the next association run moves Ollama to the new port and restarts it once",
    async () => {
      const moved = renderFromModule(
        inputs({
          llm_ec2_configs: [
            { llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
            { llm_model: "qwen2:7b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11500 },
          ],
        }),
      );
      const result = await runScenario({
        releases: ["0.13.0"],
        steps: [
          { kind: "cloud-init", script: fleet.userData.qwen27b },
          { kind: "ssm", script: ssm(moved, "qwen27b") },
          { kind: "http", url: "http://127.0.0.1:11500/v1/models/qwen2:7b" },
          { kind: "http", url: "http://127.0.0.1:11435/" },
        ],
      });
      const [boot, move, probeNew, probeOld] = result.steps;
      expect([boot.exitCode, move.exitCode]).toEqual([0, 0]);
      expect(result.dropIn).toContain('Environment="OLLAMA_HOST=0.0.0.0:11500"');
      expect([probeNew.status, probeOld.status]).toEqual([200, 0]);
      expect(calls(result, "systemctl").filter((c) => /^systemctl (re)?start ollama$/.test(c))).toEqual([
        "systemctl start ollama",
        "systemctl restart ollama",
      ]);
      expect(lastLine(move)).toMatch(/OK: ollama 0\.13\.0 serves on port 11500; pulled: none; already there: qwen2:7b$/);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "Ollama's settings changed on a running server (an instance's association run): the drop-in gets them and Ollama restarts once; the same settings again restart nothing; the release rollout keeps them; back to the defaults, the drop-in is byte for byte the first",
    async () => {
      // GIVEN the second model with every setting, rendered from the module
      const tuned = renderFromModule(inputs({ llm_ec2_configs: withSettings(SETTINGS) }));
      expect(tuned.associations.qwen27b.parameters).toMatchObject({ ContextLength: "16384", NumParallel: "4", KvCacheType: "q8_0", KeepAlive: "-1" });
      // AND the same fleet moved to a new release: its rollout passes no settings
      const tuned014 = renderFromModule(inputs({ ollama_version: "0.14.0", llm_ec2_configs: withSettings(SETTINGS) }));
      expect(tuned014.rollout?.parameters).not.toHaveProperty("ContextLength");
      // WHEN a server set up with Ollama's defaults runs the association with them, twice, then the
      // release rollout, then the association without them
      const result = await runScenario({
        releases: ["0.13.0", "0.14.0"],
        steps: [
          { kind: "cloud-init", script: fleet.userData.qwen27b },
          { kind: "snapshot", name: "defaults" },
          { kind: "exec", argv: ["cat", DROP_IN] },
          { kind: "ssm", script: ssm(tuned, "qwen27b") },
          { kind: "snapshot", name: "tuned" },
          { kind: "exec", argv: ["cat", DROP_IN] },
          { kind: "ssm", script: ssm(tuned, "qwen27b") },
          { kind: "snapshot", name: "again" },
          { kind: "ssm", script: rollout(tuned014) },
          { kind: "snapshot", name: "rolled" },
          { kind: "ssm", script: ssm(fleet, "qwen27b") },
          { kind: "snapshot", name: "back" },
        ],
      });
      expect(result.steps.filter((s) => s.kind !== "snapshot").map((s) => s.exitCode)).toEqual([0, 0, 0, 0, 0, 0, 0]);
      const { defaults, tuned: changed, again, rolled, back } = result.snapshots;
      const [first, tunedDropIn] = result.steps.filter((s) => s.kind === "exec").map((s) => s.stdout);
      // THEN the drop-in gains one line per setting, and Ollama read them when it restarted
      expect(tunedDropIn).toBe(
        [
          "[Service]",
          'Environment="OLLAMA_HOST=0.0.0.0:11435"',
          'Environment="OLLAMA_MODELS=/usr/share/ollama/.ollama/models"',
          'Environment="OLLAMA_KEEP_ALIVE=-1"',
          'Environment="OLLAMA_FLASH_ATTENTION=1"',
          'Environment="OLLAMA_CONTEXT_LENGTH=16384"',
          'Environment="OLLAMA_NUM_PARALLEL=4"',
          'Environment="OLLAMA_KV_CACHE_TYPE=q8_0"',
          "",
        ].join("\n"),
      );
      expect(result.journal).toContain(
        'env="map[OLLAMA_CONTEXT_LENGTH:16384 OLLAMA_FLASH_ATTENTION:true OLLAMA_KEEP_ALIVE:2562047h47m16.854775807s OLLAMA_KV_CACHE_TYPE:q8_0 OLLAMA_NUM_PARALLEL:4]"',
      );
      // one restart per change: the tuned run and the run back, none for the same settings again
      const between = (from: typeof defaults, to: typeof defaults) =>
        result.calls.split("\n").slice(from.calls, to.calls).filter((c) => /^systemctl (start|stop|restart|daemon-reload)( ollama)?$/.test(c));
      expect(between(defaults, changed)).toEqual(["systemctl daemon-reload", "systemctl restart ollama"]);
      expect(between(changed, again)).toEqual([]);
      // the rollout brings the release and keeps the settings: the drop-in as it was, one stop and start
      expect(rolled.files[DROP_IN]).toBe(changed.files[DROP_IN]);
      expect(between(again, rolled)).toEqual(["systemctl stop ollama", "systemctl start ollama"]);
      expect(result.journal).toContain("(version 0.14.0)");
      expect(between(rolled, back)).toEqual(["systemctl daemon-reload", "systemctl restart ollama"]);
      expect(changed.mainPid).not.toBe(defaults.mainPid);
      expect(again.mainPid).toBe(changed.mainPid);
      expect(again.files).toEqual(changed.files);
      // Ollama's defaults again: the first drop-in exactly, which names none of the settings
      expect(back.files[DROP_IN]).toBe(defaults.files[DROP_IN]);
      expect(result.dropIn).toBe(first);
      expect(first).not.toMatch(/OLLAMA_(CONTEXT_LENGTH|NUM_PARALLEL|KV_CACHE_TYPE)/);
      expect(first).toContain('Environment="OLLAMA_KEEP_ALIVE=6h"');
      expect(result.log).toContain("context 16384, parallel 4, KV cache q8_0, keep-alive -1");
      expect(result.models).toEqual(["qwen2:7b"]);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "Ollama's settings changed for an Auto Scaling group's server (UpgradeInPlace=false, AppPort unchanged): nothing is rewritten or restarted, the log says the instance refresh brings them; a new server's user data starts with them",
    async () => {
      const tuned = renderFromModule(inputs({ llm_ec2_configs: withSettings(SETTINGS) }));
      const result = await runScenario({
        releases: ["0.13.0"],
        steps: [
          { kind: "cloud-init", script: fleet.userData.qwen27b },
          { kind: "snapshot", name: "before" },
          // as an Auto Scaling model's association passes them
          { kind: "ssm", script: ssm(tuned, "qwen27b", { UpgradeInPlace: "false", AppPort: "unchanged" }) },
          { kind: "snapshot", name: "after" },
        ],
      });
      const fresh = await runScenario({ releases: ["0.13.0"], steps: [{ kind: "cloud-init", script: tuned.userData.qwen27b }] });
      expect([...result.steps, ...fresh.steps].filter((s) => s.kind !== "snapshot").map((s) => s.exitCode)).toEqual([0, 0, 0]);
      const { before, after } = result.snapshots;
      expect(after.mainPid).toBe(before.mainPid);
      expect(after.files[DROP_IN]).toBe(before.files[DROP_IN]);
      expect(result.dropIn).not.toContain("OLLAMA_CONTEXT_LENGTH");
      const later = result.calls.split("\n").slice(before.calls).filter(Boolean);
      expect(later.filter((c) => /^systemctl (start|stop|restart|daemon-reload|enable)/.test(c))).toEqual([]);
      expect(result.log).toContain(
        "Ollama settings differ: asked for OLLAMA_CONTEXT_LENGTH=16384 OLLAMA_KEEP_ALIVE=-1 OLLAMA_KV_CACHE_TYPE=q8_0 OLLAMA_NUM_PARALLEL=4, " +
          "this server runs with OLLAMA_KEEP_ALIVE=6h; it keeps them until its group replaces it (instance refresh)",
      );
      // the replacement's first boot writes them and starts Ollama with them
      expect(fresh.dropIn).toContain('Environment="OLLAMA_CONTEXT_LENGTH=16384"');
      expect(fresh.journal).toContain("OLLAMA_CONTEXT_LENGTH:16384");
      expect(calls(fresh, "systemctl").filter((c) => /^systemctl (re)?start ollama$/.test(c))).toEqual(["systemctl start ollama"]);
      expectMachineUntouched(result);
      expectMachineUntouched(fresh);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a stopped server is started again by the next scheduled run",
    async () => {
      const result = await runScenario({
        releases: ["0.13.0"],
        steps: [
          { kind: "cloud-init", script: fleet.userData.qwen27b },
          { kind: "exec", argv: ["systemctl", "stop", "ollama"] },
          { kind: "ssm", script: ssm(fleet, "qwen27b") },
        ],
      });
      expect(result.steps.map((s) => s.exitCode)).toEqual([0, 0, 0]);
      expect(result.log).toContain("ollama-bootstrap[ssm]: started ollama");
      expect(calls(result, "curl")).toHaveLength(1);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe("Ollama's failures and names, old platforms, Auto Scaling servers and the shipped log", () => {
  test(
    "`ollama pull` exits 0 when the stream ends without success (as the real client does): that pull failed; retried; a model that never completes fails the run",
    async () => {
      const result = await runScenario({
        releases: ["0.13.0"],
        bootFinished: true,
        pullFaults: { "llama3:8b": { endsEarlyTimes: 1 }, "qwen2:7b": { endsEarlyTimes: 3 } },
        steps: [{ kind: "ssm", script: ssm(fleet, "llama38b") }],
      });
      const [run] = result.steps;
      expect(run.exitCode).toBe(30);
      expect(lastLine(run)).toMatch(/FAILED \(exit 30\): pulls: could not pull qwen2:7b; pulled: llama3:8b; already there: none$/);
      expect(result.log).toContain("pulling llama3:8b failed (attempt 1/3, exit 1: ollama pull exited 0, but its stream ended without success)");
      expect(result.log).toContain("pulling qwen2:7b failed (attempt 3/3, exit 1: ollama pull exited 0, but its stream ended without success)");
      // the progress went to the log file, readable (no escape sequences, no spinner frames), and not to the run's output
      expect(result.log).toMatch(/\n {4}\| pulling manifest\n/);
      expect(result.log).toMatch(/\n {4}\| success\n/);
      expect(result.log).not.toMatch(/\x1b|⠋|⠙/);
      expect(run.stdout).not.toContain("pulling manifest");
      expect(result.models).toEqual(["llama3:8b"]);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a hung `ollama list` (the server takes the request and never answers) is cut off by its timeout, and the run goes on",
    async () => {
      const result = await runScenario({
        releases: ["0.13.0"],
        listHangs: 1,
        steps: [{ kind: "cloud-init", script: fleet.userData.qwen27b }],
      });
      const [boot] = result.steps;
      expect(boot.exitCode).toBe(0);
      expect(result.log).toContain("waiting for ollama to answer on 127.0.0.1:11435 (ollama list did not answer within 15s)");
      expect(lastLine(boot)).toMatch(/OK: ollama 0\.13\.0 serves on port 11435; pulled: qwen2:7b; already there: none$/);
      expect(boot.timedOut).toBe(false);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "library/ and registry.ollama.ai/library/ names, other cases: the same models as `ollama list` shows them, pulled once and found again after the pull",
    async () => {
      const spelled = (models: string) => ssm(fleet, "qwen27b", { Models: models });
      const result = await runScenario({
        releases: ["0.13.0"],
        steps: [
          { kind: "cloud-init", script: fleet.userData.qwen27b },
          { kind: "ssm", script: spelled("library/qwen2:7b,registry.ollama.ai/library/llama3:8b") },
          { kind: "ssm", script: spelled("QWEN2:7B,Registry.Ollama.AI/Library/Llama3:8B,library/llama3:8b") },
        ],
      });
      const [boot, first, second] = result.steps;
      expect([boot.exitCode, first.exitCode, second.exitCode]).toEqual([0, 0, 0]);
      expect(lastLine(first)).toMatch(/pulled: registry\.ollama\.ai\/library\/llama3:8b; already there: library\/qwen2:7b$/);
      expect(lastLine(second)).toMatch(/pulled: none; already there: QWEN2:7B Registry\.Ollama\.AI\/Library\/Llama3:8B library\/llama3:8b$/);
      expect(calls(result, "ollama").filter((c) => c.startsWith("ollama pull "))).toEqual([
        "ollama pull qwen2:7b",
        "ollama pull registry.ollama.ai/library/llama3:8b",
      ]);
      expect(result.models).toEqual(["llama3:8b", "qwen2:7b"]);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a release candidate, were it to get past the rules and the document: the script refuses it (exit 10), saying why, before it downloads anything",
    async () => {
      // The module's ollama-version-candidate rule stops one at plan (terraform console too): edit it in.
      const script = fleet.userData.qwen27b.replace("OLLAMA_VERSION='0.13.0'", "OLLAMA_VERSION='0.14.0-rc1'");
      expect(script).toContain("OLLAMA_VERSION='0.14.0-rc1'");
      const result = await runScenario({ releases: ["0.13.0"], steps: [{ kind: "cloud-init", script }] });
      expect(result.steps[0].exitCode).toBe(10);
      expect(lastLine(result.steps[0])).toMatch(
        /FAILED \(exit 10\): inputs: OLLAMA_VERSION '0\.14\.0-rc1' is a release candidate: ollama\.com serves one only until its release is out; pin a release such as 0\.13\.0$/,
      );
      expect(calls(result, "curl")).toEqual([]);
      // and the document refuses one as a parameter
      expect(() => commandFromDocument(fleet.document, { ...fleet.associations.qwen27b.parameters, OllamaVersion: "0.14.0-rc1" })).toThrow(InvalidParameters);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a glibc older than 2.28 (Amazon Linux 2's 2.26, as getconf says it; 2.27 as ldd says it): refused first, exit 12, nothing changed; 2.28 passes",
    async () => {
      const al2 = await runScenario({ releases: ["0.13.0"], glibc: "2.26", packageManagers: ["yum"], steps: [{ kind: "cloud-init", script: fleet.userData.qwen27b }] });
      const noGetconf = await runScenario({ releases: ["0.13.0"], glibc: "2.27", getconf: false, bootFinished: true, steps: [{ kind: "ssm", script: ssm(fleet, "qwen27b") }] });
      // 2.28 is enough: this machine gets past the check and stops at its architecture instead
      const enough = await runScenario({ releases: ["0.13.0"], glibc: "2.28", arch: "s390x", steps: [{ kind: "cloud-init", script: fleet.userData.qwen27b }] });
      for (const result of [al2, noGetconf]) {
        const [run] = result.steps;
        expect(run.exitCode).toBe(12);
        expect(lastLine(run)).toMatch(
          /FAILED \(exit 12\): platform: glibc 2\.2[67] is older than the 2\.28 Ollama needs \(Amazon Linux 2 has 2\.26\); use an Amazon Linux 2023 or Ubuntu AMI$/,
        );
        expect(result.calls.split("\n").filter((c) => /^(curl|systemctl|yum|amazon-cloudwatch-agent-ctl|ollama) /.test(c))).toEqual([]);
        expect(result.unit).toBeNull();
        expectMachineUntouched(result);
      }
      expect(lastLine(al2.steps[0])).toContain("glibc 2.26");
      expect(lastLine(noGetconf.steps[0])).toContain("glibc 2.27");
      expect(enough.steps[0].exitCode).toBe(20);
      expectMachineUntouched(enough);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "an Auto Scaling group's association (UpgradeInPlace=false, AppPort unchanged) with a new release and port pending: no install, no unit change, no restart; only the new model is pulled, against the running server",
    async () => {
      const moved = renderFromModule(
        inputs({
          ollama_version: "0.14.0",
          llm_ec2_configs: [
            { llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
            { llm_model: "qwen2:7b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11500 },
          ],
        }),
      );
      const result = await runScenario({
        releases: ["0.13.0", "0.14.0"],
        steps: [
          { kind: "cloud-init", script: fleet.userData.qwen27b },
          { kind: "snapshot", name: "before" },
          { kind: "ssm", script: ssm(moved, "qwen27b", { UpgradeInPlace: "false", AppPort: "unchanged", Models: "qwen2:7b,llama3:8b" }) },
          { kind: "snapshot", name: "after" },
        ],
      });
      const [boot, , run] = result.steps;
      expect([boot.exitCode, run.exitCode]).toEqual([0, 0]);
      expect(lastLine(run)).toMatch(/OK: ollama 0\.13\.0 serves on port 11435; pulled: llama3:8b; already there: qwen2:7b$/);
      expect(result.log).toContain(
        "ollama-bootstrap[ssm]: ollama 0.13.0 is installed and 0.14.0 is asked for: UpgradeInPlace=false keeps 0.13.0 (the fleet's release rollout, or a group's instance refresh, brings 0.14.0)",
      );
      // the same server process, unit, drop-in, binary and libraries: only the models' folder grew
      const { before, after } = result.snapshots;
      const outsideModels = (files: Record<string, string>) => Object.entries(files).filter(([f]) => !f.startsWith("/usr/share/ollama/.ollama/models"));
      expect(outsideModels(after.files)).toEqual(outsideModels(before.files));
      expect(after.mainPid).toBe(before.mainPid);
      const later = result.calls.split("\n").slice(before.calls).filter(Boolean);
      expect(later.filter((c) => /^(curl|dnf|apt-get|amazon-cloudwatch-agent-ctl) |^systemctl (start|stop|restart|daemon-reload|enable)/.test(c))).toEqual([]);
      expect(later).toContain("ollama pull llama3:8b");
      expect(result.installedVersion).toBe("0.13.0\n");
      expect(result.models).toEqual(["llama3:8b", "qwen2:7b"]);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a machine whose user data never set Ollama up: an instance model's association (UpgradeInPlace=false, its port) sets up what is missing and pulls",
    async () => {
      expect(fleet.associations.qwen27b.parameters).toMatchObject({ UpgradeInPlace: "false", AppPort: "11435" });
      const result = await runScenario({ releases: ["0.13.0"], bootFinished: true, steps: [{ kind: "ssm", script: ssm(fleet, "qwen27b") }] });
      expect(result.steps[0].exitCode).toBe(0);
      expect(lastLine(result.steps[0])).toMatch(/OK: ollama 0\.13\.0 serves on port 11435; pulled: qwen2:7b; already there: none$/);
      expect(result.installedVersion).toBe("0.13.0\n");
      expect(result.dropIn).toContain('Environment="OLLAMA_HOST=0.0.0.0:11435"');
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "a machine whose user data never set Ollama up: a run with AppPort unchanged (a group's association, the release rollout) has no port to set it up on, says so (exit 22) and downloads nothing",
    async () => {
      const result = await runScenario({
        releases: ["0.13.0"],
        bootFinished: true,
        steps: [
          { kind: "ssm", script: ssm(fleet, "qwen27b", { AppPort: "unchanged" }) },
          { kind: "ssm", script: rollout(fleet) },
        ],
      });
      expect(result.steps.map((s) => s.exitCode)).toEqual([22, 22]);
      for (const step of result.steps) {
        expect(lastLine(step)).toMatch(
          /FAILED \(exit 22\): unit: no port to set Ollama up on: AppPort is unchanged \(keep the server's port\) and \/etc\/systemd\/system\/ollama\.service\.d\/override\.conf names none; this server's user data, or its model's own association, sets it up$/,
        );
      }
      expect(calls(result, "curl")).toEqual([]);
      expect(result.installedVersion).toBeNull();
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "the CloudWatch agent runs our configuration (this log to the servers' log group, GPU metrics in our namespace), written once; the AMI's own unit is disabled; another configuration is replaced at the next run",
    async () => {
      const other = '{"metrics":{"metrics_collected":{"mem":{"measurement":["mem_used_percent"]}}}}';
      const result = await runScenario({
        releases: ["0.13.0"],
        dlamiAgentUnit: true,
        steps: [
          { kind: "cloud-init", script: fleet.userData.qwen27b },
          { kind: "ssm", script: ssm(fleet, "qwen27b") },
          { kind: "snapshot", name: "once" },
          // the AMI (or someone) puts another configuration in place
          {
            kind: "exec",
            argv: ["bash", "-c", `printf '%s' '${other}' >/tmp/other.json && /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -c file:/tmp/other.json -s`],
          },
          { kind: "ssm", script: ssm(fleet, "qwen27b") },
        ],
      });
      expect(result.steps.filter((s) => s.kind !== "snapshot").map((s) => s.exitCode)).toEqual([0, 0, 0, 0]);
      const fetches = (upTo?: number) =>
        result.calls.split("\n").slice(0, upTo).filter((c) => c.startsWith("amazon-cloudwatch-agent-ctl -a fetch-config"));
      // written by the user data, left alone by the association's run
      expect(fetches(result.snapshots.once.calls)).toEqual([
        "amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -c file:/opt/aws/amazon-cloudwatch-agent/etc/ollama-fleet.json -s",
      ]);
      // then put back after the other one
      expect(fetches()).toHaveLength(3);
      expect(result.agent.applied).toEqual(["file_ollama-fleet.json"]);
      expect(result.agent.journal).toMatch(/running with file_ollama-fleet\.json\n$/);
      expect(result.agent.dlamiUnitEnabled).toBe(false);
      const config = JSON.parse(result.agent.config ?? "null");
      expect(config.logs.logs_collected.files.collect_list).toEqual([
        { file_path: "/var/log/ollama-bootstrap.log", log_group_name: "/ollama-fleet/acme/servers", log_stream_name: "{instance_id}/ollama-bootstrap", timezone: "UTC" },
      ]);
      expect(config.metrics.namespace).toBe("OllamaFleet/Servers/acme");
      expect(config.metrics.append_dimensions).toEqual({ InstanceId: "${aws:InstanceId}", AutoScalingGroupName: "${aws:AutoScalingGroupName}" });
      // one series per group, on the dimension the GPU scaling policy and the dashboard read, which the agent appends
      expect(config.metrics.aggregation_dimensions).toEqual([[GPU_GROUP_DIMENSION]]);
      expect(Object.keys(config.metrics.append_dimensions)).toContain(GPU_GROUP_DIMENSION);
      expect(config.metrics.metrics_collected.nvidia_gpu.measurement).toEqual([...GPU_MEASUREMENTS]);
      // the dashboard reads what the agent publishes
      // the dashboard's metrics are among those the agent publishes (nvidia_smi_<measurement>)
      expect(config.metrics.metrics_collected.nvidia_gpu.measurement.map((m: string) => `nvidia_smi_${m}`)).toEqual(
        expect.arrayContaining([GPU_UTILIZATION_METRIC, GPU_MEMORY_USED_METRIC]),
      );
      expect(result.log).toContain(
        "the CloudWatch agent sends this log to /ollama-fleet/acme/servers (stream <instance id>/ollama-bootstrap) and the GPU metrics to OllamaFleet/Servers/acme",
      );
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe("parameters with shell metacharacters", () => {
  test.each([
    "llama3:8b;touch /tmp/pwned",
    "llama3:8b,$(id)",
    "llama3:8b`id`",
    "llama3:8b' && id '",
    'llama3:8b" && id "',
    "llama3:8b|id",
    "llama3:8b\nid",
    "llama3:8b id",
    "llama3:8b&",
    "llama3:8b>/etc/passwd",
    " ",
  ])("Models %p is refused before anything runs", (models) => {
    expect(() => commandFromDocument(fleet.document, { ...fleet.associations.llama38b.parameters, Models: models })).toThrow(InvalidParameters);
  });

  test.each([
    ["AppPort", "11434; id"],
    ["AppPort", "0"],
    ["AppPort", "65536"],
    ["AppPort", ""],
    ["AppPort", "unchanged; id"],
    ["AppPort", "Unchanged"],
    ["OllamaVersion", "0.13.0; id"],
    ["OllamaVersion", "latest"],
    ["TimeoutSeconds", "3600 && id"],
    ["ContextLength", "8192; id"],
    ["ContextLength", "8192 "],
    ["ContextLength", "0"],
    ["ContextLength", "99999999"],
    ["NumParallel", "4|id"],
    ["NumParallel", "0"],
    ["NumParallel", "100"],
    ["KvCacheType", "q8_0 && id"],
    ["KvCacheType", "Q8_0"],
    ["KvCacheType", "q5_0"],
    ["KeepAlive", "6h;id"],
    ["KeepAlive", "$(id)"],
    ["KeepAlive", ""],
    ["KeepAlive", "1h30m"],
  ])("%s %p is refused", (name, value) => {
    expect(() => commandFromDocument(fleet.document, { ...fleet.associations.llama38b.parameters, [name]: value })).toThrow(InvalidParameters);
  });

  test.each([
    ["CONTEXT_LENGTH", "100", "inputs: CONTEXT_LENGTH '100' is not a number of tokens from 512 to 1048576 (or default)"],
    ["NUM_PARALLEL", "65", "inputs: NUM_PARALLEL '65' is not a number of requests from 1 to 64 (or default)"],
  ])(
    "were %s=%s to get past the document, the script itself refuses it (exit 10) and changes nothing",
    async (name, value, message) => {
      const script = ssm(fleet, "qwen27b").replace(`${name}='default'`, `${name}='${value}'`);
      expect(script).toContain(`${name}='${value}'`);
      const result = await runScenario({ releases: ["0.13.0"], bootFinished: true, steps: [{ kind: "ssm", script }] });
      expect(result.steps[0].exitCode).toBe(10);
      expect(lastLine(result.steps[0])).toMatch(new RegExp(`FAILED \\(exit 10\\): ${message.replace(/[()]/g, "\\$&")}$`));
      expect(result.unit).toBeNull();
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "were a bad name to get past the document, the script itself refuses it (exit 10) and changes nothing",
    async () => {
      const script = ssm(fleet, "qwen27b").replace("MODELS='qwen2:7b'", "MODELS='qwen2:7b,bad name'");
      const result = await runScenario({ releases: ["0.13.0"], bootFinished: true, steps: [{ kind: "ssm", script }] });
      expect(result.steps[0].exitCode).toBe(10);
      expect(lastLine(result.steps[0])).toMatch(
        /FAILED \(exit 10\): inputs: 'bad name' is not an Ollama model name: its model part 'bad name' is no Ollama model \(1-80 letters, digits and _ \. -; one : before the tag\)$/,
      );
      expect(calls(result, "curl")).toEqual([]);
      expectMachineUntouched(result);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
