# The original module's README example, calling the synthesized module. Placeholder ids shaped
# like real ones: the module validates its inputs, so its "vpc-xxxxxx" and "xxxx" would be refused.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

provider "aws" {
  region = "ap-southeast-1"
}

variable "azs" {
  type    = list(string)
  default = ["ap-southeast-1a", "ap-southeast-1b"]
}

module "llm_service" {
  source = "../../modules/ollama-service-multi-servers"

  azs = var.azs

  vpc_id         = "vpc-0a1b2c3d4e5f67890"
  vpc_cidr_block = "172.31.0.0/16"
  subnet_ids     = ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"]

  llm_ec2_configs = [
    {
      llm_model     = "llama3:8b"
      instance_type = "g5g.xlarge"
      ami_id        = "" # if empty string, fall back to default DL AMI by AWS
      ebs_volume_gb = 200
      app_port      = 11434
    },
    {
      llm_model     = "qwen2:7b"
      instance_type = "g5g.xlarge"
      ami_id        = "" # if empty string, fall back to default DL AMI by AWS
      ebs_volume_gb = 200
      app_port      = 11434
    }
  ]

  open_webui_port = 8080

  create_api_gw                   = true
  api_gw_disable_execute_endpoint = true
  api_gw_domain                   = "llm.example.com"
  api_gw_domain_route53_zone      = "Z0123456789ABCDEFGHIJ"
  api_gw_domain_ssl_cert_arn      = "arn:aws:acm:ap-southeast-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef"
}

output "service_endpoint" {
  value = module.llm_service.service_endpoint
}
