// Evaluates the synthesized module's HCL expressions with the real `terraform console`, against
// the module's own `variable` and `locals` blocks: no provider, no state, tens of milliseconds.
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { block, TerraformJson, unwrap } from "./synth";

/** Whether a `terraform` binary is on the PATH (the expression tests need it). */
export const terraformAvailable =
  spawnSync("terraform", ["version"], { stdio: "ignore", timeout: 30_000, killSignal: "SIGKILL", env: { ...process.env, CHECKPOINT_DISABLE: "1" } })
    .status === 0;

/**
 * `describe` for tests that evaluate HCL with terraform. Without terraform they fail (a skipped
 * test must not count as passing): the README asks for it on the PATH.
 */
export function describeWithTerraform(name: string, fn: () => void): void {
  describe(name, () => {
    beforeAll(() => {
      if (!terraformAvailable) throw new Error("terraform is not on the PATH; these tests evaluate the module's HCL with it");
    });
    fn();
  });
}

/** One evaluation takes tens of milliseconds alone, a few seconds on a loaded machine; this only stops a hang. */
const CONSOLE_TIMEOUT_MS = 60_000;

/** Stand-ins for what terraform cannot resolve offline: the AMI look-ups become these literals. */
export const DLAMI_ARM = "<data.aws_ami.dlami_arm.id>";
export const DLAMI_X86 = "<data.aws_ami.dlami_x86.id>";
/** The weight cache's bucket when the module creates it (its name is known after apply), and the region it is planned in. */
export const CREATED_CACHE_BUCKET = "acme-model-cache-20250101000000000000000001";
export const PLANNED_REGION = "ap-southeast-1";

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
    // The look-ups are counted (0 or 1): their ids are read as one(<look-up>[*].id).
    "one(data.aws_ami.dlami_arm[*].id)": JSON.stringify(DLAMI_ARM),
    "one(data.aws_ami.dlami_x86[*].id)": JSON.stringify(DLAMI_X86),
    // Read from the provider's region: the commercial partition.
    "data.aws_partition.current.partition": JSON.stringify("aws"),
    "aws_s3_bucket.model_cache[*].bucket": JSON.stringify([CREATED_CACHE_BUCKET]),
    "data.aws_region.model_cache[0].id": JSON.stringify(PLANNED_REGION),
    ...logGroupNames(json),
    ...evaluation.replace,
  };
  const rewrite = (text: string) =>
    Object.entries(replacements).reduce((acc, [from, to]) => acc.split(from).join(to), text);
  const asTemplate = (text: string) => (text.includes("${") ? text : `\${${text}}`);
  const all: Record<string, unknown> = {};
  for (const [name, value] of Object.entries({ ...json.locals, ...evaluation.locals })) {
    all[name] = typeof value === "string" ? rewrite(value) : value;
  }
  const names = Object.keys(evaluation.expressions);
  names.forEach((name, i) => (all[`__test_${i}`] = rewrite(asTemplate(evaluation.expressions[name]))));
  // Only the locals the expressions need: terraform console evaluates every local it is given, and
  // some read files (templatefile) that only the module's folder has.
  const locals: Record<string, unknown> = {};
  const pending = names.map((_, i) => `__test_${i}`);
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (name in locals || !(name in all)) continue;
    locals[name] = all[name];
    for (const [, used] of JSON.stringify(all[name]).matchAll(/local\.([A-Za-z0-9_]+)/g)) pending.push(used);
  }
  const query = `base64encode(jsonencode({${names.map((name, i) => `${JSON.stringify(name)} = local.__test_${i}`).join(", ")}}))`;

  const dir = mkdtempSync(path.join(tmpdir(), "ollama-fleet-eval-"));
  try {
    writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ variable: json.variable, locals }));
    writeFileSync(path.join(dir, "terraform.tfvars.json"), JSON.stringify(evaluation.variables));
    // Synchronous, so callers stay plain functions. It is still bounded: this configuration has no
    // provider, so terraform console starts no plugin and killing it leaves nothing behind.
    const run = spawnSync("terraform", ["console"], {
      cwd: dir,
      input: query,
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null", NO_COLOR: "1", GOGC: process.env.GOGC ?? "400" },
      timeout: CONSOLE_TIMEOUT_MS,
      killSignal: "SIGKILL",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.error) {
      const what = `\`terraform console\` in ${dir} evaluating ${names.join(", ")}`;
      throw new Error(
        (run.error as NodeJS.ErrnoException).code === "ETIMEDOUT"
          ? `${what} did not finish within ${CONSOLE_TIMEOUT_MS / 1000} s and was killed`
          : `${what} could not run: ${run.error.message}`,
      );
    }
    // terraform console prints failed variable validations and still evaluates: refuse that, so
    // every evaluation runs on inputs the module accepts.
    const stderr = run.stderr.replace(/\x1b\[[0-9;]*m/g, "");
    if (run.status !== 0 || /Error:/.test(stderr)) {
      throw new Error(`terraform console failed (status ${run.status}):\n${stderr}\n${run.stdout}`);
    }
    // Warnings (if any) come first; the value is the last line, a quoted string.
    const last = run.stdout.trim().split("\n").pop() ?? "";
    if (!/^".*"$/.test(last)) throw new Error(`terraform console printed no value:\n${run.stdout}`);
    const encoded = JSON.parse(last) as string;
    return JSON.parse(Buffer.from(encoded, "base64").toString("utf8")) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A log group's name is known at plan: references to it (`aws_cloudwatch_log_group.x.name`, e.g. in
 * the servers' user data) become the group's own name expression.
 */
function logGroupNames(json: TerraformJson): Record<string, string> {
  const groups = json.resource?.aws_cloudwatch_log_group ?? {};
  return Object.fromEntries(
    Object.entries(groups)
      .filter(([, body]) => body.count === undefined && body.for_each === undefined && typeof body.name === "string")
      .map(([name, body]) => {
        const value = body.name as string;
        return [`aws_cloudwatch_log_group.${name}.name`, /^\$\{[\s\S]*\}$/.test(value) ? `(${unwrap(value)})` : JSON.stringify(value)];
      }),
  );
}

/** `a.b.0.c` -> the value at that path of `value`. */
function at(value: unknown, attributePath: string): unknown {
  return attributePath.split(".").reduce<unknown>((acc, part) => {
    if (acc === undefined || acc === null) throw new Error(`no attribute ${attributePath}`);
    return (acc as Record<string, unknown>)[part];
  }, value);
}

export interface ForEachPlan {
  /** Module inputs. */
  readonly variables: Record<string, unknown>;
  /** The resource, e.g. `{ type: "aws_instance", name: "llm" }`. */
  readonly resource: { readonly type: string; readonly name: string };
  /** Attribute paths to compute, e.g. `tags.Name`, `condition.0.query_string.1.value`. */
  readonly attributes: readonly string[];
  /** As in `Evaluation`: stand-ins for other resources' attributes. */
  readonly replace?: Record<string, string>;
  readonly locals?: Record<string, string>;
}

/**
 * The instances a `for_each` resource plans for the given inputs: instance key -> attribute path ->
 * value, with `each.key` / `each.value` bound as Terraform binds them. Attributes without `${` are
 * literals and come back as they are.
 */
export function planForEach(json: TerraformJson, plan: ForEachPlan): Record<string, Record<string, unknown>> {
  const body = block(json, plan.resource.type, plan.resource.name);
  const locals = { ...plan.locals, __each: `\${{ for k, v in ${unwrap(body.for_each)} : k => v }}` };
  const base = { variables: plan.variables, replace: plan.replace, locals };
  const { keys } = evaluate(json, { ...base, expressions: { keys: "keys(local.__each)" } });
  const result: Record<string, Record<string, unknown>> = {};
  const expressions: Record<string, string> = {};
  for (const key of keys as string[]) {
    result[key] = {};
    for (const attribute of plan.attributes) {
      const raw = at(body, attribute);
      if (typeof raw !== "string" || !raw.includes("${")) {
        result[key][attribute] = raw;
        continue;
      }
      const quoted = JSON.stringify(key);
      expressions[`${key}|${attribute}`] = raw.split("each.key").join(quoted).split("each.value").join(`local.__each[${quoted}]`);
    }
  }
  if (Object.keys(expressions).length === 0) return result;
  for (const [name, value] of Object.entries(evaluate(json, { ...base, expressions }))) {
    const [key, attribute] = name.split("|");
    result[key][attribute] = value;
  }
  return result;
}
