import { literalRule } from "../literal-rule";

export const ssmAssociationCompliance = literalRule({
  id: "ssm-association-compliance",
  mirrors: ["AWS Config ec2-managedinstance-association-compliance-status-check", "Security Hub SSM.3"],
  description: "State Manager records each association run as association compliance, so a failed model pull shows as NON_COMPLIANT",
  fix: 'set sync_compliance = "AUTO" on the association',
  types: ["aws_ssm_association"],
  path: "sync_compliance",
  expected: "AUTO",
});
