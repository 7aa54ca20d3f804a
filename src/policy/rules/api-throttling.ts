import { finding, isSet, nested, resources } from "../terraform-json";
import { PolicyRule } from "../types";

// Any value counts, an expression too: the limits are sized per deployment, often from an input.
export const apiThrottling: PolicyRule = {
  id: "api-throttling",
  mirrors: ["AWS Well-Architected REL05-BP02 throttle requests"],
  description: "API stages throttle requests, so a burst of clients cannot queue unbounded work on the GPU servers",
  fix: "set default_route_settings { throttling_rate_limit = <requests per second>, throttling_burst_limit = <requests> } on the stage",
  check(tf) {
    return resources(tf, "aws_apigatewayv2_stage").flatMap(({ address, body }) => {
      const settings = nested(body, "default_route_settings");
      if (!settings) return [finding(apiThrottling, address, "has no default_route_settings")];
      const missing = ["throttling_rate_limit", "throttling_burst_limit"].filter((attribute) => !isSet(settings[attribute]));
      return missing.length === 0 ? [] : [finding(apiThrottling, address, `default_route_settings has no ${missing.join(" and no ")}`)];
    });
  },
};
