import { finding, isExpression, isSet, resources, show } from "../terraform-json";
import { PolicyRule } from "../types";

// An expression counts: retention is sized per deployment, from an input the rule table checks.
export const logGroupRetention: PolicyRule = {
  id: "log-group-retention",
  mirrors: ["CKV_AWS_66"],
  description: "Log groups expire their events after a set number of days, so logs do not grow, and cost, forever",
  fix: "set retention_in_days on the log group to a CloudWatch Logs retention, e.g. 30",
  check(tf) {
    return resources(tf, "aws_cloudwatch_log_group").flatMap(({ address, body }) => {
      const days = body.retention_in_days;
      if (isExpression(days) || (typeof days === "number" && days > 0)) return [];
      return [finding(logGroupRetention, address, isSet(days) ? `retention_in_days is ${show(days)}, which never expires` : "retention_in_days is not set")];
    });
  },
};
