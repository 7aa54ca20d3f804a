// Reading cdktf's synthesized JSON: resources, nested blocks, expressions.
import { Finding, PolicyRule, TerraformJson } from "./types";

export type Body = Record<string, unknown>;

export interface Resource {
  /** `<type>.<name>` */
  readonly address: string;
  readonly body: Body;
}

const isObject = (value: unknown): value is Body => typeof value === "object" && value !== null && !Array.isArray(value);

/** Every resource of the given types, in the JSON's order. */
export function resources(tf: TerraformJson, ...types: string[]): Resource[] {
  return types.flatMap((type) =>
    Object.entries(tf.resource?.[type] ?? {})
      .filter(([name, body]) => name !== "//" && isObject(body))
      .map(([name, body]) => ({ address: `${type}.${name}`, body })),
  );
}

/** Every data source of a type, in the JSON's order (`address` is `data.<type>.<name>`). */
export function dataSources(tf: TerraformJson, type: string): Resource[] {
  const data = isObject(tf.data) ? tf.data[type] : undefined;
  if (!isObject(data)) return [];
  return Object.entries(data)
    .filter(([name, body]) => name !== "//" && isObject(body))
    .map(([name, body]) => ({ address: `data.${type}.${name}`, body: body as Body }));
}

/** A single nested block. cdktf writes it as an object; hand-written JSON often as a one-element list. */
export function nested(body: Body, key: string): Body | undefined {
  const value = body[key] ?? dynamicContent(body, key);
  if (Array.isArray(value)) return value.length === 1 && isObject(value[0]) ? value[0] : undefined;
  return isObject(value) ? value : undefined;
}

/** The blocks of a repeated nested block (`ingress`, `egress`): a list, or a lone object, and the content of a `dynamic` block of that name. */
export function blocks(body: Body, key: string): Body[] {
  const value = body[key];
  const listed = Array.isArray(value) ? value.filter(isObject) : isObject(value) ? [value] : [];
  const content = dynamicContent(body, key);
  return isObject(content) ? [...listed, content] : listed;
}

/**
 * The content of `dynamic "<key>"`: a block written once per element of its `for_each`, so the
 * rules check it like the block itself (a dynamic block that may be absent is as good as its content).
 */
function dynamicContent(body: Body, key: string): unknown {
  const dynamic = body.dynamic;
  if (!isObject(dynamic)) return undefined;
  const block = dynamic[key];
  return isObject(block) ? block.content : undefined;
}

/** The value at a dotted path, e.g. `metadata_options.http_tokens`; undefined when any step is absent. */
export function lookup(body: Body, path: string): unknown {
  const steps = path.split(".");
  const last = steps.pop() as string;
  let current: Body | undefined = body;
  for (const step of steps) current = current && nested(current, step);
  return current?.[last];
}

/**
 * Every value at a dotted path, stepping into each block of repeated nested blocks
 * (`block_device_mappings.ebs.encrypted` -> one value per mapping); `[undefined]` when none is set.
 */
export function lookupAll(body: Body, path: string): unknown[] {
  const steps = path.split(".");
  const last = steps.pop() as string;
  let current: Body[] = [body];
  for (const step of steps) current = current.flatMap((b) => blocks(b, step));
  const values = current.map((b) => b[last]);
  return values.length === 0 ? [undefined] : values;
}

/** A Terraform expression (`${var.x}`, `${aws_lb.llm.arn}`): its value is only known at plan. */
export const isExpression = (value: unknown): value is string => typeof value === "string" && value.startsWith("${");

export const isSet = (value: unknown): boolean => value !== undefined && value !== null;

export const isNonEmptyString = (value: unknown): boolean => typeof value === "string" && value.trim() !== "";

/** A value as a message shows it: `not set`, `the expression ${var.x}`, or its JSON. */
export function show(value: unknown): string {
  if (!isSet(value)) return "not set";
  if (isExpression(value)) return `the expression ${value}`;
  return JSON.stringify(value);
}

export function finding(rule: Pick<PolicyRule, "id" | "fix">, address: string, message: string): Finding {
  return { rule: rule.id, address, message, fix: rule.fix };
}
