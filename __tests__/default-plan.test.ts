// What a caller who points `source` at our module sees: the original module (rebuilt from its
// published description, fixtures/original-module.tf.json) and the committed module, each called
// with the same inputs and planned by the real AWS provider (5.100.0), offline: AWS is a local
// stand-in answering the credential check and the look-ups (helpers/offline-plan.ts), and neither
// module is rewritten. Every difference between the two plans, resource by resource, must be one
// docs/MIGRATING.md documents (helpers/migrating-table.ts); anything else fails.
import { readFileSync } from "fs";
import * as path from "path";
import { familyArchitectures, instanceFamily } from "../src/catalog/instance-families";
import { MODULE_DIR } from "../src/module/module-files";
import { AddressChange, migrationDiff, planDiff } from "./helpers/migration-diff";
import { migrationTable, undocumented } from "./helpers/migrating-table";
import { ModulePlan, planModules } from "./helpers/offline-plan";
import { readmeExampleInputs } from "./helpers/readme-example";
import { TerraformWorkspace } from "./helpers/terraform-workspace";

const ORIGINAL = path.join(__dirname, "fixtures", "original-module.tf.json");
const OURS = path.resolve(__dirname, "..", MODULE_DIR);
const originalModule = JSON.parse(readFileSync(ORIGINAL, "utf8"));
const ourModule = JSON.parse(readFileSync(path.join(OURS, "main.tf.json"), "utf8"));
const OUTPUTS = Object.keys(originalModule.output);

