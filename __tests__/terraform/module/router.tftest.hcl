# The streaming router (router_enabled): off by default; with API_KEY (public URL, keys parameter,
# permissions) or AWS_IAM; its function, URL, role, network, logs, environment, CORS and dashboard row.

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

variables {
  azs            = ["ap-southeast-1a", "ap-southeast-1b"]
  vpc_id         = "vpc-0a1b2c3d4e5f67890"
  vpc_cidr_block = "10.20.0.0/16"
  subnet_ids     = ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"]
  llm_ec2_configs = [
    { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
    { llm_model = "qwen2.5:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 150, app_port = 11435 },
  ]
}

override_resource {
  target          = aws_lb.llm
  override_during = plan
  values = {
    arn        = "arn:aws:elasticloadbalancing:ap-southeast-1:123456789012:loadbalancer/app/llm-alb/50dc6c495c0c9188"
    arn_suffix = "app/llm-alb/50dc6c495c0c9188"
    dns_name   = "internal-llm-alb-1234567890.ap-southeast-1.elb.amazonaws.com"
  }
}

# Known at plan, so the dashboard's body is.
override_resource {
  target          = aws_lb_target_group.llm_http["llama38b"]
  override_during = plan
  values = {
    arn        = "arn:aws:elasticloadbalancing:ap-southeast-1:123456789012:targetgroup/llama38b/1111111111111111"
    arn_suffix = "targetgroup/llama38b/1111111111111111"
  }
}

override_resource {
  target          = aws_lb_target_group.llm_http["qwen257b"]
  override_during = plan
  values = {
    arn        = "arn:aws:elasticloadbalancing:ap-southeast-1:123456789012:targetgroup/qwen257b/2222222222222222"
    arn_suffix = "targetgroup/qwen257b/2222222222222222"
  }
}

override_resource {
  target          = aws_instance.llm["llama38b"]
  override_during = plan
  values          = { id = "i-0aaaaaaaaaaaaaaa1" }
}

override_resource {
  target          = aws_instance.llm["qwen257b"]
  override_during = plan
  values          = { id = "i-0aaaaaaaaaaaaaaa2" }
}

run "off_by_default_plans_nothing_of_the_router" {
  command = plan

  assert {
    condition = (
      length(aws_lambda_function.router) + length(aws_lambda_function_url.router) + length(aws_iam_role.router) +
      length(aws_iam_role_policy.router) + length(aws_security_group.router) + length(aws_cloudwatch_log_group.router) +
      length(aws_ssm_parameter.router_keys) + length(aws_lambda_permission.router_url) + length(aws_lambda_permission.router_invoke) +
      length(aws_vpc_security_group_egress_rule.router_to_alb) + length(aws_vpc_security_group_egress_rule.router_to_ssm) +
      length(aws_vpc_security_group_ingress_rule.llm_alb_ingress_router)
    ) == 0
    error_message = "router_enabled defaults to false: no router resource may be planned."
  }

  assert {
    condition     = output.router_url == null && output.router_keys_parameter == null
    error_message = "Without a router, router_url and router_keys_parameter must be null."
  }

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets) == 4 * 2
    error_message = "Without a router, the dashboard must hold the models' rows only (four widgets per model)."
  }
}

