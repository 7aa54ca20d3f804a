import schema from "../../config/llm-service.schema.json";
import { RULES } from "../config/rules";
import { TERRAFORM_REQUIRED_VERSION } from "../stacks/module-stack";
import { VARIABLES } from "../config/variables";

interface SchemaProperty {
  readonly description?: string;
  readonly default?: unknown;
  readonly type?: string | string[];
  readonly enum?: unknown[];
  readonly $ref?: string;
  readonly items?: SchemaProperty;
}

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ").trim();
const code = (text: string): string => `\`${cell(text)}\``;
/** A table cell of prose: "<" outside code spans escaped, so `<prefix>` or `<region>` shows instead of vanishing as an HTML tag. */
const prose = (text: string): string =>
  cell(text)
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, "\\<")))
    .join("");
/** The stack's own settings, which the module leaves to its caller. */
const STACK_SETTINGS = new Set(["region", "tags", "backend"]);

/** Why a rule cannot be a variable's validation, and so waits for `terraform plan`. */
const PLAN_ONLY_REASONS: Readonly<Record<string, string>> = {
  "az-in-region": "compares each zone with the zones AWS lists for the region the provider plans in (a data source, read at plan)",
};
const SEVERAL_VARIABLES =
  `reads several variables: a variable's validation may refer only to that variable before Terraform 1.9, and the module runs on Terraform ${TERRAFORM_REQUIRED_VERSION}`;

/** The variables a rule's HCL condition reads. */
function variablesOf(condition: string): string[] {
  return [...new Set([...condition.matchAll(/var\.([a-z0-9_]+)/g)].map((m) => m[1]))].sort();
}

function typeOf(property: SchemaProperty, name: string): string {
  const variable = VARIABLES.find((v) => v.name === name);
  if (variable) return variable.type;
  if (property.enum) return property.enum.map((e) => JSON.stringify(e)).join(" \\| ");
  if (property.$ref) return "object";
  return [property.type ?? "any"].flat().join(" or ");
}

/** The generated part of docs/configuration.md: every field, every rule and where it is checked. */
export function configurationReference(): string {
  const properties = (schema.definitions.ServiceConfigFile.properties ?? {}) as Record<string, SchemaProperty>;
  const required = new Set<string>(schema.definitions.ServiceConfigFile.required ?? []);
  const rulesOf = (name: string) => RULES.filter((r) => variablesOf(r.hcl.condition).includes(name) || r.hcl.variable === name).map((r) => r.id);
  const fields = Object.entries(properties)
    .filter(([name]) => name !== "$schema")
    .map(([name, p]) =>
      [
        code(name),
        code(typeOf(p, name)),
        required.has(name) ? "required" : p.default === undefined ? "none" : code(JSON.stringify(p.default)),
        STACK_SETTINGS.has(name) ? "stack" : "both",
        prose(p.description ?? ""),
        rulesOf(name).map((id) => code(id)).join(", "),
      ].join(" | "),
    )
    .map((row) => `| ${row} |`);
  const rules = RULES.map((r) => {
    const validate = r.hcl.variable !== undefined;
    const reads = r.hcl.variable !== undefined ? [r.hcl.variable] : variablesOf(r.hcl.condition);
    return `| ${code(r.id)} | ${reads.map((v) => code(v)).join(", ")} | ${prose(r.problem)} | ${prose(r.fix)} | yes | ${validate ? "yes" : "no"} | yes |`;
  });
  const planOnly = RULES.filter((r) => r.hcl.variable === undefined).map(
    (r) => `- ${code(r.id)} (${variablesOf(r.hcl.condition).map((v) => code(v)).join(", ")}): ${PLAN_ONLY_REASONS[r.id] ?? SEVERAL_VARIABLES}.`,
  );
  return [
    "### Fields",
    "",
    "`both`: a variable of the module and a field of the config file; `stack`: the `llm-service` stack's own setting.",
    "",
    "| field | type | default | where | what it is | rules |",
    "|---|---|---|---|---|---|",
    ...fields,
    "",
    "### Rules and where each is checked",
    "",
    "Synth runs every rule in TypeScript. The module runs the same rule in HCL: as a `validation` of the",
    "variable it reads, which `terraform validate` already evaluates for a module call with known values",
    "(and `terraform plan` again), or as a precondition on the load balancer, which only `terraform plan`",
    "evaluates.",
    "",
    "| rule | reads | refuses a value that | fix | synth | `terraform validate` | `terraform plan` |",
    "|---|---|---|---|---|---|---|",
    ...rules,
    "",
    "### What only `terraform plan` can check, and why",
    "",
    ...planOnly,
    "- The root volume against the AMI's root snapshot (a postcondition of each server): the snapshot's size is known once the AMI is looked up in AWS, at plan.",
    "- The warnings of the check blocks `root_volume_holds_models` and `api_door_authorized`: Terraform evaluates check blocks at plan and apply, not at validate.",
    "",
  ].join("\n");
}
