import { readFileSync } from "fs";
import * as path from "path";
import { MODULE_DIR } from "../src/module/module-files";
import { AddressChange, migrationDiff } from "./helpers/migration-diff";

const root = path.resolve(__dirname, "..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

/** Arguments whose change makes the provider replace the resource (AWS provider 5.x source). */
const FORCE_NEW: Record<string, readonly string[]> = {
  aws_instance: ["ami", "availability_zone", "subnet_id", "associate_public_ip_address"],
  aws_lb: ["name", "internal", "load_balancer_type"],
  aws_lb_target_group: ["name", "port", "protocol", "protocol_version", "target_type", "vpc_id"],
  aws_lb_listener: ["load_balancer_arn"],
  aws_apigatewayv2_api: ["protocol_type"],
  aws_iam_role_policy_attachment: ["policy_arn"],
};
/** What must never be replaced or stopped by the switch. */
const PROTECTED = ["aws_instance.llm", "aws_lb_target_group.llm_http", "aws_lb.llm", "aws_lb_listener.llm_http", "aws_apigatewayv2_api.llm_apigw"];

type Kind = "added" | "removed" | "updated in place" | "replaced";

/** A security group rule's source type (CIDR or security group) cannot change in place. */
function kindOf(address: string, change: AddressChange): Kind {
  if (change.change !== "updated") return change.change;
  const type = address.split(".")[0];
  const switchesSource = change.attributes.includes("cidr_ipv4") && change.attributes.includes("referenced_security_group_id");
  const forceNew = (FORCE_NEW[type] ?? []).some((a) => change.attributes.includes(a));
  return (type.startsWith("aws_vpc_security_group_") && switchesSource) || forceNew ? "replaced" : "updated in place";
}

interface Row {
  readonly change: Kind;
  readonly attributes: readonly string[];
  readonly replaced: boolean;
}

function documentedRows(): Map<string, Row> {
  const text = read("docs/MIGRATING.md");
  const table = text.slice(text.indexOf("<!-- migration-table:start -->"), text.indexOf("<!-- migration-table:end -->"));
  const rows = new Map<string, Row>();
  for (const line of table.split("\n").filter((l) => l.startsWith("| `"))) {
    const [address, change, attributes, replaced] = line.split("|").slice(1).map((cell) => cell.trim());
    rows.set(address.replace(/`/g, ""), {
      change: change as Kind,
      attributes: [...attributes.matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1]).sort(),
      replaced: replaced.startsWith("yes"),
    });
  }
  return rows;
}

describe("docs/MIGRATING.md matches the module", () => {
  // GIVEN the original module's resources and the committed module's
  const original = JSON.parse(read("__tests__/fixtures/original-module.tf.json")).resource;
  const ours = JSON.parse(read(path.join(MODULE_DIR, "main.tf.json"))).resource;
  // WHEN they are compared
  const diff = migrationDiff(original, ours);
  const documented = documentedRows();

  test("every changed address is documented with its change and attributes, and nothing else", () => {
    const actual = new Map([...diff].map(([address, c]) => [address, { change: kindOf(address, c), attributes: c.attributes }]));
    const claimed = new Map([...documented].map(([address, r]) => [address, { change: r.change, attributes: r.attributes }]));
    expect(Object.fromEntries(claimed)).toEqual(Object.fromEntries(actual));
  });

  test("the replaced column says yes exactly for replaced resources", () => {
    for (const [address, row] of documented) expect({ address, replaced: row.replaced }).toEqual({ address, replaced: row.change === "replaced" });
  });

  test("no model server, target group, load balancer, listener or API is replaced", () => {
    for (const address of PROTECTED) {
      const change = diff.get(address);
      if (change) expect({ address, kind: kindOf(address, change) }).toEqual({ address, kind: "updated in place" });
    }
    // The servers ignore the attributes that would stop or replace them: user data, AMI, and the
    // placement (the original's by position, ours by the model's key).
    expect(ours.aws_instance.llm.lifecycle.ignore_changes).toEqual(expect.arrayContaining(["user_data", "ami", "subnet_id", "availability_zone"]));
  });
});
