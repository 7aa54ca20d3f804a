// The module declares the oldest Terraform it runs on: the release of the newest language feature
// it uses. A new feature (a provider-defined function, a cross-variable validation...) fails this
// test until `required_version` is raised with it.
import { execFileSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import { MODULE_DIR } from "../src/module/module-files";

const moduleDir = path.resolve(__dirname, "..", MODULE_DIR);
const json = JSON.parse(readFileSync(path.join(moduleDir, "main.tf.json"), "utf8"));

type Version = [number, number];

/** Language features and the Terraform release that brought each, from Terraform's changelog. */
const FEATURES: ReadonlyArray<{ feature: string; since: Version; used: (config: typeof json, text: string) => boolean }> = [
  { feature: "moved blocks", since: [1, 1], used: (c) => "moved" in c },
  { feature: "nullable variables", since: [1, 1], used: (c) => Object.values(c.variable ?? {}).some((v) => "nullable" in (v as object)) },
  { feature: "preconditions and postconditions", since: [1, 2], used: (_, t) => /"(pre|post)condition"/.test(t) },
  { feature: "replace_triggered_by", since: [1, 2], used: (_, t) => /"replace_triggered_by"/.test(t) },
  { feature: "optional() object attributes", since: [1, 3], used: (_, t) => /\boptional\(/.test(t) },
  { feature: "startswith / endswith / timecmp", since: [1, 3], used: (_, t) => /\b(startswith|endswith|timecmp)\(/.test(t) },
  { feature: "strcontains / plantimestamp", since: [1, 5], used: (_, t) => /\b(strcontains|plantimestamp)\(/.test(t) },
  { feature: "check and import blocks", since: [1, 5], used: (c) => "check" in c || "import" in c },
  { feature: "removed blocks", since: [1, 7], used: (c) => "removed" in c },
  { feature: "provider-defined functions / issensitive", since: [1, 8], used: (_, t) => /provider::|\bissensitive\(/.test(t) },
  { feature: "templatestring", since: [1, 9], used: (_, t) => /\btemplatestring\(/.test(t) },
  {
    feature: "validations that refer to other variables",
    since: [1, 9],
    used: (c) =>
      Object.entries(c.variable ?? {}).some(([name, v]) =>
        [...JSON.stringify((v as { validation?: unknown }).validation ?? []).matchAll(/var\.([a-z0-9_]+)/g)].some((m) => m[1] !== name),
      ),
  },
  { feature: "ephemeral values", since: [1, 10], used: (c, t) => "ephemeral" in c || /\bephemeralasnull\(/.test(t) },
];

describe("terraform.required_version", () => {
  const text = JSON.stringify(json);
  const used = FEATURES.filter((f) => f.used(json, text));
  const newest = used.reduce<Version>((max, f) => (f.since[0] * 100 + f.since[1] > max[0] * 100 + max[1] ? f.since : max), [1, 0]);

  test("is the release of the newest language feature the module uses, as a lower bound", () => {
    expect(used.map((f) => f.feature)).toContain("strcontains / plantimestamp");
    expect(json.terraform.required_version).toBe(`>= ${newest[0]}.${newest[1]}.0`);
  });

  test("the module's README states it in its requirements table", () => {
    const readme = readFileSync(path.join(moduleDir, "README.md"), "utf8");
    expect(readme).toContain(`| terraform | \`${json.terraform.required_version}\` |`);
    expect(readme).toContain("| aws (`hashicorp/aws`) | `>= 5.0` |");
  });

  test("the Terraform on this machine satisfies it (the other tests run the module with it)", () => {
    const version = JSON.parse(execFileSync("terraform", ["version", "-json"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 30_000, env: { ...process.env, CHECKPOINT_DISABLE: "1" } }))
      .terraform_version as string;
    const [major, minor] = version.split(".").map(Number);
    expect(major * 100 + minor).toBeGreaterThanOrEqual(newest[0] * 100 + newest[1]);
  });
});
