// A Terraform state (format version 4) made from a plan, as if it had been applied: every planned
// value as planned, and every value known only after apply made up, of the type the provider's
// schema gives and in the shape AWS would give it (an instance id "i-...", an ARN "arn:aws:...").
// Made-up values depend only on the resource's address, so they are the same in every state made
// from the same plan. A plain reference from one resource to another's computed attribute (a
// listener rule's target group ARN) gets that attribute's made-up value (fake-references.ts); for
// what is computed from such values, `settle` writes what a plan of the same configuration against
// this state computes, until that plan changes nothing.
import { randomUUID } from "crypto";
import { MadeInstance, resolvePlainReferences } from "./fake-references";
import { Identity, identityOf, madeValue } from "./fake-values";
import { ConfigModule, PlanJson, ResourceChange, schemaVersions } from "./plan-json";
import { blockType, CtyType, SchemaBlock } from "./provider-schema";

export interface StateInstance {
  readonly index_key?: string | number;
  readonly schema_version: number;
  attributes: Record<string, unknown>;
  readonly sensitive_attributes: unknown[];
  readonly dependencies?: string[];
}

export interface StateResource {
  readonly module?: string;
  readonly mode: "managed";
  readonly type: string;
  readonly name: string;
  readonly each?: "list" | "map";
  readonly provider: string;
  readonly instances: StateInstance[];
}

export interface StateFile {
  readonly version: 4;
  readonly terraform_version: string;
  readonly serial: number;
  readonly lineage: string;
  readonly outputs: Record<string, never>;
  readonly resources: StateResource[];
}

/** Resource schemas by type, as in `terraform providers schema -json`. */
export type ResourceSchemas = Record<string, { readonly block: SchemaBlock }>;

const PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]';

/** The state a plan that only creates would leave behind. */
export function stateFromPlan(plan: PlanJson, schemas: ResourceSchemas): StateFile {
  const versions = schemaVersions(plan);
  const dependencies = configDependencies(plan.configuration?.root_module);
  const resources = new Map<string, StateResource>();
  const made: MadeInstance[] = [];
  for (const change of plan.resource_changes ?? []) {
    if (change.mode !== "managed") continue;
    if (change.change.actions.join() !== "create") {
      throw new Error(`${change.address}: a state is made from a plan that only creates, and this one plans ${change.change.actions.join(", ")}`);
    }
    const key = resourceAddress(change.module_address, change.type, change.name);
    let resource = resources.get(key);
    if (!resource) {
      resource = {
        ...(change.module_address ? { module: change.module_address } : {}),
        mode: "managed",
        type: change.type,
        name: change.name,
        ...(change.index === undefined ? {} : { each: typeof change.index === "string" ? ("map" as const) : ("list" as const) }),
        provider: PROVIDER,
        instances: [],
      };
      resources.set(key, resource);
    }
    const attributes = appliedValues(change, schemas, undefined);
    resource.instances.push({
      ...(change.index === undefined ? {} : { index_key: change.index }),
      schema_version: versions.get(change.address) ?? 0,
      attributes,
      sensitive_attributes: [],
      dependencies: dependencies.get(key) ?? [],
    });
    const modulePrefix = change.module_address ? `${change.module_address}.` : "";
    made.push({ address: change.address, modulePrefix, resource: `${change.type}.${change.name}`, index: change.index, attributes, unknown: change.change.after_unknown });
  }
  resolvePlainReferences(made, plan.configuration?.root_module);
  return {
    version: 4,
    terraform_version: plan.terraform_version,
    serial: 1,
    lineage: randomUUID(),
    outputs: {},
    resources: [...resources.values()],
  };
}

/**
 * Writes into `state` what `plan` (the same configuration, planned against it) would apply to each
 * resource it updates or replaces: the planned values, and for what stays unknown the state's own
 * value (an id keeps its made-up value). Only the resources of `module` (`module.<call>`, or the
 * root when undefined) are read. Returns how many resources it rewrote.
 */
export function settle(state: StateFile, plan: PlanJson, schemas: ResourceSchemas, module?: string): number {
  const instances = new Map<string, StateInstance>();
  for (const resource of state.resources) {
    const base = resourceAddress(resource.module, resource.type, resource.name);
    for (const instance of resource.instances) {
      instances.set(instance.index_key === undefined ? base : `${base}[${JSON.stringify(instance.index_key)}]`, instance);
    }
  }
  let rewritten = 0;
  for (const change of plan.resource_changes ?? []) {
    const actions = change.change.actions.join();
    if (change.mode !== "managed" || actions === "no-op" || change.module_address !== module) continue;
    const instance = instances.get(change.address);
    if (!instance || change.change.after === null) {
      throw new Error(`${change.address}: the configuration a state was made from plans ${actions} on it`);
    }
    instance.attributes = appliedValues(change, schemas, instance.attributes);
    rewritten += 1;
  }
  return rewritten;
}

