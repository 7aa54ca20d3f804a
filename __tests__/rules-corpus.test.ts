import { readdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { ConfigError, parseServiceConfig, readServiceConfig } from "../src/config/load";
import { modelKey, targetGroupName } from "../src/config/derive";
import { findProblems, RULES } from "../src/config/rules";
import { inputsOf } from "../src/stacks/service-stack";
import { ServiceInputs } from "../src/config/types";
import { MODULE_DIR } from "../src/module/module-files";
import { MOCK_PROVIDER, SHARED_MOCKS, TerraformWorkspace } from "./helpers/terraform-workspace";

// One corpus of config files runs through both enforcements of the rule table: TypeScript at
// synth (parseServiceConfig) and the module's validations and preconditions at plan.
const corpus = path.join(__dirname, "corpus");
const expectedRules: Record<string, string[]> = JSON.parse(readFileSync(path.join(corpus, "bad-expected-rules.json"), "utf8"));
const cases = (kind: "good" | "bad") =>
  readdirSync(path.join(corpus, kind))
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({ name: f.replace(/\.json$/, ""), file: path.join(corpus, kind, f) }));
const good = cases("good");
const bad = cases("bad");
const firedRules = (message: string) => [...message.matchAll(/\[([a-z][a-z0-9-]*)\]/g)].map((m) => m[1]);

