import { apiDomainTls12 } from "../../src/policy/rules/api-domain-tls12";
import { stack, UNRELATED } from "./fixtures";

const domain = (configuration: Record<string, unknown>) =>
  stack({ aws_apigatewayv2_domain_name: { llm: { domain_name: "${var.api_gw_domain}", domain_name_configuration: configuration } } });

describe("api-domain-tls12", () => {
  test("TLS_1_2 complies", () => {
    // GIVEN
    const tf = domain({ certificate_arn: "${var.cert}", endpoint_type: "REGIONAL", security_policy: "TLS_1_2" });
    // WHEN / THEN
    expect(apiDomainTls12.check(tf)).toEqual([]);
  });

  test.each([
    ["TLS_1_0", { security_policy: "TLS_1_0" }, 'domain_name_configuration.security_policy is "TLS_1_0"; it must be "TLS_1_2"'],
    ["no policy", { endpoint_type: "REGIONAL" }, 'domain_name_configuration.security_policy is not set; it must be "TLS_1_2"'],
  ])("%s is a finding", (_, configuration, message) => {
    // GIVEN
    const tf = domain(configuration);
    // WHEN
    const findings = apiDomainTls12.check(tf);
    // THEN
    expect(findings).toEqual([expect.objectContaining({ rule: "api-domain-tls12", address: "aws_apigatewayv2_domain_name.llm", message })]);
  });

  test("not applicable without custom domains", () => {
    expect(apiDomainTls12.check(UNRELATED)).toEqual([]);
  });
});
