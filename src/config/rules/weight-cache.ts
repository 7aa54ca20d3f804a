import { eachItem, hclMatches, hclString, matches, Rule, valueRule } from "./kit";

/** model_cache_bucket's two words: no cache, or a bucket of the module's own. */
export const MODEL_CACHE_OFF = "";
export const MODEL_CACHE_CREATE = "create";

/** S3's rules for a general purpose bucket's name, as the API enforces them (2025). */
export const S3_BUCKET_NAME = {
  pattern: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
  ipAddress: "^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$",
  reservedStart: "^(xn--|sthree-|amzn-s3-demo-)",
  reservedEnd: "(-s3alias|--ol-s3|\\.mrap|--x-s3|--table-s3)$",
} as const;

/**
 * The cache's key prefix: one or more segments, each a letter, digit, `_` or `-` first (no `.` or
 * `..` segment), then letters, digits and `_ . -`, each ending in `/`. The servers' scripts and
 * IAM policies carry it, so nothing else (no quote, space, `*` or `$`) gets in.
 */
export const MODEL_CACHE_PREFIX_PATTERN = "^([A-Za-z0-9_-][A-Za-z0-9_.-]*/)+$";
export const MAX_MODEL_CACHE_PREFIX_LENGTH = 256;
export const ROUTE_TABLE_PATTERN = "^rtb-([0-9a-f]{8}|[0-9a-f]{17})$";

/** Starts of the module prefix that make the created bucket's name (`<prefix>-model-cache-...`) one S3 refuses. */
export const RESERVED_BUCKET_STARTS = ["xn--", "sthree-", "amzn-s3-demo-"] as const;

export function isBucketName(name: string): boolean {
  return (
    matches(S3_BUCKET_NAME.pattern, name) &&
    !name.includes("..") &&
    !matches(S3_BUCKET_NAME.ipAddress, name) &&
    !matches(S3_BUCKET_NAME.reservedStart, name) &&
    !matches(S3_BUCKET_NAME.reservedEnd, name)
  );
}

export const hclIsBucketName = (v: string): string =>
  `(${hclMatches(S3_BUCKET_NAME.pattern, v)} && !strcontains(${v}, "..") && !${hclMatches(S3_BUCKET_NAME.ipAddress, v)} && ` +
  `!${hclMatches(S3_BUCKET_NAME.reservedStart, v)} && !${hclMatches(S3_BUCKET_NAME.reservedEnd, v)})`;

const reservedStart = (prefix: string): boolean => RESERVED_BUCKET_STARTS.some((start) => prefix.toLowerCase().startsWith(start));

/** The weight cache: its bucket, its prefix, the gateway endpoint's route tables. */
export const weightCacheRules: readonly Rule[] = [
  valueRule(
    "model-cache-bucket",
    "model_cache_bucket",
    `is neither "", "${MODEL_CACHE_CREATE}" nor an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens, a letter or digit at each end, no "..", no IP address, none of S3's reserved starts and ends)`,
    `use "" for no cache, "${MODEL_CACHE_CREATE}" for a bucket of this module, or an existing bucket's name, e.g. "acme-model-weights"`,
    (b: string) => b === MODEL_CACHE_OFF || b === MODEL_CACHE_CREATE || isBucketName(b),
    (v) => `${v} == ${hclString(MODEL_CACHE_OFF)} || ${v} == ${hclString(MODEL_CACHE_CREATE)} || ${hclIsBucketName(v)}`
  ),
  valueRule(
    "model-cache-prefix",
    "model_cache_prefix",
    `is not a usable key prefix (1-${MAX_MODEL_CACHE_PREFIX_LENGTH} characters: segments of letters, digits and _ . -, none starting with ".", each ending in "/", no "/" first)`,
    'use e.g. "model-cache/" or "teams/ml/model-cache/"; the servers may read and create objects below it only',
    (p: string) => matches(MODEL_CACHE_PREFIX_PATTERN, p) && p.length <= MAX_MODEL_CACHE_PREFIX_LENGTH,
    (v) => `${hclMatches(MODEL_CACHE_PREFIX_PATTERN, v)} && length(${v}) <= ${MAX_MODEL_CACHE_PREFIX_LENGTH}`
  ),
  eachItem(
    "model-cache-route-table",
    "model_cache_gateway_endpoint_route_table_ids",
    "is not a route table id",
    'use an id such as "rtb-0a1b2c3d4e5f67890" (the route table of a private subnet of the servers)',
    ROUTE_TABLE_PATTERN
  ),
  valueRule(
    "model-cache-route-tables-distinct",
    "model_cache_gateway_endpoint_route_table_ids",
    "lists a route table twice (a gateway endpoint adds one route to each)",
    "list each route table once",
    (ids: string[]) => new Set(ids).size === ids.length,
    (v) => `length(distinct(${v})) == length(${v})`
  ),
  {
    id: "model-cache-endpoint-needs-cache",
    problem: "gives route tables for the weight cache's S3 gateway endpoint, but model_cache_bucket is \"\" (no cache)",
    fix: `set model_cache_bucket ("${MODEL_CACHE_CREATE}" or an existing bucket), or leave model_cache_gateway_endpoint_route_table_ids empty`,
    find: (inputs) =>
      inputs.model_cache_bucket === MODEL_CACHE_OFF && inputs.model_cache_gateway_endpoint_route_table_ids.length > 0
        ? [["model_cache_gateway_endpoint_route_table_ids", inputs.model_cache_gateway_endpoint_route_table_ids]]
        : [],
    hcl: {
      condition: `var.model_cache_bucket != ${hclString(MODEL_CACHE_OFF)} || length(var.model_cache_gateway_endpoint_route_table_ids) == 0`,
      offenders: `[format("model_cache_gateway_endpoint_route_table_ids = %s with model_cache_bucket = \\"\\"", jsonencode(var.model_cache_gateway_endpoint_route_table_ids))]`,
    },
  },
  {
    id: "model-cache-created-bucket-name",
    problem: `begins the name of the bucket model_cache_bucket = "${MODEL_CACHE_CREATE}" makes (<prefix>-model-cache-...) with a start S3 reserves (${RESERVED_BUCKET_STARTS.join(", ")})`,
    fix: "choose another prefix, or name an existing bucket in model_cache_bucket",
    find: (inputs) => (inputs.model_cache_bucket === MODEL_CACHE_CREATE && reservedStart(inputs.prefix) ? [["prefix", inputs.prefix]] : []),
    hcl: {
      condition: `var.model_cache_bucket != ${hclString(MODEL_CACHE_CREATE)} || !${hclMatches(`^(?i)(${RESERVED_BUCKET_STARTS.join("|")})`, "var.prefix")}`,
      offenders: `[format("prefix = %s with model_cache_bucket = \\"${MODEL_CACHE_CREATE}\\"", jsonencode(var.prefix))]`,
    },
  },
];
