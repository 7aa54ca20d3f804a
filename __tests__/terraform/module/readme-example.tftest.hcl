# The original module's README example (two models on g5g.xlarge, Open WebUI on 8080, a full custom
# domain), with valid-looking ids in place of its "xxx" placeholders.

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

# Its variables come from __tests__/fixtures/readme-example.json, the one copy of the README example's inputs:
# terraform.test.ts writes them in front of this file when it copies the suite.

override_resource {
  target          = aws_instance.llm["llama38b"]
  override_during = plan
  values          = { id = "i-0aaaaaaaaaaaaaaa1" }
}

override_resource {
  target          = aws_instance.llm["qwen27b"]
  override_during = plan
  values          = { id = "i-0bbbbbbbbbbbbbbb2" }
}

override_resource {
  target          = aws_lb_target_group.llm_http["llama38b"]
  override_during = plan
  values          = { arn = "arn:aws:elasticloadbalancing:ap-southeast-1:123456789012:targetgroup/llama38b/1111111111111111" }
}

override_resource {
  target          = aws_lb_target_group.llm_http["qwen27b"]
  override_during = plan
  values          = { arn = "arn:aws:elasticloadbalancing:ap-southeast-1:123456789012:targetgroup/qwen27b/2222222222222222" }
}

run "readme_example_servers_keys_amis_tags_placement_and_pull_lists" {
  command = plan

  assert {
    condition     = jsonencode(keys(aws_instance.llm)) == jsonencode(["llama38b", "qwen27b"])
    error_message = "aws_instance.llm must be keyed by the model names without -_.: (llama38b, qwen27b)."
  }

  assert {
    condition     = jsonencode(keys(output.ec2)) == jsonencode(["llama38b", "qwen27b"])
    error_message = "output ec2 must hold the instances under the same keys as aws_instance.llm."
  }

  assert {
    condition     = aws_instance.llm["llama38b"].ami == "ami-0a4a4a4a4a4a4a4a4" && aws_instance.llm["qwen27b"].ami == "ami-0a4a4a4a4a4a4a4a4"
    error_message = "g5g servers without ami_id must run the arm64 Deep Learning AMI (data.aws_ami.dlami_arm)."
  }

  assert {
    condition     = output.dlami_arm == "ami-0a4a4a4a4a4a4a4a4" && output.dlami_x86 == null && length(data.aws_ami.dlami_x86) == 0
    error_message = "output dlami_arm must be the arm64 look-up's id; no model runs x86_64, so that AMI is not looked up and dlami_x86 is null."
  }

  assert {
    condition     = aws_instance.llm["llama38b"].tags["Name"] == "llm-main-llama3:8b"
    error_message = "The main (first) server must be named <prefix>-main-<llm_model>: llm-main-llama3:8b."
  }

  assert {
    condition     = aws_instance.llm["qwen27b"].tags["Name"] == "llm-qwen2:7b"
    error_message = "A non-main server must be named <prefix>-<llm_model>: llm-qwen2:7b."
  }

  assert {
    condition     = aws_instance.llm["llama38b"].tags["System"] == "llm" && aws_instance.llm["qwen27b"].tags["System"] == "llm"
    error_message = "Every server must carry the tag System = <prefix> (llm)."
  }

  assert {
    condition     = aws_instance.llm["llama38b"].instance_type == "g5g.xlarge" && aws_instance.llm["qwen27b"].instance_type == "g5g.xlarge"
    error_message = "Servers must use the instance_type of their config entry."
  }

  assert {
    condition     = aws_instance.llm["llama38b"].subnet_id == "subnet-0a1b2c3d4e5f11111" && aws_instance.llm["llama38b"].availability_zone == "ap-southeast-1a"
    error_message = "The first model must go to subnet_ids[0] / azs[0]."
  }

  assert {
    condition     = aws_instance.llm["qwen27b"].subnet_id == "subnet-0a1b2c3d4e5f22222" && aws_instance.llm["qwen27b"].availability_zone == "ap-southeast-1b"
    error_message = "The second model must go to subnet_ids[1] / azs[1]."
  }

  assert {
    condition     = one(aws_instance.llm["qwen27b"].root_block_device).volume_size == 200
    error_message = "The root volume must be ebs_volume_gb (200) GiB."
  }

  assert {
    condition     = aws_ssm_association.pull_models["llama38b"].parameters["Models"] == "llama3:8b,qwen2:7b"
    error_message = "The main server must pull every model of the list, its own first: llama3:8b,qwen2:7b."
  }

  assert {
    condition     = aws_ssm_association.pull_models["qwen27b"].parameters["Models"] == "qwen2:7b"
    error_message = "A non-main server must pull only its own model: qwen2:7b."
  }

  assert {
    condition     = one(aws_ssm_association.pull_models["llama38b"].targets).key == "InstanceIds" && jsonencode(one(aws_ssm_association.pull_models["llama38b"].targets).values) == jsonencode(["i-0aaaaaaaaaaaaaaa1"])
    error_message = "The llama38b association must target InstanceIds = [aws_instance.llm[\"llama38b\"].id]."
  }

  assert {
    condition     = jsonencode(one(aws_ssm_association.pull_models["qwen27b"].targets).values) == jsonencode(["i-0bbbbbbbbbbbbbbb2"])
    error_message = "The qwen27b association must target its own instance only."
  }

  assert {
    condition     = aws_ssm_association.pull_models["qwen27b"].name == "llm-pull-models" && aws_ssm_document.pull_models.name == "llm-pull-models"
    error_message = "Associations must run the document <prefix>-pull-models."
  }
}

