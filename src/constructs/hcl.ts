import { DefaultTokenResolver, StringConcat, Token, Tokenization } from "cdktf";
import { IConstruct } from "constructs";

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

/**
 * Like `hcl`, but a token becomes the plain text of its expression (`var.prefix`, `local.x`): cdktf
 * stops unwrapping the tokens of a long `${...}` string after some literals (regular expressions with
 * braces among them), so expressions that embed many operands use this text instead.
 */
export function hclText(scope: IConstruct, value: unknown): string {
  if (!Token.isUnresolved(value)) return hcl(value);
  const resolved = Tokenization.resolve(value, { scope, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
  const match = typeof resolved === "string" ? /^\$\{([\s\S]*)\}$/.exec(resolved) : null;
  if (!match) throw new Error(`hclText(): ${JSON.stringify(resolved)} is not one Terraform expression`);
  return /^[\w.]+$/.test(match[1]) ? match[1] : `(${match[1]})`;
}
