import { Token } from "cdktf";
import { Construct } from "constructs";
import { IamRole, IamRolePolicy } from "../../aws";
import { hclText } from "../hcl";

export interface ModelCacheAccessProps {
  /** Whether the servers use a cache (an HCL condition, or a literal). */
  readonly enabled: boolean | string;
  /** The servers' role. */
  readonly role: IamRole;
  /** The policy's name. */
  readonly policyName: string;
  /** The bucket's ARN, as an HCL operand. */
  readonly bucketArn: string;
  /** The cache's key prefix in the bucket, ending in `/`. */
  readonly cachePrefix: string;
  /** Sub-prefixes of the cache prefix the role may read. */
  readonly readPrefixes: readonly string[];
  /** Sub-prefixes of the cache prefix the role may create objects in, never replacing one (`If-None-Match: *`). */
  readonly writeOncePrefixes: readonly string[];
  /** Sub-prefixes the role may read and create objects in (never replacing one) only while a condition holds (an HCL operand). */
  readonly conditionalPrefixes?: ConditionalPrefixes;
}

/** Sub-prefixes that apply while `when` (an HCL condition) holds. */
export interface ConditionalPrefixes {
  readonly when: string;
  readonly prefixes: readonly string[];
}

/** A list of sub-prefixes as an HCL operand: `fixed`, and `extra`'s while its condition holds. */
export function prefixList(scope: Construct, fixed: readonly string[], extra?: ConditionalPrefixes): string {
  const list = hclText(scope, fixed);
  return extra === undefined ? list : `concat(${list}, ${hclText(scope, extra.when)} ? ${hclText(scope, extra.prefixes)} : [])`;
}

/**
 * What a server may do in the weight cache, and nothing more: read objects under the given
 * sub-prefixes, and create objects under others only when none is there (`If-None-Match: *` on
 * PutObject and CompleteMultipartUpload; the parts of a multipart upload carry no such header),
 * abort its own unfinished uploads. No listing, no deletion, no overwrite: a server cannot change or
 * remove what another seeded. Each engine's servers get one, for their own sub-prefixes.
 */
export class ModelCacheAccess extends Construct {
  public readonly policy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: ModelCacheAccessProps) {
    super(scope, id);
    const arn = hclText(this, props.bucketArn);
    const prefix = hclText(this, props.cachePrefix);
    const objects = (prefixes: readonly string[]) =>
      `[for p in ${prefixList(this, prefixes, props.conditionalPrefixes)} : format("%s/%s%s*", ${arn}, ${prefix}, p)]`;
    const read = objects(props.readPrefixes);
    const writeOnce = objects(props.writeOncePrefixes);
    const statements = [
      `{ Sid = "ReadModelCache", Effect = "Allow", Action = "s3:GetObject", Resource = ${read} }`,
      `{ Sid = "CreateModelCacheObjects", Effect = "Allow", Action = "s3:PutObject", Resource = ${writeOnce}, Condition = { Null = { "s3:if-none-match" = "false" } } }`,
      `{ Sid = "UploadModelCacheParts", Effect = "Allow", Action = "s3:PutObject", Resource = ${writeOnce}, Condition = { Bool = { "s3:ObjectCreationOperation" = "false" } } }`,
      `{ Sid = "AbortModelCacheUploads", Effect = "Allow", Action = "s3:AbortMultipartUpload", Resource = ${writeOnce} }`,
    ];
    this.policy = new IamRolePolicy(this, "policy", {
      count: Token.asNumber(`\${${hclText(this, props.enabled)} ? 1 : 0}`),
      name: props.policyName,
      role: props.role.name,
      policy: Token.asString(`\${jsonencode({ Version = "2012-10-17", Statement = [${statements.join(", ")}] })}`),
    });
  }
}
