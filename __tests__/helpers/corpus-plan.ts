// Plans many module inputs with one `terraform test`: each case is a call of its own copy of the
// module, and the calls are grouped into a few root configurations, one `run` each. A run costs
// about a second of CPU whatever it plans (terraform starts the 700 MB AWS provider for its
// schema), so three runs instead of one per case make the corpus ~20 times cheaper.
//
// Grouping: terraform stops a plan at input validation errors before any precondition is
// checked, so cases expected to fail a variable validation, cases expected to fail only a
// precondition, and good cases plan in separate runs. Attribution: a variable's validation error
// is reported on the module call (`module.<case>`); a precondition's on the module's own file,
// which is why a group of precondition cases gives each case its own copy (hard links) of the
// module under `cases/<case>/`; the other calls share one copy, parsed once. A case can also bring
// its own variant of the module (`mutate`, the per-rule mutation test's mutants): it gets its own
// copy too, with main.tf.json replaced.
import { linkSync, mkdirSync, readdirSync, readFileSync, statSync, copyFileSync, unlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { MOCK_PROVIDER, SHARED_MOCKS, TerraformWorkspace } from "./terraform-workspace";

export interface PlanCase {
  readonly name: string;
  /** The module's inputs. */
  readonly inputs: Record<string, unknown>;
  /** HCL conditions over `module.<case>.corpus_target_group_names` (good cases). */
  readonly asserts?: ReadonlyArray<{ readonly condition: (names: string) => string; readonly message: string }>;
  /** Plans the case with its own copy of the module, whose main.tf.json this returns (a mutant of it). */
  readonly mutate?: (module: Record<string, unknown>) => Record<string, unknown>;
}

export interface PlanGroup {
  readonly name: string;
  readonly cases: readonly PlanCase[];
  /** Give each case its own copy of the module, so a diagnostic in the module's files names its case. @default false */
  readonly ownCopies?: boolean;
}

export interface CaseVerdict {
  /** Status of the run that planned the case: pass, fail (an assert) or error (a diagnostic). */
  readonly runStatus: string;
  /** Diagnostics (summary: detail) attributed to this case. */
  readonly messages: string[];
}

export interface CorpusPlan {
  readonly verdicts: Map<string, CaseVerdict>;
  /** Diagnostics no case could be named for (a broken group, a provider problem). */
  readonly unattributed: string[];
}

/** Terraform names of the module calls: identifiers, with a prefix so a case may start with a digit. */
export const callName = (caseName: string) => `case_${caseName.replace(/[^A-Za-z0-9_-]/g, "_")}`;

/** An output added to each case's copy of the module, so good cases can assert target group names. */
const TEST_OUTPUTS = {
  output: {
    corpus_target_group_names: { value: "${{ for k, tg in aws_lb_target_group.llm_http : k => tg.name }}" },
  },
};

/** Hard-links (or copies, across devices) every file of `from` into `to`. */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const source = path.join(from, name);
    const target = path.join(to, name);
    if (statSync(source).isDirectory()) linkTree(source, target);
    else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
      }
    }
  }
}

/**
 * Writes the groups into `workspace` (under `corpus/`), runs `terraform init` and one `terraform test
 * -json`, and returns each case's verdict.
 */
