# The internal ALB: its settings, per-model target groups on each model's app_port, the security
# group rules, and the Open WebUI port.

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

# Two models on two different app ports.
variables {
  azs            = ["ap-southeast-1a", "ap-southeast-1b"]
  vpc_id         = "vpc-0a1b2c3d4e5f67890"
  vpc_cidr_block = "10.20.0.0/16"
  subnet_ids     = ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"]
  llm_ec2_configs = [
    { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
    { llm_model = "qwen2:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11435 },
  ]
}

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

run "open_webui_port_zero_opens_no_extra_port" {
  command = plan

  variables {
    open_webui_port = 0
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.llm_alb_ingress_3) == 0
    error_message = "open_webui_port = 0 must plan no llm_alb_ingress_3 (the original's inverted condition is fixed)."
  }
}

run "open_webui_port_opens_that_port_on_the_alb" {
  command = plan

  variables {
    open_webui_port = 8080
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.llm_alb_ingress_3) == 1
    error_message = "open_webui_port = 8080 must plan exactly one llm_alb_ingress_3."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.llm_alb_ingress_3[0].from_port == 8080 && aws_vpc_security_group_ingress_rule.llm_alb_ingress_3[0].to_port == 8080 &&
      aws_vpc_security_group_ingress_rule.llm_alb_ingress_3[0].ip_protocol == "tcp" && aws_vpc_security_group_ingress_rule.llm_alb_ingress_3[0].cidr_ipv4 == "10.20.0.0/16"
    )
    error_message = "llm_alb_ingress_3 must allow tcp 8080 from the VPC CIDR."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.llm_alb_ingress_3[0].security_group_id == "sg-0a1b0a1b0a1b0a1b0" && aws_vpc_security_group_ingress_rule.llm_alb_ingress_3[0].description == "Traffic over port (for open webui) from VPC"
    error_message = "llm_alb_ingress_3 must belong to the ALB security group, with its original description."
  }
}

run "each_app_port_gets_one_ingress_rule_and_its_models_use_it" {
  command = plan

  assert {
    condition     = jsonencode(keys(aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port)) == jsonencode(["11434", "11435"])
    error_message = "Two distinct app ports must give two ingress rules keyed \"11434\" and \"11435\"."
  }

  assert {
    condition     = alltrue([for port, rule in aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port : rule.from_port == tonumber(port) && rule.to_port == tonumber(port)])
    error_message = "Each app-port ingress rule must open exactly the port of its key."
  }

  assert {
    condition = alltrue([
      for rule in aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port :
      rule.ip_protocol == "tcp" && rule.cidr_ipv4 == null && rule.referenced_security_group_id == "sg-0a1b0a1b0a1b0a1b0" &&
      rule.security_group_id == "sg-0ec2ec2ec2ec2ec20" && rule.description == "Traffic over Application (ollama) Port from the internal ALB"
    ])
    error_message = "App-port ingress rules must allow tcp into the EC2 security group from the ALB security group only (no CIDR)."
  }

  assert {
    condition     = aws_lb_target_group.llm_http["llama38b"].port == 11434 && aws_lb_target_group.llm_http["qwen27b"].port == 11435
    error_message = "Each target group must use its model's app_port (llama38b 11434, qwen27b 11435)."
  }

  assert {
    condition     = aws_lb_target_group_attachment.llm_http["llama38b"].port == 11434 && aws_lb_target_group_attachment.llm_http["qwen27b"].port == 11435
    error_message = "Each attachment must use its model's app_port (llama38b 11434, qwen27b 11435)."
  }

  assert {
    condition = (
      aws_lb_target_group_attachment.llm_http["qwen27b"].target_id == "i-0bbbbbbbbbbbbbbb2" &&
      aws_lb_target_group_attachment.llm_http["qwen27b"].target_group_arn == aws_lb_target_group.llm_http["qwen27b"].arn &&
      aws_lb_target_group_attachment.llm_http["llama38b"].target_id == "i-0aaaaaaaaaaaaaaa1" &&
      aws_lb_target_group_attachment.llm_http["llama38b"].target_group_arn == aws_lb_target_group.llm_http["llama38b"].arn
    )
    error_message = "Each attachment must put its model's instance into its model's target group."
  }

  assert {
    condition = (
      strcontains(local.server_user_data["qwen27b"], "APP_PORT='11435'") && strcontains(local.server_user_data["llama38b"], "APP_PORT='11434'") &&
      aws_ssm_association.pull_models["qwen27b"].parameters["AppPort"] == "11435" && aws_ssm_association.pull_models["llama38b"].parameters["AppPort"] == "11434"
    )
    error_message = "Each server's Ollama must listen on its model's app_port, at first boot and when the association runs."
  }
}

