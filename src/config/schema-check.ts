/**
 * Checks a parsed JSON value against the subset of JSON Schema that the generated config schema
 * uses ($ref, type, properties, required, additionalProperties, items), reporting every mismatch
 * with its path. The schema itself is generated from the TypeScript types, so the two agree.
 */
import { nearest } from "./nearest";

export interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  enum?: unknown[];
  definitions?: Record<string, SchemaNode>;
  description?: string;
}

export interface SchemaMismatch {
  readonly path: string;
  readonly message: string;
  /** The valid value (or field name) nearest to the bad one, when one is close. */
  readonly suggestion?: string;
}

export function checkSchema(root: SchemaNode, value: unknown): SchemaMismatch[] {
  const mismatches: SchemaMismatch[] = [];
  const resolve = (node: SchemaNode): SchemaNode =>
    node.$ref ? resolve(root.definitions?.[node.$ref.replace("#/definitions/", "")] ?? {}) : node;

  const visit = (node: SchemaNode, v: unknown, path: string): void => {
    const schema = resolve(node);
    const types = schema.type === undefined ? [] : [schema.type].flat();
    if (types.length > 0 && !types.includes(jsonType(v))) {
      mismatches.push({ path, message: `expected ${types.join(" or ")}, found ${describe(v)}` });
      return;
    }
    if (schema.enum && !schema.enum.includes(v)) {
      const suggestion = typeof v === "string" ? nearest(v, schema.enum.filter((e): e is string => typeof e === "string")) : undefined;
      mismatches.push({
        path,
        message: `expected one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}, found ${describe(v)}`,
        ...(suggestion === undefined ? {} : { suggestion }),
      });
      return;
    }
    if (jsonType(v) === "array" && schema.items) {
      (v as unknown[]).forEach((item, i) => visit(schema.items!, item, `${path}[${i}]`));
    }
    if (jsonType(v) === "object") {
      const record = v as Record<string, unknown>;
      for (const name of schema.required ?? []) {
        if (!(name in record)) mismatches.push({ path: join(path, name), message: "is required but missing" });
      }
      for (const [name, inner] of Object.entries(record)) {
        const property = schema.properties?.[name];
        if (property) visit(property, inner, join(path, name));
        else if (typeof schema.additionalProperties === "object") visit(schema.additionalProperties, inner, join(path, name));
        else if (schema.additionalProperties === false) {
          const known = Object.keys(schema.properties ?? {}).filter((k) => k !== "$schema");
          const suggestion = nearest(name, known);
          mismatches.push({
            path: join(path, name),
            message: `is not a known field (known here: ${known.join(", ")})`,
            ...(suggestion === undefined ? {} : { suggestion }),
          });
        }
      }
    }
  };
  visit(root, value, "");
  return mismatches;
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function describe(v: unknown): string {
  return `${jsonType(v)} ${JSON.stringify(v)}`.slice(0, 80);
}

function join(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}