/** The resources `state` holds in the module calls `keep`, and for each [from, to] a copy of module call `from`'s resources as module call `to`. */
export function copyModules(state: StateFile, copies: ReadonlyArray<readonly [from: string, to: string]>, keep: readonly string[]): StateFile {
  const of = (call: string) => state.resources.filter((resource) => resource.module === `module.${call}`);
  const moved = (address: string, from: string, to: string) => `module.${to}.${address.slice(`module.${from}.`.length)}`;
  return {
    ...state,
    resources: [
      ...keep.flatMap(of),
      ...copies.flatMap(([from, to]) =>
        of(from).map((resource) => ({
          ...resource,
          module: `module.${to}`,
          instances: resource.instances.map((instance) => ({ ...instance, dependencies: instance.dependencies?.map((d) => moved(d, from, to)) })),
        })),
      ),
    ],
  };
}

function resourceAddress(module: string | undefined, type: string, name: string): string {
  return module ? `${module}.${type}.${name}` : `${type}.${name}`;
}

/** The planned values of `change`, each unknown one taken from `previous` or else made up. */
function appliedValues(change: ResourceChange, schemas: ResourceSchemas, previous: Record<string, unknown> | undefined): Record<string, unknown> {
  const schema = schemas[change.type];
  if (!schema) throw new Error(`${change.address}: the provider's schema has no resource type ${change.type}`);
  const identity = identityOf(change.type, change.address);
  return fill(change.change.after, change.change.after_unknown, blockType(schema.block), "", identity, previous) as Record<string, unknown>;
}

function fill(value: unknown, unknown: unknown, type: CtyType, name: string, identity: Identity, previous: unknown): unknown {
  if (unknown === true) return previous ?? madeValue(type, name, identity);
  if (value === null || value === undefined) return value ?? null;
  if (!Array.isArray(type)) return value;
  const [kind, inner] = type as readonly [string, unknown];
  if (kind === "object" && isObject(value)) {
    const members = inner as Record<string, CtyType>;
    const out: Record<string, unknown> = {};
    for (const [key, memberType] of Object.entries(members)) {
      out[key] = fill(value[key], at(unknown, key), memberType, key, identity, at(previous, key));
    }
    return out;
  }
  if ((kind === "list" || kind === "set") && Array.isArray(value)) {
    return value.map((element, i) => fill(element, at(unknown, i), inner as CtyType, name, identity, at(previous, i)));
  }
  if (kind === "map" && isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, element]) => [key, fill(element, at(unknown, key), inner as CtyType, name, identity, at(previous, key))]));
  }
  return value;
}

function at(value: unknown, key: string | number): unknown {
  return value !== null && typeof value === "object" ? (value as Record<string | number, unknown>)[key] : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `[module.<call>.]type.name` of each managed resource -> the managed resources (of its module) its configuration refers to. */
function configDependencies(root: ConfigModule | undefined): Map<string, string[]> {
  const result = new Map<string, string[]>();
  const visitModule = (module: ConfigModule | undefined, prefix: string): void => {
    const resources = module?.resources ?? [];
    const managed = new Set(resources.filter((r) => r.mode === "managed").map((r) => r.address));
    for (const resource of resources) {
      if (resource.mode !== "managed") continue;
      const found = new Set<string>();
      const visit = (node: unknown): void => {
        if (Array.isArray(node)) node.forEach(visit);
        else if (isObject(node)) {
          for (const [key, value] of Object.entries(node)) {
            if (key === "references" && Array.isArray(value)) {
              for (const reference of value) {
                const target = /^(aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)/.exec(String(reference))?.[1];
                if (target && managed.has(target) && target !== resource.address) found.add(target);
              }
            } else visit(value);
          }
        }
      };
      visit(resource.expressions);
      for (const target of resource.depends_on ?? []) if (managed.has(target)) found.add(target);
      result.set(`${prefix}${resource.address}`, [...found].sort().map((target) => `${prefix}${target}`));
    }
    for (const [call, { module: child }] of Object.entries(module?.module_calls ?? {})) visitModule(child, `${prefix}module.${call}.`);
  };
  visitModule(root, "");
  return result;
}
