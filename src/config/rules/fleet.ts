import { derivedGracePeriod, hclDerivedGracePeriod } from "../../catalog/first-load";
import {
  asgModelNames,
  capacityOf,
  capacityOk,
  CRON_PATTERN,
  eachModel,
  eachSchedule,
  HCL_ASG_MODEL_NAMES,
  HCL_MODE,
  hclCapacityOk,
  hclList,
  hclMatches,
  hclUsesAsgOptions,
  hclWhole,
  matches,
  MAX_GRACE_PERIOD_SECONDS,
  MAX_GROUP_SIZE,
  Rule,
  SCHEDULE_NAME_PATTERN,
  SERVER_MODES,
  TIME_ZONE_PATTERN,
  usesAsgOptions,
  valueRule,
  whole,
} from "./kit";

/** Auto Scaling servers and their schedules. */
export const fleetRules: readonly Rule[] = [
  eachModel(
    "server-mode",
    "server_mode",
    `is not a server mode (${SERVER_MODES.join(", ")})`,
    'use "instance" (one EC2 instance) or "asg" (an Auto Scaling group), or leave it out for default_server_mode',
    (c) => (SERVER_MODES as readonly string[]).includes(c.server_mode),
    // Terraform's || evaluates both sides: a conditional keeps null away from contains().
    `c.server_mode == null ? true : contains(${hclList(SERVER_MODES)}, c.server_mode)`
  ),
  {
    id: "asg-capacity",
    problem: `is not an Auto Scaling group size (whole numbers from 0 to ${MAX_GROUP_SIZE}, min_size <= desired_capacity <= max_size)`,
    fix: "set min_size, desired_capacity and max_size in that order, e.g. 1, 1, 2",
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Array<[string, unknown]> => (capacityOk(c) ? [] : [[`llm_ec2_configs[${i}]`, capacityOf(c)]])),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for c in var.llm_ec2_configs : ${hclCapacityOk("c")}])`,
      offenders:
        `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d] = %s", i, jsonencode({ min_size = c.min_size, max_size = c.max_size, desired_capacity = c.desired_capacity })) ` +
        `if !(${hclCapacityOk("c")})]`,
    },
  },
  eachModel(
    "warm-pool-spot",
    "warm_pool",
    "is true on a spot model: Auto Scaling takes no warm pool on a group that requests spot instances",
    "choose one: spot (cheaper) or warm_pool (faster scale-out with the model on disk)",
    (c) => !(c.spot && c.warm_pool),
    `!(c.spot && c.warm_pool)`
  ),
  {
    id: "asg-options",
    problem:
      "is instance, but the entry sets Auto Scaling options (spot, warm_pool, scaling, or sizes other than 1, 1, 1), which only Auto Scaling groups have",
    fix: 'set server_mode = "asg" on the entry (or default_server_mode = "asg"), or remove the options',
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap(
        (c, i): Array<[string, unknown]> =>
          c.server_mode !== "asg" && usesAsgOptions(c) ? [[`llm_ec2_configs[${i}].server_mode`, c.server_mode]] : []
      ),
    hcl: {
      condition: `alltrue([for c in var.llm_ec2_configs : ${HCL_MODE("c")} == "asg" || !${hclUsesAsgOptions("c")}])`,
      offenders:
        `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].server_mode = %s", i, jsonencode(${HCL_MODE("c")})) ` +
        `if ${HCL_MODE("c")} != "asg" && ${hclUsesAsgOptions("c")}]`,
    },
  },
  valueRule(
    "default-server-mode",
    "default_server_mode",
    `is not a server mode (${SERVER_MODES.join(", ")})`,
    'use "instance" (the original\'s single servers) or "asg"',
    (m: string) => (SERVER_MODES as readonly string[]).includes(m),
    (v) => `contains(${hclList(SERVER_MODES)}, ${v})`
  ),
  valueRule(
    "asg-grace-period",
    "asg_health_check_grace_period_seconds",
    `is not a health check grace period (a whole number of seconds from 0 to ${MAX_GRACE_PERIOD_SECONDS}, or null: derived per model)`,
    "use the seconds a new server needs to install its engine and load its model, e.g. 1800, or leave it out",
    (g: number | null) => g === null || whole(g, 0, MAX_GRACE_PERIOD_SECONDS),
    (v) => `${v} == null ? true : (${hclWhole(v, 0, MAX_GRACE_PERIOD_SECONDS)})`
  ),
  // The derived grace period of a vLLM model in a group (src/catalog/first-load.ts) must fit what Auto
  // Scaling waits: a warm pool's model-ready hook times out after at most MAX_GRACE_PERIOD_SECONDS.
  {
    id: "vllm-first-load",
    problem:
      `is a vLLM model in an Auto Scaling group whose first load (image, weights' download and load, warm-up, plus a quarter) ` +
      `probably takes longer than the ${MAX_GRACE_PERIOD_SECONDS} s a group can wait for it, with asg_health_check_grace_period_seconds left to be derived`,
    fix:
      'serve a quantized checkpoint (FP8, AWQ, GPTQ), use server_mode = "instance" (no grace period), or set asg_health_check_grace_period_seconds ' +
      `(up to ${MAX_GRACE_PERIOD_SECONDS}; it then applies to every group)`,
    find: (inputs) =>
      inputs.asg_health_check_grace_period_seconds !== null
        ? []
        : inputs.llm_ec2_configs.flatMap((c, i): Array<[string, unknown]> => {
            const grace = derivedGracePeriod(c, inputs.ebs_throughput_mibps).seconds;
            return c.server_mode === "asg" && grace > MAX_GRACE_PERIOD_SECONDS ? [[`llm_ec2_configs[${i}].llm_model`, `${c.llm_model} (about ${grace} s)`]] : [];
          }),
    // A precondition, not a validation: it reads three variables (as asg-options does).
    hcl: {
      condition:
        `var.asg_health_check_grace_period_seconds != null ? true : alltrue([for c in var.llm_ec2_configs : ` +
        `${HCL_MODE("c")} != "asg" ? true : ${hclDerivedGracePeriod("c", "var.ebs_throughput_mibps")} <= ${MAX_GRACE_PERIOD_SECONDS}])`,
      offenders:
        `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].llm_model = %s (about %d s)", i, jsonencode(c.llm_model), ${hclDerivedGracePeriod("c", "var.ebs_throughput_mibps")}) ` +
        `if var.asg_health_check_grace_period_seconds == null && ${HCL_MODE("c")} == "asg" && ${hclDerivedGracePeriod("c", "var.ebs_throughput_mibps")} > ${MAX_GRACE_PERIOD_SECONDS}]`,
    },
  },
  eachSchedule(
    "schedule-name",
    "name",
    "is not a usable schedule name (1-64 letters, digits, - and _, starting with a letter or digit, unique among the schedules)",
    'name each schedule once, e.g. "weekday-night"',
    (sc, i, all) => matches(SCHEDULE_NAME_PATTERN, sc.name) && all.findIndex((o) => o.name === sc.name) === i,
    `${hclMatches(SCHEDULE_NAME_PATTERN, "s.name")} && index(var.schedules[*].name, s.name) == i`
  ),
  eachSchedule(
    "schedule-recurrence",
    "recurrence",
    "is not a Unix cron expression of five numeric fields (minute hour day-of-month month day-of-week, Sunday 0)",
    'write e.g. "0 20 * * 1-5" for 20:00 on weekdays',
    (sc) => matches(CRON_PATTERN, sc.recurrence),
    hclMatches(CRON_PATTERN, "s.recurrence")
  ),
  eachSchedule(
    "schedule-time-zone",
    "time_zone",
    "is not a canonical IANA time zone name",
    'use a name such as "Europe/Berlin", "America/New_York" or "UTC" (abbreviations like "PST" are not zones)',
    (sc) => matches(TIME_ZONE_PATTERN, sc.time_zone ?? "UTC"),
    hclMatches(TIME_ZONE_PATTERN, "s.time_zone")
  ),
  {
    id: "schedule-capacity",
    problem: `is not a group size (whole numbers from 0 to ${MAX_GROUP_SIZE}, min_size <= desired_capacity <= max_size)`,
    fix: "set min_size, desired_capacity and max_size in that order, e.g. 0, 0, 0 for the night",
    find: (inputs) =>
      inputs.schedules.flatMap((sc, i): Array<[string, unknown]> => (capacityOk(sc) ? [] : [[`schedules[${i}]`, capacityOf(sc)]])),
    hcl: {
      variable: "schedules",
      condition: `alltrue([for s in var.schedules : ${hclCapacityOk("s")}])`,
      offenders:
        `[for i, s in var.schedules : format("schedules[%d] = %s", i, jsonencode({ min_size = s.min_size, max_size = s.max_size, desired_capacity = s.desired_capacity })) ` +
        `if !(${hclCapacityOk("s")})]`,
    },
  },
  {
    id: "schedule-models",
    problem: 'must name models whose server_mode is "asg" (only Auto Scaling groups follow schedules), and apply to at least one',
    fix: 'list models by llm_model that run in "asg" mode, or leave models out for every model in "asg" mode',
    find: (inputs) => {
      const asg = asgModelNames(inputs);
      return inputs.schedules.flatMap(
        (sc, i): Array<[string, unknown]> =>
          (sc.models === undefined || sc.models === null ? asg.length > 0 : sc.models.length > 0 && sc.models.every((m) => asg.includes(m)))
            ? []
            : [[`schedules[${i}].models`, sc.models ?? null]]
      );
    },
    hcl: {
      condition:
        `alltrue([for s in var.schedules : s.models == null ? length(${HCL_ASG_MODEL_NAMES}) > 0 : ` +
        `(length(s.models) > 0 && length(setsubtract(s.models, ${HCL_ASG_MODEL_NAMES})) == 0)])`,
      offenders:
        `[for i, s in var.schedules : format("schedules[%d].models = %s", i, jsonencode(s.models)) if !(s.models == null ? length(${HCL_ASG_MODEL_NAMES}) > 0 : ` +
        `(length(s.models) > 0 && length(setsubtract(s.models, ${HCL_ASG_MODEL_NAMES})) == 0))]`,
    },
  },
];
