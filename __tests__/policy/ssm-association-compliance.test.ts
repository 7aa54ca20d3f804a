import { ssmAssociationCompliance } from "../../src/policy/rules/ssm-association-compliance";
import { stack, UNRELATED } from "./fixtures";

describe("ssm-association-compliance", () => {
  test('sync_compliance = "AUTO" complies', () => {
    // GIVEN
    const tf = stack({ aws_ssm_association: { pull_models: { name: "${aws_ssm_document.pull_models.name}", sync_compliance: "AUTO" } } });
    // WHEN / THEN
    expect(ssmAssociationCompliance.check(tf)).toEqual([]);
  });

  test.each([
    ["MANUAL", { sync_compliance: "MANUAL" }, 'sync_compliance is "MANUAL"; it must be "AUTO"'],
    ["absent", {}, 'sync_compliance is not set; it must be "AUTO"'],
  ])("%s is a finding", (_, body, message) => {
    // GIVEN
    const tf = stack({ aws_ssm_association: { pull_models: body } });
    // WHEN
    const findings = ssmAssociationCompliance.check(tf);
    // THEN
    expect(findings).toEqual([expect.objectContaining({ rule: "ssm-association-compliance", address: "aws_ssm_association.pull_models", message })]);
  });

  test("not applicable without associations", () => {
    expect(ssmAssociationCompliance.check(UNRELATED)).toEqual([]);
  });
});
