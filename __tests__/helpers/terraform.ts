// Evaluates the synthesized module's HCL expressions with the real `terraform console`, against
// the module's own `variable` and `locals` blocks: no provider, no state, tens of milliseconds.
import { execFileSync, spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { block, TerraformJson, unwrap } from "./synth";

/** Whether a `terraform` binary is on the PATH (the expression tests need it). */
export const terraformAvailable = spawnSync("terraform", ["version"], { stdio: "ignore" }).status === 0;

/** `describe` when terraform is available, else `describe.skip`. */
export const describeWithTerraform = terraformAvailable ? describe : describe.skip;

/** Stand-ins for what terraform cannot resolve offline: the AMI look-ups become these literals. */
export const DLAMI_ARM = "<data.aws_ami.dlami_arm.id>";
export const DLAMI_X86 = "<data.aws_ami.dlami_x86.id>";

export interface Evaluation {
  /** Module inputs (`terraform.tfvars.json`); the module's defaults fill the rest. */
  readonly variables: Record<string, unknown>;
  /** Named values to compute: `${...}` strings as found in the synthesized JSON, or bare HCL. */
  readonly expressions: Record<string, string>;
  /** Text replacements in locals and expressions, for references terraform cannot resolve offline. */
  readonly replace?: Record<string, string>;
  /** Extra locals the expressions may use. */
  readonly locals?: Record<string, string>;
}

/** Computes `evaluation.expressions` as Terraform would for the given module inputs. */
export function evaluate(json: TerraformJson, evaluation: Evaluation): Record<string, unknown> {
  const replacements: Record<string, string> = {
    "data.aws_ami.dlami_arm.id": JSON.stringify(DLAMI_ARM),
    "data.aws_ami.dlami_x86.id": JSON.stringify(DLAMI_X86),
    ...evaluation.replace,
  };
  const rewrite = (text: string) =>
    Object.entries(replacements).reduce((acc, [from, to]) => acc.split(from).join(to), text);
  const asTemplate = (text: string) => (text.includes("${") ? text : `\${${text}}`);
  const locals: Record<string, unknown> = {};
  for (const [name, value] of Object.entries({ ...json.locals, ...evaluation.locals })) {
    locals[name] = typeof value === "string" ? rewrite(value) : value;
  }
  const names = Object.keys(evaluation.expressions);
  names.forEach((name, i) => (locals[`__test_${i}`] = rewrite(asTemplate(evaluation.expressions[name]))));
  const query = `base64encode(jsonencode({${names.map((name, i) => `${JSON.stringify(name)} = local.__test_${i}`).join(", ")}}))`;

  const dir = mkdtempSync(path.join(tmpdir(), "ollama-fleet-eval-"));
  try {
    writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ variable: json.variable, locals }));
    writeFileSync(path.join(dir, "terraform.tfvars.json"), JSON.stringify(evaluation.variables));
    const out = execFileSync("terraform", ["console"], {
      cwd: dir,
      input: query,
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const encoded = JSON.parse(out.trim()) as string;
    return JSON.parse(Buffer.from(encoded, "base64").toString("utf8")) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `a.b.0.c` -> the value at that path of `value`. */
function at(value: unknown, attributePath: string): unknown {
  return attributePath.split(".").reduce<unknown>((acc, part) => {
    if (acc === undefined || acc === null) throw new Error(`no attribute ${attributePath}`);
    return (acc as Record<string, unknown>)[part];
  }, value);
}

/**
 * The instances a `for_each` resource plans for the given inputs: instance key -> attribute path ->
 * value, with `each.key` / `each.value` bound as Terraform binds them. Non-string attributes are
 * literals and come back as they are.
 */
export function planForEach(
  json: TerraformJson,
  variables: Record<string, unknown>,
  address: { type: string; name: string },
  attributePaths: readonly string[],
  replace?: Record<string, string>,
): Record<string, Record<string, unknown>> {
  const body = block(json, address.type, address.name);
  const each = `\${{ for k, v in ${unwrap(body.for_each)} : k => v }}`;
  const { keys } = evaluate(json, { variables, replace, locals: { __each: each }, expressions: { keys: "keys(local.__each)" } });
  const expressions: Record<string, string> = {};
  const literals: Record<string, Record<string, unknown>> = {};
  for (const key of keys as string[]) {
    literals[key] = {};
    for (const attributePath of attributePaths) {
      const raw = at(body, attributePath);
      if (typeof raw !== "string" || !raw.includes("${")) {
        literals[key][attributePath] = raw;
        continue;
      }
      expressions[`${key}|${attributePath}`] = raw
        .split("each.key")
        .join(JSON.stringify(key))
        .split("each.value")
        .join(`local.__each[${JSON.stringify(key)}]`);
    }
  }
  const values = evaluate(json, { variables, replace, locals: { __each: each }, expressions });
  for (const [name, value] of Object.entries(values)) {
    const [key, attributePath] = name.split("|");
    literals[key][attributePath] = value;
  }
  return literals;
}