/** The original module's README example: two models on g5g.xlarge, Open WebUI on 8080, a full custom domain. */
const README_EXAMPLE = readmeExampleInputs();
/** Inputs the original also plans, exercising what the example does not: no API, Open WebUI off, three models on two subnets, a custom AMI, two app ports, a model without a tag. */
const NO_API_THREE_MODELS = {
  ...README_EXAMPLE,
  prefix: "acme",
  create_api_gw: false,
  open_webui_port: 0,
  llm_ec2_configs: [
    { llm_model: "llama3.1:8b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 150, app_port: 11434 },
    { llm_model: "mistral-nemo:12b", instance_type: "g5.2xlarge", ami_id: "ami-0c0ffee0c0ffee000", ebs_volume_gb: 300, app_port: 11435 },
    { llm_model: "phi3", instance_type: "g4dn.xlarge", ami_id: "", ebs_volume_gb: 100, app_port: 11434 },
  ],
};

const CASES = [
  ["the original's README example (two models, Open WebUI port, custom domain)", README_EXAMPLE],
  ["no API, Open WebUI off, three models on two subnets, a custom AMI, two app ports, an untagged model", NO_API_THREE_MODELS],
] as const;

/**
 * The one output that differs on purpose (docs/MIGRATING.md, "What the plan does not show"): a Deep
 * Learning AMI is looked up only when a model without an `ami_id` runs on its architecture, so its
 * output is null otherwise; computed here from the inputs and the instance family catalogue.
 */
function expectedOutput(name: string, original: unknown, inputs: (typeof CASES)[number][1]): unknown {
  const architecture = { dlami_arm: "arm64", dlami_x86: "x86_64" }[name];
  if (architecture === undefined) return original;
  const used = inputs.llm_ec2_configs.some((c) => c.ami_id === "" && familyArchitectures()[instanceFamily(c.instance_type)] === architecture);
  return used ? original : null;
}

const table = migrationTable();
const configDiff = migrationDiff(originalModule.resource, ourModule.resource);

/** Per case: the original's plan and ours; then ours with the router. */
let plans: Array<{ original: ModulePlan; ours: ModulePlan; diff: Map<string, AddressChange> }>;
let withRouter: ModulePlan;
let workspace: TerraformWorkspace;

beforeAll(async () => {
  // GIVEN the original module and ours, WHEN each is planned with the same inputs (and ours once more with the router)
  workspace = TerraformWorkspace.create();
  const runs = CASES.flatMap(([, inputs]) => [
    { source: ORIGINAL, inputs, outputs: OUTPUTS },
    { source: OURS, inputs, outputs: OUTPUTS },
  ]);
  const planned = await planModules(workspace, [...runs, { source: OURS, inputs: { ...README_EXAMPLE, router_enabled: true }, outputs: OUTPUTS }]);
  plans = CASES.map((_, i) => {
    const [original, ours] = planned.slice(2 * i, 2 * i + 2);
    return { original, ours, diff: planDiff(originalModule.resource, ourModule.resource, original, ours) };
  });
  withRouter = planned[planned.length - 1];
}, 900_000);

afterAll(() => workspace?.dispose());

describe.each(CASES.map(([name], i) => [name, i] as const))("default server mode, %s", (_, i) => {
  test("both are real plans, whose AWS calls the stand-in answered", () => {
    const { original, ours } = plans[i];
    // The servers, the load balancer and its rules at least; every model's server.
    expect(original.instances.size).toBeGreaterThanOrEqual(25);
    const servers = (plan: ModulePlan) => [...plan.instances.values()].filter((x) => x.resource === "aws_instance.llm").map((x) => x.key).sort();
    expect(servers(ours)).toEqual(servers(original));
    expect(servers(original)).toHaveLength(CASES[i][1].llm_ec2_configs.length);
    for (const plan of [original, ours]) {
      expect(plan.requests.filter((r) => r.proxy || r.status !== 200)).toEqual([]);
      expect(plan.requests.map((r) => r.action)).toContain("DescribeImages");
    }
  });

  test("every difference from the original's plan, resource by resource, is one docs/MIGRATING.md documents", () => {
    expect(undocumented(plans[i].diff, table)).toEqual([]);
  });

  test("every output of the original is planned, with the same value where the original's is known (an AMI no model uses: null)", () => {
    const { original, ours } = plans[i];
    expect([...ours.outputs.keys()].sort()).toEqual([...OUTPUTS].sort());
    const known = (o: { after: unknown; afterUnknown: unknown }) => o.afterUnknown === false && (o.after === null || typeof o.after !== "object");
    const scalars = [...original.outputs].filter(([, o]) => known(o));
    expect(scalars.length).toBeGreaterThanOrEqual(2); // the AMI ids at least
    for (const [name, o] of scalars) {
      expect({ name, value: ours.outputs.get(name)?.after }).toEqual({ name, value: expectedOutput(name, o.after, CASES[i][1]) });
    }
  });
});

describe("docs/MIGRATING.md's table against the plans", () => {
  const shownBy = (address: string) => plans.filter((p) => p.diff.has(address));

  test('a row whose "with default inputs" says yes shows in the plan of the README example; one that says no shows in no plan of the original\'s inputs', () => {
    for (const [address, row] of table) {
      const shows = shownBy(address).map((p) => plans.indexOf(p));
      if (/^yes\b/.test(row.withDefaultInputs)) expect({ address, shownWithReadmeExample: shows.includes(0) }).toEqual({ address, shownWithReadmeExample: true });
      if (/^no\b/.test(row.withDefaultInputs)) expect({ address, shownBy: shows }).toEqual({ address, shownBy: [] });
    }
  });

  test("every row names a difference, and every attribute it names differs, in the configurations or in a plan", () => {
    for (const [address, row] of table) {
      const seen = new Set([...(configDiff.get(address)?.attributes ?? []), ...shownBy(address).flatMap((p) => p.diff.get(address)!.attributes)]);
      const named = configDiff.has(address) || shownBy(address).length > 0;
      expect({ address, named, notDiffering: row.attributes.filter((a) => !seen.has(a)) }).toEqual({ address, named: true, notDiffering: [] });
    }
  });
});

// The router is opt-in: with router_enabled the real provider (5.100.0) plans it offline, and changes
// nothing else of ours.
describe("router_enabled, the README example", () => {
  const routerRows = () => [...table].filter(([, row]) => row.withDefaultInputs.includes("`router_enabled`")).map(([address]) => address);

  test("its plan read the account's Lambda concurrency quota from Service Quotas (answered by the stand-in)", () => {
    expect(withRouter.requests.filter((r) => r.proxy || r.status !== 200)).toEqual([]);
    expect(withRouter.requests.map((r) => r.action)).toEqual(expect.arrayContaining(["GetAWSDefaultServiceQuota", "GetServiceQuota"]));
    expect(plans[0].ours.requests.map((r) => r.action)).not.toContain("GetServiceQuota");
  });

  test("its differences from the original's plan are documented too", () => {
    expect(undocumented(planDiff(originalModule.resource, ourModule.resource, plans[0].original, withRouter), table)).toEqual([]);
  });

  test("the additions are the resources docs/MIGRATING.md lists with router_enabled, each created", () => {
    const added = [...withRouter.instances].filter(([address]) => !plans[0].ours.instances.has(address));
    expect([...new Set(added.map(([, x]) => x.resource))].sort()).toEqual(routerRows().sort());
    for (const [address, x] of added) expect({ address, actions: x.actions }).toEqual({ address, actions: ["create"] });
  });

  test("the function and its URL as the real provider plans them: nodejs22.x on arm64, streaming, in the VPC", () => {
    const fn = withRouter.instances.get("aws_lambda_function.router[0]")?.after as Record<string, unknown>;
    expect(fn).toMatchObject({ function_name: "llm-router", runtime: "nodejs22.x", architectures: ["arm64"], timeout: 900, reserved_concurrent_executions: 20 });
    expect((fn.vpc_config as Array<{ subnet_ids: string[] }>)[0].subnet_ids.sort()).toEqual([...README_EXAMPLE.subnet_ids].sort());
    expect(withRouter.instances.get("aws_lambda_function_url.router[0]")?.after).toMatchObject({ invoke_mode: "RESPONSE_STREAM", authorization_type: "NONE" });
  });

  test("everything else is planned with the same values as without it; the dashboard's body (with the router's row) is known at apply", () => {
    const without = plans[0].ours.instances;
    const same = new Map([...without.keys()].map((address) => [address, withRouter.instances.get(address)]));
    expect(Object.fromEntries(same)).toEqual(Object.fromEntries(without));
    expect(withRouter.instances.get("aws_cloudwatch_dashboard.fleet[0]")?.afterUnknown).toMatchObject({ dashboard_body: true });
  });
});
