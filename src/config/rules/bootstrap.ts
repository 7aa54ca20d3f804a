import { GP3, hclMatches, hclWhole, LOG_RETENTION_DAYS, matches, RELEASE_CANDIDATE_PATTERN, Rule, SCHEDULE_PATTERN, valueRule, VERSION_PATTERN, whole } from "./kit";

/** What the servers install and pull, when the pulls run again, and the root volume's speed. */
export const bootstrapRules: readonly Rule[] = [
  valueRule(
    "ollama-version",
    "ollama_version",
    "is not an Ollama release number",
    'use a release such as "0.13.0" (see the Ollama releases page)',
    (o: string) => matches(VERSION_PATTERN, o),
    (v) => hclMatches(VERSION_PATTERN, v)
  ),
  valueRule(
    "ollama-version-candidate",
    "ollama_version",
    "is a release candidate: ollama.com serves a candidate only until its release is out, so a server started later (a replacement, a scale-out) could not install it",
    'pin a release, e.g. "0.14.0" rather than "0.14.0-rc1"',
    (o: string) => !matches(RELEASE_CANDIDATE_PATTERN, o),
    (v) => `!${hclMatches(RELEASE_CANDIDATE_PATTERN, v)}`
  ),
  valueRule(
    "pull-wait",
    "pull_models_wait_seconds",
    "is not a wait for the model pulls (0 for none, else a whole number of seconds from 15 to 172800)",
    "use 0, or e.g. 3600 to make apply wait up to an hour for the pulls",
    (w: number) => w === 0 || whole(w, 15, 172800),
    (v) => `${v} == 0 || (${hclWhole(v, 15, 172800)})`
  ),
  valueRule(
    "pull-schedule",
    "pull_models_schedule",
    'is not a State Manager schedule ("" for none, a rate of 30 minutes or more, or a cron expression)',
    'use e.g. "rate(30 minutes)", "rate(1 hour)" or "cron(0 */2 * * ? *)", or "" to pull at creation only',
    (s: string) => s === "" || matches(SCHEDULE_PATTERN, s),
    (v) => `${v} == "" || ${hclMatches(SCHEDULE_PATTERN, v)}`
  ),
  valueRule(
    "server-log-retention",
    "server_log_retention_days",
    `is not a CloudWatch Logs retention (one of ${LOG_RETENTION_DAYS.join(", ")}; the servers' log group always expires)`,
    "use e.g. 30, or 365 to keep a year of the servers' bootstrap logs",
    (d: number) => LOG_RETENTION_DAYS.includes(d),
    (v) => `contains([${LOG_RETENTION_DAYS.join(", ")}], ${v})`
  ),
  valueRule(
    "ebs-throughput",
    "ebs_throughput_mibps",
    `is not a gp3 throughput (a whole number of MiB/s from ${GP3.minThroughput} to ${GP3.maxThroughput})`,
    `use e.g. 500 (${GP3.minThroughput} is included in the volume's price)`,
    (t: number) => whole(t, GP3.minThroughput, GP3.maxThroughput),
    (v) => hclWhole(v, GP3.minThroughput, GP3.maxThroughput)
  ),
  valueRule(
    "ebs-iops",
    "ebs_iops",
    `is not a gp3 IOPS figure (a whole number from ${GP3.minIops} to ${GP3.maxIops})`,
    `use e.g. ${GP3.minIops} (included in the volume's price)`,
    (i: number) => whole(i, GP3.minIops, GP3.maxIops),
    (v) => hclWhole(v, GP3.minIops, GP3.maxIops)
  ),
  {
    id: "ebs-throughput-per-iops",
    problem: `is more than gp3 allows for ebs_iops (at most 0.25 MiB/s per IOPS: throughput x ${GP3.iopsPerMibps} <= IOPS)`,
    fix: `lower ebs_throughput_mibps, or raise ebs_iops to at least ${GP3.iopsPerMibps} x the throughput (1000 MiB/s needs 4000 IOPS)`,
    find: (inputs) =>
      inputs.ebs_throughput_mibps * GP3.iopsPerMibps <= inputs.ebs_iops ? [] : [["ebs_throughput_mibps", inputs.ebs_throughput_mibps]],
    hcl: {
      condition: `var.ebs_throughput_mibps * ${GP3.iopsPerMibps} <= var.ebs_iops`,
      offenders: `[format("ebs_throughput_mibps = %s with ebs_iops = %s", jsonencode(var.ebs_throughput_mibps), jsonencode(var.ebs_iops))]`,
    },
  },
  {
    id: "ebs-iops-per-gib",
    problem: `is too small for ebs_iops (gp3 gives at most ${GP3.iopsPerGib} IOPS per GiB above the included ${GP3.minIops})`,
    fix: `grow the volume to at least ebs_iops / ${GP3.iopsPerGib} GiB, or lower ebs_iops`,
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap(
        (c, i): Array<[string, unknown]> =>
          inputs.ebs_iops <= Math.max(GP3.minIops, GP3.iopsPerGib * c.ebs_volume_gb)
            ? []
            : [[`llm_ec2_configs[${i}].ebs_volume_gb`, c.ebs_volume_gb]]
      ),
    hcl: {
      condition: `alltrue([for c in var.llm_ec2_configs : var.ebs_iops <= max(${GP3.minIops}, ${GP3.iopsPerGib} * c.ebs_volume_gb)])`,
      offenders:
        `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].ebs_volume_gb = %s with ebs_iops = %s", i, jsonencode(c.ebs_volume_gb), jsonencode(var.ebs_iops)) ` +
        `if var.ebs_iops > max(${GP3.minIops}, ${GP3.iopsPerGib} * c.ebs_volume_gb)]`,
    },
  },
];
