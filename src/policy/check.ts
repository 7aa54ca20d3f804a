import { POLICY_RULES } from "./rules";
import { Finding, PolicyRule, TerraformJson } from "./types";

/** Every finding of every rule on a synthesized stack; `[]` when the stack complies. */
export function checkPolicies(tf: TerraformJson, rules: readonly PolicyRule[] = POLICY_RULES): Finding[] {
  return rules.flatMap((rule) => rule.check(tf));
}

/** `[<rule id>] <address>: <message>. Fix: <fix>. (mirrors <public ids>)` */
export function formatFinding(f: Finding, rules: readonly PolicyRule[] = POLICY_RULES): string {
  const mirrors = rules.find((rule) => rule.id === f.rule)?.mirrors ?? [];
  const line = `[${f.rule}] ${f.address}: ${f.message}. Fix: ${f.fix}.`;
  return mirrors.length === 0 ? line : `${line} (mirrors ${mirrors.join(", ")})`;
}

/** Thrown when a stack breaks policy rules; the message has one line per finding. */
export class PolicyError extends Error {
  constructor(
    readonly findings: readonly Finding[],
    rules: readonly PolicyRule[] = POLICY_RULES,
  ) {
    super([`${findings.length} policy finding(s):`, ...findings.map((f) => formatFinding(f, rules))].join("\n"));
    this.name = "PolicyError";
  }
}
