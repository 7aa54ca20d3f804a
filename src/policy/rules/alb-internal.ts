import { LOAD_BALANCER_TYPES } from "../security-groups";
import { literalRule } from "../literal-rule";

export const albInternal = literalRule({
  id: "alb-internal",
  mirrors: ["AVD-AWS-0053"],
  description: "Load balancers are internal; the public entry point is the API Gateway",
  fix: "set internal = true on the load balancer",
  types: LOAD_BALANCER_TYPES,
  path: "internal",
  expected: true,
});
