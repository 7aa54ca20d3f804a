import { finding, isNonEmptyString, nested, resources } from "../terraform-json";
import { PolicyRule } from "../types";

export const apiAccessLogs: PolicyRule = {
  id: "api-access-logs",
  mirrors: ["CKV_AWS_76", "AVD-AWS-0001", "AwsSolutions-APIG1"],
  description: "API stages write an access log line per request to a log group",
  fix: "set access_log_settings { destination_arn = <log group ARN>, format = <log line format> } on the stage",
  check(tf) {
    return resources(tf, "aws_apigatewayv2_stage").flatMap(({ address, body }) => {
      const settings = nested(body, "access_log_settings");
      if (!settings) return [finding(apiAccessLogs, address, "has no access_log_settings")];
      const missing = ["destination_arn", "format"].filter((attribute) => !isNonEmptyString(settings[attribute]));
      return missing.length === 0 ? [] : [finding(apiAccessLogs, address, `access_log_settings has no ${missing.join(" and no ")}`)];
    });
  },
};
