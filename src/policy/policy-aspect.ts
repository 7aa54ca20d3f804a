import { IAspect, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { checkPolicies, PolicyError } from "./check";
import { POLICY_RULES } from "./rules";
import { PolicyRule, TerraformJson } from "./types";

/**
 * Applies the policy rules to a stack at synth: the stack's Terraform JSON, resolved as it will
 * be written, must have no finding. A finding fails the synth with the rule id and the fix.
 */
export class PolicyAspect implements IAspect {
  constructor(private readonly rules: readonly PolicyRule[] = POLICY_RULES) {}

  visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack)) return;
    // toTerraform() resolves every token, as the synthesizer writes it.
    const findings = checkPolicies(node.toTerraform() as TerraformJson, this.rules);
    if (findings.length > 0) throw new PolicyError(findings, this.rules);
  }
}
