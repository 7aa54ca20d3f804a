import { LOAD_BALANCER_TYPES } from "../security-groups";
import { isExpression } from "../terraform-json";
import { literalRule } from "../literal-rule";

export const albDropInvalidHeaders = literalRule({
  id: "alb-drop-invalid-headers",
  mirrors: ["CKV_AWS_131", "AVD-AWS-0052"],
  description: "Application load balancers drop requests with invalid HTTP header fields (request smuggling)",
  fix: "set drop_invalid_header_fields = true on the load balancer",
  types: LOAD_BALANCER_TYPES,
  path: "drop_invalid_header_fields",
  expected: true,
  // An absent type is "application"; a type still in an expression may be one.
  appliesTo: ({ body }) => {
    const type = body.load_balancer_type;
    return type === undefined || type === "application" || isExpression(type);
  },
});