run "readme_example_alb_routes_by_the_routing_header_behind_the_custom_domain" {
  command = plan

  assert {
    condition     = alltrue([for key, group in aws_lb_target_group.llm_http : group.name == key]) && jsonencode(keys(aws_lb_target_group.llm_http)) == jsonencode(["llama38b", "qwen27b"])
    error_message = "There must be one target group per model, named after its key (llama38b, qwen27b)."
  }

  assert {
    condition     = aws_lb_target_group.llm_http["llama38b"].port == 11434 && aws_lb_target_group.llm_http["qwen27b"].port == 11434
    error_message = "Target groups must listen on the model's app_port (11434)."
  }

  assert {
    condition     = aws_lb_listener_rule.llm_http["llama38b"].priority == 22417 && aws_lb_listener_rule.llm_http["qwen27b"].priority == 36934
    error_message = "Listener rule priorities must be derived from the model's key, clear of the original's 1-100 (llama38b 22417, qwen27b 36934)."
  }

  assert {
    condition = (
      length(aws_lb_listener_rule.llm_http["llama38b"].condition) == 1 &&
      one(one(aws_lb_listener_rule.llm_http["llama38b"].condition).http_header).http_header_name == "x-ollama-fleet-model" &&
      one(one(aws_lb_listener_rule.llm_http["llama38b"].condition).http_header).values == toset(["llama3:8b"]) &&
      length(one(aws_lb_listener_rule.llm_http["llama38b"].condition).query_string) == 0
    )
    error_message = "The llama38b rule must have one condition: the header x-ollama-fleet-model equal to llama3:8b, and no query-string key."
  }

  assert {
    condition = (
      one(one(aws_lb_listener_rule.llm_http["qwen27b"].condition).http_header).http_header_name == "x-ollama-fleet-model" &&
      one(one(aws_lb_listener_rule.llm_http["qwen27b"].condition).http_header).values == toset(["qwen2:7b"])
    )
    error_message = "The qwen27b rule must match the header x-ollama-fleet-model equal to qwen2:7b."
  }

  assert {
    condition     = one(aws_lb_listener_rule.llm_http["qwen27b"].action).type == "forward" && one(aws_lb_listener_rule.llm_http["qwen27b"].action).target_group_arn == aws_lb_target_group.llm_http["qwen27b"].arn
    error_message = "The qwen27b rule must forward to the qwen27b target group."
  }

  assert {
    condition     = one(aws_lb_listener.llm_http.default_action).type == "forward" && one(aws_lb_listener.llm_http.default_action).target_group_arn == aws_lb_target_group.llm_http["llama38b"].arn
    error_message = "The listener's default action must forward to the main model's (llama38b) target group."
  }

  assert {
    condition     = jsonencode(keys(aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port)) == jsonencode(["11434"])
    error_message = "Two models on the same app_port must give one app-port ingress rule, keyed \"11434\"."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port["11434"].from_port == 11434 && aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port["11434"].to_port == 11434
    error_message = "The app-port ingress rule must open port 11434."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.llm_alb_ingress_3) == 1 && aws_vpc_security_group_ingress_rule.llm_alb_ingress_3[0].from_port == 8080
    error_message = "open_webui_port = 8080 must open port 8080 on the ALB security group."
  }

  assert {
    condition     = length(aws_apigatewayv2_api.llm_apigw) == 1 && aws_apigatewayv2_api.llm_apigw[0].disable_execute_api_endpoint == true
    error_message = "With a complete custom domain and api_gw_disable_execute_endpoint = true, the API must hide its execute-api endpoint."
  }

  assert {
    condition     = length(aws_apigatewayv2_domain_name.llm) == 1 && length(aws_route53_record.llm) == 1 && length(aws_apigatewayv2_api_mapping.llm) == 1
    error_message = "A complete custom domain must plan the domain name, its Route53 record and the API mapping."
  }

  assert {
    condition     = output.service_endpoint == "https://llm.example.com"
    error_message = "service_endpoint must be https://<api_gw_domain> when the custom domain is set up."
  }
}
