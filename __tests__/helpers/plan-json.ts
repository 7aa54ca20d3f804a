// The parts of `terraform show -json <plan>` the change tests read, and a short summary of a plan:
// per resource that changes, its actions, the attributes that force its replacement, and the
// attributes that change.
import { blockType, CtyType, SchemaBlock } from "./provider-schema";

export interface ResourceChange {
  readonly address: string;
  /** `module.<call>` for a resource of a module call; absent at the root. */
  readonly module_address?: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  readonly index?: string | number;
  readonly action_reason?: string;
  readonly change: {
    readonly actions: string[];
    readonly before: unknown;
    readonly after: unknown;
    readonly after_unknown: unknown;
    readonly replace_paths?: Array<Array<string | number>>;
  };
}

export interface ConfigResource {
  readonly address: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  readonly expressions?: Record<string, unknown>;
  readonly depends_on?: string[];
}

export interface ConfigModule {
  readonly resources?: ConfigResource[];
  readonly module_calls?: Record<string, { readonly module: ConfigModule }>;
}

interface PlannedModule {
  readonly resources?: Array<{ readonly address: string; readonly schema_version: number }>;
  readonly child_modules?: PlannedModule[];
}

export interface PlanJson {
  readonly terraform_version: string;
  readonly resource_changes?: ResourceChange[];
  readonly planned_values?: { readonly root_module: PlannedModule };
  readonly configuration?: { readonly root_module: ConfigModule };
}

/** Every planned resource instance's schema version, by address. */
export function schemaVersions(plan: PlanJson): Map<string, number> {
  const versions = new Map<string, number>();
  const visit = (module: PlannedModule | undefined): void => {
    for (const resource of module?.resources ?? []) versions.set(resource.address, resource.schema_version);
    module?.child_modules?.forEach(visit);
  };
  visit(plan.planned_values?.root_module);
  return versions;
}

/** What a plan does to one resource. */
export interface PlannedChange {
  /** Terraform's actions: ["create"], ["update"], ["delete"], ["create", "delete"] (a replacement, new one first), ["delete", "create"]. */
  readonly actions: string[];
  /** The attributes that force the replacement (`replace_paths`), e.g. "port", "root_block_device[0].volume_size". */
  readonly replacedBy: string[];
  /**
   * For an update: every attribute whose value changes or becomes known only at apply. For a
   * replacement: every attribute the configuration changes (not the new resource's computed ones).
   */
  readonly changed: string[];
}

/** A plan's changes by address; resources it leaves as they are (no-op) and data sources are left out. */
export type PlanSummary = Record<string, PlannedChange>;

/**
 * The changes of the resources under `module` (`module.<call>`, or undefined for the root), by their
 * address in it. `schemas` (the provider's resource schemas) tell a set from a list, so a set whose
 * elements only moved is no change, and a changed element is named `[*]`.
 */
export function summarise(plan: PlanJson, module: string | undefined, schemas: Record<string, { readonly block: SchemaBlock }>): PlanSummary {
  const summary: PlanSummary = {};
  for (const { address: full, module_address, mode, type, change } of plan.resource_changes ?? []) {
    if (module_address !== module || mode !== "managed" || change.actions.join() === "no-op") continue;
    const address = module ? full.slice(module.length + 1) : full;
    const isChange = change.before !== null && change.after !== null;
    const isReplacement = change.actions.includes("create") && change.actions.includes("delete");
    const schema = schemas[type];
    const resourceType = schema && blockType(schema.block);
    const changed = !isChange
      ? []
      : isReplacement
        ? changedPaths(change.before, knownOrBefore(change.after, change.after_unknown, change.before), undefined, resourceType)
        : changedPaths(change.before, change.after, change.after_unknown, resourceType);
    summary[address] = { actions: change.actions, replacedBy: (change.replace_paths ?? []).map(formatPath).sort(), changed: [...new Set(changed)].sort() };
  }
  return summary;
}

