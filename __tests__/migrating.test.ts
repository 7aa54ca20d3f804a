import { readFileSync } from "fs";
import * as path from "path";
import { MODULE_DIR } from "../src/module/module-files";
import { migrationDiff } from "./helpers/migration-diff";
import { kindOf, migrationTable, undocumented } from "./helpers/migrating-table";

const root = path.resolve(__dirname, "..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

/** What must never be replaced or stopped by the switch. */
const PROTECTED = ["aws_instance.llm", "aws_lb_target_group.llm_http", "aws_lb.llm", "aws_lb_listener.llm_http", "aws_apigatewayv2_api.llm_apigw"];

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
    // The servers ignore the two attributes that would stop or replace them.
    expect(ours.aws_instance.llm.lifecycle.ignore_changes).toEqual(expect.arrayContaining(["user_data", "ami"]));
  });
});
