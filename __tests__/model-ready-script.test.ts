// model-ready.sh, rendered by terraform from the committed module's asset and run in a sandbox:
// stand-ins for curl (Ollama and the instance metadata service), aws and sleep on the PATH.
import { spawnSync } from "child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { MODULE_DIR } from "../src/module/module-files";
import { describeWithTerraform } from "./helpers/terraform";

const ASSETS = path.resolve(__dirname, "..", MODULE_DIR, "assets");

function scriptAsset(): string {
  const folder = readdirSync(ASSETS).find((name) => name.includes("model_ready"));
  if (!folder) throw new Error(`no model_ready asset in ${ASSETS}`);
  const [hash] = readdirSync(path.join(ASSETS, folder));
  return path.join(ASSETS, folder, hash, "model-ready.sh.tftpl");
}

/** The script as Terraform renders it for a model. */
function render(vars: Record<string, string | number>): string {
  const args = Object.entries(vars).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(", ");
  const run = spawnSync("terraform", ["console"], {
    input: `base64encode(templatefile(${JSON.stringify(scriptAsset())}, { ${args} }))`,
    encoding: "utf8",
    cwd: tmpdir(),
    env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null", NO_COLOR: "1" },
  });
  if (run.status !== 0) throw new Error(run.stderr);
  return Buffer.from(JSON.parse(run.stdout.trim()), "base64").toString("utf8");
}

interface Run {
  readonly status: number | null;
  readonly output: string;
  readonly awsCalls: string[];
  readonly readyChecks: number;
}

/** Runs the rendered script (`--wait`, in the foreground) with stand-ins. */
function runScript(script: string, stub: { readyAfter: number; awsOutput?: string; awsStatus?: number }): Run {
  const dir = mkdtempSync(path.join(tmpdir(), "model-ready-"));
  try {
    const bin = path.join(dir, "bin");
    spawnSync("mkdir", [bin]);
    const write = (name: string, body: string) => {
      writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`);
      chmodSync(path.join(bin, name), 0o755);
    };
    write(
      "curl",
      `case "$*" in
  *api/token*) echo TOKEN ;;
  *meta-data/instance-id*) echo i-0123456789abcdef0 ;;
  *meta-data/placement/region*) echo eu-west-1 ;;
  *127.0.0.1*) n=$(( $(cat "${dir}/checks" 2>/dev/null || echo 0) + 1 )); echo $n > "${dir}/checks"; [ $n -ge ${stub.readyAfter} ] ;;
  *) exit 7 ;;
esac`,
    );
    write("aws", `printf '%s\\n' "$*" >> "${dir}/aws"; echo ${JSON.stringify(stub.awsOutput ?? "")}; exit ${stub.awsStatus ?? 0}`);
    write("sleep", "exit 0");
    writeFileSync(path.join(dir, "model-ready.sh"), script);
    const run = spawnSync("bash", [path.join(dir, "model-ready.sh"), "--wait"], {
      encoding: "utf8",
      env: { PATH: `${bin}:/usr/bin:/bin` },
      timeout: 30_000,
    });
    const read = (file: string) => {
      try {
        return readFileSync(path.join(dir, file), "utf8");
      } catch {
        return "";
      }
    };
    return {
      status: run.status,
      output: run.stdout + run.stderr,
      awsCalls: read("aws").split("\n").filter(Boolean),
      readyChecks: Number(read("checks") || 0),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeWithTerraform("model-ready.sh, run", () => {
  // An Ollama model's: the status of its path is enough (no text to find in the answer)
  const VARS = { app_port: 11434, health_check_path: "/v1/models/llama3:8b", ready_match: "", timeout_seconds: 1800, group_name: "acme-llama38b", hook_name: "model-ready" };

  test("GIVEN a model that answers on the third check WHEN the script runs THEN it completes the hook once, for its group and instance", () => {
    // GIVEN
    const script = render(VARS);
    // WHEN
    const run = runScript(script, { readyAfter: 3 });
    // THEN
    expect(run.status).toBe(0);
    expect(run.readyChecks).toBe(3);
    expect(run.awsCalls).toEqual([
      "autoscaling complete-lifecycle-action --region eu-west-1 --auto-scaling-group-name acme-llama38b --lifecycle-hook-name model-ready " +
        "--instance-id i-0123456789abcdef0 --lifecycle-action-result CONTINUE",
    ]);
    expect(run.output).toContain("http://127.0.0.1:11434/v1/models/llama3:8b answers");
  });

  test("GIVEN no pending lifecycle action (a reboot in service) WHEN the script runs THEN it stops without retrying", () => {
    const run = runScript(render(VARS), {
      readyAfter: 1,
      awsOutput: "An error occurred (ValidationError) when calling the CompleteLifecycleAction operation: No active Lifecycle Action found with instance ID i-0123456789abcdef0",
      awsStatus: 254,
    });
    expect(run.status).toBe(0);
    expect(run.awsCalls).toHaveLength(1);
    expect(run.output).toContain("no lifecycle action is pending");
  });

  test("GIVEN an API error WHEN the script runs THEN it retries five times and says so", () => {
    const run = runScript(render(VARS), { readyAfter: 1, awsOutput: "Throttling: Rate exceeded", awsStatus: 254 });
    expect(run.status).toBe(1);
    expect(run.awsCalls).toHaveLength(5);
    expect(run.output).toContain("could not complete the lifecycle action");
  });

  test("GIVEN a model that never answers WHEN the deadline passes THEN it leaves the decision to the hook's timeout", () => {
    const run = runScript(render({ ...VARS, timeout_seconds: 0 }), { readyAfter: 1_000_000 });
    expect(run.status).toBe(0);
    expect(run.awsCalls).toEqual([]);
    expect(run.output).toContain("did not answer within 0 s");
  });
});
