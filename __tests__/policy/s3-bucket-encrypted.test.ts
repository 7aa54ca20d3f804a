import { s3BucketEncrypted } from "../../src/policy/rules/s3-bucket-encrypted";
import { stack } from "./fixtures";
import { compliantBucket, COUNT } from "./s3-fixtures";

describe("s3-bucket-encrypted", () => {
  test.each(["AES256", "aws:kms", "aws:kms:dsse"])("an encryption configuration with %s, created with the bucket, complies", (algorithm) => {
    // GIVEN
    const resources = compliantBucket();
    resources.aws_s3_bucket_server_side_encryption_configuration.cache.rule = [{ apply_server_side_encryption_by_default: { sse_algorithm: algorithm } }];
    // WHEN / THEN
    expect(s3BucketEncrypted.check(stack(resources))).toEqual([]);
  });

  test("a bucket no encryption configuration names is a finding", () => {
    // GIVEN a configuration of another bucket only
    const resources = compliantBucket();
    resources.aws_s3_bucket_server_side_encryption_configuration.cache.bucket = "${aws_s3_bucket.cache_logs[0].id}";
    // WHEN
    const findings = s3BucketEncrypted.check(stack(resources));
    // THEN
    expect(findings).toEqual([expect.objectContaining({ rule: "s3-bucket-encrypted", address: "aws_s3_bucket.cache", message: expect.stringContaining("no aws_s3_bucket_server_side_encryption_configuration names it") })]);
  });

  test.each([
    ["an unknown algorithm", [{ apply_server_side_encryption_by_default: { sse_algorithm: "none" } }], 'sse_algorithm is "none"'],
    ["an algorithm left to an expression", [{ apply_server_side_encryption_by_default: { sse_algorithm: "${var.sse}" } }], "sse_algorithm is the expression ${var.sse}"],
    ["no default encryption in the rule", [{ bucket_key_enabled: true }], "sse_algorithm is not set"],
  ])("%s is a finding", (_, rule, message) => {
    // GIVEN
    const resources = compliantBucket();
    resources.aws_s3_bucket_server_side_encryption_configuration.cache.rule = rule;
    // WHEN / THEN
    expect(s3BucketEncrypted.check(stack(resources))).toEqual([expect.objectContaining({ message: expect.stringContaining(message) })]);
  });

  test("a configuration that may be absent while the bucket exists (another count) is a finding", () => {
    // GIVEN
    const resources = compliantBucket();
    resources.aws_s3_bucket_server_side_encryption_configuration.cache.count = "${var.encrypt ? 1 : 0}";
    // WHEN / THEN
    expect(s3BucketEncrypted.check(stack(resources))).toEqual([expect.objectContaining({ message: expect.stringContaining(`the bucket's ${JSON.stringify(COUNT)}`) })]);
  });

  test("not applicable without buckets", () => {
    expect(s3BucketEncrypted.check(stack({ aws_instance: { llm: {} } }))).toEqual([]);
  });
});
