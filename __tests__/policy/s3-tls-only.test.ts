import { s3BucketEncrypted } from "../../src/policy/rules/s3-bucket-encrypted";
import { s3PublicAccessBlocked } from "../../src/policy/rules/s3-public-access-blocked";
import { s3TlsOnly } from "../../src/policy/rules/s3-tls-only";
import { TerraformJson } from "../../src/policy/types";
import { synthModule } from "../helpers/synth";
import { stack } from "./fixtures";
import { BUCKET_ARN, compliantBucket, COUNT, POLICY_DOCUMENT, TLS_DENY } from "./s3-fixtures";

const withDocument = (statement: Record<string, unknown>) => ({
  ...stack(compliantBucket()),
  data: { aws_iam_policy_document: { cache: { count: COUNT, statement: [statement] } } },
});

describe("s3-tls-only", () => {
  test("a policy document denying everything over plain HTTP, on the bucket and its objects, complies", () => {
    expect(s3TlsOnly.check({ ...stack(compliantBucket()), data: POLICY_DOCUMENT })).toEqual([]);
  });

  test("the same statement as a JSON policy complies", () => {
    // GIVEN a literal bucket and a JSON policy naming it
    const resources = compliantBucket();
    resources.aws_s3_bucket.cache = { count: COUNT, bucket: "acme-weights" };
    resources.aws_s3_bucket_policy.cache.policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::acme-weights", "arn:aws:s3:::acme-weights/*"],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
    // WHEN / THEN
    expect(s3TlsOnly.check(stack(resources))).toEqual([]);
  });

  test.each([
    ["an Allow", { ...TLS_DENY, effect: "Allow" }],
    ["a deny of some actions only", { ...TLS_DENY, actions: ["s3:GetObject"] }],
    ["a deny for one account only", { ...TLS_DENY, principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:root"] }] }],
    ["a deny without the transport condition", { ...TLS_DENY, condition: [] }],
    ["a deny on the bucket but not its objects", { ...TLS_DENY, resources: [BUCKET_ARN] }],
    ["a deny on the objects but not the bucket", { ...TLS_DENY, resources: [`${BUCKET_ARN}/*`] }],
    ["a deny of another bucket", { ...TLS_DENY, resources: ["${aws_s3_bucket.other[0].arn}", "${aws_s3_bucket.other[0].arn}/*"] }],
  ])("%s is a finding", (_, statement) => {
    // WHEN
    const findings = s3TlsOnly.check(withDocument(statement));
    // THEN
    expect(findings).toEqual([expect.objectContaining({ address: "aws_s3_bucket.cache", message: expect.stringContaining("no statement denies every action") })]);
  });

  test("a policy the rule cannot read is a finding", () => {
    // GIVEN
    const resources = compliantBucket();
    resources.aws_s3_bucket_policy.cache.policy = "${var.bucket_policy}";
    // WHEN / THEN
    expect(s3TlsOnly.check(stack(resources))).toEqual([expect.objectContaining({ message: expect.stringContaining("neither JSON nor a reference") })]);
  });

  test("a bucket without a policy is a finding", () => {
    // GIVEN
    const resources = compliantBucket();
    delete resources.aws_s3_bucket_policy;
    // WHEN / THEN
    expect(s3TlsOnly.check(stack(resources))).toEqual([expect.objectContaining({ message: "no aws_s3_bucket_policy names it" })]);
  });
});

describe("the S3 rules on the module's own weight-cache bucket", () => {
  const module = synthModule().json as TerraformJson;

  test("the bucket the module may create passes all three", () => {
    expect(module.resource?.aws_s3_bucket).toHaveProperty("model_cache");
    for (const rule of [s3BucketEncrypted, s3PublicAccessBlocked, s3TlsOnly]) expect(rule.check(module)).toEqual([]);
  });

  test.each([
    ["aws_s3_bucket_server_side_encryption_configuration", "s3-bucket-encrypted"],
    ["aws_s3_bucket_public_access_block", "s3-public-access-blocked"],
    ["aws_s3_bucket_policy", "s3-tls-only"],
  ])("without its %s the bucket is a finding of %s", (type, rule) => {
    // GIVEN the module without that companion
    const resource = { ...module.resource };
    delete resource[type];
    const tf = { ...module, resource };
    // WHEN
    const findings = [s3BucketEncrypted, s3PublicAccessBlocked, s3TlsOnly].flatMap((r) => r.check(tf));
    // THEN
    expect(findings).toEqual([expect.objectContaining({ rule, address: "aws_s3_bucket.model_cache" })]);
  });
});