run "api_key_router_streams_behind_a_public_url_that_checks_keys" {
  command = plan

  variables {
    router_enabled = true
  }

  assert {
    condition = (
      aws_lambda_function.router[0].function_name == "llm-router" && aws_lambda_function.router[0].runtime == "nodejs22.x" &&
      aws_lambda_function.router[0].architectures == tolist(["arm64"]) && aws_lambda_function.router[0].handler == "index.handler"
    )
    error_message = "The function must be <prefix>-router, nodejs22.x on arm64, handler index.handler."
  }

  assert {
    condition     = aws_lambda_function.router[0].source_code_hash == filebase64sha256(aws_lambda_function.router[0].filename) && endswith(aws_lambda_function.router[0].filename, "/router.zip")
    error_message = "The function's code must be the module's router.zip, with its hash."
  }

  assert {
    condition = (
      aws_lambda_function.router[0].timeout == 900 && aws_lambda_function.router[0].memory_size == 256 &&
      aws_lambda_function.router[0].reserved_concurrent_executions == 20
    )
    error_message = "Defaults: 900 s timeout, 256 MB, reserved concurrency 20."
  }

  assert {
    condition = (
      toset(aws_lambda_function.router[0].vpc_config[0].subnet_ids) == toset(var.subnet_ids) &&
      toset(aws_lambda_function.router[0].vpc_config[0].security_group_ids) == toset(["sg-0c0ffee0c0ffee000"])
    )
    error_message = "The function must run in the module's subnets, behind its own security group only."
  }

  assert {
    condition = (
      aws_lambda_function_url.router[0].authorization_type == "NONE" && aws_lambda_function_url.router[0].invoke_mode == "RESPONSE_STREAM" &&
      aws_lambda_function_url.router[0].function_name == "llm-router" && length(aws_lambda_function_url.router[0].cors) == 0
    )
    error_message = "API_KEY: a public function URL with response streaming, no CORS unless origins are given."
  }

  assert {
    condition = (
      aws_lambda_function.router[0].environment[0].variables["ROUTER_ALB_URL"] == "http://internal-llm-alb-1234567890.ap-southeast-1.elb.amazonaws.com" &&
      toset(split(",", aws_lambda_function.router[0].environment[0].variables["ROUTER_MODELS"])) == toset(["llama3:8b", "qwen2.5:7b"]) &&
      aws_lambda_function.router[0].environment[0].variables["ROUTER_AUTH_MODE"] == "API_KEY" &&
      aws_lambda_function.router[0].environment[0].variables["ROUTER_KEYS_PARAMETER"] == "/llm/router/api-keys" &&
      aws_lambda_function.router[0].environment[0].variables["ROUTER_ALLOW_MODEL_MANAGEMENT"] == "false" &&
      aws_lambda_function.router[0].environment[0].variables["ROUTER_METRICS_NAMESPACE"] == "OllamaFleet/Router/llm" &&
      aws_lambda_function.router[0].environment[0].variables["ROUTER_UPSTREAM_TIMEOUT_SECONDS"] == "895" &&
      aws_lambda_function.router[0].environment[0].variables["ROUTER_IDLE_TIMEOUT_SECONDS"] == "300"
    )
    error_message = "The environment must follow the router's contract: the ALB's URL, every model, API_KEY with the keys parameter, the namespace of this prefix, a whole answer's wait of the function's timeout less 5 s, the default idle timeout."
  }

  assert {
    condition = (
      aws_ssm_parameter.router_keys[0].name == "/llm/router/api-keys" && aws_ssm_parameter.router_keys[0].type == "SecureString" &&
      aws_ssm_parameter.router_keys[0].value == "[]" && output.router_keys_parameter == "/llm/router/api-keys"
    )
    error_message = "The keys parameter: a SecureString /<prefix>/router/api-keys holding an empty list, named by router_keys_parameter."
  }

  assert {
    condition = (
      aws_lambda_permission.router_url[0].action == "lambda:InvokeFunctionUrl" && aws_lambda_permission.router_url[0].principal == "*" &&
      aws_lambda_permission.router_url[0].function_url_auth_type == "NONE" && aws_lambda_permission.router_url[0].function_name == "llm-router" &&
      aws_lambda_permission.router_invoke[0].action == "lambda:InvokeFunction" && aws_lambda_permission.router_invoke[0].principal == "*" &&
      aws_lambda_permission.router_invoke[0].statement_id != "FunctionURLAllowPublicAccess" && aws_lambda_permission.router_url[0].statement_id != "FunctionURLAllowPublicAccess"
    )
    error_message = "A public URL needs lambda:InvokeFunctionUrl (auth NONE) and lambda:InvokeFunction for everyone, under statement ids the provider does not use."
  }

  assert {
    condition = (
      aws_cloudwatch_log_group.router[0].name == "/aws/lambda/llm-router" && aws_cloudwatch_log_group.router[0].retention_in_days == 30
    )
    error_message = "The function's log group (/aws/lambda/<function>) must be the module's, with 30 days' retention."
  }

  assert {
    condition     = output.router_url == "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.ap-southeast-1.on.aws/"
    error_message = "router_url must be the function URL."
  }
}

