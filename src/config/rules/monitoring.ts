import { EMAIL_PATTERN, hclMatches, hclWhole, matches, Rule, SNS_TOPIC_ARN_PATTERN, valueRule, whole } from "./kit";

/** Alarms and the dashboard. */
export const monitoringRules: readonly Rule[] = [
  valueRule(
    "alarm-email",
    "alarm_email",
    "is not an e-mail address",
    'give one address, e.g. "ops@example.com", or "" for none',
    (e: string) => e === "" || matches(EMAIL_PATTERN, e),
    (v) => `${v} == "" || ${hclMatches(EMAIL_PATTERN, v)}`
  ),
  valueRule(
    "alarm-topic-arn",
    "alarm_topic_arn",
    "is not an SNS topic ARN",
    'use the ARN of an existing topic, e.g. "arn:aws:sns:ap-southeast-1:123456789012:ops", or "" for none',
    (a: string) => a === "" || matches(SNS_TOPIC_ARN_PATTERN, a),
    (v) => `${v} == "" || ${hclMatches(SNS_TOPIC_ARN_PATTERN, v)}`
  ),
  valueRule(
    "alarm-no-healthy-host-minutes",
    "alarm_no_healthy_host_minutes",
    "is not a number of minutes for the no-healthy-host alarm (a whole number from 1 to 1440)",
    "use e.g. 5",
    (m: number) => whole(m, 1, 1440),
    (v) => hclWhole(v, 1, 1440)
  ),
  valueRule(
    "alarm-5xx-percent",
    "alarm_5xx_percent",
    "is not a 5xx rate threshold (more than 0, at most 100 percent)",
    "use e.g. 5",
    (p: number) => p > 0 && p <= 100,
    (v) => `${v} > 0 && ${v} <= 100`
  ),
  valueRule(
    "dashboard-widgets",
    "dashboard_extra_widgets",
    "is not a list of CloudWatch dashboard widget objects",
    'give a list of widget objects, e.g. [{ type = "text", width = 24, height = 1, properties = { markdown = "Router" } }], or []',
    (w: unknown) => Array.isArray(w) && w.every((x) => typeof x === "object" && x !== null && !Array.isArray(x)),
    // A list's indexes are numbers, an object's keys are not; a string cannot be iterated.
    (v) => `try(alltrue([for i, w in ${v} : can(keys(w)) && can(i + 0)]), false)`
  ),
];
