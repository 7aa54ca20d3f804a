import { TerraformResource, TerraformStack } from "cdktf";
import { POLICY_RULES } from "./rules";

/** A rule deliberately not applied to one resource, and why. */
export interface Suppression {
  readonly rule: string;
  readonly reason: string;
}

const METADATA_TYPE = "ollama-fleet/policy-suppression";
/** Long enough to say why, as cdk-nag asks of its suppressions. */
export const MIN_REASON_LENGTH = 20;

/**
 * Exempts `resource` from one policy rule where the design deliberately differs from the public
 * rule it mirrors. The reason is required and shown at every synth, so the exemption stays visible.
 */
export function suppressPolicy(resource: TerraformResource, rule: string, reason: string): void {
  if (!POLICY_RULES.some((r) => r.id === rule)) {
    throw new Error(`suppressPolicy: no policy rule "${rule}" (known: ${POLICY_RULES.map((r) => r.id).join(", ")})`);
  }
  if (reason.trim().length < MIN_REASON_LENGTH) {
    throw new Error(
      `suppressPolicy: the suppression of "${rule}" on ${resource.node.path} needs a reason of at least ${MIN_REASON_LENGTH} characters saying why the design differs, got ${JSON.stringify(reason)}`,
    );
  }
  resource.node.addMetadata(METADATA_TYPE, { rule, reason: reason.trim() } satisfies Suppression);
}

/** Address (`type.name`) -> the suppressions declared on it, for every resource of `stack`. */
export function suppressionsOf(stack: TerraformStack): Map<string, Suppression[]> {
  const byAddress = new Map<string, Suppression[]>();
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof TerraformResource)) continue;
    const suppressions = construct.node.metadata.filter((m) => m.type === METADATA_TYPE).map((m) => m.data as Suppression);
    if (suppressions.length === 0) continue;
    const address = `${construct.terraformResourceType}.${construct.friendlyUniqueId}`;
    byAddress.set(address, [...(byAddress.get(address) ?? []), ...suppressions]);
  }
  return byAddress;
}
