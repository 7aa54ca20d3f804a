import { Annotations, IAspect, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { checkPolicies, PolicyError } from "./check";
import { POLICY_RULES } from "./rules";
import { suppressionsOf } from "./suppressions";
import { PolicyRule, TerraformJson } from "./types";

/**
 * Applies the policy rules to a stack at synth: the stack's Terraform JSON, resolved as it will
 * be written, must have no finding. A finding fails the synth with the rule id and the fix; one
 * that a resource suppresses (`suppressPolicy`, with its reason) is reported instead.
 */
export class PolicyAspect implements IAspect {
  constructor(private readonly rules: readonly PolicyRule[] = POLICY_RULES) {}

  visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack)) return;
    const suppressions = suppressionsOf(node);
    const reasonFor = (rule: string, address: string) => suppressions.get(address)?.find((s) => s.rule === rule)?.reason;
    // toTerraform() resolves every token, as the synthesizer writes it.
    const findings = checkPolicies(node.toTerraform() as TerraformJson, this.rules);
    const open = findings.filter((f) => reasonFor(f.rule, f.address) === undefined);
    for (const f of findings.filter((f) => !open.includes(f))) {
      Annotations.of(node).addInfo(`policy [${f.rule}] suppressed on ${f.address}: ${reasonFor(f.rule, f.address)}`);
    }
    if (open.length > 0) throw new PolicyError(open, this.rules);
  }
}
