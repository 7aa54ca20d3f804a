# Secure and truthful by default: the servers' least-privilege role, security groups that
# let only the ALB reach the servers and only the VPC link reach the ALB, the ALB's header dropping,
# idle timeout and access logs, model-ready health checks, the API's access logs, throttling and
# authorization, and the pull associations' compliance and wait. Defaults first, then every knob set.

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

# Two app ports; the third model's name has "/", so it cannot be a health check path segment.
variables {
  azs            = ["ap-southeast-1a", "ap-southeast-1b"]
  vpc_id         = "vpc-0a1b2c3d4e5f67890"
  vpc_cidr_block = "10.20.0.0/16"
  subnet_ids     = ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"]
  llm_ec2_configs = [
    { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
    { llm_model = "qwen2:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11435 },
    { llm_model = "hf.co/org/x", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 100, app_port = 11434 },
  ]
}

override_resource {
  target          = aws_cloudwatch_log_group.llm_api_access[0]
  override_during = plan
  values          = { arn = "arn:aws:logs:ap-southeast-1:123456789012:log-group:/aws/apigateway/llm-apigw" }
}

override_resource {
  target          = aws_apigatewayv2_authorizer.llm_jwt[0]
  override_during = plan
  values          = { id = "jwt0a1b" }
}

run "defaults_are_least_privilege_and_segmented" {
  command = plan

  # 1. Instance role
  assert {
    condition = jsonencode(keys(aws_iam_role_policy_attachment.llm_ec2_iam_policy)) == jsonencode([
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
    ])
    error_message = "The servers' role must get only AmazonSSMManagedInstanceCore and CloudWatchAgentServerPolicy (no AmazonSSMFullAccess)."
  }

  # 3. Servers: reachable on their app ports from the ALB's security group only
  assert {
    condition = (
      jsonencode(keys(aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port)) == jsonencode(["11434", "11435"]) &&
      alltrue([
        for port, rule in aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port :
        rule.security_group_id == "sg-0ec2ec2ec2ec2ec20" && rule.referenced_security_group_id == "sg-0a1b0a1b0a1b0a1b0" &&
        rule.cidr_ipv4 == null && rule.from_port == tonumber(port) && rule.to_port == tonumber(port) && rule.ip_protocol == "tcp"
      ])
    )
    error_message = "Each app port must be open on the servers' group to the ALB's group only (no CIDR), one rule per port."
  }

  # 4. ALB: out to the servers' group on each app port, and to nothing else
  assert {
    condition = (
      jsonencode(keys(aws_vpc_security_group_egress_rule.llm_alb_egress_app_port)) == jsonencode(["11434", "11435"]) &&
      alltrue([
        for port, rule in aws_vpc_security_group_egress_rule.llm_alb_egress_app_port :
        rule.security_group_id == "sg-0a1b0a1b0a1b0a1b0" && rule.referenced_security_group_id == "sg-0ec2ec2ec2ec2ec20" &&
        rule.cidr_ipv4 == null && rule.from_port == tonumber(port) && rule.to_port == tonumber(port) && rule.ip_protocol == "tcp"
      ])
    )
    error_message = "The ALB's group must send to the servers' group on each app port (11434, 11435), by group reference."
  }

  assert {
    condition = alltrue([
      for rule in concat(
        values(aws_vpc_security_group_egress_rule.llm_alb_egress_app_port),
        [aws_vpc_security_group_egress_rule.llm_ec2_egress_1],
        aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1,
      ) : rule.cidr_ipv4 != "0.0.0.0/0" if rule.security_group_id == "sg-0a1b0a1b0a1b0a1b0"
    ])
    error_message = "No egress rule of the ALB's security group may go to 0.0.0.0/0."
  }

  # 5. VPC link: out to the ALB's listener only
  assert {
    condition = (
      aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1[0].security_group_id == "sg-0f1e0f1e0f1e0f1e0" &&
      aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1[0].referenced_security_group_id == "sg-0a1b0a1b0a1b0a1b0" &&
      aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1[0].cidr_ipv4 == null &&
      aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1[0].from_port == 80 &&
      aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1[0].to_port == 80
    )
    error_message = "The VPC link's group must send tcp 80 to the ALB's group only."
  }

  # 6. ALB settings
  assert {
    condition     = aws_lb.llm.drop_invalid_header_fields == true && aws_lb.llm.idle_timeout == 600 && aws_lb.llm.enable_deletion_protection == false
    error_message = "By default the ALB must drop invalid header fields, idle out after 600 s, and have no deletion protection."
  }

  assert {
    condition     = length(aws_lb.llm.access_logs) == 0
    error_message = "Without alb_access_logs_bucket the ALB must have no access_logs block."
  }

  # 7. Health checks: the model is pulled (GET /v1/models/<model>), or "/" for a name with "/"
  assert {
    condition = (
      one(aws_lb_target_group.llm_http["llama38b"].health_check).path == "/v1/models/llama3:8b" &&
      one(aws_lb_target_group.llm_http["qwen27b"].health_check).path == "/v1/models/qwen2:7b" &&
      one(aws_lb_target_group.llm_http["hfco/org/x"].health_check).path == "/"
    )
    error_message = "Health check paths must be /v1/models/llama3:8b, /v1/models/qwen2:7b, and / for hf.co/org/x."
  }

  assert {
    condition = alltrue([
      for group in aws_lb_target_group.llm_http :
      one(group.health_check).healthy_threshold == 2 && one(group.health_check).unhealthy_threshold == 3 &&
      one(group.health_check).interval == 30 && one(group.health_check).timeout == 10 && one(group.health_check).matcher == "200"
    ])
    error_message = "Health checks must pass twice to come in, fail three times to go out, every 30 s with a 10 s timeout, expecting 200."
  }

  # 8. API: access logs, throttling, open routes by default
  assert {
    condition = (
      length(aws_cloudwatch_log_group.llm_api_access) == 1 &&
      aws_cloudwatch_log_group.llm_api_access[0].name == "/aws/apigateway/llm-apigw" &&
      aws_cloudwatch_log_group.llm_api_access[0].retention_in_days == 30
    )
    error_message = "The API's access log group must be /aws/apigateway/<prefix>-apigw, kept 30 days by default."
  }

  assert {
    condition = (
      one(aws_apigatewayv2_stage.llm_auto_deploy[0].access_log_settings).destination_arn == "arn:aws:logs:ap-southeast-1:123456789012:log-group:/aws/apigateway/llm-apigw" &&
      jsondecode(one(aws_apigatewayv2_stage.llm_auto_deploy[0].access_log_settings).format).routeKey == "$context.routeKey" &&
      jsondecode(one(aws_apigatewayv2_stage.llm_auto_deploy[0].access_log_settings).format).status == "$context.status" &&
      jsondecode(one(aws_apigatewayv2_stage.llm_auto_deploy[0].access_log_settings).format).integrationError == "$context.integrationErrorMessage"
    )
    error_message = "The stage must log each request as JSON (routeKey, status, integrationError, ...) into the access log group."
  }

  assert {
    condition = (
      one(aws_apigatewayv2_stage.llm_auto_deploy[0].default_route_settings).throttling_rate_limit == 20 &&
      one(aws_apigatewayv2_stage.llm_auto_deploy[0].default_route_settings).throttling_burst_limit == 40
    )
    error_message = "The stage must throttle at 20 requests/s with a burst of 40 by default."
  }

  assert {
    condition = (
      length(aws_apigatewayv2_authorizer.llm_jwt) == 0 &&
      alltrue([
        for route in concat(values(aws_apigatewayv2_route.endpoint), [aws_apigatewayv2_route.index_get[0], aws_apigatewayv2_route.index_head[0]]) :
        route.authorization_type == "NONE" && route.authorizer_id == null
      ])
    )
    error_message = "By default there must be no JWT authorizer and every route must be open (NONE, no authorizer)."
  }

  # 9. Pull associations
  assert {
    condition     = alltrue([for a in concat(values(aws_ssm_association.pull_models), aws_ssm_association.release_rollout) : a.sync_compliance == "AUTO" && a.wait_for_success_timeout_seconds == null])
    error_message = "Associations (the release rollout too) must report compliance (AUTO) and, by default, not make apply wait."
  }
}

run "every_security_knob_set" {
  command = plan

  variables {
    alb_idle_timeout_seconds      = 1200
    alb_deletion_protection       = true
    alb_access_logs_bucket        = "acme-alb-logs"
    alb_access_logs_prefix        = "llm-alb"
    api_gw_log_retention_days     = 90
    api_gw_throttling_rate_limit  = 5
    api_gw_throttling_burst_limit = 12
    api_gw_authorization          = "JWT"
    api_gw_jwt_issuer             = "https://cognito-idp.ap-southeast-1.amazonaws.com/ap-southeast-1_AbCdEfGhI"
    api_gw_jwt_audiences          = ["client-one", "client-two"]
    ollama_version                = "0.12.3"
    pull_models_wait_seconds      = 3600
  }

  assert {
    condition     = aws_lb.llm.idle_timeout == 1200 && aws_lb.llm.enable_deletion_protection == true && aws_lb.llm.drop_invalid_header_fields == true
    error_message = "The ALB must take alb_idle_timeout_seconds (1200) and alb_deletion_protection (true), still dropping invalid headers."
  }

  assert {
    condition = (
      length(aws_lb.llm.access_logs) == 1 && one(aws_lb.llm.access_logs).bucket == "acme-alb-logs" &&
      one(aws_lb.llm.access_logs).prefix == "llm-alb" && one(aws_lb.llm.access_logs).enabled == true
    )
    error_message = "With a bucket the ALB must log to acme-alb-logs under llm-alb, enabled."
  }

  assert {
    condition = (
      aws_cloudwatch_log_group.llm_api_access[0].retention_in_days == 90 &&
      one(aws_apigatewayv2_stage.llm_auto_deploy[0].default_route_settings).throttling_rate_limit == 5 &&
      one(aws_apigatewayv2_stage.llm_auto_deploy[0].default_route_settings).throttling_burst_limit == 12
    )
    error_message = "Log retention (90 days) and throttling (5/s, burst 12) must follow their variables."
  }

  assert {
    condition = (
      length(aws_apigatewayv2_authorizer.llm_jwt) == 1 &&
      aws_apigatewayv2_authorizer.llm_jwt[0].authorizer_type == "JWT" &&
      aws_apigatewayv2_authorizer.llm_jwt[0].api_id == "a1b2c3d4e5" &&
      jsonencode(aws_apigatewayv2_authorizer.llm_jwt[0].identity_sources) == jsonencode(["$request.header.Authorization"]) &&
      one(aws_apigatewayv2_authorizer.llm_jwt[0].jwt_configuration).issuer == "https://cognito-idp.ap-southeast-1.amazonaws.com/ap-southeast-1_AbCdEfGhI" &&
      one(aws_apigatewayv2_authorizer.llm_jwt[0].jwt_configuration).audience == toset(["client-one", "client-two"])
    )
    error_message = "api_gw_authorization = JWT must plan one JWT authorizer of the API on the Authorization header, with the issuer and audiences given."
  }

  assert {
    condition = alltrue([
      for route in concat(values(aws_apigatewayv2_route.endpoint), [aws_apigatewayv2_route.index_get[0], aws_apigatewayv2_route.index_head[0]]) :
      route.authorization_type == "JWT" && route.authorizer_id == "jwt0a1b"
    ])
    error_message = "With JWT every route must use the JWT authorizer."
  }

  assert {
    condition     = alltrue([for a in aws_ssm_association.pull_models : a.sync_compliance == "AUTO" && a.wait_for_success_timeout_seconds == 3600]) && aws_ssm_association.release_rollout[0].wait_for_success_timeout_seconds == null
    error_message = "pull_models_wait_seconds = 3600 must make every model's association wait up to 3600 s; the release rollout, one server after another, never holds apply."
  }

  assert {
    condition = alltrue([for k, server in aws_instance.llm : strcontains(local.server_user_data[k], "OLLAMA_VERSION='0.12.3'")]) && alltrue([
      for a in concat(values(aws_ssm_association.pull_models), aws_ssm_association.release_rollout) : a.parameters["OllamaVersion"] == "0.12.3" && a.parameters["TimeoutSeconds"] == "3600"
    ])
    error_message = "ollama_version = 0.12.3 must be the release every server installs, at first boot and through the association."
  }
}

run "aws_iam_authorization_needs_no_authorizer" {
  command = plan

  variables {
    api_gw_authorization = "AWS_IAM"
  }

  assert {
    condition = (
      length(aws_apigatewayv2_authorizer.llm_jwt) == 0 &&
      alltrue([
        for route in concat(values(aws_apigatewayv2_route.endpoint), [aws_apigatewayv2_route.index_get[0], aws_apigatewayv2_route.index_head[0]]) :
        route.authorization_type == "AWS_IAM" && route.authorizer_id == null
      ])
    )
    error_message = "api_gw_authorization = AWS_IAM must sign-check every route, without a JWT authorizer."
  }
}

# The config file's schema stops an unknown type before synth; an HCL caller meets the validation.
run "unknown_authorization_type_is_rejected" {
  command = plan

  variables {
    api_gw_authorization = "COGNITO"
  }

  expect_failures = [var.api_gw_authorization]
}
