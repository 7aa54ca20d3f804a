import { ref, Token } from "cdktf";

// Attribute references into `count` / `for_each` resources. cdktf's own `resource.attr` renders
// without an index, which Terraform rejects for multi-instance resources.

interface Addressable {
  readonly fqn: string;
}

/** `<resource>[each.key].<attribute>`: the instance of a for_each resource that shares our key. */
export function sameKey(resource: Addressable, attribute: string): string {
  return `\${${resource.fqn}[each.key].${attribute}}`;
}

/** `<resource>[<key expression>].<attribute>`. */
export function atKey(resource: Addressable, keyExpression: string, attribute: string): string {
  return `\${${resource.fqn}[${keyExpression}].${attribute}}`;
}

/** `<resource>[0].<attribute>`: the single instance of a `count = cond ? 1 : 0` resource. */
export function only(resource: Addressable, attribute: string): string {
  return `\${${resource.fqn}[0].${attribute}}`;
}

/** `${path.module}/<asset>`: a file shipped beside the configuration, found from inside a module too. */
export function moduleFile(asset: { readonly path: string }): string {
  return `${Token.asString(ref("path.module"))}/${asset.path}`;
}

/**
 * `<type>.<name>` of a resource or data source (`data.<type>.<name>`), as plain text: for building
 * larger expressions, where cdktf would leave a second `${...}` of the same token inside one.
 */
export function address(element: { readonly terraformResourceType: string; readonly friendlyUniqueId: string }, data = false): string {
  return `${data ? "data." : ""}${element.terraformResourceType}.${element.friendlyUniqueId}`;
}