describe("rule corpus at synth (TypeScript)", () => {
  test("every bad case has its expected rules, and every expectation has a case", () => {
    expect(bad.map((c) => c.name).sort()).toEqual(Object.keys(expectedRules).sort());
  });

  test("every rule has a bad case, but those whose inputs the config schema stops first (enums, a list of objects)", () => {
    const covered = new Set(Object.values(expectedRules).flat());
    expect(RULES.map((r) => r.id).filter((id) => !covered.has(id))).toEqual(["api-authorization", "server-mode", "default-server-mode", "dashboard-widgets"]);
  });

  // The module's side of these three is in fleet.tftest.hcl and monitoring.tftest.hcl.
  test.each([
    ["server-mode", (c: Record<string, any>) => ({ ...c, llm_ec2_configs: [{ ...c.llm_ec2_configs[0], server_mode: "ASG" }, c.llm_ec2_configs[1]] }), "llm_ec2_configs[0].server_mode", "ASG"],
    ["default-server-mode", (c: Record<string, any>) => ({ ...c, default_server_mode: "spot" }), "default_server_mode", "spot"],
    ["dashboard-widgets", (c: Record<string, any>) => ({ ...c, dashboard_extra_widgets: "router" }), "dashboard_extra_widgets", "router"],
  ])("%s: a file is stopped by the schema, typed inputs by the rule", (rule, spoil, field, value) => {
    const seed = path.join(corpus, "good", "seed-usage.json");
    const inputs = spoil(inputsOf(readServiceConfig(readFileSync(seed, "utf8"), seed))) as ServiceInputs;
    expect(findProblems(inputs).map((p) => [p.rule, p.path, p.value])).toEqual([[rule, field, value]]);
    const file = spoil(JSON.parse(readFileSync(seed, "utf8")));
    expect(() => parseServiceConfig(JSON.stringify(file), "spoiled.json")).toThrow(/schema: config\/llm-service.schema.json/);
  });

  test("api-authorization: a file is stopped by the schema, typed inputs by the rule", () => {
    const seed = path.join(corpus, "good", "seed-usage.json");
    const text = JSON.stringify({ ...JSON.parse(readFileSync(seed, "utf8")), api_gw_authorization: "COGNITO" });
    expect(() => parseServiceConfig(text, "cognito.json")).toThrow(/api_gw_authorization expected one of "NONE", "JWT", "AWS_IAM", found string "COGNITO"/);
    const inputs = { ...inputsOf(readServiceConfig(readFileSync(seed, "utf8"), seed)), api_gw_authorization: "COGNITO" as "NONE" };
    expect(findProblems(inputs).map((p) => [p.rule, p.path, p.value])).toEqual([["api-authorization", "api_gw_authorization", "COGNITO"]]);
  });

  test.each(good)("good: $name synthesizes", ({ file }) => {
    expect(() => parseServiceConfig(readFileSync(file, "utf8"), file)).not.toThrow();
  });

  test.each(bad)("bad: $name is stopped by its rule, naming the field", ({ name, file }) => {
    let error: unknown;
    try {
      parseServiceConfig(readFileSync(file, "utf8"), file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect([...new Set(problems.flatMap(firedRules))].sort()).toEqual([...expectedRules[name]].sort());
    for (const problem of problems) expect(problem).toMatch(/^[a-z0-9_]+(\[\d+\])?(\.[a-z0-9_]+)? = .+: .+\. Fix: .+/);
  });
});

describe("rule corpus at plan (the module's validations)", () => {
  const workspaces: TerraformWorkspace[] = [];
  const runs = new Map<string, RunReport>();

  beforeAll(async () => {
    // GIVEN one test file per case (a failed run skips the rest of its file) against copies of
    // the committed module, with the AMI look-ups mocked; two workspaces run side by side
    const all = [...good, ...bad];
    const halves = [all.filter((_, i) => i % 2 === 0), all.filter((_, i) => i % 2 === 1)];
    const reports = await Promise.all(
      halves.map(async (half) => {
        const workspace = TerraformWorkspace.create();
        workspaces.push(workspace);
        workspace.copy(path.resolve(__dirname, "..", MODULE_DIR), "module");
        workspace.copy(SHARED_MOCKS, path.join("module", "tests", "mocks"));
        for (const { name, file } of half) {
          const run = runBlock(name, file, good.some((g) => g.name === name));
          writeFileSync(path.join(workspace.root, "module", "tests", `${name}.tftest.hcl`), `${MOCK_PROVIDER}\n${run}`);
        }
        workspace.init("module");
        // WHEN terraform test plans every case (bad cases fail, so the exit status is non-zero)
        const result = await workspace.runAsync("module", ["test", "-json"]);
        return parseTestJson(result.stdout);
      }),
    );
    for (const report of reports) for (const [name, run] of report) runs.set(name, run);
    // Every case in two terraform test runs: about 70 s on a quiet 2-core machine, over 120 s under load.
  }, 360_000);

  afterAll(() => workspaces.forEach((w) => w.dispose()));

  test.each(good)("good: $name plans, with the target group names TypeScript computes", ({ name }) => {
    expect(runs.get(name)).toEqual({ status: "pass", messages: [] });
  });

  test.each(bad)("bad: $name fails at plan with its rule's message", ({ name }) => {
    const run = runs.get(name);
    expect(run?.status).toBe("error");
    const fired = new Set(run!.messages.flatMap(firedRules));
    // Variable validations stop a plan before preconditions run: at least one expected rule fires.
    expect(expectedRules[name].some((rule) => fired.has(rule))).toBe(true);
    for (const rule of fired) expect(expectedRules[name]).toContain(rule);
  });
});

interface RunReport {
  status: string;
  messages: string[];
}

/** Status and diagnostics of every run, from `terraform test -json`. */
function parseTestJson(stdout: string): Map<string, RunReport> {
  const runs = new Map<string, RunReport>();
  for (const line of stdout.split("\n").filter((l) => l.startsWith("{"))) {
    const message = JSON.parse(line);
    const name = message["@testrun"];
    if (!name) continue;
    const run = runs.get(name) ?? { status: "unknown", messages: [] };
    if (message.type === "test_run" && message.test_run.progress === "complete") run.status = message.test_run.status;
    if (message.type === "diagnostic") run.messages.push(`${message.diagnostic.summary}: ${message.diagnostic.detail ?? ""}`);
    runs.set(name, run);
  }
  return runs;
}

/** A plan-only run of one corpus case; good cases also assert every target group name. */
function runBlock(name: string, file: string, isGood: boolean): string {
  const config = inputsOf(readServiceConfig(readFileSync(file, "utf8"), file));
  const variables = Object.entries(config)
    .map(([key, value]) => `    ${key} = ${JSON.stringify(value)}`)
    .join("\n");
  const asserts = isGood
    ? config.llm_ec2_configs.map(
        (c) => `  assert {
    condition     = aws_lb_target_group.llm_http[${JSON.stringify(modelKey(c.llm_model))}].name == ${JSON.stringify(targetGroupName(c.llm_model))}
    error_message = "target group of ${c.llm_model.replace(/"/g, "")} is not named as TypeScript computes"
  }`,
      )
    : [];
  return `run "${name}" {
  command = plan
  variables {
${variables}
  }
${asserts.join("\n")}
}
`;
}

