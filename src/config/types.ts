/**
 * The inputs of the service, in the original module's variable format (snake_case, same names,
 * meanings and defaults), so one config file reads like the module call it replaces. The config
 * file's JSON Schema is generated from `ServiceConfigFile` (npm run build:schema).
 */
/** One model server, every field set. */
export type LlmEc2Config = Readonly<Required<LlmEc2ConfigEntry>>;

/** Exactly the variables of the `ollama-service-multi-servers` module, every one set. */
export type ServiceInputs = Readonly<
  Required<Omit<ServiceConfigFile, "$schema" | keyof StackSettings | "llm_ec2_configs" | "azs" | "subnet_ids" | "api_gw_jwt_audiences">>
> & {
  readonly azs: readonly string[];
  readonly api_gw_jwt_audiences: readonly string[];
  readonly subnet_ids: readonly string[];
  readonly llm_ec2_configs: readonly LlmEc2Config[];
};

export type InputName = keyof ServiceInputs;

/** S3 backend settings for the root stack. */
export interface S3BackendConfig {
  /** Bucket holding the state. */
  readonly bucket: string;
  /** Object key of the state, e.g. `llm-service/terraform.tfstate`. */
  readonly key: string;
  /** Region of the bucket. */
  readonly region: string;
  /** DynamoDB table for state locking. */
  readonly dynamodb_table?: string;
}

/** Settings of the root stack `llm-service` only; the module leaves these to its caller. */
export interface StackSettings {
  /** AWS region of the provider. @default "ap-southeast-1" */
  readonly region?: string;
  /** Default tags on every resource. */
  readonly tags?: { readonly [name: string]: string };
  /** Terraform state backend: local (the default, `terraform.llm-service.tfstate` in the stack folder) or S3. */
  readonly backend?: { readonly s3?: S3BackendConfig };
}

/** The config the root stack is built from: every module variable set, plus the stack's settings. */
export type ServiceConfig = ServiceInputs & StackSettings;

/** One model server, as written in a config file. */
export interface LlmEc2ConfigEntry {
  /** Ollama model name with tag, e.g. `llama3:8b`. The first entry is the main server. */
  llm_model: string;
  /** EC2 instance type, `family.size`, e.g. `g5g.xlarge`. */
  instance_type: string;
  /** AMI id; empty (the default) picks the AWS Deep Learning AMI for the family's architecture. @default "" */
  ami_id?: string;
  /** Root volume size in GiB (gp3). */
  ebs_volume_gb: number;
  /** Port Ollama listens on, and the target group's port. */
  app_port: number;
}

/**
 * The config file of `llm-service` (named by LLM_SERVICE_CONFIG): the original module's
 * variables, same names, meanings and defaults, plus the root stack's own settings.
 */
export interface ServiceConfigFile {
  /** JSON Schema of this file, for editors. */
  $schema?: string;
  /** Prefix of every resource name. @default "llm" */
  prefix?: string;
  /** Availability zones, one per subnet in the order of subnet_ids; models take them by position, wrapping around. */
  azs: string[];
  /**
   * One entry per model server: llm_model (Ollama model:tag), instance_type, ami_id (empty for the
   * Deep Learning AMI), ebs_volume_gb, app_port. The first entry is the main server.
   */
  llm_ec2_configs: LlmEc2ConfigEntry[];
  /** VPC of every resource. */
  vpc_id: string;
  /** CIDR block of the VPC, allowed into the ALB (its listener, and the Open WebUI port when set). */
  vpc_cidr_block: string;
  /** Private subnets, one per model by position (wrapping around); also the subnets of the ALB and the VPC link. */
  subnet_ids: string[];
  /** Extra ALB ingress port for an Open WebUI front end; 0 means none. @default 0 */
  open_webui_port?: number;
  /** Front the internal ALB with an API Gateway HTTP API. @default true */
  create_api_gw?: boolean;
  /**
   * Disable the default execute-api endpoint; honoured only when api_gw_domain,
   * api_gw_domain_route53_zone and api_gw_domain_ssl_cert_arn are all set. @default true
   */
  api_gw_disable_execute_endpoint?: boolean;
  /** Custom domain of the API; empty for none. @default "" */
  api_gw_domain?: string;
  /** Route53 hosted zone id of api_gw_domain. @default "" */
  api_gw_domain_route53_zone?: string;
  /** ACM certificate ARN for api_gw_domain. @default "" */
  api_gw_domain_ssl_cert_arn?: string;
  /** ALB idle timeout in seconds: long enough for a long generation streamed by a direct client. @default 600 */
  alb_idle_timeout_seconds?: number;
  /** Deletion protection of the ALB. @default false */
  alb_deletion_protection?: boolean;
  /** S3 bucket for ALB access logs (its policy must let the ELB service write); empty for none. @default "" */
  alb_access_logs_bucket?: string;
  /** Key prefix of the ALB access logs in that bucket. @default "" */
  alb_access_logs_prefix?: string;
  /** Retention of the API's access log group, in days (0: never expire). @default 30 */
  api_gw_log_retention_days?: number;
  /** Steady-state requests per second the API accepts before answering 429. @default 20 */
  api_gw_throttling_rate_limit?: number;
  /** Burst of requests the API accepts above the rate. @default 40 */
  api_gw_throttling_burst_limit?: number;
  /** Authorization on every route: NONE (open, the original's behaviour), JWT or AWS_IAM. @default "NONE" */
  api_gw_authorization?: "NONE" | "JWT" | "AWS_IAM";
  /** Issuer URL of the JWT authorizer (api_gw_authorization = JWT), e.g. a Cognito user pool URL. @default "" */
  api_gw_jwt_issuer?: string;
  /** Audiences (client ids) the JWT authorizer accepts. @default [] */
  api_gw_jwt_audiences?: string[];
  /** Ollama release installed on new servers (the install script's OLLAMA_VERSION). @default "0.13.0" */
  ollama_version?: string;
  /** Seconds `terraform apply` waits for the model pulls to succeed; 0 does not wait. @default 0 */
  pull_models_wait_seconds?: number;
  /** AWS region of the provider. @default "ap-southeast-1" */
  region?: string;
  /** Default tags on every resource. */
  tags?: { [name: string]: string };
  /** Terraform state backend: local (the default) or S3. */
  backend?: { s3?: S3BackendConfig };
}