run "the_role_may_log_to_its_group_manage_its_interfaces_and_read_the_keys_only" {
  command = plan

  variables {
    router_enabled = true
  }

  assert {
    condition     = jsondecode(aws_iam_role.router[0].assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "Only Lambda may assume the router's role."
  }

  assert {
    condition = (
      toset([for s in jsondecode(aws_iam_role_policy.router[0].policy).Statement : s.Sid]) == toset(["OwnLogGroup", "VpcNetworkInterfaces", "ReadApiKeys"]) &&
      [for s in jsondecode(aws_iam_role_policy.router[0].policy).Statement : s.Resource if s.Sid == "OwnLogGroup"][0] == "arn:aws:logs:ap-southeast-1:123456789012:log-group:mocked:*" &&
      [for s in jsondecode(aws_iam_role_policy.router[0].policy).Statement : s.Action if s.Sid == "ReadApiKeys"][0] == "ssm:GetParameter" &&
      [for s in jsondecode(aws_iam_role_policy.router[0].policy).Statement : s.Resource if s.Sid == "ReadApiKeys"][0] == "arn:aws:ssm:ap-southeast-1:123456789012:parameter/llm/router/api-keys"
    )
    error_message = "The role's policy: streams of its own log group, the VPC's network interfaces, and ssm:GetParameter on the keys parameter."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.router[0].policy).Statement : !strcontains(jsonencode(s.Action), "kms:") && !strcontains(jsonencode(s.Action), "*")])
    error_message = "No KMS permission (aws/ssm lets the account decrypt through SSM) and no wildcard action."
  }
}

run "the_function_sends_to_the_alb_and_ssm_only_and_the_alb_accepts_it" {
  command = plan

  variables {
    router_enabled = true
  }

  assert {
    condition = (
      aws_vpc_security_group_egress_rule.router_to_alb[0].security_group_id == "sg-0c0ffee0c0ffee000" &&
      aws_vpc_security_group_egress_rule.router_to_alb[0].referenced_security_group_id == "sg-0a1b0a1b0a1b0a1b0" &&
      aws_vpc_security_group_egress_rule.router_to_alb[0].from_port == 80 && aws_vpc_security_group_egress_rule.router_to_alb[0].to_port == 80
    )
    error_message = "The router's group must send to the ALB's group on the listener's port 80."
  }

  assert {
    condition = (
      aws_vpc_security_group_egress_rule.router_to_ssm[0].cidr_ipv4 == "0.0.0.0/0" &&
      aws_vpc_security_group_egress_rule.router_to_ssm[0].from_port == 443 && aws_vpc_security_group_egress_rule.router_to_ssm[0].to_port == 443
    )
    error_message = "API_KEY: the router's group must reach SSM over HTTPS."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.llm_alb_ingress_router[0].security_group_id == "sg-0a1b0a1b0a1b0a1b0" &&
      aws_vpc_security_group_ingress_rule.llm_alb_ingress_router[0].referenced_security_group_id == "sg-0c0ffee0c0ffee000" &&
      aws_vpc_security_group_ingress_rule.llm_alb_ingress_router[0].from_port == 80
    )
    error_message = "The ALB's group must accept the router's group on 80."
  }
}

