// docs/MIGRATING.md's table: what an upgrading caller's plan shows, one row per resource. It is the
// one list of deliberate differences from the original module: migrating.test.ts holds it against
// the two configurations, default-plan.test.ts against plans of the same inputs. A new difference
// is a new row (or a new attribute in a row), nothing else.
import { readFileSync } from "fs";
import * as path from "path";
import { AddressChange } from "./migration-diff";

export const MIGRATING_FILE = path.resolve(__dirname, "..", "..", "docs", "MIGRATING.md");

export type Kind = "added" | "removed" | "updated in place" | "replaced";

export interface MigrationRow {
  readonly change: Kind;
  /** The attributes the row names, sorted. */
  readonly attributes: readonly string[];
  /** The "replaced" column says yes. */
  readonly replaced: boolean;
  /** The "with default inputs" column, as written: whether a plan with the original's inputs shows the row. */
  readonly withDefaultInputs: string;
}

/** Arguments whose change makes the provider replace the resource (AWS provider 5.x source). */
const FORCE_NEW: Record<string, readonly string[]> = {
  aws_instance: ["ami", "availability_zone", "subnet_id", "associate_public_ip_address"],
  aws_lb: ["name", "internal", "load_balancer_type"],
  aws_lb_target_group: ["name", "port", "protocol", "protocol_version", "target_type", "vpc_id"],
  aws_lb_listener: ["load_balancer_arn"],
  aws_lb_listener_rule: ["listener_arn"],
  aws_apigatewayv2_api: ["protocol_type"],
  aws_iam_role_policy_attachment: ["policy_arn"],
};

/** How the provider applies a difference: a security group rule's source type (CIDR or security group) cannot change in place. */
export function kindOf(address: string, change: AddressChange): Kind {
  if (change.change !== "updated") return change.change;
  const type = address.split(".")[0];
  const switchesSource = change.attributes.includes("cidr_ipv4") && change.attributes.includes("referenced_security_group_id");
  const forceNew = (FORCE_NEW[type] ?? []).some((a) => change.attributes.includes(a));
  return (type.startsWith("aws_vpc_security_group_") && switchesSource) || forceNew ? "replaced" : "updated in place";
}

export function migrationTable(file: string = MIGRATING_FILE): Map<string, MigrationRow> {
  const text = readFileSync(file, "utf8");
  const start = text.indexOf("<!-- migration-table:start -->");
  const end = text.indexOf("<!-- migration-table:end -->");
  if (start < 0 || end < start) throw new Error(`${file} has no <!-- migration-table:start --> ... <!-- migration-table:end --> section`);
  const rows = new Map<string, MigrationRow>();
  for (const line of text.slice(start, end).split("\n").filter((l) => l.startsWith("| `"))) {
    const [address, change, attributes, replaced, withDefaultInputs] = line.split("|").slice(1).map((cell) => cell.trim());
    const key = address.replace(/`/g, "");
    if (rows.has(key)) throw new Error(`${file}: two rows for ${key}`);
    rows.set(key, {
      change: change as Kind,
      attributes: [...attributes.matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1]).sort(),
      replaced: replaced.startsWith("yes"),
      withDefaultInputs,
    });
  }
  return rows;
}

/**
 * Every way `differences` (configuration or plan, by resource) goes beyond the table: a resource
 * without a row, a row of another kind, an attribute the row does not name. Empty when the table
 * covers them all.
 */
export function undocumented(differences: ReadonlyMap<string, AddressChange>, table: ReadonlyMap<string, MigrationRow>): string[] {
  const problems: string[] = [];
  for (const [address, difference] of differences) {
    const row = table.get(address);
    const shown = difference.change === "updated" ? `${kindOf(address, difference)} (${difference.attributes.join(", ")})` : difference.change;
    if (!row) {
      problems.push(`${address}: ${shown}, and docs/MIGRATING.md has no row for it`);
      continue;
    }
    if (kindOf(address, difference) !== row.change && !(row.change === "replaced" && difference.change === "updated")) {
      problems.push(`${address}: ${shown}, but docs/MIGRATING.md says ${row.change}`);
    }
    const extra = difference.attributes.filter((a) => !row.attributes.includes(a));
    if (extra.length > 0) problems.push(`${address}: ${extra.join(", ")} differ${extra.length === 1 ? "s" : ""}, but docs/MIGRATING.md's row names only ${row.attributes.join(", ") || "no attribute"}`);
  }
  return problems;
}