run "internal_alb_listener_target_groups_and_security_group" {
  command = plan

  assert {
    condition = (
      aws_lb.llm.name == "llm-alb" && aws_lb.llm.internal == true && aws_lb.llm.load_balancer_type == "application" &&
      aws_lb.llm.enable_deletion_protection == false && aws_lb.llm.drop_invalid_header_fields == true
    )
    error_message = "The ALB must be an internal application load balancer named <prefix>-alb, without deletion protection (default), dropping invalid header fields."
  }

  assert {
    condition     = aws_lb.llm.subnets == toset(["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"]) && aws_lb.llm.security_groups == toset(["sg-0a1b0a1b0a1b0a1b0"])
    error_message = "The ALB must sit in subnet_ids and use the ALB security group only."
  }

  assert {
    condition     = aws_lb_listener.llm_http.load_balancer_arn == aws_lb.llm.arn && aws_lb_listener.llm_http.port == 80 && aws_lb_listener.llm_http.protocol == "HTTP"
    error_message = "The listener must be HTTP on port 80 of the ALB."
  }

  assert {
    condition     = length(aws_lb_listener.llm_http.default_action) == 1 && one(aws_lb_listener.llm_http.default_action).type == "forward" && one(aws_lb_listener.llm_http.default_action).target_group_arn == aws_lb_target_group.llm_http["llama38b"].arn
    error_message = "The listener's default action must forward to the first model's target group."
  }

  assert {
    condition     = alltrue([for rule in aws_lb_listener_rule.llm_http : rule.listener_arn == aws_lb_listener.llm_http.arn])
    error_message = "Every listener rule must belong to the HTTP listener."
  }

  assert {
    condition     = one(aws_lb_listener_rule.llm_http["llama38b"].action).target_group_arn == aws_lb_target_group.llm_http["llama38b"].arn && one(aws_lb_listener_rule.llm_http["qwen27b"].action).target_group_arn == aws_lb_target_group.llm_http["qwen27b"].arn
    error_message = "Each listener rule must forward to its own model's target group."
  }

  assert {
    condition = alltrue([
      for group in aws_lb_target_group.llm_http :
      group.protocol == "HTTP" && group.protocol_version == "HTTP1" && group.target_type == "instance" &&
      group.vpc_id == "vpc-0a1b2c3d4e5f67890" && group.load_balancing_cross_zone_enabled == "true"
    ])
    error_message = "Target groups must be HTTP / HTTP1 instance groups in vpc_id with cross-zone load balancing \"true\"."
  }

  assert {
    condition = alltrue([
      for group in aws_lb_target_group.llm_http :
      one(group.stickiness).enabled == true && one(group.stickiness).type == "lb_cookie" && one(group.stickiness).cookie_duration == 86400
    ])
    error_message = "Target groups must stick clients with an lb_cookie for 86400 s."
  }

  assert {
    condition = alltrue([
      for group in aws_lb_target_group.llm_http :
      one(group.health_check).enabled == true && one(group.health_check).healthy_threshold == 2 && one(group.health_check).unhealthy_threshold == 3 &&
      one(group.health_check).interval == 30 && one(group.health_check).matcher == "200" &&
      one(group.health_check).port == "traffic-port" && one(group.health_check).protocol == "HTTP" && one(group.health_check).timeout == 10
    ])
    error_message = "Target group health checks must be HTTP on the traffic port, 200, healthy 2, unhealthy 3, every 30 s, timeout 10 s."
  }

  assert {
    condition     = one(aws_lb_target_group.llm_http["llama38b"].health_check).path == "/v1/models/llama3:8b" && one(aws_lb_target_group.llm_http["qwen27b"].health_check).path == "/v1/models/qwen2:7b"
    error_message = "Each target group must check its own model: GET /v1/models/llama3:8b and /v1/models/qwen2:7b."
  }

  assert {
    condition     = aws_security_group.llm_alb_sg.name == "llm-alb-sg" && aws_security_group.llm_alb_sg.description == "Security group for llm internal ALB" && aws_security_group.llm_alb_sg.vpc_id == "vpc-0a1b2c3d4e5f67890"
    error_message = "The ALB security group must be <prefix>-alb-sg in vpc_id, with its original description."
  }

  assert {
    condition = (
      jsonencode(keys(aws_vpc_security_group_egress_rule.llm_alb_egress_app_port)) == jsonencode(["11434", "11435"]) &&
      alltrue([
        for port, rule in aws_vpc_security_group_egress_rule.llm_alb_egress_app_port :
        rule.ip_protocol == "tcp" && rule.from_port == tonumber(port) && rule.to_port == tonumber(port) &&
        rule.referenced_security_group_id == "sg-0ec2ec2ec2ec2ec20" && rule.cidr_ipv4 == null &&
        rule.description == "Traffic to the model servers' Application (ollama) Port"
      ])
    )
    error_message = "The ALB may send tcp only to the EC2 security group, one rule per app port (11434, 11435)."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.llm_alb_ingress_2.cidr_ipv4 == "10.20.0.0/16" && aws_vpc_security_group_ingress_rule.llm_alb_ingress_2.ip_protocol == "tcp" &&
      aws_vpc_security_group_ingress_rule.llm_alb_ingress_2.from_port == 80 && aws_vpc_security_group_ingress_rule.llm_alb_ingress_2.to_port == 80 &&
      aws_vpc_security_group_ingress_rule.llm_alb_ingress_2.description == "Traffic over HTTP (llm ec2) from VPC"
    )
    error_message = "llm_alb_ingress_2 must allow tcp 80 from the VPC CIDR."
  }

  assert {
    condition = alltrue([
      for rule in concat([aws_vpc_security_group_ingress_rule.llm_alb_ingress_2], values(aws_vpc_security_group_egress_rule.llm_alb_egress_app_port)) :
      rule.security_group_id == "sg-0a1b0a1b0a1b0a1b0"
    ])
    error_message = "Every ALB rule must belong to the ALB security group."
  }
}

