# A new deployment from nothing: a VPC with two private subnets (the servers, the load balancer and the
# router) and one public subnet with a NAT gateway (the servers download Ollama and the models; the
# router reads its keys from SSM), then the module with the streaming router and API keys and no public
# API Gateway door. Plain resources, no other module.
#
#   terraform init && terraform apply
#   npm run keys -- add <name> --parameter "$(terraform output -raw router_keys_parameter)" --region <region>
#   curl -N "$(terraform output -raw router_url)api/chat" -H "Authorization: Bearer <key>" \
#     -d '{"model": "llama3:8b", "messages": [{"role": "user", "content": "Hi"}]}'

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, <= 6.66.0"
    }
  }
}

variable "region" {
  type    = string
  default = "ap-southeast-1"
}

variable "azs" {
  description = "Two availability zones of the region: one private subnet in each."
  type        = list(string)
  default     = ["ap-southeast-1a", "ap-southeast-1b"]
}

variable "vpc_cidr_block" {
  type    = string
  default = "10.42.0.0/16"
}

provider "aws" {
  region = var.region
}

resource "aws_vpc" "llm" {
  cidr_block           = var.vpc_cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = "llm" }
}

resource "aws_subnet" "private" {
  count             = length(var.azs)
  vpc_id            = aws_vpc.llm.id
  availability_zone = var.azs[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr_block, 4, count.index)
  tags              = { Name = "llm-private-${var.azs[count.index]}" }
}

resource "aws_subnet" "public" {
  vpc_id            = aws_vpc.llm.id
  availability_zone = var.azs[0]
  cidr_block        = cidrsubnet(var.vpc_cidr_block, 4, 15)
  tags              = { Name = "llm-public-${var.azs[0]}" }
}

resource "aws_internet_gateway" "llm" {
  vpc_id = aws_vpc.llm.id
}

resource "aws_eip" "nat" {
  domain = "vpc"
}

resource "aws_nat_gateway" "llm" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public.id
  depends_on    = [aws_internet_gateway.llm]
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.llm.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.llm.id
  }
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.llm.id
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.llm.id
  }
}

resource "aws_route_table_association" "private" {
  count          = length(var.azs)
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

module "llm_service" {
  source = "../../modules/ollama-service-multi-servers"

  azs            = var.azs
  vpc_id         = aws_vpc.llm.id
  vpc_cidr_block = aws_vpc.llm.cidr_block
  # Through the route table associations: nothing of the service is created before its subnets reach the NAT gateway.
  subnet_ids = [for association in aws_route_table_association.private : association.subnet_id]

  llm_ec2_configs = [
    {
      llm_model     = "llama3:8b"
      instance_type = "g5g.xlarge"
      ami_id        = ""
      ebs_volume_gb = 200
      app_port      = 11434
    },
  ]

  # A new deployment: the streaming router with API keys, no public API Gateway door.
  create_api_gw  = false
  router_enabled = true
  router_auth    = "API_KEY"
}

output "router_url" {
  value = module.llm_service.router_url
}

output "router_keys_parameter" {
  value = module.llm_service.router_keys_parameter
}

output "dashboard_url" {
  value = module.llm_service.dashboard_url
}
