/** A stack's synthesized Terraform JSON (`cdk.tf.json`): resources under `resource.<type>.<name>`. */
export type TerraformJson = { resource?: Record<string, Record<string, Record<string, unknown>>>; [k: string]: unknown };

/** One resource that breaks one rule. */
export interface Finding {
  readonly rule: string;
  /** `<type>.<name>`, e.g. `aws_instance.llm`. */
  readonly address: string;
  readonly message: string;
  readonly fix: string;
}

/** One policy, checked against a whole stack. */
export interface PolicyRule {
  readonly id: string;
  /** The public rules this one mirrors (checkov, trivy, cdk-nag ids), so a scanner's finding maps to it. */
  readonly mirrors: readonly string[];
  readonly description: string;
  readonly fix: string;
  /** `[]` when compliant, or when the stack has no resource the rule applies to. */
  check(tf: TerraformJson): Finding[];
}
