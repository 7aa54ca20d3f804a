/**
 * The inputs of the service, in the original module's variable format (snake_case, same names,
 * meanings and defaults), so one config file reads like the module call it replaces.
 */
export interface LlmEc2Config {
  /** Ollama model name with tag, e.g. `llama3:8b`. The first entry is the main server. */
  readonly llm_model: string;
  /** EC2 instance type, `family.size`, e.g. `g5g.xlarge`. */
  readonly instance_type: string;
  /** AMI id; empty string picks the AWS Deep Learning AMI matching the family's architecture. */
  readonly ami_id: string;
  /** Root volume size in GiB (gp3). */
  readonly ebs_volume_gb: number;
  /** Port Ollama listens on, and the target group's port. */
  readonly app_port: number;
}

/** Exactly the variables of the `ollama-service-multi-servers` module. */
export interface ServiceInputs {
  readonly prefix: string;
  readonly azs: readonly string[];
  readonly llm_ec2_configs: readonly LlmEc2Config[];
  readonly vpc_id: string;
  readonly vpc_cidr_block: string;
  readonly subnet_ids: readonly string[];
  readonly open_webui_port: number;
  readonly create_api_gw: boolean;
  readonly api_gw_disable_execute_endpoint: boolean;
  readonly api_gw_domain: string;
  readonly api_gw_domain_route53_zone: string;
  readonly api_gw_domain_ssl_cert_arn: string;
}

export type InputName = keyof ServiceInputs;

/** S3 backend settings for the root stack. */
export interface S3BackendConfig {
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
  /** DynamoDB table for state locking. */
  readonly dynamodb_table?: string;
}

/** Settings of the root stack `llm-service` only; the module leaves these to its caller. */
export interface StackSettings {
  /** AWS region of the provider. */
  readonly region?: string;
  /** Default tags on every resource. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Terraform state backend: local (default) or S3. */
  readonly backend?: { readonly s3?: S3BackendConfig };
}

/** The config file of the root stack: the module's variables plus the stack's own settings. */
export type ServiceConfig = ServiceInputs & StackSettings;
