/**
 * The rule table, enforced twice: by `findProblems` in TypeScript at synth, and by the module's
 * variable `validation` blocks and preconditions at plan (see `terraformChecks`). Each rule has
 * one TypeScript predicate and one HCL condition; a shared corpus of inputs runs through both.
 * One file per area; the order of RULES is the order of the module's validations.
 */
import { modelsRules } from "./models";
import { engineRules } from "./engines";
import { engineArgsRules } from "./engine-args";
import { networkRules } from "./network";
import { frontDoorRules } from "./front-door";
import { bootstrapRules } from "./bootstrap";
import { ollamaSettingsRules } from "./ollama-settings";
import { fleetRules } from "./fleet";
import { rolloutRules } from "./rollout";
import { monitoringRules } from "./monitoring";
import { routerRules } from "./router";
import { scalingRules } from "./scaling";
import { weightCacheRules } from "./weight-cache";
import { Finding, Problem, Rule, RuleInputs, TerraformCheck } from "./kit";

export {
  asgModelNames,
  CORS_ORIGIN_PATTERN,
  GP3,
  LOG_RETENTION_DAYS,
  MAX_CORS_ORIGIN_LENGTH,
  MAX_GRACE_PERIOD_SECONDS,
  MAX_GROUP_SIZE,
  MAX_MODEL_NAME_LENGTH,
  MAX_MODELS,
  MAX_PREFIX_LENGTH,
  MAX_ROUTER_CONCURRENCY,
  MAX_ROUTER_MODELS_LENGTH,
  MAX_ROUTER_TIMEOUT_SECONDS,
  MODEL_NAME_PART_PATTERNS,
  MODEL_NAME_PARTS,
  MODEL_NAME_SHAPE_PATTERN,
  REGION_ZONES_DATA,
  ROUTER_AUTH_MODES,
  ROUTER_MEMORY_MB,
  SERVER_MODES,
  RELEASE_PATTERN,
  VERSION_PATTERN,
} from "./kit";
export type { Finding, Problem, RuleInputs, TerraformCheck } from "./kit";
export { MODEL_CACHE_CREATE, MODEL_CACHE_OFF } from "./weight-cache";

export const RULES: readonly Rule[] = [
  ...modelsRules,
  ...engineRules,
  ...engineArgsRules,
  ...networkRules,
  ...frontDoorRules,
  ...bootstrapRules,
  ...ollamaSettingsRules,
  ...fleetRules,
  ...rolloutRules,
  ...monitoringRules,
  ...routerRules,
  ...scalingRules,
  ...weightCacheRules,
];

/**
 * Every problem of `inputs`, all rules at once. With `tolerant`, a rule that cannot read inputs whose
 * shape the schema already refused is skipped (its values are reported as schema problems).
 */
export function findProblems(inputs: RuleInputs, tolerant = false): Problem[] {
  return RULES.flatMap((rule) => {
    let findings: Finding[];
    try {
      findings = rule.find(inputs);
    } catch (error) {
      if (tolerant) return [];
      throw error;
    }
    return findings.map(([path, value, note]) => {
      const suggestion = rule.suggest?.(value);
      return {
        rule: rule.id,
        path,
        value,
        problem: rule.problem,
        fix: rule.fix,
        ...(note === undefined ? {} : { note }),
        ...(suggestion === undefined ? {} : { suggestion }),
      };
    });
  });
}

/** One line a person can act on: field, value, what is wrong (and what it was compared with), the nearest valid value, how to fix it. */
export function formatProblem(p: Problem): string {
  const note = p.note === undefined ? "" : ` (${p.note})`;
  const suggestion = p.suggestion === undefined ? "" : ` Did you mean ${JSON.stringify(p.suggestion)}?`;
  return `${p.path} = ${JSON.stringify(p.value)}: ${p.problem}${note}.${suggestion} Fix: ${p.fix}. [${p.rule}]`;
}

/** The HCL side of every rule, for the module's variables and preconditions. */
export function terraformChecks(): TerraformCheck[] {
  return RULES.map((rule) => ({
    rule: rule.id,
    variable: rule.hcl.variable,
    condition: `\${${rule.hcl.condition}}`,
    errorMessage: `[${rule.id}] \${join("; ", ${rule.hcl.offenders})}: ${rule.problem}. Fix: ${rule.fix}.`,
  }));
}
