import { servicePrincipalScoped } from "../../src/policy/rules/service-principal-scoped";
import { TerraformJson } from "../../src/policy/types";
import { block, synthModule } from "../helpers/synth";
import { stack, UNRELATED } from "./fixtures";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:alarms";
const RULE = "arn:aws:events:eu-west-1:123456789012:rule/pull-failed";

/** A topic policy from a policy document, each statement built by `statement`. */
function withDocument(...statements: Array<Record<string, unknown>>): TerraformJson {
  return {
    ...stack({ aws_sns_topic_policy: { alarms: { arn: TOPIC, policy: "${data.aws_iam_policy_document.alarms[0].json}" } } }),
    data: { aws_iam_policy_document: { alarms: { count: 1, statement: statements } } },
  };
}
const grant = (service: string, condition: unknown[] = []) => ({
  sid: "Publish",
  actions: ["sns:Publish"],
  resources: [TOPIC],
  principals: [{ type: "Service", identifiers: [service] }],
  condition,
});
const onSource = (variable: string, value: string) => ({ test: "ArnEquals", variable, values: [value] });
/** A topic policy written as JSON text. */
const withJson = (policy: object) => stack({ aws_sns_topic_policy: { alarms: { arn: TOPIC, policy: JSON.stringify(policy) } } });

describe("service-principal-scoped", () => {
  test.each([
    ["aws:SourceArn", onSource("aws:SourceArn", RULE)],
    ["aws:SourceAccount (any spelling of the key)", { test: "StringEquals", variable: "AWS:SourceAccount", values: ["123456789012"] }],
  ])("a policy document granting a service on condition of %s complies", (_, condition) => {
    expect(servicePrincipalScoped.check(withDocument(grant("events.amazonaws.com", [condition])))).toEqual([]);
  });

  test("a JSON policy whose service statement names its source complies; statements for accounts and denials are not its business", () => {
    const tf = withJson({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: ["events.amazonaws.com"] }, Action: "sns:Publish", Resource: TOPIC, Condition: { ArnEquals: { "aws:SourceArn": RULE } } },
        { Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sns:Subscribe", Resource: TOPIC },
        { Effect: "Deny", Principal: { Service: "s3.amazonaws.com" }, Action: "sns:Publish", Resource: TOPIC },
      ],
    });
    expect(servicePrincipalScoped.check(tf)).toEqual([]);
  });

  test("a policy document statement granting services without a source condition is a finding naming the statement and the services", () => {
    // GIVEN a statement scoped on another key only
    const tf = withDocument(grant("cloudwatch.amazonaws.com", [{ test: "StringEquals", variable: "aws:PrincipalOrgID", values: ["o-abc"] }]));
    // WHEN
    const findings = servicePrincipalScoped.check(tf);
    // THEN
    expect(findings).toEqual([
      expect.objectContaining({
        rule: "service-principal-scoped",
        address: "aws_sns_topic_policy.alarms",
        message: "statement Publish allows cloudwatch.amazonaws.com without a condition on aws:SourceArn or aws:SourceAccount",
      }),
    ]);
  });

  test("a JSON policy granting a service unconditioned is a finding, as any resource policy type is", () => {
    const policy = { Statement: { Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage", Resource: "*" } };
    const tf = stack({ aws_sqs_queue_policy: { q: { queue_url: "u", policy: JSON.stringify(policy) } } });
    expect(servicePrincipalScoped.check(tf)).toEqual([expect.objectContaining({ address: "aws_sqs_queue_policy.q", message: expect.stringContaining("statement #0 allows events.amazonaws.com") })]);
  });

  test.each([
    ["an HCL expression (jsonencode)", '${jsonencode({ Statement = [{ Principal = { Service = "events.amazonaws.com" } }] })}', "cannot be checked before plan"],
    ["a document merged from others", "${data.aws_iam_policy_document.merged.json}", "merges other documents (source_policy_documents)"],
    ["text that is not JSON", "Statement: allow", "is not JSON"],
  ])("a policy the synth cannot read is a finding (fail closed): %s", (_, policy, message) => {
    const tf: TerraformJson = {
      ...stack({ aws_sns_topic_policy: { alarms: { arn: TOPIC, policy } } }),
      data: { aws_iam_policy_document: { merged: { source_policy_documents: ["${var.extra}"] } } },
    };
    expect(servicePrincipalScoped.check(tf)).toEqual([expect.objectContaining({ address: "aws_sns_topic_policy.alarms", message: expect.stringContaining(message) })]);
  });

  test.each([
    ["source_arn", { source_arn: RULE }, []],
    ["source_account", { source_account: "123456789012" }, []],
    ["neither", {}, ["aws_lambda_permission.events"]],
  ])("a Lambda permission for a service with %s", (_, scope, expected) => {
    const tf = stack({ aws_lambda_permission: { events: { function_name: "f", action: "lambda:InvokeFunction", principal: "events.amazonaws.com", ...scope } } });
    expect(servicePrincipalScoped.check(tf).map((f) => f.address)).toEqual(expected);
  });

  test("not applicable without resource policies or permissions for services", () => {
    expect(servicePrincipalScoped.check(UNRELATED)).toEqual([]);
    expect(servicePrincipalScoped.check(stack({ aws_lambda_permission: { url: { principal: "*" } } }))).toEqual([]);
  });

  test("the module's alarm topic policy complies, and would not as the unscoped grant it replaced", () => {
    // GIVEN the committed module's synthesized JSON
    const json = synthModule().json as TerraformJson;
    // WHEN / THEN it complies
    expect(servicePrincipalScoped.check(json)).toEqual([]);
    // and the policy it had before (both services, no condition) is a finding
    const before = JSON.parse(JSON.stringify(json)) as TerraformJson;
    const document = block(before as never, "aws_sns_topic_policy", "alarms");
    document.policy =
      '${jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = ["cloudwatch.amazonaws.com", "events.amazonaws.com"] }, Action = "sns:Publish", Resource = aws_sns_topic.alarms[0].arn }] })}';
    expect(servicePrincipalScoped.check(before).map((f) => f.address)).toEqual(["aws_sns_topic_policy.alarms"]);
    // as is the document without its conditions
    const unscoped = JSON.parse(JSON.stringify(json)) as { data: { aws_iam_policy_document: { alarms: { statement: Array<Record<string, unknown>> } } } };
    for (const statement of unscoped.data.aws_iam_policy_document.alarms.statement) delete statement.condition;
    expect(servicePrincipalScoped.check(unscoped as unknown as TerraformJson).map((f) => f.message)).toEqual([
      "statement Alarms allows cloudwatch.amazonaws.com without a condition on aws:SourceArn or aws:SourceAccount",
      "statement PullFailures allows events.amazonaws.com without a condition on aws:SourceArn or aws:SourceAccount",
    ]);
  });
});
