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

/** The original module's variables: names, types and defaults are part of the contract. */
export const VARIABLES: readonly VariableSpec[] = [
  { name: "prefix", type: "string", default: "llm", description: "Prefix of every resource name." },
  {
    name: "azs",
    type: "list(string)",
    description: "Availability zones, one per model by position (wraps around when shorter than llm_ec2_configs).",
  },
  {
    name: "llm_ec2_configs",
    type: LLM_EC2_CONFIG_TYPE,
    description:
      "One entry per model server: llm_model (Ollama model:tag), instance_type, ami_id (empty for the Deep Learning AMI), ebs_volume_gb, app_port. The first entry is the main server.",
  },
  { name: "vpc_id", type: "string", description: "VPC of every resource." },
  { name: "vpc_cidr_block", type: "string", description: "CIDR block allowed into the model servers and the ALB." },
  {
    name: "subnet_ids",
    type: "list(string)",
    description:
      "Private subnets, one per model by position (wraps around); also the subnets of the ALB and the VPC link.",
  },
  {
    name: "open_webui_port",
    type: "number",
    default: 0,
    description: "Extra ALB ingress port for an Open WebUI front end; 0 means none.",
  },
  {
    name: "create_api_gw",
    type: "bool",
    default: true,
    description: "Front the internal ALB with an API Gateway HTTP API.",
  },
  {
    name: "api_gw_disable_execute_endpoint",
    type: "bool",
    default: true,
    description:
      "Disable the default execute-api endpoint; honoured only when api_gw_domain, api_gw_domain_route53_zone and api_gw_domain_ssl_cert_arn are all set.",
  },
  { name: "api_gw_domain", type: "string", default: "", description: "Custom domain of the API; empty for none." },
  {
    name: "api_gw_domain_route53_zone",
    type: "string",
    default: "",
    description: "Route53 hosted zone id of api_gw_domain.",
  },
  {
    name: "api_gw_domain_ssl_cert_arn",
    type: "string",
    default: "",
    description: "ACM certificate ARN for api_gw_domain.",
  },
];
