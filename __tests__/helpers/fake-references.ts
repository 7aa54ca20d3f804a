// In a state made from a plan, a value the configuration copies from another resource's computed
// attribute (`listener_arn = "${aws_lb_listener.llm_http.arn}"`, `target_group_arn =
// "${aws_lb_target_group.llm_http[each.key].arn}"`) is set to that attribute's made-up value, so a
// plan against the state finds them equal. Only plain references are resolved here (alone, or in a
// list or map of them); anything computed from them (a jsonencode, a conditional) is left to a plan
// against the state, which computes it (fake-state.ts `settle`).
import { ConfigModule } from "./plan-json";

export interface MadeInstance {
  /** Full address: `module.base.aws_lb_listener_rule.llm_http["key"]`. */
  readonly address: string;
  /** `module.base.` or "" */
  readonly modulePrefix: string;
  /** `aws_lb_listener_rule.llm_http` */
  readonly resource: string;
  readonly index?: string | number;
  readonly attributes: Record<string, unknown>;
  /** The plan's `after_unknown`: where the values were made up. */
  readonly unknown: unknown;
}

/** `${aws_type.name.attr}`, `${aws_type.name[each.key].attr}`, `${aws_type.name[0].attr}` */
const PLAIN_REFERENCE = /^\$\{(aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)(?:\[(each\.key|\d+|"[^"]*")\])?\.([a-z0-9_]+)\}$/;

interface Pending {
  readonly instance: MadeInstance;
  readonly path: Array<string | number>;
  readonly expression: unknown;
}

/** Resolves what it can, in as many rounds as references lead through one another. */
export function resolvePlainReferences(instances: readonly MadeInstance[], configuration: ConfigModule | undefined): void {
  const expressions = configExpressions(configuration);
  const byAddress = new Map(instances.map((instance) => [instance.address, instance]));
  let pending: Pending[] = instances.flatMap((instance) =>
    unknownPaths(instance.unknown, []).flatMap((path) => {
      const expression = expressionAt(expressions.get(`${instance.modulePrefix}${instance.resource}`), path);
      return expression === undefined ? [] : [{ instance, path, expression }];
    }),
  );
  for (;;) {
    const unresolved = new Set(pending.map(({ instance, path }) => `${instance.address}|${path[0]}`));
    const left: Pending[] = [];
    for (const item of pending) {
      const value = evaluate(item.expression, item.instance, byAddress, unresolved);
      if (value === UNRESOLVED) left.push(item);
      else setAt(item.instance.attributes, item.path, value);
    }
    if (left.length === pending.length) return;
    pending = left;
  }
}

const UNRESOLVED = Symbol("unresolved");

function evaluate(value: unknown, from: MadeInstance, byAddress: ReadonlyMap<string, MadeInstance>, unresolved: ReadonlySet<string>): unknown {
  if (typeof value === "string") {
    if (!value.includes("${")) return value;
    const match = PLAIN_REFERENCE.exec(value);
    if (!match) return UNRESOLVED;
    const [, resource, key, attribute] = match;
    const index = key === undefined ? "" : key === "each.key" ? `[${JSON.stringify(from.index)}]` : `[${key}]`;
    const address = `${from.modulePrefix}${resource}${index}`;
    const target = byAddress.get(address);
    if (!target || unresolved.has(`${address}|${attribute}`) || !(attribute in target.attributes)) return UNRESOLVED;
    return target.attributes[attribute];
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => evaluate(item, from, byAddress, unresolved));
    return items.includes(UNRESOLVED) ? UNRESOLVED : items;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, item]) => [k, evaluate(item, from, byAddress, unresolved)] as const);
    return entries.some(([, item]) => item === UNRESOLVED) ? UNRESOLVED : Object.fromEntries(entries);
  }
  return value;
}

/** The constant value of the expression at `path` (attributes and nested blocks, as `show -json` prints expressions), if it refers to anything. */
function expressionAt(expressions: unknown, path: ReadonlyArray<string | number>): unknown {
  let node = expressions;
  for (const step of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[step];
  }
  const expression = node as { constant_value?: unknown; references?: unknown[] } | undefined;
  return expression?.references?.length ? expression.constant_value : undefined;
}

function unknownPaths(unknown: unknown, at: Array<string | number>): Array<Array<string | number>> {
  if (unknown === true) return [at];
  if (Array.isArray(unknown)) return unknown.flatMap((item, i) => unknownPaths(item, [...at, i]));
  if (unknown !== null && typeof unknown === "object") return Object.entries(unknown).flatMap(([key, item]) => unknownPaths(item, [...at, key]));
  return [];
}

function setAt(target: Record<string, unknown>, path: ReadonlyArray<string | number>, value: unknown): void {
  let node: Record<string | number, unknown> = target;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
}

/** `[module.<call>.]type.name` -> its expressions, through every module call. */
function configExpressions(root: ConfigModule | undefined): Map<string, unknown> {
  const result = new Map<string, unknown>();
  const visit = (module: ConfigModule | undefined, prefix: string): void => {
    for (const resource of module?.resources ?? []) if (resource.mode === "managed") result.set(`${prefix}${resource.address}`, resource.expressions);
    for (const [call, { module: child }] of Object.entries(module?.module_calls ?? {})) visit(child, `${prefix}module.${call}.`);
  };
  visit(root, "");
  return result;
}
