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
 *
 * The check itself is a validation of the stack, which cdktf runs after every aspect has visited
 * every construct: aspects visit a stack before its resources, so a check made in `visit` would
 * miss what another aspect changes on a resource afterwards (an override of its metadata options,
 * say). `app.synth()` and `cdktf synth` run it; in tests, `Testing.synth(stack, true)` does.
 */
export class PolicyAspect implements IAspect {
  private readonly checked = new WeakSet<TerraformStack>();

  /**
   * @param reportSuppression which suppressed findings to report (an INFO line each); all by default.
   * A stack leaves out those of resources its inputs do not create.
   */
  constructor(
    private readonly rules: readonly PolicyRule[] = POLICY_RULES,
    private readonly reportSuppression: (address: string, rule: string) => boolean = () => true,
  ) {}

  visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack) || this.checked.has(node)) return;
    this.checked.add(node);
    node.node.addValidation({ validate: () => this.check(node) });
  }

  /** Throws a PolicyError naming every open finding; reports the suppressed ones. */
  private check(stack: TerraformStack): string[] {
    const suppressions = suppressionsOf(stack);
    const reasonFor = (rule: string, address: string) => suppressions.get(address)?.find((s) => s.rule === rule)?.reason;
    // toTerraform() resolves every token, as the synthesizer writes it.
    const findings = checkPolicies(stack.toTerraform() as TerraformJson, this.rules);
    const open = findings.filter((f) => reasonFor(f.rule, f.address) === undefined);
    for (const f of findings.filter((f) => !open.includes(f) && this.reportSuppression(f.address, f.rule))) {
      Annotations.of(stack).addInfo(`policy [${f.rule}] suppressed on ${f.address}: ${reasonFor(f.rule, f.address)}`);
    }
    if (open.length > 0) throw new PolicyError(open, this.rules);
    return [];
  }
}
