// The synthesized module and the original module's README example, checked by the real terraform CLI:
// init + validate, and the module's `terraform test` suite (mock provider, plan only, offline).
import { readdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { readmeExampleVariablesBlock } from "./helpers/readme-example";
import { TerraformWorkspace } from "./helpers/terraform-workspace";

const REPO_ROOT = path.resolve(__dirname, "..");
const MODULE_PATH = "modules/ollama-service-multi-servers";
const EXAMPLE_PATH = "examples/original-readme-example";
const MODULE_TESTS = path.join(__dirname, "terraform", "module");

/** How many `run` blocks the module's .tftest.hcl files hold. */
function countRunBlocks(dir: string): number {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".tftest.hcl"))
    .map((name) => readFileSync(path.join(dir, name), "utf8").match(/^run\s+"/gm)?.length ?? 0)
    .reduce((sum, count) => sum + count, 0);
}

interface TestSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

/** Parses terraform test's last line, e.g. "Success! 18 passed, 0 failed." or "Failure! 3 passed, 1 failed, 2 skipped." */
function parseTestSummary(stdout: string): TestSummary {
  const match = /(?:Success|Failure)! (\d+) passed, (\d+) failed(?:, (\d+) skipped)?\./.exec(stdout);
  if (!match) throw new Error(`no test summary in terraform test output:\n${stdout}`);
  return { passed: Number(match[1]), failed: Number(match[2]), skipped: Number(match[3] ?? 0) };
}

describe("terraform CLI", () => {
  // One workspace and one init per root: the module (validated, then tested) and the example.
  let workspace: TerraformWorkspace;

  beforeAll(async () => {
    // GIVEN the module, its .tftest.hcl suite and the example at the same relative places as in the repository
    workspace = TerraformWorkspace.create();
    workspace.copy(path.join(REPO_ROOT, MODULE_PATH), MODULE_PATH);
    const tests = workspace.copy(MODULE_TESTS, path.join(MODULE_PATH, "tests"));
    const exampleTest = path.join(tests, "readme-example.tftest.hcl");
    writeFileSync(exampleTest, `${readmeExampleVariablesBlock()}\n${readFileSync(exampleTest, "utf8")}`);
    workspace.copy(path.join(REPO_ROOT, EXAMPLE_PATH), EXAMPLE_PATH);
    await workspace.init(MODULE_PATH);
    await workspace.init(EXAMPLE_PATH);
    await workspace.shareProvider(MODULE_PATH);
  });

  afterAll(() => workspace?.dispose());

  test("GIVEN the committed module WHEN terraform validate runs THEN it is valid", async () => {
    const result = await workspace.validate(MODULE_PATH);
    expect(result.stdout).toContain("The configuration is valid.");
  });

  test("GIVEN the original module's README example calling ../../modules WHEN terraform validate runs THEN it is valid", async () => {
    const result = await workspace.validate(EXAMPLE_PATH);
    expect(result.stdout).toContain("The configuration is valid.");
  });

  test("GIVEN the module's .tftest.hcl suite WHEN terraform test runs THEN every run block passes", async () => {
    const runBlocks = countRunBlocks(MODULE_TESTS);
    // The suite keeps the original's open API door in most runs: terraform test counts the open-door
    // warning (a failed check block) as a failure, so it is acknowledged for every run but the ones
    // in checks.tftest.hcl that test the warning and set the variable themselves.
    const result = await workspace.test(MODULE_PATH, ["-var=api_gw_acknowledge_no_authorization=true"]);
    expect(runBlocks).toBeGreaterThan(0);
    expect(parseTestSummary(result.stdout)).toEqual({ passed: runBlocks, failed: 0, skipped: 0 });
  });
});
