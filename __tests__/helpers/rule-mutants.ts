// Mutants of the synthesized module for the per-rule mutation test: the module with some rules'
// HCL conditions made always true, and a probe that shows a plan got as far as the rules'
// preconditions. A rule's condition is found by its message, which starts with `[<rule id>]`.

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface RuleCondition {
  readonly rule: string;
  /** `variable.<name>` (a validation) or `<type>.<name>` (a resource's precondition). */
  readonly home: string;
  readonly condition: string;
}

/** The message of the probe precondition, `[probe] ...`: not a rule id, so it never counts as a rule firing. */
export const PROBE_MESSAGE = "[probe] the preconditions of this resource were evaluated";

interface Check {
  condition: string;
  error_message: string;
}

function* checks(module: Json): Generator<{ home: string; check: Check }> {
  for (const [name, variable] of Object.entries<Json>(module.variable ?? {})) {
    for (const check of variable.validation ?? []) yield { home: `variable.${name}`, check };
  }
  for (const [type, byName] of Object.entries<Json>(module.resource ?? {})) {
    for (const [name, resource] of Object.entries<Json>(byName)) {
      for (const check of resource.lifecycle?.precondition ?? []) yield { home: `${type}.${name}`, check };
    }
  }
}

const ruleOf = (check: Check): string | undefined => /^\[([a-z][a-z0-9-]*)\]/.exec(check.error_message)?.[1];

/** Every validation and precondition of the module that carries a rule id, in order. */
export function ruleConditions(module: Json): RuleCondition[] {
  return [...checks(module)].flatMap(({ home, check }) => {
    const rule = ruleOf(check);
    return rule ? [{ rule, home, condition: check.condition }] : [];
  });
}

/**
 * The module with the conditions of `rules` always true. Terraform refuses a condition that refers
 * to nothing ("must refer to at least one object"), so `${X}` becomes `${(X) || true}`: the same
 * references, and true whatever X is. Each resource that holds a precondition of the rule table also gets the probe: a
 * precondition that always fails with PROBE_MESSAGE, so a plan that reports it got that far.
 */
export function mutant(module: Json, rules: readonly string[]): Json {
  const copy: Json = JSON.parse(JSON.stringify(module));
  const homes = new Set<string>();
  for (const { home, check } of checks(copy)) {
    const rule = ruleOf(check);
    if (rule === undefined) continue;
    if (!home.startsWith("variable.")) homes.add(home);
    if (!rules.includes(rule)) continue;
    if (!/^\$\{[^]*\}$/.test(check.condition)) throw new Error(`the condition of rule ${rule} is not one expression: ${check.condition}`);
    check.condition = `\${(${check.condition.slice(2, -1)}) || true}`;
  }
  for (const home of homes) {
    const [type, name] = home.split(".");
    copy.resource[type][name].lifecycle.precondition.push({ condition: "${length(var.llm_ec2_configs) < 0}", error_message: PROBE_MESSAGE });
  }
  return copy;
}

/** The resources holding preconditions of the rule table (where a plan must get for every rule to be evaluated). */
export function preconditionHomes(module: Json): string[] {
  return [...new Set(ruleConditions(module).map((c) => c.home).filter((home) => !home.startsWith("variable.")))];
}

/** The resources (`type.name`), data sources (`data.type.name`) and locals (`local.name`) an expression names. */
function references(value: unknown): string[] {
  const text = JSON.stringify(value) ?? "";
  return [
    ...[...text.matchAll(/(?<![\w.])data\.([a-z0-9_]+)\.([a-z0-9_]+)/g)].map((m) => `data.${m[1]}.${m[2]}`),
    // any `type.name`: those that are not a resource of the module (var.x, each.key) are not kept
    ...[...text.matchAll(/(?<![\w.])([a-z][a-z0-9_]*)\.([a-z0-9_]+)/g)].map((m) => `${m[1]}.${m[2]}`),
    ...[...text.matchAll(/(?<![\w.])local\.([a-z0-9_]+)/g)].map((m) => `local.${m[1]}`),
  ];
}

/**
 * The part of the module the rule table lives in: every variable (with its validations), the
 * resources holding the rules' preconditions, and the resources, data sources and locals those read,
 * transitively. Everything else (the other resources, outputs, check blocks: no rule is there) goes.
 * A plan of it evaluates every rule as a plan of the whole module does, at a fraction of the cost:
 * Terraform validates and plans every resource and evaluates every local of every call.
 */
export function ruleTablePart(module: Json): Json {
  const blocks = new Map<string, [kind: string, type: string, name: string, body: unknown]>();
  for (const [type, byName] of Object.entries<Json>(module.resource ?? {})) for (const [name, body] of Object.entries(byName)) blocks.set(`${type}.${name}`, ["resource", type, name, body]);
  for (const [type, byName] of Object.entries<Json>(module.data ?? {})) for (const [name, body] of Object.entries(byName)) blocks.set(`data.${type}.${name}`, ["data", type, name, body]);
  for (const [name, body] of Object.entries<unknown>(module.locals ?? {})) blocks.set(`local.${name}`, ["locals", "", name, body]);
  const keep = new Set<string>();
  const visit = (address: string) => {
    if (keep.has(address) || !blocks.has(address)) return;
    keep.add(address);
    references(blocks.get(address)![3]).forEach(visit);
  };
  [...preconditionHomes(module), ...references(module.variable)].forEach(visit);
  const part: Json = { terraform: module.terraform, variable: module.variable, locals: {}, resource: {}, data: {} };
  for (const address of keep) {
    const [kind, type, name, body] = blocks.get(address)!;
    if (kind === "locals") part.locals[name] = body;
    else (part[kind][type] ??= {})[name] = body;
  }
  return part;
}
