// Each rule of the rule table is the one that stops its own bad cases: with the rule's condition
// made always true, they trip no other rule (or, for a case that trips several, only the others),
// in the module and in TypeScript alike. Without this, a rule whose condition never fails would go
// unnoticed as long as another rule caught its cases.
//
// The module's side: one mutant of the committed module per rule, each case a call of its own copy
// of its rule's mutant, all of them planned by one `terraform test` (two runs, shared provider;
// helpers/corpus-plan.ts). A mutant keeps the part of the module the rule table lives in (every
// variable and local, the resources holding the rules' preconditions and what they read), which
// evaluates every rule as the whole module does at a fraction of the cost. A probe precondition on
// those resources (helpers/rule-mutants.ts) fails in every mutant, so a case whose messages hold the
// probe and no rule got past every validation and had every precondition evaluated.
import { readFileSync } from "fs";
import * as path from "path";
import { RULES } from "../src/config/rules";
import { MODULE_DIR } from "../src/module/module-files";
import { CorpusPlan, PlanCase, planCorpus } from "./helpers/corpus-plan";
import { BadCase, badCases } from "./helpers/rule-cases";
import { mutant, PROBE_MESSAGE, ruleConditions, ruleTablePart } from "./helpers/rule-mutants";
import { TerraformWorkspace } from "./helpers/terraform-workspace";

const MODULE = path.resolve(__dirname, "..", MODULE_DIR);
const module = JSON.parse(readFileSync(path.join(MODULE, "main.tf.json"), "utf8"));
const cases = badCases();
const RULE_IDS = RULES.map((r) => r.id);

/**
 * Rules that cannot trip alone, and the rule that always trips with them: two entries with the same
 * name always have the same key, so a repeated name trips model-key-unique too (model-unique says
 * it more plainly). Each is shown to catch its case once the other is gone too.
 */
const TRIPS_ONLY_WITH: Record<string, string> = { "model-unique": "model-key-unique" };

const alone = (rule: string) => cases.filter((c) => c.rules.length === 1 && c.rules[0] === rule);
const shared = (rule: string) => cases.filter((c) => c.rules.length > 1 && c.rules.includes(rule));
const fired = (messages: readonly string[]) =>
  [...new Set(messages.flatMap((m) => [...m.matchAll(/\[([a-z][a-z0-9-]*)\]/g)].map((x) => x[1])))].filter((id) => id !== "probe").sort();
const others = (c: BadCase, rule: string) => c.rules.filter((r) => r !== rule).sort();

describe("the rule table and its bad cases", () => {
  test("every rule has one condition in the module, found by its id", () => {
    const found = ruleConditions(module).map((c) => c.rule);
    for (const rule of RULE_IDS) expect({ rule, conditions: found.filter((r) => r === rule).length }).toEqual({ rule, conditions: 1 });
  });

  test("every rule has a bad case that trips it alone, but those that always trip with another rule", () => {
    expect(RULE_IDS.filter((rule) => alone(rule).length === 0)).toEqual(Object.keys(TRIPS_ONLY_WITH));
    for (const [rule, partner] of Object.entries(TRIPS_ONLY_WITH)) {
      expect(shared(rule).map((c) => c.rules.slice().sort())).toContainEqual([rule, partner].sort());
    }
  });

  test("every case trips rules of the table only", () => {
    for (const c of cases) expect({ name: c.name, unknown: c.rules.filter((r) => !RULE_IDS.includes(r)) }).toEqual({ name: c.name, unknown: [] });
  });
});

describe("TypeScript: each rule's predicate alone decides its bad cases", () => {
  const problemsWithout = (c: BadCase, without: readonly string[]) =>
    [...new Set(RULES.filter((r) => !without.includes(r.id) && r.find(c.inputs).length > 0).map((r) => r.id))].sort();

  test.each(RULE_IDS)("%s", (rule) => {
    for (const c of [...alone(rule), ...shared(rule)]) {
      // GIVEN the case, WHEN every rule but this one looks at it, THEN only the case's other rules find it
      expect({ case: c.name, found: problemsWithout(c, [rule]) }).toEqual({ case: c.name, found: others(c, rule) });
      // AND this one finds it
      expect({ case: c.name, found: RULES.find((r) => r.id === rule)!.find(c.inputs).length > 0 }).toEqual({ case: c.name, found: true });
    }
    // AND with all of its rules gone, nothing else does
    for (const c of shared(rule)) expect({ case: c.name, found: problemsWithout(c, c.rules) }).toEqual({ case: c.name, found: [] });
  });
});

