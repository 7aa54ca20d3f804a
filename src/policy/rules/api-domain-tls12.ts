import { literalRule } from "../literal-rule";

export const apiDomainTls12 = literalRule({
  id: "api-domain-tls12",
  mirrors: ["AVD-AWS-0005"],
  description: "API custom domains accept TLS 1.2 and later only",
  fix: 'set domain_name_configuration { security_policy = "TLS_1_2" } on the domain name',
  types: ["aws_apigatewayv2_domain_name"],
  path: "domain_name_configuration.security_policy",
  expected: "TLS_1_2",
});