export async function planCorpus(workspace: TerraformWorkspace, moduleDir: string, groups: readonly PlanGroup[]): Promise<CorpusPlan> {
  const root = path.join(workspace.root, "corpus");
  const module = workspace.copy(moduleDir, path.join("corpus", "module"));
  workspace.copy(SHARED_MOCKS, path.join("corpus", "tests", "mocks"));
  writeFileSync(
    path.join(root, "main.tf.json"),
    JSON.stringify({ terraform: { required_providers: { aws: { source: "hashicorp/aws" } } } }, null, 2),
  );
  const owner = new Map<string, string>(); // call name or case directory -> case name
  // A case whose failure is a precondition is named by the file the diagnostic points into: it
  // gets its own copy (hard links) of the module. Every other call shares one copy, which
  // terraform parses once instead of once per case.
  linkTree(module, path.join(root, "shared"));
  writeFileSync(path.join(root, "shared", "corpus-test-outputs.tf.json"), JSON.stringify(TEST_OUTPUTS));
  const sourceFor = (c: PlanCase, group: PlanGroup): string => {
    if (!group.ownCopies && !c.mutate) return "shared";
    const copy = path.join(root, "cases", callName(c.name));
    linkTree(module, copy);
    if (c.asserts) writeFileSync(path.join(copy, "corpus-test-outputs.tf.json"), JSON.stringify(TEST_OUTPUTS));
    if (c.mutate) {
      // A hard link shares its bytes with the module: replace the file, never write through it.
      const main = path.join(copy, "main.tf.json");
      const mutant = c.mutate(JSON.parse(readFileSync(main, "utf8")));
      unlinkSync(main);
      writeFileSync(main, JSON.stringify(mutant));
    }
    return `cases/${callName(c.name)}`;
  };
  for (const group of groups) {
    const calls: Record<string, unknown> = {};
    for (const c of group.cases) {
      const call = callName(c.name);
      if (owner.has(call)) throw new Error(`two corpus cases are both called ${call}`);
      owner.set(call, c.name);
      // The corpus tests the rules; the open-door warning (a check block, a failure to terraform test)
      // has runs of its own in checks.tftest.hcl. The cases' inputs carry every variable, so it goes last.
      calls[call] = { source: `../${sourceFor(c, group)}`, ...c.inputs, api_gw_acknowledge_no_authorization: true };
    }
    mkdirSync(path.join(root, group.name), { recursive: true });
    writeFileSync(
      path.join(root, group.name, "main.tf.json"),
      JSON.stringify({ terraform: { required_providers: { aws: { source: "hashicorp/aws" } } }, provider: { aws: {} }, module: calls }, null, 2),
    );
    const asserts = group.cases.flatMap((c) =>
      (c.asserts ?? []).map(
        (a) => `  assert {
    condition     = ${a.condition(`module.${callName(c.name)}.corpus_target_group_names`)}
    error_message = ${JSON.stringify(`[case ${c.name}] ${a.message}`)}
  }`,
      ),
    );
    writeFileSync(
      path.join(root, "tests", `${group.name}.tftest.hcl`),
      `${MOCK_PROVIDER}
run ${JSON.stringify(group.name)} {
  command = plan
  module {
    source = "./${group.name}"
  }
${asserts.join("\n")}
}
`,
    );
  }

  await workspace.init("corpus");
  await workspace.shareProvider("corpus");
  // Bad cases fail their runs, so the exit status is not looked at: every run's outcome is in the JSON.
  const result = await workspace.run("corpus", ["test", "-json", "-no-color"]);
  return attribute(result.stdout, groups, owner);
}

function attribute(stdout: string, groups: readonly PlanGroup[], owner: Map<string, string>): CorpusPlan {
  const runStatus = new Map<string, string>();
  const messages = new Map<string, string[]>();
  const unattributed: string[] = [];
  for (const line of stdout.split("\n").filter((l) => l.startsWith("{"))) {
    const message = JSON.parse(line);
    if (message.type === "test_run" && message.test_run.progress === "complete") runStatus.set(message["@testrun"], message.test_run.status);
    if (message.type !== "diagnostic") continue;
    const d = message.diagnostic;
    const text = `${d.summary}: ${d.detail ?? ""}`;
    const context: string = d.snippet?.context ?? "";
    const file: string = d.range?.filename ?? "";
    const byCall = /^module\.([A-Za-z0-9_-]+)/.exec(context)?.[1];
    const byFile = /(?:^|\/)cases\/([^/]+)\//.exec(file)?.[1];
    const byAssert = /^\[case ([^\]]+)\]/.exec(d.detail ?? "")?.[1];
    const name = owner.get(byCall ?? "") ?? owner.get(byFile ?? "") ?? byAssert;
    if (name === undefined) unattributed.push(`${message["@testrun"] ?? "(no run)"}: ${text}`);
    else messages.set(name, [...(messages.get(name) ?? []), text]);
  }
  const verdicts = new Map<string, CaseVerdict>();
  for (const group of groups) {
    for (const c of group.cases) {
      verdicts.set(c.name, { runStatus: runStatus.get(group.name) ?? "did not run", messages: messages.get(c.name) ?? [] });
    }
  }
  if (runStatus.size === 0) unattributed.push(`terraform test reported no run:\n${stdout.slice(-4000)}`);
  return { verdicts, unattributed };
}