export function formatPath(path: ReadonlyArray<string | number>): string {
  return path.map((step, i) => (typeof step === "number" ? `[${step}]` : step === SET_ELEMENT ? "[*]" : i === 0 ? step : `.${step}`)).join("");
}

const SET_ELEMENT = "\u0000*";

/**
 * Paths (as formatPath writes them) where `after` differs from `before` or is unknown until apply.
 * An unset value and its zero value ("", 0, false, an empty collection) are the same: an attribute
 * the configuration leaves unset reads back from AWS as its zero value, which a state made from a
 * plan cannot know.
 */
export function changedPaths(before: unknown, after: unknown, unknown: unknown, type?: CtyType, at: Array<string | number> = []): string[] {
  if (unknown === true) return [formatPath(at)];
  if (sameValue(before, after) && !hasUnknown(unknown)) return [];
  const [kind, inner] = Array.isArray(type) ? (type as readonly [string, unknown]) : [undefined, undefined];
  if (Array.isArray(before) && Array.isArray(after)) {
    if (kind === "set") return changedSetElements(before, after, unknown, inner as CtyType, at);
    if (before.length !== after.length) return [formatPath(at)];
    return after.flatMap((value, i) => changedPaths(before[i], value, child(unknown, i), inner as CtyType | undefined, [...at, i]));
  }
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(isObject(unknown) ? unknown : {})]);
    const member = (key: string) => (kind === "object" ? (inner as Record<string, CtyType>)[key] : kind === "map" ? (inner as CtyType) : undefined);
    return [...keys].flatMap((key) => changedPaths(before[key], after[key], child(unknown, key), member(key), [...at, key]));
  }
  return [formatPath(at)];
}

/** A set's changed elements: those equal in both are matched first, then each other one with the element it differs least from. */
function changedSetElements(before: unknown[], after: unknown[], unknown: unknown, element: CtyType, at: Array<string | number>): string[] {
  const left = before.map((_, j) => j);
  const changed: number[] = [];
  after.forEach((value, i) => {
    const same = hasUnknown(child(unknown, i)) ? -1 : left.findIndex((j) => sameValue(before[j], value));
    if (same >= 0) left.splice(same, 1);
    else changed.push(i);
  });
  if (changed.length !== left.length) return [formatPath(at)];
  return changed.flatMap((i) => {
    const diffs = left.map((j) => changedPaths(before[j], after[i], child(unknown, i), element, [...at, SET_ELEMENT]));
    const best = diffs.reduce((b, d, k) => (d.length < diffs[b].length ? k : b), 0);
    left.splice(best, 1);
    return diffs[best];
  });
}

/** `after` with what is unknown in it taken from `before`. */
function knownOrBefore(after: unknown, unknown: unknown, before: unknown): unknown {
  if (unknown === true) return before;
  if (Array.isArray(after)) return after.map((value, i) => knownOrBefore(value, child(unknown, i), child(before, i)));
  if (isObject(after) || isObject(unknown)) {
    const keys = new Set([...Object.keys(isObject(after) ? after : {}), ...Object.keys(isObject(unknown) ? unknown : {})]);
    return Object.fromEntries([...keys].map((key) => [key, knownOrBefore(child(after, key), child(unknown, key), child(before, key))]));
  }
  return after;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (isZero(a) && isZero(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isObject(a) && isObject(b)) return [...new Set([...Object.keys(a), ...Object.keys(b)])].every((k) => sameValue(a[k], b[k]));
  return a === b;
}

function isZero(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    value === "" ||
    value === 0 ||
    value === false ||
    (Array.isArray(value) && value.length === 0) ||
    (isObject(value) && Object.keys(value).length === 0)
  );
}

function hasUnknown(unknown: unknown): boolean {
  if (unknown === true) return true;
  if (Array.isArray(unknown)) return unknown.some(hasUnknown);
  if (isObject(unknown)) return Object.values(unknown).some(hasUnknown);
  return false;
}

function child(value: unknown, key: string | number): unknown {
  return value !== null && typeof value === "object" ? (value as Record<string | number, unknown>)[key] : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