run "dashboard_gets_the_router_row" {
  command = plan

  variables {
    router_enabled              = true
    router_reserved_concurrency = 7
    dashboard_extra_widgets     = [{ type = "text", width = 24, height = 1, properties = { markdown = "mine" } }]
  }

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets) == 4 * 2 + 6 + 1
    error_message = "With a router: the models' rows, six router widgets, then the caller's widgets."
  }

  assert {
    condition = (
      jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets[8].properties.metrics[0][0].expression == "SEARCH('{\"OllamaFleet/Router/llm\",Model} MetricName=\"Requests\"', 'Sum', 60)" &&
      jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets[10].properties.metrics[0][0].label == "$${PROP('Dim.Model')} p50" &&
      jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets[8].properties.region == "ap-southeast-1"
    )
    error_message = "The router's widgets search its namespace for every model, label series by model, in the fleet's region."
  }

  assert {
    condition = (
      jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets[13].properties.metrics[1][3] == "llm-router" &&
      jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets[13].properties.annotations.horizontal[0].value == 7 &&
      jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets[14].properties.markdown == "mine"
    )
    error_message = "The function's widget draws its throttles and the reserved concurrency; the caller's widgets come last."
  }
}

run "aws_iam_router_has_no_public_permission_and_no_keys" {
  command = plan

  variables {
    router_enabled = true
    router_auth    = "AWS_IAM"
  }

  assert {
    condition     = aws_lambda_function_url.router[0].authorization_type == "AWS_IAM"
    error_message = "AWS_IAM: the function URL checks SigV4."
  }

  assert {
    condition = (
      length(aws_ssm_parameter.router_keys) + length(aws_lambda_permission.router_url) + length(aws_lambda_permission.router_invoke) +
      length(aws_vpc_security_group_egress_rule.router_to_ssm)
    ) == 0
    error_message = "AWS_IAM: no keys parameter, no public permission (the router checks no key), no route to SSM."
  }

  assert {
    condition = (
      aws_lambda_function.router[0].environment[0].variables["ROUTER_AUTH_MODE"] == "AWS_IAM" &&
      !contains(keys(aws_lambda_function.router[0].environment[0].variables), "ROUTER_KEYS_PARAMETER") &&
      toset([for s in jsondecode(aws_iam_role_policy.router[0].policy).Statement : s.Sid]) == toset(["OwnLogGroup", "VpcNetworkInterfaces"])
    )
    error_message = "AWS_IAM: no keys parameter in the environment, and no ssm permission on the role."
  }

  assert {
    condition     = output.router_keys_parameter == null && output.router_url != null
    error_message = "AWS_IAM: router_url is set, router_keys_parameter is null."
  }
}

run "invoke_function_grant_can_be_left_to_the_provider" {
  command = plan

  variables {
    router_enabled                = true
    router_public_invoke_function = false
  }

  assert {
    condition     = length(aws_lambda_permission.router_invoke) == 0 && length(aws_lambda_permission.router_url) == 1
    error_message = "router_public_invoke_function = false: no unconditioned lambda:InvokeFunction; the URL permission stays."
  }
}