run "target_groups_drain_for_the_longest_generation_and_keep_their_model_names" {
  command = plan

  assert {
    condition     = alltrue([for group in aws_lb_target_group.llm_http : group.deregistration_delay == "900"])
    error_message = "Target groups must let a leaving server finish its requests for 900 s (the router's longest generation) by default."
  }

  assert {
    condition     = aws_lb_target_group.llm_http["llama38b"].name == "llama38b" && aws_lb_target_group.llm_http["qwen27b"].name == "qwen27b"
    error_message = "target_group_names = \"model\" (the default) must keep the original's names, the model keys."
  }
}

run "prefixed_target_group_names_carry_the_prefix_and_a_hash_of_the_port" {
  command = plan

  variables {
    target_group_names           = "prefixed"
    deregistration_delay_seconds = 120
  }

  assert {
    condition     = aws_lb_target_group.llm_http["llama38b"].name == "llm-llama38b-977f6773" && aws_lb_target_group.llm_http["qwen27b"].name == "llm-qwen27b-fd757147"
    error_message = "Prefixed names must be <prefix>-<key>-<8 hex of sha256(prefix/model/port)>: llm-llama38b-977f6773 (11434), llm-qwen27b-fd757147 (11435)."
  }

  assert {
    condition     = alltrue([for group in aws_lb_target_group.llm_http : group.deregistration_delay == "120"])
    error_message = "deregistration_delay_seconds must set every target group's deregistration delay."
  }
}

run "a_prefixed_name_follows_the_port" {
  command = plan

  variables {
    target_group_names = "prefixed"
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11435 },
      { llm_model = "qwen2:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11435 },
    ]
  }

  assert {
    condition     = aws_lb_target_group.llm_http["llama38b"].name == "llm-llama38b-f4825459" && aws_lb_target_group.llm_http["qwen27b"].name == "llm-qwen27b-fd757147"
    error_message = "A new app_port must give the model's target group a new name (llama38b on 11435: llm-llama38b-f4825459), so the new group exists before the old one goes."
  }
}

run "an_entrys_listener_priority_is_its_rules" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
      { llm_model = "qwen2:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11435, listener_priority = 1000 },
    ]
  }

  assert {
    condition     = aws_lb_listener_rule.llm_http["qwen27b"].priority == 1000 && aws_lb_listener_rule.llm_http["llama38b"].priority == 22417
    error_message = "listener_priority must set that model's rule priority and leave the others derived."
  }
}

run "two_models_on_one_listener_priority_are_refused" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
      { llm_model = "qwen2:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11435, listener_priority = 22417 },
    ]
  }

  expect_failures = [var.llm_ec2_configs]
}

run "target_group_names_outside_its_choices_are_refused" {
  command = plan

  variables {
    target_group_names = "prefix"
  }

  expect_failures = [var.target_group_names]
}

# The doors (API Gateway, the router) set x-ollama-fleet-model and drop the client's copy; a model
# named without a tag, or with :latest, is routed under both spellings, as Ollama reads them.
run "listener_rules_route_on_the_routing_header_in_both_spellings" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
      { llm_model = "qwen2:latest", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
      { llm_model = "mistral-nemo:12b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
    ]
  }

  assert {
    condition = alltrue([
      for rule in aws_lb_listener_rule.llm_http :
      length(rule.condition) == 1 && length(one(rule.condition).query_string) == 0 && length(one(rule.condition).path_pattern) == 0 &&
      one(one(rule.condition).http_header).http_header_name == "x-ollama-fleet-model"
    ])
    error_message = "Every model's rule must have exactly one condition, on the header x-ollama-fleet-model, and none on the query string."
  }

  assert {
    condition = (
      one(one(aws_lb_listener_rule.llm_http["llama3"].condition).http_header).values == toset(["llama3", "llama3:latest"]) &&
      one(one(aws_lb_listener_rule.llm_http["qwen2latest"].condition).http_header).values == toset(["qwen2:latest", "qwen2"]) &&
      one(one(aws_lb_listener_rule.llm_http["mistralnemo12b"].condition).http_header).values == toset(["mistral-nemo:12b"])
    )
    error_message = "An untagged or :latest model's rule must match both spellings; any other model only its own name."
  }

  assert {
    condition     = one(aws_lb_listener.llm_http.default_action).type == "forward" && one(aws_lb_listener.llm_http.default_action).target_group_arn == aws_lb_target_group.llm_http["llama3"].arn
    error_message = "A request without the header (a direct VPC caller, a request naming no model) must still go to the main server's group."
  }
}
