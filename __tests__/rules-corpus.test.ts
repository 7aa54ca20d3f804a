import { readdirSync, readFileSync } from "fs";
import * as path from "path";
import { ConfigError, parseServiceConfig, readServiceConfig } from "../src/config/load";
import { derivedListenerPriority, modelKey, targetGroupNameFor } from "../src/config/derive";
import { findProblems, RULES } from "../src/config/rules";
import { inputsOf } from "../src/stacks/service-stack";
import { ServiceInputs } from "../src/config/types";
import { MODULE_DIR } from "../src/module/module-files";
import { CorpusPlan, PlanCase, planCorpus } from "./helpers/corpus-plan";
import { SCHEMA_STOPPED } from "./helpers/rule-cases";
import { README_EXAMPLE_FILE } from "./helpers/readme-example";
import { TerraformWorkspace } from "./helpers/terraform-workspace";

// One corpus of config files runs through both enforcements of the rule table: TypeScript at
// synth (parseServiceConfig) and the module's validations and preconditions at plan.
const corpus = path.join(__dirname, "corpus");
const expectedRules: Record<string, string[]> = JSON.parse(readFileSync(path.join(corpus, "bad-expected-rules.json"), "utf8"));
const cases = (kind: "good" | "bad") =>
  readdirSync(path.join(corpus, kind))
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({ name: f.replace(/\.json$/, ""), file: path.join(corpus, kind, f) }));
const good = [...cases("good"), { name: "readme-example", file: README_EXAMPLE_FILE }];
const bad = cases("bad");
const firedRules = (message: string) => [...message.matchAll(/\[([a-z][a-z0-9-]*)\]/g)].map((m) => m[1]);

describe("rule corpus at synth (TypeScript)", () => {
  test("every bad case has its expected rules, and every expectation has a case", () => {
    expect(bad.map((c) => c.name).sort()).toEqual(Object.keys(expectedRules).sort());
  });

  test("every rule has a bad case, but those whose inputs the config schema stops first (enums, a list of objects)", () => {
    const covered = new Set(Object.values(expectedRules).flat());
    expect(RULES.map((r) => r.id).filter((id) => !covered.has(id)).sort()).toEqual(SCHEMA_STOPPED.map((s) => s.rule).sort());
  });

  // The module's side of these is in the module's .tftest.hcl files, and in rule-mutants.test.ts.
  test.each(SCHEMA_STOPPED)("$rule: a file is stopped by the schema, typed inputs by the rule", ({ rule, spoil, path: field, value }) => {
    const example = README_EXAMPLE_FILE;
    const inputs = spoil(inputsOf(readServiceConfig(readFileSync(example, "utf8"), example))) as ServiceInputs;
    expect(findProblems(inputs).map((p) => [p.rule, p.path, p.value])).toEqual([[rule, field, value]]);
    const file = spoil(JSON.parse(readFileSync(example, "utf8")));
    expect(() => parseServiceConfig(JSON.stringify(file), "spoiled.json")).toThrow(/schema: config\/llm-service.schema.json/);
  });

  test("listener-priority-unique names both models and the priority they would share", () => {
    const file = path.join(corpus, "bad", "listener-priority-derived-collision.json");
    const problems = findProblems(inputsOf(readServiceConfig(readFileSync(file, "utf8"), file)));
    expect(problems.map((p) => [p.rule, p.path, p.value])).toEqual([
      ["listener-priority-unique", "llm_ec2_configs[1].llm_model", `mistral-vision:1b (listener priority ${derivedListenerPriority("llama3:q8_0")}, as llm_ec2_configs[0].llm_model = llama3:q8_0)`],
    ]);
  });

  test("api-authorization: the schema names the values it takes", () => {
    const text = JSON.stringify({ ...JSON.parse(readFileSync(README_EXAMPLE_FILE, "utf8")), api_gw_authorization: "COGNITO" });
    expect(() => parseServiceConfig(text, "cognito.json")).toThrow(/api_gw_authorization expected one of "NONE", "JWT", "AWS_IAM", found string "COGNITO"/);
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
    for (const problem of problems) expect(problem).toMatch(/^[a-z0-9_]+(\[\d+\])?(\.[a-z0-9_]+)* = .+: .+\.( Did you mean ".+"\?)? Fix: .+/);
  });
});

