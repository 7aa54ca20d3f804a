// A bucket and its companions as the module writes them (count on each), for the S3 rules' tests.
import { Resources } from "./fixtures";

export const COUNT = '${var.model_cache_bucket == "create" ? 1 : 0}';
export const BUCKET_ID = "${aws_s3_bucket.cache[0].id}";
export const BUCKET_ARN = "${aws_s3_bucket.cache[0].arn}";

export const TLS_DENY = {
  sid: "DenyInsecureTransport",
  effect: "Deny",
  principals: [{ type: "*", identifiers: ["*"] }],
  actions: ["s3:*"],
  resources: [BUCKET_ARN, `${BUCKET_ARN}/*`],
  condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
};

/** A bucket every S3 rule passes: encrypted, public access blocked, HTTPS only, each companion with the bucket's count. */
export function compliantBucket(): Resources {
  return {
    aws_s3_bucket: { cache: { count: COUNT, bucket_prefix: "acme-model-cache-" } },
    aws_s3_bucket_server_side_encryption_configuration: {
      cache: { count: COUNT, bucket: BUCKET_ID, rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }] },
    },
    aws_s3_bucket_public_access_block: {
      cache: { count: COUNT, bucket: BUCKET_ID, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true },
    },
    aws_s3_bucket_policy: { cache: { count: COUNT, bucket: BUCKET_ID, policy: "${data.aws_iam_policy_document.cache[0].json}" } },
  };
}

export const POLICY_DOCUMENT = { aws_iam_policy_document: { cache: { count: COUNT, statement: [TLS_DENY] } } };
