import { ref, Token } from "cdktf";
import { Construct } from "constructs";
import { DataAwsRegion, IamRole } from "../../aws";
import { MODEL_CACHE_CREATE, MODEL_CACHE_OFF } from "../../config/rules";
import { hclText } from "../hcl";
import { address } from "../refs";
import { OLLAMA_READABLE, OLLAMA_WRITE_ONCE, VLLM_ENGINE_PREFIX } from "./layout";
import { ConditionalPrefixes, ModelCacheAccess } from "./model-cache-access";
import { ModelCacheBucket } from "./model-cache-bucket";
import { ModelCacheMetrics } from "./model-cache-metrics";
import { S3GatewayEndpoint } from "./s3-gateway-endpoint";
import { cacheDashboardWidgets } from "./cache-widgets";

export interface ModelCacheProps {
  /** `""` (no cache), `"create"`, or an existing bucket's name. @default "" */
  readonly bucket?: string;
  /** The cache's key prefix in the bucket, ending in `/`. @default "model-cache/" */
  readonly cachePrefix?: string;
  /** The deployment's prefix: the created bucket's name and the servers' policy name start with it. */
  readonly namePrefix: string;
  /** The servers' role, which gets read and create-only access to the prefix. */
  readonly role: IamRole;
  /** The partition an existing bucket's ARN is in (`aws`, `aws-cn`, `aws-us-gov`), as an HCL operand. */
  readonly partition: string;
  /** The VPC of the gateway endpoint. */
  readonly vpcId: string;
  /** Route tables that get an S3 gateway endpoint; none: no endpoint. @default [] */
  readonly routeTableIds?: readonly string[];
  /** The servers' log group and metrics namespace: the cache's events are counted there. */
  readonly logGroupName: string;
  readonly metricsNamespace: string;
  /** Whether a model uses vLLM (an HCL condition): its servers then read and seed `vllm/` too. @default false */
  readonly vllmInUse?: string;
}

/**
 * The servers' weight cache in S3: the bucket (created, or an existing one), the servers' access to
 * its prefix, an optional S3 gateway endpoint, and metrics of hits and misses. The servers learn the
 * bucket, prefix and region from their user data and the pull-models document (ServerFoundation).
 */
export class ModelCache extends Construct {
  /** Whether there is a cache, as an HCL operand. */
  public readonly enabled: string;
  /** The bucket's name, `""` without a cache, as an HCL operand. */
  public readonly bucketName: string;
  /** The cache's key prefix, as an HCL operand. */
  public readonly cachePrefix: string;
  /** The bucket's region (the deployment's), `""` without a cache, as an HCL operand. */
  public readonly region: string;
  public readonly bucket: ModelCacheBucket;
  public readonly access: ModelCacheAccess;
  public readonly endpoint: S3GatewayEndpoint;
  public readonly metrics: ModelCacheMetrics;
  private readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: ModelCacheProps) {
    super(scope, id);
    const bucket = hclText(this, props.bucket ?? MODEL_CACHE_OFF);
    const cachePrefix = props.cachePrefix ?? "model-cache/";
    this.cachePrefix = hclText(this, cachePrefix);
    const create = `${bucket} == ${JSON.stringify(MODEL_CACHE_CREATE)}`;
    this.enabled = `(${bucket} != ${JSON.stringify(MODEL_CACHE_OFF)})`;

    // Needs no AWS call: the provider's region.
    const region = new DataAwsRegion(this, "region", { count: Token.asNumber(`\${${this.enabled} ? 1 : 0}`) });
    region.overrideLogicalId("model_cache");
    this.region = `(${this.enabled} ? ${address(region, true)}[0].id : "")`;

    // vLLM's prefix only while a model uses vLLM: an Ollama fleet's servers get nothing there.
    const vllm: ConditionalPrefixes | undefined =
      props.vllmInUse === undefined ? undefined : { when: Token.asString(ref(props.vllmInUse)), prefixes: [VLLM_ENGINE_PREFIX] };
    this.bucket = new ModelCacheBucket(this, "bucket", {
      create: Token.asString(ref(create)),
      namePrefix: props.namePrefix,
      cachePrefix,
      writeOncePrefixes: OLLAMA_WRITE_ONCE,
      conditionalPrefixes: vllm,
    });
    this.bucketName = `(${create} ? one(${address(this.bucket.bucket)}[*].bucket) : ${bucket})`;
    const bucketArn = `(${create} ? one(${address(this.bucket.bucket)}[*].arn) : format("arn:%s:s3:::%s", ${props.partition}, ${bucket}))`;

    this.access = new ModelCacheAccess(this, "access", {
      enabled: Token.asString(ref(this.enabled)),
      role: props.role,
      policyName: Token.asString(`\${format("%s-model-cache", ${hclText(this, props.namePrefix)})}`),
      bucketArn: Token.asString(ref(bucketArn)),
      cachePrefix,
      readPrefixes: OLLAMA_READABLE,
      writeOncePrefixes: OLLAMA_WRITE_ONCE,
      conditionalPrefixes: vllm,
    });
    this.access.policy.overrideLogicalId("llm_ec2_model_cache");

    const routeTableIds = props.routeTableIds ?? [];
    this.endpoint = new S3GatewayEndpoint(this, "endpoint", {
      enabled: Token.asString(ref(`${this.enabled} && length(${hclText(this, routeTableIds)}) > 0`)),
      vpcId: props.vpcId,
      routeTableIds,
      region: Token.asString(ref(this.region)),
      name: Token.asString(`\${format("%s-model-cache", ${hclText(this, props.namePrefix)})}`),
    });
    this.endpoint.endpoint.overrideLogicalId("model_cache");

    this.metricsNamespace = hclText(this, props.metricsNamespace);
    this.metrics = new ModelCacheMetrics(this, "metrics", {
      enabled: Token.asString(ref(this.enabled)),
      logGroupName: props.logGroupName,
      namespace: props.metricsNamespace,
    });
    this.metrics.filters.overrideLogicalId("model_cache");
  }

  /** The cache's dashboard widget, as an HCL list operand (empty without a cache). */
  public dashboardWidgets(region: string): string {
    return cacheDashboardWidgets({ enabled: this.enabled, namespace: this.metricsNamespace, region });
  }
}
