// The committed module folder is all an HCL caller fetches (`git::...//modules/<name>?ref=vX.Y.Z`
// or a copy): it must work on its own, under any name, with nothing from the rest of the repository.
import { readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import { MODULE_DIR } from "../src/module/module-files";
import { TerraformWorkspace } from "./helpers/terraform-workspace";

const REPO_ROOT = path.resolve(__dirname, "..");
const EXAMPLE = path.join(REPO_ROOT, "examples", "original-readme-example", "main.tf");

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

describe("the module folder on its own", () => {
  test("no file of the module reaches outside it (no ../ path)", () => {
    const files = filesUnder(path.join(REPO_ROOT, MODULE_DIR));
    expect(files.length).toBeGreaterThan(1);
    for (const file of files) expect({ file: path.relative(REPO_ROOT, file), parent: readFileSync(file, "utf8").includes("../") }).toMatchObject({ parent: false });
  });

  test("GIVEN only the module folder, copied under another name elsewhere, and the original module's README example calling it WHEN terraform init and validate run THEN it is valid", async () => {
    const workspace = TerraformWorkspace.create();
    try {
      // GIVEN
      workspace.copy(path.join(REPO_ROOT, MODULE_DIR), path.join("vendor", "llm-fleet"));
      const usage = readFileSync(EXAMPLE, "utf8");
      expect(usage).toContain('source = "../../modules/ollama-service-multi-servers"');
      writeFileSync(path.join(workspace.root, "main.tf"), usage.replace('"../../modules/ollama-service-multi-servers"', '"./vendor/llm-fleet"'));

      // WHEN
      await workspace.init(".");
      const result = await workspace.validate(".");

      // THEN
      expect(result.stdout).toContain("The configuration is valid.");
    } finally {
      workspace.dispose();
    }
  });
});
