import schema from "../../config/llm-service.schema.json";
import { OLLAMA_KEEP_ALIVE } from "./ollama-settings";
import { InputName, ServiceInputs } from "./types";

/** One module variable: the contract HCL callers see, and the source of the README's inputs table. */
export interface VariableSpec {
  readonly name: InputName;
  /** Terraform type constraint. */
  readonly type: string;
  readonly description: string;
  /** Absent: the variable is required. */
  readonly default?: ServiceInputs[InputName];
}

export const LLM_EC2_CONFIG_TYPE =
  "list(object({llm_model = string, instance_type = string, ami_id = string, ebs_volume_gb = number, app_port = number, " +
  "server_mode = optional(string), min_size = optional(number, 1), max_size = optional(number, 1), desired_capacity = optional(number, 1), " +
  "spot = optional(bool, false), warm_pool = optional(bool, false), listener_priority = optional(number), " +
  'engine = optional(string, "ollama"), served_model_name = optional(string, ""), max_model_len = optional(number, 0), ' +
  'tensor_parallel_size = optional(number, 0), gpu_memory_utilization = optional(number, 0.9), dtype = optional(string, ""), quantization = optional(string, ""), ' +
  "engine_args = optional(map(string), {}), " +
  `context_length = optional(number), num_parallel = optional(number), kv_cache_type = optional(string), keep_alive = optional(string, "${OLLAMA_KEEP_ALIVE}"), ` +
  "scaling = optional(object({requests_per_server_per_minute = optional(number), gpu_utilization_percent = optional(number), " +
  "concurrent_requests_per_server = optional(number), scale_to_zero_after_minutes = optional(number)}))}))";

export const SCHEDULES_TYPE =
  'list(object({name = string, recurrence = string, time_zone = optional(string, "UTC"), min_size = number, max_size = number, ' +
  "desired_capacity = number, models = optional(list(string))}))";

/** The original module's variables and their Terraform types: names, types and defaults are part of the contract. */
const TYPES: ReadonlyArray<[InputName, string]> = [
  ["prefix", "string"],
  ["azs", "list(string)"],
  ["llm_ec2_configs", LLM_EC2_CONFIG_TYPE],
  ["vpc_id", "string"],
  ["vpc_cidr_block", "string"],
  ["subnet_ids", "list(string)"],
  ["open_webui_port", "number"],
  ["create_api_gw", "bool"],
  ["api_gw_disable_execute_endpoint", "bool"],
  ["api_gw_domain", "string"],
  ["api_gw_domain_route53_zone", "string"],
  ["api_gw_domain_ssl_cert_arn", "string"],
  // Additions of ours: optional, so existing callers keep working.
  ["alb_idle_timeout_seconds", "number"],
  ["alb_deletion_protection", "bool"],
  ["alb_access_logs_bucket", "string"],
  ["alb_access_logs_prefix", "string"],
  ["api_gw_log_retention_days", "number"],
  ["api_gw_throttling_rate_limit", "number"],
  ["api_gw_throttling_burst_limit", "number"],
  ["api_gw_authorization", "string"],
  ["api_gw_acknowledge_no_authorization", "bool"],
  ["api_gw_jwt_issuer", "string"],
  ["api_gw_jwt_audiences", "list(string)"],
  ["api_gw_allow_model_management", "bool"],
  ["ollama_version", "string"],
  ["vllm_image", "string"],
  ["hf_token_parameter", "string"],
  ["pull_models_wait_seconds", "number"],
  ["pull_models_schedule", "string"],
  ["server_log_retention_days", "number"],
  ["ebs_throughput_mibps", "number"],
  ["ebs_iops", "number"],
  ["default_server_mode", "string"],
  ["asg_health_check_grace_period_seconds", "number"],
  ["target_group_names", "string"],
  ["deregistration_delay_seconds", "number"],
  ["pull_models_max_concurrency", "string"],
  ["pull_models_max_errors", "string"],
  ["schedules", SCHEDULES_TYPE],
  ["monitoring_enabled", "bool"],
  ["alarm_email", "string"],
  ["alarm_topic_arn", "string"],
  ["alarm_no_healthy_host_minutes", "number"],
  ["alarm_5xx_percent", "number"],
  // Any widget object CloudWatch takes: their shapes differ, so no object type fits them all.
  ["dashboard_extra_widgets", "any"],
  ["router_enabled", "bool"],
  ["router_auth", "string"],
  ["router_public_invoke_function", "bool"],
  ["router_timeout_seconds", "number"],
  ["router_idle_timeout_seconds", "number"],
  ["router_memory_mb", "number"],
  ["router_reserved_concurrency", "number"],
  ["router_log_retention_days", "number"],
  ["router_cors_allow_origins", "list(string)"],
  ["router_allow_model_management", "bool"],
  ["router_wake_wait_seconds", "number"],
  ["model_cache_bucket", "string"],
  ["model_cache_prefix", "string"],
  ["model_cache_gateway_endpoint_route_table_ids", "list(string)"],
];

type SchemaProperty = { readonly description: string; readonly default?: ServiceInputs[InputName] };
const properties = schema.definitions.ServiceConfigFile.properties as unknown as Record<InputName, SchemaProperty>;

/**
 * Descriptions and defaults come from the config file's schema, itself generated from the JSDoc of
 * `ServiceConfigFile`: the module, its README and the config file say the same thing.
 */
export const VARIABLES: readonly VariableSpec[] = TYPES.map(([name, type]) => ({
  name,
  type,
  description: properties[name].description,
  ...(properties[name].default === undefined ? {} : { default: properties[name].default }),
}));
