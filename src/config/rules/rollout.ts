import { hclDerivedListenerPriority, LISTENER_PRIORITY, listenerPriority, modelKey, TARGET_GROUP_NAMES } from "../derive";
import { eachModel, hclList, hclMatches, hclWhole, keyOf, matches, Rule, valueRule, whole } from "./kit";

/** The most the load balancer waits for a leaving server's requests (an ELB limit). */
export const MAX_DEREGISTRATION_DELAY_SECONDS = 3600;
/** State Manager's patterns (the AWS provider's validation): a number or a percentage of the targets. */
export const MAX_CONCURRENCY_PATTERN = "^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$";
export const MAX_ERRORS_PATTERN = "^([1-9][0-9]*|0|[1-9][0-9]%|[0-9]%|100%)$";

/** A model's listener rule priority in HCL, over the entry `c`: its listener_priority, else the derived one. */
const hclPriority = (c: string): string => `coalesce(${c}.listener_priority, ${hclDerivedListenerPriority(keyOf(c))})`;
/** Entries before `i` (`c`) whose rule would get the same priority; the same key is model-key-unique's to report. */
const hclEarlierSamePriority = (i: string, c: string): string =>
  `[for j, d in var.llm_ec2_configs : j if j < ${i} && ${keyOf("d")} != ${keyOf(c)} && ${hclPriority("d")} == ${hclPriority(c)}]`;

/** How a change rolls out to a running fleet: listener priorities, target group names, draining, paced pulls. */
export const rolloutRules: readonly Rule[] = [
  eachModel(
    "listener-priority",
    "listener_priority",
    `is not a listener rule priority of the module (a whole number from ${LISTENER_PRIORITY.min} to ${LISTENER_PRIORITY.max}; ` +
      `1 to ${LISTENER_PRIORITY.min - 1} are left to the original module's rules and to rules you add)`,
    `leave it out to derive it from the model, or use a whole number from ${LISTENER_PRIORITY.min} to ${LISTENER_PRIORITY.max} that no other model uses`,
    (c) => c.listener_priority === undefined || c.listener_priority === null || whole(c.listener_priority, LISTENER_PRIORITY.min, LISTENER_PRIORITY.max),
    `c.listener_priority == null ? true : (${hclWhole("c.listener_priority", LISTENER_PRIORITY.min, LISTENER_PRIORITY.max)})`
  ),
  {
    id: "listener-priority-unique",
    problem: "gives this model's listener rule the priority of an earlier model's rule (a listener takes each priority once)",
    fix:
      `set listener_priority on one of the two models to a whole number from ${LISTENER_PRIORITY.min} to ${LISTENER_PRIORITY.max} that no other model uses ` +
      "(on the new one: the other keeps its rule as it is)",
    find: (inputs) => {
      const configs = inputs.llm_ec2_configs;
      return configs.flatMap((c, i): Array<[string, unknown]> => {
        const j = configs.findIndex((d, k) => k < i && modelKey(d.llm_model) !== modelKey(c.llm_model) && listenerPriority(d) === listenerPriority(c));
        if (j < 0) return [];
        return [[`llm_ec2_configs[${i}].llm_model`, `${c.llm_model} (listener priority ${listenerPriority(c)}, as llm_ec2_configs[${j}].llm_model = ${configs[j].llm_model})`]];
      });
    },
    hcl: {
      variable: "llm_ec2_configs",
      // One hash per entry: the keys grouped by priority, one key to a priority. (The offenders,
      // evaluated only when this fails, compare the pairs.)
      condition: `alltrue([for p, keys in { for c in var.llm_ec2_configs : tostring(${hclPriority("c")}) => ${keyOf("c")}... } : length(distinct(keys)) == 1])`,
      offenders:
        `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].llm_model = %s (listener priority %d, as llm_ec2_configs[%d].llm_model = %s)", ` +
        `i, jsonencode(c.llm_model), ${hclPriority("c")}, ${hclEarlierSamePriority("i", "c")}[0], jsonencode(var.llm_ec2_configs[${hclEarlierSamePriority("i", "c")}[0]].llm_model)) ` +
        `if length(${hclEarlierSamePriority("i", "c")}) > 0]`,
    },
  },
  valueRule(
    "target-group-names",
    "target_group_names",
    `is not a target group naming (${TARGET_GROUP_NAMES.join(", ")})`,
    'use "model" (the original\'s names, the model\'s key) or "prefixed" (unique per deployment)',
    (n: string) => (TARGET_GROUP_NAMES as readonly string[]).includes(n),
    (v) => `contains(${hclList(TARGET_GROUP_NAMES)}, ${v})`
  ),
  valueRule(
    "deregistration-delay",
    "deregistration_delay_seconds",
    `is not a deregistration delay (a whole number of seconds from 0 to ${MAX_DEREGISTRATION_DELAY_SECONDS})`,
    "use the longest generation a request may take, e.g. 900 (the router's limit)",
    (d: number) => whole(d, 0, MAX_DEREGISTRATION_DELAY_SECONDS),
    (v) => hclWhole(v, 0, MAX_DEREGISTRATION_DELAY_SECONDS)
  ),
  valueRule(
    "pull-max-concurrency",
    "pull_models_max_concurrency",
    'is not a State Manager concurrency (a whole number from 1, or a percentage from "1%" to "100%")',
    'use "1" (one server at a time) or e.g. "50%"',
    (m: string) => matches(MAX_CONCURRENCY_PATTERN, m),
    (v) => hclMatches(MAX_CONCURRENCY_PATTERN, v)
  ),
  valueRule(
    "pull-max-errors",
    "pull_models_max_errors",
    'is not a State Manager error threshold (a whole number from 0, or a percentage from "0%" to "100%")',
    'use "0" (stop after the first failed server) or e.g. "1" or "10%"',
    (m: string) => matches(MAX_ERRORS_PATTERN, m),
    (v) => hclMatches(MAX_ERRORS_PATTERN, v)
  ),
];
