// The HCL example for a new deployment (examples/new-vpc: its own VPC from plain resources, the
// router with API keys, no API door), checked offline by terraform validate against the committed
// module; and the instance-size rule caught by validate alone, without AWS.
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { TerraformWorkspace } from "./helpers/terraform-workspace";

const REPO_ROOT = path.resolve(__dirname, "..");
const MODULE_PATH = "modules/ollama-service-multi-servers";
const EXAMPLE_PATH = "examples/new-vpc";
const TYPO_PATH = "examples/new-vpc-typo";

describe("examples/new-vpc", () => {
  let workspace: TerraformWorkspace;

  beforeAll(async () => {
    // GIVEN the module, the example, and a copy of the example with a mistyped instance size
    workspace = TerraformWorkspace.create();
    workspace.copy(path.join(REPO_ROOT, MODULE_PATH), MODULE_PATH);
    workspace.copy(path.join(REPO_ROOT, EXAMPLE_PATH), EXAMPLE_PATH);
    workspace.copy(path.join(REPO_ROOT, EXAMPLE_PATH), TYPO_PATH);
    const typo = path.join(workspace.root, TYPO_PATH, "main.tf");
    const text = readFileSync(typo, "utf8");
    expect(text).toContain('instance_type = "g5g.xlarge"');
    writeFileSync(typo, text.replace('instance_type = "g5g.xlarge"', 'instance_type = "g5g.xlarg"'));
    await workspace.init(EXAMPLE_PATH);
    await workspace.init(TYPO_PATH);
    await workspace.shareProvider(EXAMPLE_PATH);
  });

  afterAll(() => workspace?.dispose());

  test("terraform validate accepts it, and it asks for the router with API keys and no API door", async () => {
    expect((await workspace.validate(EXAMPLE_PATH)).stdout).toContain("The configuration is valid.");
    const text = readFileSync(path.join(REPO_ROOT, EXAMPLE_PATH, "main.tf"), "utf8");
    expect(text).toMatch(/create_api_gw\s+=\s+false/);
    expect(text).toMatch(/router_enabled\s+=\s+true/);
    expect(text).toMatch(/router_auth\s+=\s+"API_KEY"/);
    expect(text).not.toMatch(/^\s*module\s+"(?!llm_service")/m);
  });

  test("GIVEN a mistyped size WHEN terraform validate runs THEN it fails naming the field, the value and the family's sizes", async () => {
    const result = await workspace.run(TYPO_PATH, ["validate", "-no-color"]);
    // Terraform wraps the message: compare it with its whitespace collapsed.
    const printed = (result.stdout + result.stderr).replace(/\s+/g, " ");
    expect(result.status).not.toBe(0);
    expect(printed).toContain("[instance-size]");
    expect(printed).toContain('llm_ec2_configs[0].instance_type = "g5g.xlarg" (g5g sizes: xlarge, 2xlarge');
  });
});
