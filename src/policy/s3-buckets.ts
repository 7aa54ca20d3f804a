// What the S3 bucket rules share: a bucket's companion resources (encryption, public access block,
// policy) are separate resources that name the bucket; each must exist for every bucket, created
// whenever the bucket is (the same count or for_each).
import { Body, Resource, resources } from "./terraform-json";
import { TerraformJson } from "./types";

/** Whether `value` refers to the bucket `name` (`${aws_s3_bucket.<name>...}`). */
export function refersToBucket(value: unknown, name: string): boolean {
  return typeof value === "string" && new RegExp(`\\baws_s3_bucket\\.${name.replace(/[^\w-]/g, "\\$&")}(\\[|\\.|\\*|\\b)`).test(value);
}

/** The bucket's name in its address, `aws_s3_bucket.<name>`. */
export const bucketName = (bucket: Resource): string => bucket.address.slice("aws_s3_bucket.".length);

/** The companions of `type` that name the bucket. */
export function companions(tf: TerraformJson, type: string, bucket: Resource): Resource[] {
  return resources(tf, type).filter((r) => refersToBucket(r.body.bucket, bucketName(bucket)));
}

/** Why a companion does not exist exactly when its bucket does, or undefined when it does. */
export function multiplicityProblem(bucket: Body, companion: Body): string | undefined {
  for (const key of ["count", "for_each"] as const) {
    if (JSON.stringify(bucket[key]) !== JSON.stringify(companion[key])) {
      return `its ${key} is ${JSON.stringify(companion[key] ?? null)}, the bucket's ${JSON.stringify(bucket[key] ?? null)}: it must exist exactly when the bucket does`;
    }
  }
  return undefined;
}
