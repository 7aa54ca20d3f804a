import { IAspect, TerraformDataSource, TerraformElement, TerraformLocal, TerraformOutput, TerraformResource, TerraformStack, TerraformVariable } from "cdktf";
import { IConstruct } from "constructs";

/** The Terraform address an element is written at, e.g. `aws_instance.llm`; undefined for providers and backends. */
export function addressOf(element: TerraformElement): string | undefined {
  const id = element.friendlyUniqueId;
  if (element instanceof TerraformDataSource) return `data.${element.terraformResourceType}.${id}`;
  if (element instanceof TerraformResource) return `${element.terraformResourceType}.${id}`;
  if (element instanceof TerraformLocal) return `local.${id}`;
  if (element instanceof TerraformVariable) return `var.${id}`;
  if (element instanceof TerraformOutput) return `output.${id}`;
  return undefined;
}

/** Addresses that two or more constructs of `stack` claim, each with the construct paths claiming it. */
export function duplicateAddresses(stack: TerraformStack): Map<string, string[]> {
  const claims = new Map<string, string[]>();
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof TerraformElement)) continue;
    const address = addressOf(construct);
    if (address) claims.set(address, [...(claims.get(address) ?? []), construct.node.path]);
  }
  return new Map([...claims].filter(([, paths]) => paths.length > 1));
}

/**
 * Fails the synth when two constructs pin the same logical id: cdktf would silently merge their
 * blocks into one resource, and one of them would never be created.
 */
export class UniqueAddressesAspect implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack)) return;
    const duplicates = duplicateAddresses(node);
    if (duplicates.size === 0) return;
    const lines = [...duplicates].map(([address, paths]) => `  - ${address}: ${paths.join(", ")}`);
    throw new Error(
      `${node.node.path}: ${duplicates.size} address(es) claimed by more than one construct (their blocks would merge into one):\n` +
        `${lines.join("\n")}\nGive each construct its own logical id (overrideLogicalId).`,
    );
  }
}
