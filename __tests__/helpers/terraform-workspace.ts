// Runs the real terraform CLI on copies of the repository's Terraform code, in a throw-away
// directory, offline when the provider mirror of this machine is there.
import { spawnSync } from "child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { Daemon, killAllChildren, runBounded, startDaemon } from "./processes";

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
export const TERRAFORM_TIMEOUT_MS = { init: 180_000, validate: 240_000, test: 600_000, providerStart: 120_000 } as const;

/**
 * Go's garbage collector at a quarter of its default frequency: terraform and the AWS provider
 * build large schemas at start, and this cuts their CPU by about a fifth (measured: 13.5 s -> 10.4 s
 * for 8 runs of `terraform test`) for about 10% more memory (580 -> 630 MB per provider).
 */
const GO_GC_PERCENT = "400";

/**
 * Commands that must not see the shared provider: init installs providers, and a plan or apply
 * configures the provider (a provider process takes one configuration), so each starts its own.
 */
const OWN_PROVIDER_COMMANDS = new Set(["init", "plan", "apply"]);

/** A temporary directory holding copies of Terraform code, and the environment to run terraform in it. */
export class TerraformWorkspace {
  private readonly env: NodeJS.ProcessEnv;
  private reattach: string | undefined;
  private provider: Daemon | undefined;

  private constructor(readonly root: string) {
    this.env = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", GOGC: process.env.GOGC ?? GO_GC_PERCENT };
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
    const env = this.reattach && !OWN_PROVIDER_COMMANDS.has(args[0]) ? { ...this.env, TF_REATTACH_PROVIDERS: this.reattach } : this.env;
    const result = await runBounded({ command: "terraform", args, cwd: path.join(this.root, dir), env, timeoutMs });
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

  /** `terraform test` of every `tests/*.tftest.hcl` in `dir` (with `args`, e.g. `-var=...`); throws when a run fails. */
  test(dir: string, args: readonly string[] = []): Promise<TerraformResult> {
    return this.runOrThrow(dir, ["test", "-no-color", ...args], TERRAFORM_TIMEOUT_MS.test);
  }

  /**
   * From now on, serves hashicorp/aws to every command but init from one process of the provider
   * installed in `initialisedDir`, started in debug mode: terraform reattaches to it
   * (TF_REATTACH_PROVIDERS) instead of starting the 700 MB binary once per command and per
   * `terraform test` run, which is most of their CPU (8 runs: 13.5 s of CPU -> 6.3 s). Only for
   * commands that never configure the provider: `terraform test` with `mock_provider`, `validate`,
   * `providers schema`, `show`; `plan` and `apply` still start their own. The process ends with `dispose()`, or with the test process.
   */
  async shareProvider(initialisedDir: string): Promise<void> {
    if (this.reattach) return;
    const binary = findProviderBinary(path.join(this.root, initialisedDir, ".terraform", "providers", "registry.terraform.io", "hashicorp", "aws"));
    const { daemon, value } = await startDaemon(
      { command: binary, args: ["-debug"], cwd: this.root, env: this.env, timeoutMs: TERRAFORM_TIMEOUT_MS.providerStart },
      (stdout) => /TF_REATTACH_PROVIDERS='([^']+)'/.exec(stdout)?.[1],
    );
    this.provider = daemon;
    this.reattach = value;
  }

  /** Kills whatever terraform this test file still runs (a test that failed or timed out), then deletes the copies. */
  dispose(): void {
    this.provider?.stop();
    killAllChildren();
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The provider binary under `.terraform/providers/.../hashicorp/aws/<version>/<platform>/`. */
function findProviderBinary(dir: string): string {
  for (const version of existsSync(dir) ? readdirSync(dir) : []) {
    for (const platform of readdirSync(path.join(dir, version))) {
      const binary = readdirSync(path.join(dir, version, platform)).find((f) => f.startsWith("terraform-provider-aws"));
      if (binary) return path.join(dir, version, platform, binary);
    }
  }
  throw new Error(`no hashicorp/aws provider under ${dir}: run terraform init there first`);
}
