// A vLLM model's engine_args on the server: rendered from the committed module into the user data
// and the serve-vllm association, checked again by the bootstrap against the allowlist, and passed
// to vLLM as words of its command line (the fake vLLM parses them as vLLM's argparse does). Values
// that try to reach a shell are refused and never run. See README.md beside this file.
import { spawnSync } from "child_process";
import * as path from "path";
import { WORST_ENGINE_ARGS } from "../helpers/vllm-worst-args";
import { modelKey } from "../../src/config/derive";
import { VLLM_ARGS } from "../../src/engines/vllm-args";
import { commandFromDocument, InvalidParameters } from "./harness/ssm-agent";
import { inputs, Rendered, renderFromModule } from "./harness/render";
import { cleanUpReleases, requireSandbox, runScenario, StepResult } from "./harness/sandbox";
import { NO_VALUE } from "../../src/userdata/vllm-templates";

const SCENARIO_TIMEOUT_MS = 240_000;
const MODEL = "mistralai/Mistral-7B-Instruct-v0.3";
const KEY = modelKey(MODEL);
const WORST = "Qwen/Qwen2.5-7B-Instruct";
const WORST_KEY = modelKey(WORST);
const PORT = 8000;
const ARGS = { "max-num-seqs": "128", "enable-prefix-caching": "false", "enable-auto-tool-choice": "true", "tool-call-parser": "hermes" };
const ENCODED = "enable-auto-tool-choice=true,enable-prefix-caching=false,max-num-seqs=128,tool-call-parser=hermes";
const WORST_ARGS = WORST_ENGINE_ARGS;
const PWNED = "/run/engine-args-pwned";
const STAND_IN = path.join(__dirname, "stand-ins", "vllm-server.js");
const DLAMI = { releases: [] as string[], gpus: 1 } as const;

let fleet: Rendered;

