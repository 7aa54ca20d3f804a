// Runs the real terraform CLI on copies of the repository's Terraform code, in a throw-away
// directory, offline when the provider mirror of this machine is there.
import { spawnSync } from "child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { killAllChildren, runBounded } from "./processes";

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
    timeout: 30_000,
    killSignal: "SIGKILL",
  });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      "These tests run the terraform CLI, but `terraform version` failed " +
        `(${probe.error?.message ?? probe.stderr}). Install Terraform >= 1.7 and put it on the PATH.`,
    );
  }
  terraformFound = true;
}

/**
 * How long one terraform command may run before its process group is killed. Measured on a 2-core
 * machine with a second `npm test` alongside: init < 5 s, validate < 10 s, the longest test < 60 s;
 * these bounds only stop a hang, and jest's own timeouts (jest.config.js) are longer, so a hang is
 * reported as the terraform command that hung, not as an anonymous jest timeout.
 */
export const TERRAFORM_TIMEOUT_MS = { init: 90_000, validate: 120_000, test: 240_000 } as const;

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

  /** The environment terraform runs in here (the mirror's CLI config when there is one), for other tools that run it. */
  environment(): NodeJS.ProcessEnv {
    return { ...this.env };
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

  /**
   * Runs `terraform <args>` in `dir` (relative to the workspace) and returns what it printed. The
   * command and the provider plugins it starts are killed after `timeoutMs`, and the promise rejects
   * naming the command.
   */
  async run(dir: string, args: readonly string[], timeoutMs: number = TERRAFORM_TIMEOUT_MS.test): Promise<TerraformResult> {
    const result = await runBounded({ command: "terraform", args, cwd: path.join(this.root, dir), env: this.env, timeoutMs });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** Like `run`, but throws with terraform's whole output when it exits non-zero. */
  async runOrThrow(dir: string, args: readonly string[], timeoutMs?: number): Promise<TerraformResult> {
    const result = await this.run(dir, args, timeoutMs);
    if (result.status !== 0) {
      throw new Error(
        `terraform ${args.join(" ")} in ${dir} exited with ${result.status}\n` +
          `--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`,
      );
    }
    return result;
  }

  /** `terraform init` without a backend; with the mirror the provider is a symlink into it. */
  init(dir: string, args: readonly string[] = ["-backend=false"]): Promise<TerraformResult> {
    return this.runOrThrow(dir, ["init", ...args, "-input=false", "-no-color"], TERRAFORM_TIMEOUT_MS.init);
  }

  validate(dir: string): Promise<TerraformResult> {
    return this.runOrThrow(dir, ["validate", "-no-color"], TERRAFORM_TIMEOUT_MS.validate);
  }

  /** `terraform test` of every `tests/*.tftest.hcl` in `dir`; throws when a run fails. */
  test(dir: string): Promise<TerraformResult> {
    return this.runOrThrow(dir, ["test", "-no-color"], TERRAFORM_TIMEOUT_MS.test);
  }

  /** Kills whatever terraform this test file still runs (a test that failed or timed out), then deletes the copies. */
  dispose(): void {
    killAllChildren();
    rmSync(this.root, { recursive: true, force: true });
  }
}
