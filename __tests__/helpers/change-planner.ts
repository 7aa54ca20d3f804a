// Plans changes of a module's inputs against a state, with the real AWS provider, offline. Unlike a
// mock provider, the real one says which changes replace a resource and which update it in place.
//
// 1. The module becomes an offline module (helpers/offline-root.ts: AWS look-ups as locals), called
//    from roots that configure the provider with placeholder credentials and no account look-up.
// 2. The base inputs are "applied": planned as module call `base` on an empty state, the plan
//    written as a state with made-up ids (helpers/fake-state.ts), then planned again against that
//    state and the values computed from references written in, until a plan changes nothing.
// 3. Each row's inputs are a module call of their own, against its own copy of the base's state,
//    and `terraform plan -refresh=false` plans them all at once: a plan's fixed cost (terraform and
//    the 700 MB provider starting, the schema) is paid per plan, not per row. The rows are split
//    into PARALLEL_PLANS plans that run side by side, the base beside them as the check that the
//    state was settled; `show -json` reads them back through one shared provider process.
import { mkdirSync, symlinkSync, writeFileSync } from "fs";
import { availableParallelism } from "os";
import * as path from "path";
import { ResourceSchemas, settle, StateFile, stateFromPlan, withModuleCopies } from "./fake-state";
import { offlineCalls, offlineModule } from "./offline-root";
import { PlanJson, PlanSummary, ResourceChange, summarise } from "./plan-json";
import { TerraformWorkspace } from "./terraform-workspace";

/** A plan keeps about one core busy (terraform and one provider process); more at once only queue on 2 cores. */
const PARALLEL_PLANS = Math.max(1, Math.min(2, availableParallelism()));

/** Plans of the base against its own state, each resolving one more level of references; two are enough today. */
const MAX_SETTLE_PASSES = 4;

const MODULE = "module";
const BASE = "base";

export interface PlannedRow {
  /** What the row plans, by address within the module. */
  readonly summary: PlanSummary;
  /** The row's planned changes by address within the module, for their planned values. */
  readonly changes: ReadonlyMap<string, ResourceChange>;
}

/** A row whose plan failed (an input the module does not take, a validation): terraform's message. */
export interface FailedRow {
  readonly error: string;
}

export interface ChangePlans {
  /** Plans of the base against its own state it took until one changed nothing. */
  readonly settlePasses: number;
  readonly rows: Readonly<Record<string, PlannedRow | FailedRow>>;
}

/** Applies `base` to a state, then plans every row's inputs against it. */
export async function planChanges(moduleDir: string, base: object, rows: Readonly<Record<string, object>>): Promise<ChangePlans> {
  const planner = await ChangePlanner.create(moduleDir, Object.keys(rows).length);
  try {
    return await planner.planAll(base, rows);
  } finally {
    planner.dispose();
  }
}

class ChangePlanner {
  private runs = 0;

  private constructor(
    private readonly workspace: TerraformWorkspace,
    private readonly schemas: ResourceSchemas,
  ) {}

  /** Writes the offline module, initialises a root that calls it as `base` and `row_0`..`row_<rows-1>`, and reads the provider's schemas. */
  static async create(moduleDir: string, rows: number): Promise<ChangePlanner> {
    const workspace = TerraformWorkspace.create();
    try {
      mkdirSync(path.join(workspace.root, MODULE));
      writeFileSync(path.join(workspace.root, MODULE, "main.tf.json"), JSON.stringify(offlineModule(moduleDir)));
      workspace.copy(path.join(moduleDir, "assets"), path.join(MODULE, "assets"));
      // init records every module call a later plan may make; each plan's root holds some of them
      const calls = Object.fromEntries([BASE, ...Array.from({ length: rows }, (_, i) => callName(i))].map((call) => [call, {}]));
      mkdirSync(path.join(workspace.root, "init"));
      writeFileSync(path.join(workspace.root, "init", "main.tf.json"), JSON.stringify(offlineCalls(`../${MODULE}`, calls)));
      await workspace.init("init");
      await workspace.shareProvider("init");
      const printed = await workspace.runOrThrow("init", ["providers", "schema", "-json"]);
      const schemas = JSON.parse(printed.stdout).provider_schemas["registry.terraform.io/hashicorp/aws"].resource_schemas as ResourceSchemas;
      return new ChangePlanner(workspace, schemas);
    } catch (error) {
      workspace.dispose();
      throw error;
    }
  }

