import { companions, multiplicityProblem } from "../s3-buckets";
import { finding, lookupAll, resources, show } from "../terraform-json";
import { PolicyRule } from "../types";

const ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];
const CONFIGURATION = "aws_s3_bucket_server_side_encryption_configuration";

export const s3BucketEncrypted: PolicyRule = {
  id: "s3-bucket-encrypted",
  mirrors: ["CKV_AWS_19", "AVD-AWS-0088"],
  description: "Buckets are encrypted at rest by a server-side encryption configuration of their own, created with them",
  fix: `add an ${CONFIGURATION} naming the bucket, with the bucket's count, and rule { apply_server_side_encryption_by_default { sse_algorithm = "AES256" } } (or aws:kms)`,
  check(tf) {
    return resources(tf, "aws_s3_bucket").flatMap((bucket) => {
      const configurations = companions(tf, CONFIGURATION, bucket);
      if (configurations.length === 0) return [finding(s3BucketEncrypted, bucket.address, `no ${CONFIGURATION} names it`)];
      return configurations.flatMap((configuration) => {
        const multiplicity = multiplicityProblem(bucket.body, configuration.body);
        if (multiplicity) return [finding(s3BucketEncrypted, bucket.address, `${configuration.address}: ${multiplicity}`)];
        const algorithms = lookupAll(configuration.body, "rule.apply_server_side_encryption_by_default.sse_algorithm");
        const bad = algorithms.findIndex((a) => typeof a !== "string" || !ALGORITHMS.includes(a));
        return bad === -1
          ? []
          : [finding(s3BucketEncrypted, bucket.address, `${configuration.address}: sse_algorithm is ${show(algorithms[bad])}; it must be one of ${ALGORITHMS.join(", ")}`)];
      });
    });
  },
};
