// Plans changes of a module's inputs against a state, with the real AWS provider, offline. Unlike a
// mock provider, the real one says which changes replace a resource and which update it in place.
//
// 1. The module becomes an offline module (helpers/offline-root.ts: AWS look-ups as locals), called
//    from roots that configure the provider with placeholder credentials and no account look-up.
// 2. Each base (the inputs a row starts from) is "applied": planned as a module call `base_<n>` on
//    an empty state, the plan written as a state with made-up ids (helpers/fake-state.ts), then
//    planned again against that state and the values computed from references written in, until a
//    plan changes nothing.
// 3. Each row's inputs are a module call of their own, against a copy of its base's state, and
//    `terraform plan -refresh=false` plans them all at once: a plan's fixed cost (terraform and the
//    700 MB provider starting, the schema) is paid per plan, not per row. The rows are split into
//    PARALLEL_PLANS plans that run side by side, the bases beside them as the check that their
//    states were settled; `show -json` reads them back through one shared provider process.
import { mkdirSync, symlinkSync, writeFileSync } from "fs";
import { availableParallelism } from "os";
import * as path from "path";
import { copyModules, ResourceSchemas, settle, StateFile, stateFromPlan } from "./fake-state";
import { offlineCalls, offlineModule } from "./offline-root";
import { PlanJson, PlanSummary, ResourceChange, summarise } from "./plan-json";
import { TerraformWorkspace } from "./terraform-workspace";

/** A plan keeps about one core busy (terraform and one provider process); more at once only queue on 2 cores. */
const PARALLEL_PLANS = Math.max(1, Math.min(2, availableParallelism()));

/** Plans of a base against its own state, each resolving one more level of references; two are enough today. */
const MAX_SETTLE_PASSES = 4;

const MODULE = "module";

export interface ChangeRow {
  /** The inputs applied to the state. */
  readonly base: object;
  /** The inputs planned against it. */
  readonly inputs: object;
}

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
  /** Plans of the bases against their own states it took until one changed nothing. */
  readonly settlePasses: number;
  readonly rows: Readonly<Record<string, PlannedRow | FailedRow>>;
}

/** Applies each row's base to a state (once per distinct base), then plans every row's inputs against its base's state. */
export async function planChanges(moduleDir: string, rows: Readonly<Record<string, ChangeRow>>): Promise<ChangePlans> {
  const bases = [...new Set(Object.values(rows).map((row) => JSON.stringify(row.base)))];
  const planned: PlannedCall[] = Object.entries(rows).map(([name, row], i) => ({
    name,
    call: `row_${i}`,
    base: `base_${bases.indexOf(JSON.stringify(row.base))}`,
    inputs: row.inputs,
  }));
  const baseCalls = Object.fromEntries(bases.map((text, i) => [`base_${i}`, JSON.parse(text) as object]));
  const planner = await ChangePlanner.create(moduleDir, [...Object.keys(baseCalls), ...planned.map((p) => p.call)]);
  try {
    return await planner.planAll(baseCalls, planned);
  } finally {
    planner.dispose();
  }
}

interface PlannedCall {
  readonly name: string;
  readonly call: string;
  readonly base: string;
  readonly inputs: object;
}

class ChangePlanner {
  private runs = 0;

  private constructor(
    private readonly workspace: TerraformWorkspace,
    private readonly schemas: ResourceSchemas,
  ) {}

