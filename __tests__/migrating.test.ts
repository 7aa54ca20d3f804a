import { readFileSync } from "fs";
import * as path from "path";
import { MODULE_DIR } from "../src/module/module-files";
import { migrationDiff } from "./helpers/migration-diff";
import { kindOf, migrationTable, undocumented } from "./helpers/migrating-table";

const root = path.resolve(__dirname, "..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

/** What must never be replaced or stopped by the switch. */
const PROTECTED = ["aws_instance.llm", "aws_lb_target_group.llm_http", "aws_lb.llm", "aws_lb_listener.llm_http", "aws_apigatewayv2_api.llm_apigw"];

describe("the original module's interface is ours", () => {
  const original = JSON.parse(read("__tests__/fixtures/original-module.tf.json"));
  const ours = JSON.parse(read(path.join(MODULE_DIR, "main.tf.json")));
  /** `list(object({a = string, b = optional(number, 1)}))` -> its attributes and their types. */
  const attributesOf = (type: string) => new Map([...type.matchAll(/(\w+)\s*=\s*((?:optional\([^)]*\))|\w+)/g)].map((m) => [m[1], m[2]]));

  test("every variable of the original is ours, required or with the same default, of the same type", () => {
    for (const [name, variable] of Object.entries<{ type: string; default?: unknown }>(original.variable)) {
      const mine = ours.variable[name];
      expect({ name, required: !("default" in mine), default: mine.default }).toEqual({ name, required: !("default" in variable), default: variable.default });
      if (name !== "llm_ec2_configs") expect({ name, type: mine.type }).toEqual({ name, type: variable.type });
    }
  });

  test("a model entry takes the original's attributes, of their types; every attribute it adds is optional", () => {
    const before = attributesOf(original.variable.llm_ec2_configs.type);
    const after = attributesOf(ours.variable.llm_ec2_configs.type);
    expect(before.size).toBe(5);
    for (const [attribute, type] of before) expect({ attribute, type: after.get(attribute) }).toEqual({ attribute, type });
    for (const [attribute, type] of after) if (!before.has(attribute)) expect({ attribute, type }).toEqual({ attribute, type: expect.stringMatching(/^optional\(/) });
  });

  test("every output of the original is ours", () => {
    expect(Object.keys(ours.output)).toEqual(expect.arrayContaining(Object.keys(original.output)));
  });
});

describe("docs/MIGRATING.md matches the module", () => {
  // GIVEN the original module's resources and the committed module's
  const original = JSON.parse(read("__tests__/fixtures/original-module.tf.json")).resource;
  const ours = JSON.parse(read(path.join(MODULE_DIR, "main.tf.json"))).resource;
  // WHEN they are compared
  const diff = migrationDiff(original, ours);
  const documented = migrationTable();

  // Plans of the same inputs hold the table against planned values too, and check that each row
  // names a difference one of them shows (default-plan.test.ts).
  test("every address whose configuration differs has a row of its kind, naming every attribute that differs", () => {
    expect(undocumented(diff, documented)).toEqual([]);
  });

  test("a row's change follows from its attributes, and the replaced column says yes exactly for replaced resources", () => {
    for (const [address, row] of documented) {
      const implied = row.change === "added" || row.change === "removed" ? row.change : kindOf(address, { change: "updated", attributes: row.attributes });
      expect({ address, change: row.change, replaced: row.replaced }).toEqual({ address, change: implied, replaced: implied === "replaced" });
    }
  });

  test("no model server, target group, load balancer, listener or API is replaced", () => {
    // The rows cover every difference, of the configurations and of the plans, so their kind is the one to hold.
    for (const address of PROTECTED) {
      const row = documented.get(address);
      if (row) expect({ address, kind: row.change }).toEqual({ address, kind: "updated in place" });
    }
    // The servers ignore the attributes that would stop or replace them: user data, AMI, and the
    // placement (the original's by position, ours by the model's key).
    expect(ours.aws_instance.llm.lifecycle.ignore_changes).toEqual(expect.arrayContaining(["user_data", "ami", "subnet_id", "availability_zone"]));
  });
});
