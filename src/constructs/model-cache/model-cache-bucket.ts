import { Token } from "cdktf";
import { Construct } from "constructs";
import {
  DataAwsIamPolicyDocument,
  S3Bucket,
  S3BucketLifecycleConfiguration,
  S3BucketOwnershipControls,
  S3BucketPolicy,
  S3BucketPublicAccessBlock,
  S3BucketServerSideEncryptionConfigurationA,
} from "../../aws";
import { hclText } from "../hcl";
import { address, only } from "../refs";
import { ABORT_UPLOADS_DAYS, TRASH_DAYS, TRASH_PREFIX } from "./layout";
import { ConditionalPrefixes, prefixList } from "./model-cache-access";

/** The created bucket's name is `<prefix>-model-cache-` and a suffix Terraform makes unique: `bucket_prefix` takes 37 characters. */
export const BUCKET_NAME_STEM_LENGTH = 24;
export const BUCKET_NAME_SUFFIX = "-model-cache-";

export interface ModelCacheBucketProps {
  /** Whether to create the bucket (an HCL condition, or a literal). */
  readonly create: boolean | string;
  /** The deployment's prefix, the start of the bucket's name (lower-cased, at most 24 characters of it). */
  readonly namePrefix: string;
  /** The cache's key prefix in the bucket, ending in `/`. */
  readonly cachePrefix: string;
  /**
   * Sub-prefixes of the cache prefix whose objects, once complete, never change: every principal
   * must create them with `If-None-Match: *` (an upload's parts excepted), so no upload replaces one.
   */
  readonly writeOncePrefixes: readonly string[];
  /** More write-once sub-prefixes, while a condition holds. */
  readonly conditionalPrefixes?: ConditionalPrefixes;
}

/**
 * The weight cache's own bucket (model_cache_bucket = "create"): SSE-S3 encrypted, owner-enforced
 * (no ACLs), every public access blocked, HTTPS only, versioning off (a cache needs no history),
 * and a lifecycle that aborts abandoned uploads and empties the trash. It holds a copy of public
 * model weights, so `terraform destroy` removes it with its content.
 */
export class ModelCacheBucket extends Construct {
  public readonly bucket: S3Bucket;
  /** The bucket's name and ARN, as HCL operands (valid only when it is created). */
  public readonly name: string;
  public readonly arn: string;

  constructor(scope: Construct, id: string, props: ModelCacheBucketProps) {
    super(scope, id);
    const count = Token.asNumber(`\${${hclText(this, props.create)} ? 1 : 0}`);
    const namePrefix = hclText(this, props.namePrefix);
    const cachePrefix = hclText(this, props.cachePrefix);

    this.bucket = new S3Bucket(this, "bucket", {
      count,
      bucketPrefix: Token.asString(`\${format("%s${BUCKET_NAME_SUFFIX}", substr(lower(${namePrefix}), 0, ${BUCKET_NAME_STEM_LENGTH}))}`),
      forceDestroy: true,
    });
    this.bucket.overrideLogicalId("model_cache");
    const bucketId = only(this.bucket, "id");
    this.name = `${address(this.bucket)}[0].bucket`;
    this.arn = `${address(this.bucket)}[0].arn`;

    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      count,
      bucket: bucketId,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    }).overrideLogicalId("model_cache");

    new S3BucketPublicAccessBlock(this, "public_access", {
      count,
      bucket: bucketId,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }).overrideLogicalId("model_cache");

    new S3BucketOwnershipControls(this, "ownership", {
      count,
      bucket: bucketId,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    }).overrideLogicalId("model_cache");

    const arn = only(this.bucket, "arn");
    const writeOnce = `[for p in ${prefixList(this, props.writeOncePrefixes, props.conditionalPrefixes)} : format("%s/%s%s*", ${this.arn}, ${cachePrefix}, p)]`;
    const policy = new DataAwsIamPolicyDocument(this, "policy_document", {
      count,
      statement: [
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["s3:*"],
          resources: [arn, `${arn}/*`],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
        {
          // A complete model file never changes: a copy a server verified stays the copy every other server gets.
          sid: "DenyOverwritingCacheObjects",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["s3:PutObject"],
          resources: Token.asList(`\${${writeOnce}}`),
          condition: [
            { test: "Null", variable: "s3:if-none-match", values: ["true"] },
            { test: "Bool", variable: "s3:ObjectCreationOperation", values: ["true"] },
          ],
        },
      ],
    });
    policy.overrideLogicalId("model_cache_bucket");

    new S3BucketPolicy(this, "bucket_policy", {
      count,
      bucket: bucketId,
      policy: only(policy, "json"),
    }).overrideLogicalId("model_cache");

    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      count,
      bucket: bucketId,
      rule: [
        {
          id: "abort-abandoned-uploads",
          status: "Enabled",
          filter: [{ prefix: props.cachePrefix }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: ABORT_UPLOADS_DAYS }],
        },
        {
          id: "empty-the-trash",
          status: "Enabled",
          filter: [{ prefix: Token.asString(`\${format("%s${TRASH_PREFIX}", ${cachePrefix})}`) }],
          expiration: [{ days: TRASH_DAYS }],
        },
      ],
    }).overrideLogicalId("model_cache");
  }
}
