// Runs the real terraform CLI on copies of the repository's Terraform code, in a throw-away
// directory, offline when the provider mirror of this machine is there.
import { spawn, spawnSync } from "child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

export interface TerraformResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where this machine keeps hashicorp/aws for offline installs (an unpacked filesystem mirror). */
const PROVIDER_MIRROR = "/opt/tf-plugins";

/**
 * Downloads land here when there is no mirror, shared by every workspace and kept between runs.
 * With the mirror, init only symlinks the provider (about 0.5 s), so no cache is needed.
 */
const DOWNLOAD_CACHE = path.join(tmpdir(), "ollama-fleet-terraform-plugin-cache");

const MIRROR_CLI_CONFIG = `provider_installation {
  filesystem_mirror {
    path    = "${PROVIDER_MIRROR}"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`;

let terraformFound = false;

/** The module tests' mock data of hashicorp/aws, shared by every test that plans with a mock provider. */
export const SHARED_MOCKS = path.resolve(__dirname, "..", "terraform", "module", "mocks");

/** The `mock_provider` block that loads SHARED_MOCKS, once copied to `tests/mocks` beside the test files. */
export const MOCK_PROVIDER = `mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}
`;

/** Throws a readable error unless a `terraform` binary runs from the PATH. */
export function requireTerraform(): void {
  if (terraformFound) return;
  const probe = spawnSync("terraform", ["version"], {
    encoding: "utf8",
    env: { ...process.env, CHECKPOINT_DISABLE: "1" },
  });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      "These tests run the terraform CLI, but `terraform version` failed " +
        `(${probe.error?.message ?? probe.stderr}). Install Terraform >= 1.7 and put it on the PATH.`,
    );
  }
  terraformFound = true;
}

/** A temporary directory holding copies of Terraform code, and the environment to run terraform in it. */
export class TerraformWorkspace {
  private readonly env: NodeJS.ProcessEnv;

  private constructor(readonly root: string) {
    this.env = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
    if (existsSync(PROVIDER_MIRROR)) {
      const cliConfig = path.join(root, ".terraformrc");
      writeFileSync(cliConfig, MIRROR_CLI_CONFIG);
      this.env.TF_CLI_CONFIG_FILE = cliConfig;
    } else {
      this.env.TF_PLUGIN_CACHE_DIR ??= DOWNLOAD_CACHE;
      mkdirSync(this.env.TF_PLUGIN_CACHE_DIR, { recursive: true });
    }
  }

  static create(): TerraformWorkspace {
    requireTerraform();
    return new TerraformWorkspace(mkdtempSync(path.join(tmpdir(), "ollama-fleet-tf-")));
  }

  /**
   * Copies `source` (a file or a directory, recursively) to `destination` under the workspace, leaving
   * out any local `.terraform` directory or state; returns the copy's path.
   */
  copy(source: string, destination: string): string {
    const target = path.join(this.root, destination);
    const isLocalState = (file: string) => /^(\.terraform|terraform\.tfstate.*)$/.test(path.basename(file));
    cpSync(source, target, { recursive: true, filter: (file) => !isLocalState(file) });
    return target;
  }

  /** Runs `terraform <args>` in `dir` (relative to the workspace) and returns what it printed. */
  run(dir: string, args: readonly string[]): TerraformResult {
    const result = spawnSync("terraform", [...args], {
      cwd: path.join(this.root, dir),
      env: this.env,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.error) throw new Error(`terraform ${args.join(" ")} could not start: ${result.error.message}`);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** Like `run`, but throws with terraform's whole output when it exits non-zero. */
  runOrThrow(dir: string, args: readonly string[]): TerraformResult {
    const result = this.run(dir, args);
    if (result.status !== 0) {
      throw new Error(
        `terraform ${args.join(" ")} in ${dir} exited with ${result.status}\n` +
          `--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`,
      );
    }
    return result;
  }

  init(dir: string): TerraformResult {
    return this.runOrThrow(dir, ["init", "-backend=false", "-input=false", "-no-color"]);
  }

  validate(dir: string): TerraformResult {
    return this.runOrThrow(dir, ["validate", "-no-color"]);
  }

  /** `terraform test` of every `tests/*.tftest.hcl` in `dir`; throws when a run fails. */
  test(dir: string): TerraformResult {
    return this.runOrThrow(dir, ["test", "-no-color"]);
  }

  /** Like `run`, without blocking: several workspaces can run terraform side by side. */
  runAsync(dir: string, args: readonly string[]): Promise<TerraformResult> {
    return new Promise((resolve, reject) => {
      const child = spawn("terraform", [...args], { cwd: path.join(this.root, dir), env: this.env });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      child.on("error", (error) => reject(new Error(`terraform ${args.join(" ")} could not start: ${error.message}`)));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
