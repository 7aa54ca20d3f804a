// Plans a module as a caller does, with the real AWS provider and offline: a root configuration
// that calls the module (`module "llm_service"`) and re-exports some of its outputs, initialised
// against the provider mirror, and planned against the local AWS query stand-in (offline-aws.ts),
// which answers the credential check and the data sources' look-ups. Nothing in the module is
// rewritten, so two modules planned this way are compared on equal terms.
import { existsSync, mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import { offlineAwsEnv, runAgainstStandIn, StandInRequest } from "./offline-aws";
import { TERRAFORM_TIMEOUT_MS, TerraformWorkspace } from "./terraform-workspace";

/** The provider version the project's bindings are generated for; the mirror holds exactly it. */
const AWS_PROVIDER_VERSION = "5.100.0";
export const PLAN_REGION = "ap-southeast-1";
/** The module call's name in the root: addresses in the plan start with `module.<this>.`. */
const CALL = "llm_service";

export interface PlannedInstance {
  /** `type.name`: the resource's address in the module, without an instance key. */
  readonly resource: string;
  /** The instance key as Terraform prints it (`["llama38b"]`, `[0]`), or "" for a single instance. */
  readonly key: string;
  readonly actions: readonly string[];
  readonly after: Record<string, unknown>;
  readonly afterUnknown: Record<string, unknown>;
}

export interface PlannedOutput {
  readonly after: unknown;
  readonly afterUnknown: unknown;
}

export interface ModulePlan {
  /** Managed resource instances by their address in the module (`aws_instance.llm["llama38b"]`). */
  readonly instances: Map<string, PlannedInstance>;
  /** The re-exported outputs of the module, by name. */
  readonly outputs: Map<string, PlannedOutput>;
  /** The AWS calls the plan made (all of them answered by the stand-in). */
  readonly requests: readonly StandInRequest[];
}

export interface PlanRun {
  /** A folder holding the module (copied into the workspace), or a single `.tf.json` file that is the whole module. */
  readonly source: string;
  readonly inputs: object;
  /** Outputs of the module to plan too (the plan shows a module's outputs only through the root's). */
  readonly outputs?: readonly string[];
}

/**
 * Plans every run in a folder of its own, side by side, then reads the plans back with `terraform
 * show -json` through one shared provider process (show only reads the provider's schema; a plan
 * configures the provider, and a provider process takes one configuration).
 */
export async function planModules(workspace: TerraformWorkspace, runs: readonly PlanRun[]): Promise<ModulePlan[]> {
  const dirs = runs.map((_, i) => `plan-${i}`);
  const requests = await Promise.all(
    runs.map(async (run, i) => {
      const dir = path.join(workspace.root, dirs[i]);
      mkdirSync(dir, { recursive: true });
      if (run.source.endsWith(".tf.json")) workspace.copy(run.source, path.join(dirs[i], "module", "main.tf.json"));
      else workspace.copy(run.source, path.join(dirs[i], "module"));
      writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(rootOf(run), null, 2));
      await workspace.init(dirs[i]);
      const scratch = path.join(dir, "stand-in");
      mkdirSync(scratch);
      const planned = await runAgainstStandIn({
        command: ["terraform", "plan", "-refresh=false", "-input=false", "-no-color", "-out=plan.bin"],
        cwd: dir,
        env: offlineAwsEnv(workspace.environment(), scratch),
        scratch,
        timeoutMs: TERRAFORM_TIMEOUT_MS.test,
      });
      if (planned.status !== 0 || !existsSync(path.join(dir, "plan.bin"))) {
        throw new Error(`terraform plan of ${run.source} failed (${planned.status}):\n${planned.stdout}\n${planned.stderr}`);
      }
      return planned.requests;
    }),
  );
  await workspace.shareProvider(dirs[0]);
  const shown = await Promise.all(dirs.map((dir) => workspace.runOrThrow(dir, ["show", "-json", "plan.bin"])));
  return shown.map(({ stdout }, i) => readPlan(JSON.parse(stdout), requests[i]));
}

function rootOf(run: PlanRun): object {
  return {
    terraform: { required_providers: { aws: { source: "hashicorp/aws", version: AWS_PROVIDER_VERSION } } },
    provider: { aws: [{ region: PLAN_REGION }] },
    module: { [CALL]: { source: "./module", ...run.inputs } },
    ...(run.outputs?.length ? { output: Object.fromEntries(run.outputs.map((name) => [name, { value: `\${module.${CALL}.${name}}` }])) } : {}),
  };
}

interface PlanJson {
  readonly resource_changes?: ReadonlyArray<{
    readonly address: string;
    readonly mode: string;
    readonly type: string;
    readonly name: string;
    readonly module_address?: string;
    readonly change: { readonly actions: string[]; readonly after: Record<string, unknown> | null; readonly after_unknown: Record<string, unknown> | null };
  }>;
  readonly output_changes?: Record<string, { readonly after: unknown; readonly after_unknown: unknown }>;
}

function readPlan(plan: PlanJson, requests: readonly StandInRequest[]): ModulePlan {
  const instances = new Map<string, PlannedInstance>();
  const prefix = `module.${CALL}.`;
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode !== "managed") continue;
    if (rc.module_address !== `module.${CALL}` || !rc.address.startsWith(prefix)) throw new Error(`unexpected resource outside the module call: ${rc.address}`);
    const address = rc.address.slice(prefix.length);
    const resource = `${rc.type}.${rc.name}`;
    instances.set(address, {
      resource,
      key: address.slice(resource.length),
      actions: rc.change.actions,
      after: rc.change.after ?? {},
      afterUnknown: rc.change.after_unknown ?? {},
    });
  }
  const outputs = new Map(Object.entries(plan.output_changes ?? {}).map(([name, o]) => [name, { after: o.after, afterUnknown: o.after_unknown }]));
  return { instances, outputs, requests };
}
