// Shared test helpers: synthesize a stack once, read its raw Terraform JSON, list its addresses.
import { Testing } from "cdktf";
// Brings the global typings of cdktf's jest matchers (toHaveResourceWithProperties, ...).
import "cdktf/lib/testing/adapters/jest";
import { loadServiceConfig } from "../../src/config/load";
import { ModuleStack } from "../../src/stacks/module-stack";
import { ServiceStack } from "../../src/stacks/service-stack";

export type Block = Record<string, unknown>;

export interface TerraformJson {
  readonly resource?: Record<string, Record<string, Block>>;
  readonly data?: Record<string, Record<string, Block>>;
  readonly locals?: Record<string, unknown>;
  readonly output?: Record<string, { readonly value: unknown; readonly description?: string }>;
  readonly variable?: Record<string, { readonly type?: string; readonly default?: unknown; readonly description?: string }>;
  readonly terraform?: Block;
  readonly provider?: unknown;
}

export interface Synthesized {
  /** What `Testing.synth` returns: the input of cdktf's jest matchers. */
  readonly text: string;
  readonly json: TerraformJson;
}

function synthesized(text: string): Synthesized {
  return { text, json: JSON.parse(text) as TerraformJson };
}

/** The module stack (`modules/ollama-service-multi-servers`), synthesized. */
export function synthModule(): Synthesized {
  return synthesized(Testing.synth(new ModuleStack(Testing.app()), true));
}

/** The root stack built from the built-in default config, synthesized. */
export function synthServiceStack(): Synthesized {
  return synthesized(Testing.synth(new ServiceStack(Testing.app(), "llm-service", loadServiceConfig()), true));
}

/** The body of resource (or, with `kind = "data"`, data source) `type.name`; throws when absent. */
export function block(json: TerraformJson, type: string, name: string, kind: "resource" | "data" = "resource"): Block {
  const found = json[kind]?.[type]?.[name];
  if (!found) throw new Error(`${kind === "data" ? "data." : ""}${type}.${name} is not in the synthesized stack`);
  return found;
}

export type Mode = "for_each" | "count" | "single";

/** Every resource and data source as `[data.]type.name <mode>`, sorted. */
export function addressForms(json: TerraformJson): string[] {
  const forms: string[] = [];
  for (const kind of ["resource", "data"] as const) {
    for (const [type, byName] of Object.entries(json[kind] ?? {})) {
      for (const [name, body] of Object.entries(byName)) {
        const mode: Mode = "for_each" in body ? "for_each" : "count" in body ? "count" : "single";
        forms.push(`${kind === "data" ? "data." : ""}${type}.${name} ${mode}`);
      }
    }
  }
  return forms.sort();
}

/** `${expr}` -> `expr`; throws unless the string is a single interpolation. */
export function unwrap(expression: unknown): string {
  const match = typeof expression === "string" ? /^\$\{([\s\S]*)\}$/.exec(expression) : null;
  if (!match) throw new Error(`not a single \${...} interpolation: ${JSON.stringify(expression)}`);
  return match[1];
}