  /**
   * Makes the state `base` leaves behind (as module call `base`): a plan on an empty state written
   * as applied, then one plan against it whose computed values are written in. The rows are then
   * planned against copies of that state, and the base again beside them: should it still plan a
   * change (a reference through a reference), that is written in too and the rows planned again.
   */
  async planAll(base: object, rows: Readonly<Record<string, object>>): Promise<ChangePlans> {
    const state = stateFromPlan(await this.plan({ [BASE]: base }, undefined), this.schemas);
    settle(state, await this.plan({ [BASE]: base }, state), this.schemas, `module.${BASE}`);
    const names = Object.keys(rows);
    const calls = (indices: readonly number[]) => Object.fromEntries(indices.map((i) => [callName(i), rows[names[i]]]));
    const groups = Array.from({ length: Math.min(PARALLEL_PLANS, names.length) }, (_, g) => names.map((_, i) => i).filter((i) => i % PARALLEL_PLANS === g));
    for (let pass = 2; pass <= MAX_SETTLE_PASSES; pass++) {
      const plans = await Promise.allSettled(
        groups.map((indices, g) => this.plan(g === 0 ? { [BASE]: base, ...calls(indices) } : calls(indices), withModuleCopies(state, BASE, Object.keys(calls(indices)), g === 0))),
      );
      const check = plans[0]?.status === "fulfilled" ? plans[0].value : await this.plan({ [BASE]: base }, state);
      if (settle(state, check, this.schemas, `module.${BASE}`) > 0) continue;
      const planned = await Promise.all(
        groups.map(async (indices, g) => {
          const result = plans[g];
          if (result.status === "fulfilled") return indices.map((i) => [names[i], rowOf(result.value, `module.${callName(i)}`, this.schemas)] as const);
          return this.planApart(indices.map((i) => [names[i], callName(i), rows[names[i]]] as const), state, result.reason);
        }),
      );
      return { settlePasses: pass, rows: Object.fromEntries(planned.flat()) };
    }
    const left = summarise(await this.plan({ [BASE]: base }, state), `module.${BASE}`, this.schemas);
    throw new Error(`the base inputs still plan changes against their own state after ${MAX_SETTLE_PASSES} passes:\n${JSON.stringify(left, null, 2)}`);
  }

  /**
   * After a plan of several rows failed: the rows terraform's message names (`module.row_3`) fail
   * with it, and the others are planned again without them; a failure that names no row is found
   * by planning the rows one by one.
   */
  private async planApart(
    rows: ReadonlyArray<readonly [name: string, call: string, inputs: object]>,
    state: StateFile,
    failure: unknown,
  ): Promise<Array<readonly [string, PlannedRow | FailedRow]>> {
    const message = failure instanceof Error ? failure.message : String(failure);
    const named = new Set([...message.matchAll(/module[. ]"?(row_\d+)\b/g)].map((m) => m[1]));
    const failed = rows.filter(([, call]) => named.has(call));
    const rest = rows.filter(([, call]) => !named.has(call));
    const results: Array<readonly [string, PlannedRow | FailedRow]> = failed.map(([name]) => [name, { error: message }]);
    if (failed.length === 0) {
      for (const [name, call, inputs] of rows) {
        try {
          results.push([name, rowOf(await this.plan({ [call]: inputs }, withModuleCopies(state, BASE, [call], false)), `module.${call}`, this.schemas)]);
        } catch (error) {
          results.push([name, { error: error instanceof Error ? error.message : String(error) }]);
        }
      }
    } else if (rest.length > 0) {
      const calls = Object.fromEntries(rest.map(([, call, inputs]) => [call, inputs]));
      try {
        const plan = await this.plan(calls, withModuleCopies(state, BASE, Object.keys(calls), false));
        results.push(...rest.map(([name, call]) => [name, rowOf(plan, `module.${call}`, this.schemas)] as const));
      } catch (error) {
        results.push(...(await this.planApart(rest, state, error)));
      }
    }
    return results;
  }

  dispose(): void {
    this.workspace.dispose();
  }

  /** `terraform plan -refresh=false` of the module calls `calls` against `state`, read back as JSON. */
  private async plan(calls: Record<string, object>, state: StateFile | undefined): Promise<PlanJson> {
    const dir = `plan-${++this.runs}`;
    const target = path.join(this.workspace.root, dir);
    mkdirSync(target);
    for (const shared of [".terraform", ".terraform.lock.hcl"]) symlinkSync(path.join(this.workspace.root, "init", shared), path.join(target, shared));
    writeFileSync(path.join(target, "main.tf.json"), JSON.stringify(offlineCalls(`../${MODULE}`, calls)));
    if (state) writeFileSync(path.join(target, "terraform.tfstate"), JSON.stringify(state));
    await this.workspace.runOrThrow(dir, ["plan", "-refresh=false", "-input=false", "-no-color", "-out=plan.bin"]);
    const shown = await this.workspace.runOrThrow(dir, ["show", "-json", "plan.bin"]);
    return JSON.parse(shown.stdout) as PlanJson;
  }
}

function callName(index: number): string {
  return `row_${index}`;
}

function rowOf(plan: PlanJson, module: string, schemas: ResourceSchemas): PlannedRow {
  const changes = new Map<string, ResourceChange>();
  for (const change of plan.resource_changes ?? []) {
    if (change.module_address === module && change.mode === "managed") changes.set(change.address.slice(module.length + 1), change);
  }
  return { summary: summarise(plan, module, schemas), changes };
}
