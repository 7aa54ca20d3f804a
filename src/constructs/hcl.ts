import { Token } from "cdktf";

/**
 * A prop as an operand of a Terraform expression built in a `${...}` string. A token (a module
 * variable, another resource's attribute) stays the expression it stands for; a literal becomes its
 * HCL literal, so the same construct serves the module (variables) and a stack fed literal values.
 */
export function hcl(value: unknown): string {
  if (Token.isUnresolved(value)) return Token.asString(value);
  // cdktf stops resolving the tokens of an expression after an inline object literal.
  const objects = (v: unknown): boolean => typeof v === "object" && v !== null && (!Array.isArray(v) || v.some(objects));
  if (objects(value)) throw new Error(`hcl(): put the object literal ${JSON.stringify(value)} in a TerraformLocal and use its expression`);
  // JSON is valid HCL for strings, numbers, booleans, lists and objects; only template sequences
  // inside strings need escaping.
  return JSON.stringify(value).replace(/\$\{/g, "$${").replace(/%\{/g, "%%{");
}