describe("rule corpus at plan (the module's validations)", () => {
  let workspace: TerraformWorkspace;
  let plan: CorpusPlan;
  // Variable validations stop a plan before any precondition runs (even another module call's):
  // cases expected to fail only a precondition plan in a run of their own.
  const validated = new Set(RULES.filter((r) => r.hcl.variable !== undefined).map((r) => r.id));
  const byValidation = bad.filter((c) => expectedRules[c.name].some((rule) => validated.has(rule)));
  const byPrecondition = bad.filter((c) => !byValidation.includes(c));

  beforeAll(async () => {
    // GIVEN every case as a call of the committed module, with the AMI look-ups mocked
    workspace = TerraformWorkspace.create();
    const inputs = (file: string) => inputsOf(readServiceConfig(readFileSync(file, "utf8"), file)) as unknown as Record<string, unknown>;
    const goodCase = ({ name, file }: { name: string; file: string }): PlanCase => {
      const config = inputsOf(readServiceConfig(readFileSync(file, "utf8"), file));
      return {
        name,
        inputs: config as unknown as Record<string, unknown>,
        asserts: config.llm_ec2_configs.map((c) => ({
          condition: (names: string) =>
            `${names}[${JSON.stringify(modelKey(c.llm_model))}] == ${JSON.stringify(targetGroupNameFor(config.target_group_names, config.prefix, c, config.default_server_mode))}`,
          message: `target group of ${c.llm_model.replace(/"/g, "")} is not named as TypeScript computes`,
        })),
      };
    };
    const badCase = ({ name, file }: { name: string; file: string }): PlanCase => ({ name, inputs: inputs(file) });
    // WHEN one terraform test plans the three groups (bad cases fail, so the exit status is non-zero)
    plan = await planCorpus(workspace, path.resolve(__dirname, "..", MODULE_DIR), [
      { name: "good", cases: good.map(goodCase) },
      { name: "validations", cases: byValidation.map(badCase) },
      { name: "preconditions", cases: byPrecondition.map(badCase), ownCopies: true },
    ]);
  });

  afterAll(() => workspace?.dispose());

  test("a derived listener priority collision names both models, the priority and the fix", () => {
    const messages = plan.verdicts.get("listener-priority-derived-collision")!.messages.join("\n");
    const priority = derivedListenerPriority("llama3:q8_0");
    expect(derivedListenerPriority("mistral-vision:1b")).toBe(priority);
    expect(messages).toContain(`llm_ec2_configs[1].llm_model = "mistral-vision:1b" (listener priority ${priority}, as llm_ec2_configs[0].llm_model = "llama3:q8_0")`);
    expect(messages).toContain("Fix: set listener_priority on one of the two models");
  });

  test("every diagnostic names its case", () => {
    expect(plan.unattributed).toEqual([]);
  });

  test.each(good)("good: $name plans, with the target group names TypeScript computes", ({ name }) => {
    const verdict = plan.verdicts.get(name)!;
    expect(verdict.messages).toEqual([]);
    // "fail" is another good case's assert (named in its own test); "error" would mean the plan stopped.
    expect(["pass", "fail"]).toContain(verdict.runStatus);
  });

  test.each(bad)("bad: $name fails at plan with its rule's message", ({ name }) => {
    const verdict = plan.verdicts.get(name)!;
    expect(verdict.runStatus).toBe("error");
    const fired = new Set(verdict.messages.flatMap(firedRules));
    expect(verdict.messages).not.toEqual([]);
    // Variable validations stop a plan before preconditions run: at least one expected rule fires.
    expect(expectedRules[name].some((rule) => fired.has(rule))).toBe(true);
    for (const rule of fired) expect(expectedRules[name]).toContain(rule);
  });
});
