// The plan-time check that each instance type in use is offered where its servers launch: its
// condition and message, evaluated by terraform console on the committed module's expressions with
// the look-up's answer given (the module's .tftest.hcl suite plans it with mocked answers).
import { readFileSync } from "fs";
import * as path from "path";
import { INSTANCE_TYPE_ZONES_LOCAL, OFFERINGS_DATA } from "../src/constructs/instance-type-offerings";
import { MODULE_DIR } from "../src/module/module-files";
import { TerraformJson } from "./helpers/synth";
import { describeWithTerraform, evaluate } from "./helpers/terraform";
import { NETWORK_INPUTS } from "./helpers/network-inputs";

const json = JSON.parse(readFileSync(path.resolve(__dirname, "..", MODULE_DIR, "main.tf.json"), "utf8")) as TerraformJson;
const offerings = (json.data as Record<string, Record<string, Record<string, unknown>>>).aws_ec2_instance_type_offerings[OFFERINGS_DATA];
const postcondition = (offerings.lifecycle as { postcondition: Array<{ condition: string; error_message: string }> }).postcondition[0];

const INPUTS = {
  prefix: "acme",
  ...NETWORK_INPUTS,
  llm_ec2_configs: [
    { llm_model: "llama3.1:8b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 100, app_port: 11434 },
    { llm_model: "llama3.1:70b", instance_type: "g6e.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
    { llm_model: "qwen2.5:7b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 100, app_port: 11434, server_mode: "asg" },
  ],
};

/** The check for one type, with the zones the region's look-up answered. */
function check(type: string, offeredIn: readonly string[], regionZones: readonly string[] = ["ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"]) {
  return evaluate(json, {
    variables: INPUTS,
    expressions: { ok: postcondition.condition, message: postcondition.error_message },
    replace: {
      "each.key": JSON.stringify(type),
      "self.locations": JSON.stringify(offeredIn),
      "data.aws_availability_zones.zones.names": JSON.stringify(regionZones),
    },
  }) as { ok: boolean; message: string };
}

describeWithTerraform("instance type offerings at plan", () => {
  test("one look-up per distinct type, by availability zone", () => {
    expect(offerings.for_each).toBe(`\${toset(keys(local.${INSTANCE_TYPE_ZONES_LOCAL}))}`);
    expect(offerings.location_type).toBe("availability-zone");
    expect(offerings.filter).toEqual([{ name: "instance-type", values: ["${each.key}"] }]);
  });

  test("offered in the zones the servers use (an instance's own; every zone of the subnets for a group): the plan goes on", () => {
    const zones = NETWORK_INPUTS.azs;
    expect(check("g6e.xlarge", [zones[1]]).ok).toBe(true);
    expect(check("g5.xlarge", zones).ok).toBe(true);
  });

  test("missing from a zone a server needs: refused, naming the type, its models, the zones without it and those that offer it", () => {
    const zones = NETWORK_INPUTS.azs;
    const instance = check("g6e.xlarge", [zones[0]]);
    expect(instance.ok).toBe(false);
    expect(instance.message).toBe(
      `[instance-type-offered] g6e.xlarge (the instance type of llama3.1:70b) is not offered in ${zones[1]}, where its servers would launch; ` +
        `zones of this region that offer it: ${zones[0]}. Fix: give those models subnets (azs, subnet_ids) in zones that offer it, or another ` +
        "instance type (npm run fit lists the types that hold a model).",
    );
    // a group needs every zone of the subnets
    const group = check("g5.xlarge", [zones[1]]);
    expect(group.ok).toBe(false);
    expect(group.message).toContain(`g5.xlarge (the instance type of llama3.1:8b, qwen2.5:7b) is not offered in ${zones[0]}, where`);
    // a type the region does not have at all
    expect(check("g6e.xlarge", []).message).toContain("zones of this region that offer it: none.");
  });

  test("a zone of another region is the az-in-region rule's to report: the offering check leaves it out", () => {
    // GIVEN azs of a region the plan does not run in (the region's zones are eu-west-1's)
    const elsewhere = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
    expect(check("g6e.xlarge", elsewhere, elsewhere).ok).toBe(true);
    expect(check("g5.xlarge", [], elsewhere).ok).toBe(true);
  });
});
