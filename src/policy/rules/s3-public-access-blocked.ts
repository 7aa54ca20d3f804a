import { companions, multiplicityProblem } from "../s3-buckets";
import { finding, resources, show } from "../terraform-json";
import { PolicyRule } from "../types";

const BLOCK = "aws_s3_bucket_public_access_block";
const SETTINGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"] as const;

export const s3PublicAccessBlocked: PolicyRule = {
  id: "s3-public-access-blocked",
  mirrors: ["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "AVD-AWS-0086", "AVD-AWS-0087", "AVD-AWS-0091", "AVD-AWS-0093", "AVD-AWS-0094", "AwsSolutions-S2"],
  description: "Buckets block every kind of public access (ACLs and policies), whatever a later policy or ACL says",
  fix: `add an ${BLOCK} naming the bucket, with the bucket's count, and ${SETTINGS.map((s) => `${s} = true`).join(", ")}`,
  check(tf) {
    return resources(tf, "aws_s3_bucket").flatMap((bucket) => {
      const blocks = companions(tf, BLOCK, bucket);
      if (blocks.length === 0) return [finding(s3PublicAccessBlocked, bucket.address, `no ${BLOCK} names it`)];
      return blocks.flatMap((block) => {
        const multiplicity = multiplicityProblem(bucket.body, block.body);
        if (multiplicity) return [finding(s3PublicAccessBlocked, bucket.address, `${block.address}: ${multiplicity}`)];
        const open = SETTINGS.filter((s) => block.body[s] !== true);
        return open.length === 0
          ? []
          : [finding(s3PublicAccessBlocked, bucket.address, `${block.address}: ${open.map((s) => `${s} is ${show(block.body[s])}`).join(", ")}; each must be true`)];
      });
    });
  },
};