  /** Writes the offline module, initialises a root that makes every module call a later plan may make, and reads the provider's schemas. */
  static async create(moduleDir: string, calls: readonly string[]): Promise<ChangePlanner> {
    const workspace = TerraformWorkspace.create();
    try {
      mkdirSync(path.join(workspace.root, MODULE));
      writeFileSync(path.join(workspace.root, MODULE, "main.tf.json"), JSON.stringify(offlineModule(moduleDir)));
      workspace.copy(path.join(moduleDir, "assets"), path.join(MODULE, "assets"));
      // init records the module calls; each plan's root holds some of them and shares init's .terraform
      mkdirSync(path.join(workspace.root, "init"));
      writeFileSync(path.join(workspace.root, "init", "main.tf.json"), JSON.stringify(offlineCalls(`../${MODULE}`, Object.fromEntries(calls.map((c) => [c, {}])))));
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
   * Makes the states the bases leave behind: a plan on an empty state written as applied, then one
   * plan against it whose computed values are written in. The rows are then planned against copies
   * of those states, and the bases again beside them: should a base still plan a change (a
   * reference through a reference), that is written in too and the rows planned again.
   */
  async planAll(bases: Readonly<Record<string, object>>, rows: readonly PlannedCall[]): Promise<ChangePlans> {
    const state = stateFromPlan(await this.plan(bases, undefined), this.schemas);
    this.settleBases(state, await this.plan(bases, state), bases);
    const groups = Array.from({ length: Math.min(PARALLEL_PLANS, rows.length) }, (_, g) => rows.filter((_, i) => i % PARALLEL_PLANS === g));
    let check: PlanJson | undefined;
    for (let pass = 2; pass <= MAX_SETTLE_PASSES; pass++) {
      const plans = await Promise.allSettled(groups.map((group, g) => this.planRows(group, state, g === 0 ? bases : {})));
      check = plans[0]?.status === "fulfilled" ? plans[0].value : await this.plan(bases, state);
      if (this.settleBases(state, check, bases) > 0) continue;
      const planned = await Promise.all(
        groups.map(async (group, g) => {
          const result = plans[g];
          if (result.status === "fulfilled") return group.map((row) => [row.name, rowOf(result.value, `module.${row.call}`, this.schemas)] as const);
          return this.planApart(group, state, result.reason);
        }),
      );
      return { settlePasses: pass, rows: Object.fromEntries(planned.flat()) };
    }
    const left = Object.keys(bases).map((call) => summarise(check!, `module.${call}`, this.schemas));
    throw new Error(`the bases still plan changes against their own states after ${MAX_SETTLE_PASSES} passes:\n${JSON.stringify(left, null, 2)}`);
  }

  dispose(): void {
    this.workspace.dispose();
  }

  private settleBases(state: StateFile, plan: PlanJson, bases: Readonly<Record<string, object>>): number {
    return Object.keys(bases).reduce((sum, call) => sum + settle(state, plan, this.schemas, `module.${call}`), 0);
  }

  /** The rows' calls against copies of their bases' states, and `alongside` (base calls) against the state itself. */
  private planRows(rows: readonly PlannedCall[], state: StateFile, alongside: Readonly<Record<string, object>>): Promise<PlanJson> {
    const calls = { ...alongside, ...Object.fromEntries(rows.map((row) => [row.call, row.inputs])) };
    const copies = rows.map((row) => [row.base, row.call] as const);
    return this.plan(calls, copyModules(state, copies, Object.keys(alongside)));
  }

  /**
   * After a plan of several rows failed: the rows terraform's message names (`module.row_3`) fail
   * with it, and the others are planned again without them; a failure that names no row is found
   * by planning the rows one by one.
   */
  private async planApart(rows: readonly PlannedCall[], state: StateFile, failure: unknown): Promise<Array<readonly [string, PlannedRow | FailedRow]>> {
    const message = failure instanceof Error ? failure.message : String(failure);
    const named = new Set([...message.matchAll(/module[. ]"?(row_\d+)\b/g)].map((m) => m[1]));
    const failed = rows.filter((row) => named.has(row.call));
    const rest = rows.filter((row) => !named.has(row.call));
    const results: Array<readonly [string, PlannedRow | FailedRow]> = failed.map((row) => [row.name, { error: message }]);
    if (failed.length === 0) {
      for (const row of rows) {
        try {
          results.push([row.name, rowOf(await this.planRows([row], state, {}), `module.${row.call}`, this.schemas)]);
        } catch (error) {
          results.push([row.name, { error: error instanceof Error ? error.message : String(error) }]);
        }
      }
    } else if (rest.length > 0) {
      try {
        const plan = await this.planRows(rest, state, {});
        results.push(...rest.map((row) => [row.name, rowOf(plan, `module.${row.call}`, this.schemas)] as const));
      } catch (error) {
        results.push(...(await this.planApart(rest, state, error)));
      }
    }
    return results;
  }

  /** `terraform plan -refresh=false` of the module calls `calls` against `state`, read back as JSON. */
  private async plan(calls: Readonly<Record<string, object>>, state: StateFile | undefined): Promise<PlanJson> {
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

function rowOf(plan: PlanJson, module: string, schemas: ResourceSchemas): PlannedRow {
  const changes = new Map<string, ResourceChange>();
  for (const change of plan.resource_changes ?? []) {
    if (change.module_address === module && change.mode === "managed") changes.set(change.address.slice(module.length + 1), change);
  }
  return { summary: summarise(plan, module, schemas), changes };
}
