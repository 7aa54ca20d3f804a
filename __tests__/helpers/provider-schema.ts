// Checks a Terraform JSON configuration against a provider schema in the shape of `terraform
// providers schema -json`: every resource and data source type, argument and nested block it
// uses must exist, required arguments must be set, and every `type.name.attribute` reference must
// name an attribute of the type.
import { TerraformJson } from "./synth";

/** A cty type as `terraform providers schema -json` prints it: "string", ["list", "string"], ["object", {...}]. */
export type CtyType = string | readonly [string, unknown];

export interface SchemaAttribute {
  readonly type?: CtyType;
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
}

export interface SchemaBlock {
  readonly attributes?: Record<string, SchemaAttribute>;
  readonly block_types?: Record<string, { readonly nesting_mode: string; readonly block: SchemaBlock; readonly min_items?: number }>;
}

export interface ProviderSchema {
  /** The provider's version, for messages: `hashicorp/aws 6.66.0`. */
  readonly version: string;
  readonly resource_schemas: Record<string, { readonly block: SchemaBlock }>;
  readonly data_source_schemas: Record<string, { readonly block: SchemaBlock }>;
}

const AWS = "registry.terraform.io/hashicorp/aws";

/** The aws provider's part of `terraform providers schema -json`. */
export function fromTerraformSchemaJson(json: unknown, version: string): ProviderSchema {
  const schemas = (json as { provider_schemas?: Record<string, Omit<ProviderSchema, "version">> }).provider_schemas?.[AWS];
  if (!schemas) throw new Error(`no ${AWS} in the provider schemas`);
  return { version, resource_schemas: schemas.resource_schemas, data_source_schemas: schemas.data_source_schemas };
}

/** Arguments of every resource that are not the provider's: Terraform's meta-arguments. */
const META_ARGUMENTS = new Set(["//", "count", "for_each", "depends_on", "lifecycle", "provider", "provisioner", "connection"]);

/** Every problem, one line each, naming the address, the attribute and the provider version. */
export function schemaProblems(config: TerraformJson, schema: ProviderSchema): string[] {
  const problems: string[] = [];
  const where = `hashicorp/aws ${schema.version}`;
  for (const [kind, schemas] of [
    ["resource", schema.resource_schemas],
    ["data", schema.data_source_schemas],
  ] as const) {
    for (const [type, byName] of Object.entries(config[kind] ?? {})) {
      for (const [name, body] of Object.entries(byName)) {
        const address = `${kind === "data" ? "data." : ""}${type}.${name}`;
        const typeSchema = schemas?.[type];
        if (!typeSchema) {
          problems.push(`${address}: ${where} has no ${kind === "data" ? "data source" : "resource"} type ${type}`);
          continue;
        }
        checkBlock(body, typeSchema.block, [], true, (attribute, problem) =>
          problems.push(`${address}: ${attribute}: ${problem} in ${where}`),
        );
      }
    }
  }
  problems.push(...referenceProblems(config, schema));
  return problems;
}

type Report = (attribute: string, problem: string) => void;

function checkBlock(body: Record<string, unknown>, schema: SchemaBlock, at: string[], topLevel: boolean, report: Report): void {
  const attributes = schema.attributes ?? {};
  const blocks = schema.block_types ?? {};
  const dynamic = (body.dynamic ?? {}) as Record<string, { content?: Record<string, unknown> }>;
  for (const [key, value] of Object.entries(body)) {
    if (topLevel && META_ARGUMENTS.has(key)) continue;
    if (key === "//") continue;
    const name = [...at, key].join(".");
    if (key === "dynamic") {
      for (const [blockName, spec] of Object.entries(dynamic)) {
        const nested = blocks[blockName];
        if (!nested) report([...at, blockName].join("."), "dynamic block of a block type that does not exist");
        else checkBlock(spec.content ?? {}, nested.block, [...at, blockName], false, report);
      }
    } else if (key in attributes) {
      const attribute = attributes[key];
      if (!attribute.required && !attribute.optional) report(name, "is read-only (computed), not an argument,");
    } else if (key in blocks) {
      for (const element of Array.isArray(value) ? value : [value]) {
        if (element && typeof element === "object") checkBlock(element as Record<string, unknown>, blocks[key].block, [...at, key], false, report);
      }
    } else {
      report(name, "no such argument or block");
    }
  }
  for (const [key, attribute] of Object.entries(attributes)) {
    if (attribute.required && !(key in body)) report([...at, key].join("."), "required argument is not set");
  }
  for (const [key, block] of Object.entries(blocks)) {
    if ((block.min_items ?? 0) > 0 && !(key in body) && !(key in dynamic)) report([...at, key].join("."), "required block is missing");
  }
}

/** `aws_lb.llm.dns_name`, `data.aws_ami.dlami_arm.id`, `aws_instance.llm[each.key].id` in expressions. */
const REFERENCE = /(?<![\w.])(data\.)?(aws_[a-z0-9_]+)\.([a-z0-9_]+)((?:\[[^\]]*\]|\.\*)*)\.([a-z0-9_]+)/g;

function referenceProblems(config: TerraformJson, schema: ProviderSchema): string[] {
  const problems: string[] = [];
  const text = JSON.stringify({ resource: config.resource, data: config.data, output: config.output, locals: config.locals });
  const seen = new Set<string>();
  for (const match of text.matchAll(REFERENCE)) {
    const [, data, type, name, , attribute] = match;
    const kind = data ? "data" : "resource";
    if (!config[kind]?.[type]?.[name]) continue; // not an address of this configuration
    const block = (data ? schema.data_source_schemas : schema.resource_schemas)?.[type]?.block;
    const address = `${data ?? ""}${type}.${name}`;
    const key = `${address}.${attribute}`;
    if (!block || seen.has(key)) continue;
    seen.add(key);
    if (!(attribute in (block.attributes ?? {})) && !(attribute in (block.block_types ?? {}))) {
      problems.push(`${address}: ${attribute}: referenced, but no such attribute in hashicorp/aws ${schema.version}`);
    }
  }
  return problems;
}

/** A block's attributes and nested blocks as one cty object type. */
export function blockType(block: SchemaBlock): CtyType {
  const members: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(block.attributes ?? {})) members[name] = attribute.type ?? nestedType(attribute);
  for (const [name, nested] of Object.entries(block.block_types ?? {})) {
    const element = blockType(nested.block);
    members[name] = nested.nesting_mode === "single" || nested.nesting_mode === "group" ? element : [nested.nesting_mode, element];
  }
  return ["object", members];
}

/** Attributes of the plugin framework's nested types carry `nested_type` instead of `type`. */
function nestedType(attribute: unknown): CtyType {
  const nested = (attribute as { nested_type?: { attributes: SchemaBlock["attributes"]; nesting_mode: string } }).nested_type;
  if (!nested) throw new Error(`a schema attribute has neither type nor nested_type: ${JSON.stringify(attribute)}`);
  const element = blockType({ attributes: nested.attributes });
  return nested.nesting_mode === "single" ? element : [nested.nesting_mode, element];
}
