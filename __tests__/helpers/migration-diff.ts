// What `terraform plan` shows a user who switches from the original module to ours, seen two ways:
// in the configurations (resources added and removed, and, for resources in both, the arguments
// whose expressions differ), and in two plans of the same inputs (instances added and removed, and
// the attributes whose planned values differ, which also catches a value that changed behind an
// unchanged expression, such as a local).
import { isDeepStrictEqual } from "util";
import type { ModulePlan } from "./offline-plan";

type Blocks = Record<string, Record<string, Record<string, unknown>>>;

export interface AddressChange {
  readonly change: "added" | "removed" | "updated";
  /** For updates: the attributes that differ, sorted. */
  readonly attributes: readonly string[];
}

/** Keys that are not resource arguments. */
const META = new Set(["//", "lifecycle"]);

/** `type.name` of every resource block. */
export const resourceAddresses = (blocks: Blocks): Set<string> =>
  new Set(Object.entries(blocks).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`)));

/** The arguments a resource's `lifecycle.ignore_changes` leaves out of every plan after the first. */
export function ignoredChanges(blocks: Blocks, address: string): ReadonlySet<string> {
  const [type, name] = address.split(".");
  return new Set((blocks[type]?.[name]?.lifecycle as { ignore_changes?: string[] } | undefined)?.ignore_changes ?? []);
}

export function migrationDiff(original: Blocks, ours: Blocks): Map<string, AddressChange> {
  const changes = new Map<string, AddressChange>();
  const before = resourceAddresses(original);
  const after = resourceAddresses(ours);
  for (const address of [...new Set([...before, ...after])].sort()) {
    const [type, name] = address.split(".");
    if (!after.has(address)) changes.set(address, { change: "removed", attributes: [] });
    else if (!before.has(address)) changes.set(address, { change: "added", attributes: [] });
    else {
      const was = original[type][name];
      const now = ours[type][name];
      const ignored = ignoredChanges(ours, address);
      const keys = new Set([...Object.keys(was), ...Object.keys(now)].filter((k) => !META.has(k) && !ignored.has(k)));
      // A `dynamic "x"` block counts as its block `x`.
      const attributes = [...keys]
        .filter((k) => !isDeepStrictEqual(was[k], now[k]))
        .flatMap((k) => (k === "dynamic" ? Object.keys({ ...(was.dynamic as object), ...(now.dynamic as object) }) : [k]))
        .sort();
      if (attributes.length > 0) changes.set(address, { change: "updated", attributes });
    }
  }
  return changes;
}

/**
 * The differences between the plans of the original module and ours for the same inputs, by
 * resource (`type.name`). A resource that only one configuration has is `added` or `removed`; for a
 * resource both have, instances that only one plan has count as a change of its `for_each` (or
 * `count`), and the attributes of common instances whose planned values (known or not) differ are
 * listed, except those ours ignores after creation (`lifecycle.ignore_changes`).
 */
export function planDiff(originalConfig: Blocks, ourConfig: Blocks, original: ModulePlan, ours: ModulePlan): Map<string, AddressChange> {
  const inOriginal = resourceAddresses(originalConfig);
  const inOurs = resourceAddresses(ourConfig);
  const differing = new Map<string, Set<string>>();
  const note = (resource: string, attribute: string) => differing.set(resource, (differing.get(resource) ?? new Set()).add(attribute));
  const repetition = (resource: string) => {
    const [type, name] = resource.split(".");
    return "count" in (ourConfig[type]?.[name] ?? originalConfig[type]?.[name] ?? {}) ? "count" : "for_each";
  };
  const changes = new Map<string, AddressChange>();
  for (const [address, now] of ours.instances) {
    const was = original.instances.get(address);
    if (!inOriginal.has(now.resource)) changes.set(now.resource, { change: "added", attributes: [] });
    else if (!was) note(now.resource, repetition(now.resource));
    else {
      const ignored = ignoredChanges(ourConfig, now.resource);
      const keys = new Set([...Object.keys(was.after), ...Object.keys(now.after), ...Object.keys(was.afterUnknown), ...Object.keys(now.afterUnknown)]);
      for (const key of keys) {
        if (ignored.has(key)) continue;
        if (!isDeepStrictEqual(was.after[key], now.after[key]) || !isDeepStrictEqual(was.afterUnknown[key], now.afterUnknown[key])) note(now.resource, key);
      }
    }
  }
  for (const [address, was] of original.instances) {
    if (ours.instances.has(address)) continue;
    if (!inOurs.has(was.resource)) changes.set(was.resource, { change: "removed", attributes: [] });
    else note(was.resource, repetition(was.resource));
  }
  for (const [resource, attributes] of differing) changes.set(resource, { change: "updated", attributes: [...attributes].sort() });
  return new Map([...changes].sort(([a], [b]) => a.localeCompare(b)));
}
