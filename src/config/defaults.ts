import { ServiceConfigFile } from "./types";

/**
 * The seed document's usage example, with placeholder ids: what `cdktf synth` uses when no
 * config file is named, so a fresh clone synthesizes.
 */
export const SEED_USAGE: ServiceConfigFile = {
  prefix: "llm",
  azs: ["ap-southeast-1a", "ap-southeast-1b"],
  vpc_id: "vpc-0a1b2c3d4e5f67890",
  vpc_cidr_block: "172.31.0.0/16",
  subnet_ids: ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"],
  llm_ec2_configs: [
    { llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
    { llm_model: "qwen2:7b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
  ],
  open_webui_port: 8080,
  create_api_gw: true,
  api_gw_disable_execute_endpoint: true,
  api_gw_domain: "llm.example.com",
  api_gw_domain_route53_zone: "Z0123456789ABCDEFGHIJ",
  api_gw_domain_ssl_cert_arn:
    "arn:aws:acm:ap-southeast-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef",
};
