import schema from "../../config/llm-service.schema.json";
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
  "list(object({llm_model = string, instance_type = string, ami_id = string, ebs_volume_gb = number, app_port = number}))";

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