describe("the module: each rule's condition, made always true, lets its bad cases through every other rule", () => {
  let workspace: TerraformWorkspace;
  let plan: CorpusPlan;
  const call = (rules: readonly string[], c: BadCase, label = rules.join("+")) => `${label}--${c.name}`;
  /** A case that trips a precondition, planned with nothing made true: its rule must show beside the probe. */
  const control = cases.find((c) => c.rules.length === 1 && ruleConditions(module).some((x) => x.rule === c.rules[0] && !x.home.startsWith("variable.")))!;

  beforeAll(async () => {
    workspace = TerraformWorkspace.create();
    const planCase = (rules: readonly string[], c: BadCase, label?: string): PlanCase => ({
      name: call(rules, c, label),
      inputs: c.moduleInputs,
      mutate: (m) => mutant(ruleTablePart(m), rules),
    });
    // GIVEN each rule's bad cases as calls of the rule's mutant: in one run every case expected to get
    // through all rules (no validation may fail there, or no precondition would be evaluated), in the
    // other the cases of several rules with one of them made true
    plan = await planCorpus(workspace, MODULE, [
      {
        name: "through",
        cases: [
          ...RULE_IDS.flatMap((rule) => alone(rule).map((c) => planCase([rule], c))),
          ...cases.filter((c) => c.rules.length > 1).map((c) => planCase(c.rules, c)),
          planCase([], control, "control"),
        ],
      },
      {
        name: "others",
        cases: cases.filter((c) => c.rules.length > 1).flatMap((c) => c.rules.map((rule) => planCase([rule], c))),
      },
    ]);
  });

  afterAll(() => workspace?.dispose());

  test("every diagnostic names its case", () => {
    expect(plan.unattributed).toEqual([]);
  });

  test("the probe shows beside a rule that trips: a case planned with no rule made true trips its rule", () => {
    const verdict = plan.verdicts.get(call([], control, "control"))!;
    expect({ fired: fired(verdict.messages), probe: verdict.messages.some((m) => m.includes(PROBE_MESSAGE)) }).toEqual({ fired: control.rules, probe: true });
  });

  test.each(RULE_IDS)("%s", (rule) => {
    // THEN a case that trips only this rule trips no other; the plan got as far as the probe, or
    // stopped before it on an error of Terraform or the provider (which a user would then see)
    const probed = alone(rule).filter((c) => {
      const { messages } = plan.verdicts.get(call([rule], c))!;
      const probe = messages.some((m) => m.includes(PROBE_MESSAGE));
      expect({ case: c.name, fired: fired(messages), stopped: probe || messages.length > 0 }).toEqual({ case: c.name, fired: [], stopped: true });
      return probe;
    });
    // AND at least one of them got through every rule
    if (!(rule in TRIPS_ONLY_WITH)) expect({ rule, probed: probed.length > 0 }).toEqual({ rule, probed: true });
    // AND a case that trips several trips only the others (a failed validation stops the plan before
    // any precondition, so those of the others that are preconditions may not show)
    for (const c of shared(rule)) {
      const verdict = plan.verdicts.get(call([rule], c))!;
      expect({ case: c.name, runStatus: verdict.runStatus }).toEqual({ case: c.name, runStatus: "error" });
      expect(fired(verdict.messages).length).toBeGreaterThan(0);
      for (const other of fired(verdict.messages)) expect({ case: c.name, fired: other, expected: others(c, rule).includes(other) }).toEqual({ case: c.name, fired: other, expected: true });
      // AND with all of its rules made true, it trips none
      const through = plan.verdicts.get(call(c.rules, c))!;
      expect({ case: c.name, fired: fired(through.messages), probe: through.messages.some((m) => m.includes(PROBE_MESSAGE)) }).toEqual({ case: c.name, fired: [], probe: true });
    }
  });
});