beforeAll(() => {
  requireSandbox();
  // GIVEN a fleet of an Ollama model and two vLLM models with engine_args, as rendered from the committed module
  fleet = renderFromModule(
    inputs({
      llm_ec2_configs: [
        { llm_model: "llama3:8b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
        { llm_model: MODEL, engine: "vllm", served_model_name: "mistral-7b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: PORT, engine_args: ARGS },
        { llm_model: WORST, engine: "vllm", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 8001, engine_args: WORST_ARGS },
      ],
    }),
  );
});

afterAll(() => cleanUpReleases());

const ssm = (overrides: Record<string, string> = {}) => commandFromDocument(fleet.vllmDocument, { ...fleet.associations[KEY].parameters, ...overrides }).script;
const lastLine = (step: StepResult) => step.stdout.trim().split("\n").pop() ?? "";
/** The user data with another ENGINE_ARGS, as a hand-edited script would carry it. */
const userDataWith = (engineArgs: string) => fleet.userData[KEY].replace(`ENGINE_ARGS='${ENCODED}'`, `ENGINE_ARGS='${engineArgs}'`);
const BASE_ARGV = ["serve", MODEL, "--served-model-name", "mistral-7b", "--host", "0.0.0.0", "--port", "8000", "--tensor-parallel-size", "1", "--gpu-memory-utilization", "0.9", "--dtype", "auto"];

describe("engine_args on the server (user data and the serve-vllm document from the committed module)", () => {
  test("rendered: flag=value pairs in the flags' order in the user data and the association; the worst case stays under EC2's 16 KB", () => {
    expect(fleet.userData[KEY]).toContain(`\nENGINE_ARGS='${ENCODED}'\n`);
    expect(fleet.associations[KEY].parameters.EngineArgs).toBe(ENCODED);
    // an Ollama model has none, and a vLLM model without engine_args passes an empty value
    expect(fleet.associations.llama38b.parameters.EngineArgs).toBeUndefined();
    expect(fleet.associations[WORST_KEY].parameters.EngineArgs.split(",")).toHaveLength(VLLM_ARGS.length);
    for (const key of [KEY, WORST_KEY]) expect(fleet.userDataBytes[key]).toBeLessThan(16 * 1024);
    // the SSM agent takes every value the module renders
    expect(() => commandFromDocument(fleet.vllmDocument, fleet.associations[WORST_KEY].parameters)).not.toThrow();
  });

  test(
    "first boot runs vLLM with the flags as vLLM spells them; the same args again change nothing; changed args rewrite the unit and restart vLLM once",
    async () => {
      const result = await runScenario({
        ...DLAMI,
        steps: [
          { kind: "cloud-init", script: fleet.userData[KEY] },
          { kind: "snapshot", name: "before" },
          { kind: "ssm", script: ssm() },
          { kind: "snapshot", name: "same" },
          { kind: "ssm", script: ssm({ EngineArgs: "enable-auto-tool-choice=true,max-num-seqs=64,tool-call-parser=hermes" }) },
          { kind: "snapshot", name: "changed" },
        ],
      });
      expect(result.steps.filter((s) => s.kind !== "snapshot").map((s) => s.exitCode)).toEqual([0, 0, 0]);
      const { before, same, changed } = result.snapshots;
      // unchanged: nothing written, nothing restarted
      expect(same.vllmPid).toBe(before.vllmPid);
      expect(same.files).toEqual(before.files);
      const between = result.calls.split("\n").slice(before.calls, same.calls);
      expect(between.filter((c) => /^docker (pull|run)|^systemctl (start|restart|daemon-reload)/.test(c))).toEqual([]);
      // changed: the serve script rewritten, vLLM restarted once
      expect(changed.vllmPid).not.toBe(same.vllmPid);
      const after = result.calls.split("\n").slice(same.calls);
      expect(after.filter((c) => /^systemctl (start|restart)/.test(c))).toEqual(["systemctl restart vllm"]);
      expect(result.vllm.starts.map((s) => s.args)).toEqual([
        [...BASE_ARGV, "--enable-auto-tool-choice", "--no-enable-prefix-caching", "--max-num-seqs", "128", "--tool-call-parser", "hermes"],
        [...BASE_ARGV, "--enable-auto-tool-choice", "--max-num-seqs", "64", "--tool-call-parser", "hermes"],
      ]);
      expect(result.vllm.starts.map((s) => s.outcome)).toEqual(["serving", "serving"]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "engine_args and quantization taken out: the association's word for none (an empty value would keep the old one) takes the flags off, restarting vLLM once",
    async () => {
      const result = await runScenario({
        ...DLAMI,
        steps: [
          { kind: "cloud-init", script: fleet.userData[KEY] },
          { kind: "ssm", script: ssm({ Quantization: "awq" }) },
          { kind: "snapshot", name: "tuned" },
          { kind: "ssm", script: ssm({ EngineArgs: NO_VALUE, Quantization: NO_VALUE }) },
          { kind: "snapshot", name: "plain" },
          { kind: "ssm", script: ssm({ EngineArgs: NO_VALUE, Quantization: NO_VALUE }) },
          { kind: "snapshot", name: "again" },
        ],
      });
      expect(result.steps.filter((s) => s.kind !== "snapshot").map((s) => s.exitCode)).toEqual([0, 0, 0, 0]);
      const { tuned, plain, again } = result.snapshots;
      expect(plain.vllmPid).not.toBe(tuned.vllmPid);
      expect(result.vllm.starts.map((s) => s.args).slice(-2)).toEqual([
        [...BASE_ARGV, "--quantization", "awq", "--enable-auto-tool-choice", "--no-enable-prefix-caching", "--max-num-seqs", "128", "--tool-call-parser", "hermes"],
        BASE_ARGV,
      ]);
      // "-" and "" are the same setting: the next run changes nothing
      expect(again.vllmPid).toBe(plain.vllmPid);
      expect(again.files).toEqual(plain.files);
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    "every allowlisted flag at once (the worst case): vLLM's parser takes them all and the server serves",
    async () => {
      const result = await runScenario({ ...DLAMI, steps: [{ kind: "cloud-init", script: fleet.userData[WORST_KEY] }] });
      expect(result.steps[0].exitCode).toBe(0);
      const [start] = result.vllm.starts;
      expect(start.outcome).toBe("serving");
      for (const a of VLLM_ARGS) {
        const words = a.value.kind === "boolean" ? [WORST_ARGS[a.flag] === "true" ? `--${a.flag}` : `--no-${a.flag}`] : [`--${a.flag}`, WORST_ARGS[a.flag]];
        expect((start.args as string[]).join(" ")).toContain(` ${words.join(" ")}`);
      }
    },
    SCENARIO_TIMEOUT_MS,
  );

  test("the SSM agent refuses a parameter value with a space, quote or shell metacharacter before any script runs", () => {
    for (const value of ["max-num-seqs=1; rm -rf /", "max-num-seqs=$(id)", "max-num-seqs=`id`", "max-num-seqs='1'", "max-num-seqs=1|id", "--max-num-seqs=1"]) {
      expect(() => ssm({ EngineArgs: value })).toThrow(InvalidParameters);
    }
  });

  test.each([
    ["a shell command in a value", "max-num-seqs=1; touch /run/engine-args-pwned", /FAILED \(exit 10\): inputs: ENGINE_ARGS is not flag=value pairs joined by commas/],
    ["a command substitution in a value", "max-num-seqs=$(touch /run/engine-args-pwned)", /FAILED \(exit 10\): inputs: ENGINE_ARGS is not flag=value pairs joined by commas/],
    ["a flag off the allowlist, edited into the parameter by hand", "trust-remote-code=true", /FAILED \(exit 10\): inputs: ENGINE_ARGS trust-remote-code=true is not an allowed vLLM flag with a value it takes/],
    ["a value out of the flag's range", "max-num-seqs=0", /FAILED \(exit 10\): inputs: ENGINE_ARGS max-num-seqs=0 is not an allowed vLLM flag with a value it takes/],
    ["a flag twice", "max-num-seqs=8,max-num-seqs=9", /FAILED \(exit 10\): inputs: ENGINE_ARGS names max-num-seqs twice$/],
    ["auto tool choice without its parser", "enable-auto-tool-choice=true", /FAILED \(exit 10\): inputs: ENGINE_ARGS sets enable-auto-tool-choice without tool-call-parser, which vLLM needs with it$/],
  ] as const)(
    "%s: refused at the inputs step (exit 10); nothing pulled, written or run, and the value never executed",
    async (_label, engineArgs, message) => {
      const result = await runScenario({
        ...DLAMI,
        steps: [
          { kind: "cloud-init", script: userDataWith(engineArgs) },
          { kind: "exec", argv: ["test", "-e", PWNED] },
        ],
      });
      const [boot, pwned] = result.steps;
      expect(boot.exitCode).toBe(10);
      expect(lastLine(boot)).toMatch(message);
      expect(pwned.exitCode).toBe(1);
      expect(result.calls.split("\n").filter((c) => /^(docker|systemctl) /.test(c))).toEqual([]);
      expect(result.vllm.unit).toBeNull();
    },
    SCENARIO_TIMEOUT_MS,
  );

  test.each([
    [["--max_num_seq", "8"], "vllm serve: error: unrecognized arguments: --max_num_seq"],
    [["--enable-prefix-caching", "true"], "vllm serve: error: unrecognized arguments: true"],
    [["--max-num-seqs", "many"], "vllm serve: error: argument --max-num-seqs: invalid int value: 'many'"],
    [["--kv-cache-dtype", "fp4"], "vllm serve: error: argument --kv-cache-dtype: invalid choice: 'fp4'"],
  ])("the fake vLLM parses as vLLM's argparse does: %j exits 2 with argparse's message", (options, message) => {
    const run = spawnSync(process.execPath, [STAND_IN, "vllm", "serve", MODEL, ...options], { encoding: "utf8", env: {} });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
  });
});
