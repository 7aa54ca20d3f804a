import { s3PublicAccessBlocked } from "../../src/policy/rules/s3-public-access-blocked";
import { stack } from "./fixtures";
import { compliantBucket } from "./s3-fixtures";

const SETTINGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

describe("s3-public-access-blocked", () => {
  test("a block with all four settings true, created with the bucket, complies", () => {
    expect(s3PublicAccessBlocked.check(stack(compliantBucket()))).toEqual([]);
  });

  test.each(SETTINGS)("%s = false is a finding naming it", (setting) => {
    // GIVEN
    const resources = compliantBucket();
    resources.aws_s3_bucket_public_access_block.cache[setting] = false;
    // WHEN
    const findings = s3PublicAccessBlocked.check(stack(resources));
    // THEN
    expect(findings).toEqual([expect.objectContaining({ address: "aws_s3_bucket.cache", message: expect.stringContaining(`${setting} is false`) })]);
  });

  test("a setting left to an expression is a finding (it could be false)", () => {
    // GIVEN
    const resources = compliantBucket();
    resources.aws_s3_bucket_public_access_block.cache.restrict_public_buckets = "${var.restrict}";
    // WHEN / THEN
    expect(s3PublicAccessBlocked.check(stack(resources))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("restrict_public_buckets is the expression ${var.restrict}") }),
    ]);
  });

  test("a bucket without a public access block is a finding", () => {
    // GIVEN
    const resources = compliantBucket();
    delete resources.aws_s3_bucket_public_access_block;
    // WHEN / THEN
    expect(s3PublicAccessBlocked.check(stack(resources))).toEqual([expect.objectContaining({ message: "no aws_s3_bucket_public_access_block names it" })]);
  });

  test("a block created without the bucket's count is a finding", () => {
    // GIVEN
    const resources = compliantBucket();
    delete resources.aws_s3_bucket_public_access_block.cache.count;
    // WHEN / THEN
    expect(s3PublicAccessBlocked.check(stack(resources))).toEqual([expect.objectContaining({ message: expect.stringContaining("its count is null") })]);
  });
});
