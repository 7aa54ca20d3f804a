// What `terraform plan` shows a user who switches from the original module to ours: resources
// added and removed, and, for resources in both, the attributes whose configuration differs.
import { isDeepStrictEqual } from "util";

type Blocks = Record<string, Record<string, Record<string, unknown>>>;

export interface AddressChange {
  readonly change: "added" | "removed" | "updated";
  /** For updates: the attributes that differ, sorted. */
  readonly attributes: readonly string[];
}

/** Keys that are not resource arguments. */
const META = new Set(["//", "lifecycle"]);

export function migrationDiff(original: Blocks, ours: Blocks): Map<string, AddressChange> {
  const changes = new Map<string, AddressChange>();
  const addresses = (blocks: Blocks) =>
    new Set(Object.entries(blocks).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`)));
  const before = addresses(original);
  const after = addresses(ours);
  for (const address of [...new Set([...before, ...after])].sort()) {
    const [type, name] = address.split(".");
    if (!after.has(address)) changes.set(address, { change: "removed", attributes: [] });
    else if (!before.has(address)) changes.set(address, { change: "added", attributes: [] });
    else {
      const was = original[type][name];
      const now = ours[type][name];
      const ignored = new Set((now.lifecycle as { ignore_changes?: string[] } | undefined)?.ignore_changes ?? []);
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