run "cors_and_sizes_follow_the_inputs" {
  command = plan

  variables {
    prefix                        = "acme"
    router_enabled                = true
    router_cors_allow_origins     = ["https://chat.example.com", "http://localhost:3000"]
    router_timeout_seconds        = 60
    router_memory_mb              = 512
    router_reserved_concurrency   = 5
    router_log_retention_days     = 7
    router_allow_model_management = true
  }

  assert {
    condition = (
      toset(aws_lambda_function_url.router[0].cors[0].allow_origins) == toset(["https://chat.example.com", "http://localhost:3000"]) &&
      toset(aws_lambda_function_url.router[0].cors[0].allow_headers) == toset(["authorization", "content-type"]) &&
      contains(aws_lambda_function_url.router[0].cors[0].allow_methods, "POST") && aws_lambda_function_url.router[0].cors[0].max_age == 86400
    )
    error_message = "Origins given: a CORS block that lets those origins send the key and a JSON body."
  }

  assert {
    condition = (
      aws_lambda_function.router[0].timeout == 60 && aws_lambda_function.router[0].memory_size == 512 &&
      aws_lambda_function.router[0].reserved_concurrent_executions == 5 && aws_cloudwatch_log_group.router[0].retention_in_days == 7
    )
    error_message = "Timeout, memory, reserved concurrency and retention must follow their inputs."
  }

  assert {
    condition = (
      aws_lambda_function.router[0].environment[0].variables["ROUTER_UPSTREAM_TIMEOUT_SECONDS"] == "55" &&
      aws_lambda_function.router[0].environment[0].variables["ROUTER_IDLE_TIMEOUT_SECONDS"] == "55" &&
      aws_lambda_function.router[0].environment[0].variables["ROUTER_ALLOW_MODEL_MANAGEMENT"] == "true"
    )
    error_message = "The upstream wait and the idle timeout end 5 s before the function's timeout; model management follows its input."
  }

  assert {
    condition = (
      aws_lambda_function.router[0].function_name == "acme-router" && aws_ssm_parameter.router_keys[0].name == "/acme/router/api-keys" &&
      aws_iam_role.router[0].name == "acme-router-iamr" && aws_security_group.router[0].name == "acme-router-sg" &&
      aws_lambda_function.router[0].environment[0].variables["ROUTER_METRICS_NAMESPACE"] == "OllamaFleet/Router/acme"
    )
    error_message = "Every name follows the prefix."
  }
}

run "router_auth_outside_its_modes_stops_the_plan" {
  command = plan

  variables {
    router_enabled = true
    router_auth    = "NONE"
  }

  expect_failures = [var.router_auth]
}

run "the_idle_timeout_follows_its_input_within_the_functions_timeout" {
  command = plan

  variables {
    router_enabled              = true
    router_idle_timeout_seconds = 120
  }

  assert {
    condition = (
      aws_lambda_function.router[0].environment[0].variables["ROUTER_IDLE_TIMEOUT_SECONDS"] == "120" &&
      aws_lambda_function.router[0].environment[0].variables["ROUTER_UPSTREAM_TIMEOUT_SECONDS"] == "895"
    )
    error_message = "router_idle_timeout_seconds sets ROUTER_IDLE_TIMEOUT_SECONDS; the whole answer's wait stays the function's timeout less 5 s."
  }
}

# Lambda keeps 100 of the account's concurrency unreserved (all of it below 100): a quota of 120
# leaves 20 to reserve.
run "a_reserved_concurrency_the_account_can_give_plans" {
  command = plan

  variables {
    router_enabled              = true
    router_reserved_concurrency = 20
  }

  override_data {
    target = data.aws_servicequotas_service_quota.lambda_concurrency[0]
    values = { value = 120 }
  }

  assert {
    condition     = aws_lambda_function.router[0].reserved_concurrent_executions == 20
    error_message = "A reservation within the account's quota less 100 must plan."
  }
}

run "a_reserved_concurrency_beyond_the_accounts_quota_stops_the_plan" {
  command = plan

  variables {
    router_enabled              = true
    router_reserved_concurrency = 21
  }

  override_data {
    target = data.aws_servicequotas_service_quota.lambda_concurrency[0]
    values = { value = 120 }
  }

  expect_failures = [data.aws_servicequotas_service_quota.lambda_concurrency]
}

run "a_new_accounts_quota_of_10_leaves_nothing_to_reserve" {
  command = plan

  variables {
    router_enabled              = true
    router_reserved_concurrency = 1
  }

  override_data {
    target = data.aws_servicequotas_service_quota.lambda_concurrency[0]
    values = { value = 10 }
  }

  expect_failures = [data.aws_servicequotas_service_quota.lambda_concurrency]
}

run "without_the_router_the_quota_is_not_read" {
  command = plan

  assert {
    condition     = length(data.aws_servicequotas_service_quota.lambda_concurrency) == 0
    error_message = "The Lambda quota must be read only when the router is on (it needs servicequotas permissions)."
  }
}
