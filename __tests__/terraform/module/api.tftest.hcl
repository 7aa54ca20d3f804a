# The API Gateway HTTP API: on or off, with or without a complete custom domain, and what
# service_endpoint becomes in each case.

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
    { llm_model = "qwen2:7b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
  ]
}

run "no_api_gw_plans_no_api_resource_and_serves_the_alb" {
  command = plan

  variables {
    create_api_gw              = false
    api_gw_domain              = "llm.example.com"
    api_gw_domain_route53_zone = "Z0123456789ABCDEFGHIJ"
    api_gw_domain_ssl_cert_arn = "arn:aws:acm:ap-southeast-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef"
  }

  assert {
    condition     = length(aws_security_group.llm_vpc_link_sg) + length(aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1) + length(aws_apigatewayv2_vpc_link.llm) == 0
    error_message = "create_api_gw = false must plan no VPC link and no VPC link security group or rule."
  }

  assert {
    condition     = length(aws_apigatewayv2_api.llm_apigw) + length(aws_apigatewayv2_stage.llm_auto_deploy) == 0
    error_message = "create_api_gw = false must plan no HTTP API and no stage."
  }

  assert {
    condition = (
      length(aws_apigatewayv2_integration.root_post) + length(aws_apigatewayv2_integration.root_get) + length(aws_apigatewayv2_integration.root_head) +
      length(aws_apigatewayv2_integration.get_model_in_path) + length(aws_apigatewayv2_integration.root_delete) + length(aws_apigatewayv2_integration.post_no_model) == 0
    )
    error_message = "create_api_gw = false must plan no integration."
  }

  assert {
    condition     = length(aws_apigatewayv2_route.endpoint) + length(aws_apigatewayv2_route.index_get) + length(aws_apigatewayv2_route.index_head) == 0
    error_message = "create_api_gw = false must plan no route."
  }

  assert {
    condition     = length(aws_apigatewayv2_domain_name.llm) + length(aws_route53_record.llm) + length(aws_apigatewayv2_api_mapping.llm) == 0
    error_message = "create_api_gw = false must plan no custom domain, record or mapping, even with the domain variables set."
  }

  assert {
    condition     = output.api_gw == null
    error_message = "Output api_gw must be null when create_api_gw = false."
  }

  assert {
    condition     = output.service_endpoint == aws_lb.llm.dns_name && output.service_endpoint == "internal-llm-alb-1234567890.ap-southeast-1.elb.amazonaws.com"
    error_message = "Without the API, service_endpoint must be the ALB's dns_name."
  }
}

run "api_without_domain_keeps_execute_endpoint_and_proxies_to_the_alb" {
  command = plan

  assert {
    condition     = length(aws_apigatewayv2_api.llm_apigw) == 1 && aws_apigatewayv2_api.llm_apigw[0].name == "llm-apigw" && aws_apigatewayv2_api.llm_apigw[0].protocol_type == "HTTP"
    error_message = "create_api_gw (default true) must plan one HTTP API named <prefix>-apigw."
  }

  assert {
    condition     = aws_apigatewayv2_api.llm_apigw[0].disable_execute_api_endpoint == false
    error_message = "Without a custom domain the execute-api endpoint must stay enabled, whatever api_gw_disable_execute_endpoint (default true) says."
  }

  assert {
    condition     = length(aws_apigatewayv2_domain_name.llm) + length(aws_route53_record.llm) + length(aws_apigatewayv2_api_mapping.llm) == 0
    error_message = "Without a custom domain there must be no domain name, record or mapping."
  }

  assert {
    condition     = output.service_endpoint == aws_apigatewayv2_api.llm_apigw[0].api_endpoint && output.service_endpoint == "https://a1b2c3d4e5.execute-api.ap-southeast-1.amazonaws.com"
    error_message = "Without a custom domain, service_endpoint must be the API's api_endpoint."
  }

  assert {
    condition     = output.api_gw.id == aws_apigatewayv2_api.llm_apigw[0].id && output.api_gw.name == "llm-apigw"
    error_message = "Output api_gw must be the HTTP API object."
  }

  assert {
    condition = alltrue([
      for integration in [aws_apigatewayv2_integration.root_post[0], aws_apigatewayv2_integration.root_get[0], aws_apigatewayv2_integration.root_head[0], aws_apigatewayv2_integration.get_model_in_path[0]] :
      integration.integration_type == "HTTP_PROXY" && integration.connection_type == "VPC_LINK" &&
      integration.connection_id == aws_apigatewayv2_vpc_link.llm[0].id && integration.integration_uri == aws_lb_listener.llm_http.arn &&
      integration.api_id == aws_apigatewayv2_api.llm_apigw[0].id
    ])
    error_message = "Every integration must be an HTTP_PROXY of the API through the VPC link to the ALB listener's ARN."
  }

  assert {
    condition = (
      aws_apigatewayv2_integration.root_post[0].integration_method == "POST" &&
      aws_apigatewayv2_integration.root_get[0].integration_method == "GET" &&
      aws_apigatewayv2_integration.root_head[0].integration_method == "HEAD" &&
      aws_apigatewayv2_integration.get_model_in_path[0].integration_method == "GET"
    )
    error_message = "Integrations root_post, root_get, root_head and get_model_in_path must use POST, GET, HEAD and GET."
  }

  assert {
    condition     = length(aws_apigatewayv2_integration.root_delete) + length(aws_apigatewayv2_integration.post_no_model) == 0
    error_message = "Without api_gw_allow_model_management there must be no DELETE integration and no integration for blob uploads."
  }

  assert {
    condition = (
      aws_apigatewayv2_integration.root_post[0].request_parameters == tomap({ "overwrite:header.x-ollama-fleet-model" = "$request.body.model" }) &&
      aws_apigatewayv2_integration.get_model_in_path[0].request_parameters == tomap({ "overwrite:header.x-ollama-fleet-model" = "$request.path.model" }) &&
      aws_apigatewayv2_integration.root_get[0].request_parameters == tomap({ "remove:header.x-ollama-fleet-model" = "''" }) &&
      aws_apigatewayv2_integration.root_head[0].request_parameters == tomap({ "remove:header.x-ollama-fleet-model" = "''" })
    )
    error_message = "The POST integration must set x-ollama-fleet-model from the body's model, GET /v1/models/{model} from the path, and GET and HEAD must remove the client's copy; nothing may touch the query string."
  }

  assert {
    condition = toset(keys(aws_apigatewayv2_route.endpoint)) == toset([
      "GET /api/version", "HEAD /api/version", "GET /api/tags", "HEAD /api/tags", "GET /api/ps",
      "POST /api/show", "POST /api/generate", "POST /api/chat", "POST /api/embed", "POST /api/embeddings",
      "POST /v1/chat/completions", "POST /v1/completions", "POST /v1/embeddings", "POST /v1/responses",
      "GET /v1/models", "GET /v1/models/{model}", "POST /v1/messages",
    ])
    error_message = "By default the API must route exactly the inference and read endpoints (besides GET / and HEAD /): no catch-all, no model management."
  }

  assert {
    condition     = alltrue([for key, route in aws_apigatewayv2_route.endpoint : route.route_key == key && !strcontains(route.route_key, "+}") && route.api_id == aws_apigatewayv2_api.llm_apigw[0].id])
    error_message = "Each route's key must be its instance key, with no greedy path variable, in the HTTP API."
  }

  assert {
    condition = (
      aws_apigatewayv2_route.endpoint["POST /api/chat"].target == "integrations/intpost" &&
      aws_apigatewayv2_route.endpoint["POST /v1/chat/completions"].target == "integrations/intpost" &&
      aws_apigatewayv2_route.endpoint["GET /api/tags"].target == "integrations/intget0" &&
      aws_apigatewayv2_route.endpoint["HEAD /api/tags"].target == "integrations/inthead" &&
      aws_apigatewayv2_route.endpoint["GET /v1/models/{model}"].target == "integrations/intpath"
    )
    error_message = "Each route must target the integration of its method and of where its model is named."
  }

  assert {
    condition     = alltrue([for route in concat(values(aws_apigatewayv2_route.endpoint), [aws_apigatewayv2_route.index_get[0], aws_apigatewayv2_route.index_head[0]]) : route.api_id == aws_apigatewayv2_api.llm_apigw[0].id && route.authorization_type == "NONE"])
    error_message = "Every route must belong to the HTTP API, with the default authorization NONE."
  }

  assert {
    condition = (
      aws_apigatewayv2_route.index_get[0].route_key == "GET /" && aws_apigatewayv2_route.index_get[0].target == "integrations/intget0" &&
      aws_apigatewayv2_route.index_head[0].route_key == "HEAD /" && aws_apigatewayv2_route.index_head[0].target == "integrations/inthead"
    )
    error_message = "GET / must use the GET integration and HEAD / the HEAD integration."
  }

  assert {
    condition     = aws_apigatewayv2_stage.llm_auto_deploy[0].name == "$default" && aws_apigatewayv2_stage.llm_auto_deploy[0].auto_deploy == true && aws_apigatewayv2_stage.llm_auto_deploy[0].api_id == aws_apigatewayv2_api.llm_apigw[0].id
    error_message = "The API must have an auto-deployed $default stage."
  }

  assert {
    condition = (
      aws_apigatewayv2_vpc_link.llm[0].name == "llm-apigw" &&
      aws_apigatewayv2_vpc_link.llm[0].subnet_ids == toset(["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"]) &&
      aws_apigatewayv2_vpc_link.llm[0].security_group_ids == toset(["sg-0f1e0f1e0f1e0f1e0"])
    )
    error_message = "The VPC link must be named <prefix>-apigw, sit in subnet_ids and use the VPC link security group."
  }

  assert {
    condition     = aws_security_group.llm_vpc_link_sg[0].name == "llm-vpc-link-sg" && aws_security_group.llm_vpc_link_sg[0].description == "Security group for vpc link for llm api gateway" && aws_security_group.llm_vpc_link_sg[0].vpc_id == "vpc-0a1b2c3d4e5f67890"
    error_message = "The VPC link security group must be <prefix>-vpc-link-sg in vpc_id, with its original description."
  }

  assert {
    condition = (
      aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1[0].security_group_id == "sg-0f1e0f1e0f1e0f1e0" &&
      aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1[0].ip_protocol == "tcp" &&
      aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1[0].from_port == 80 &&
      aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1[0].to_port == 80 &&
      aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1[0].cidr_ipv4 == null &&
      aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1[0].referenced_security_group_id == "sg-0a1b0a1b0a1b0a1b0" &&
      aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1[0].description == "Traffic to the internal ALB's listener"
    )
    error_message = "The VPC link may send tcp 80 (the listener) to the ALB security group only."
  }
}

run "complete_domain_hides_the_execute_endpoint_when_asked" {
  command = plan

  variables {
    api_gw_disable_execute_endpoint = true
    api_gw_domain                   = "llm.example.com"
    api_gw_domain_route53_zone      = "Z0123456789ABCDEFGHIJ"
    api_gw_domain_ssl_cert_arn      = "arn:aws:acm:ap-southeast-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef"
  }

  assert {
    condition     = aws_apigatewayv2_api.llm_apigw[0].disable_execute_api_endpoint == true
    error_message = "With a complete custom domain, disable_execute_api_endpoint must follow api_gw_disable_execute_endpoint (true)."
  }

  assert {
    condition     = aws_apigatewayv2_domain_name.llm[0].domain_name == "llm.example.com"
    error_message = "The API domain name must be api_gw_domain."
  }

  assert {
    condition = (
      one(aws_apigatewayv2_domain_name.llm[0].domain_name_configuration).certificate_arn == "arn:aws:acm:ap-southeast-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef" &&
      one(aws_apigatewayv2_domain_name.llm[0].domain_name_configuration).endpoint_type == "REGIONAL" &&
      one(aws_apigatewayv2_domain_name.llm[0].domain_name_configuration).security_policy == "TLS_1_2"
    )
    error_message = "The domain name must be REGIONAL, use api_gw_domain_ssl_cert_arn and security policy TLS_1_2."
  }

  assert {
    condition     = aws_route53_record.llm[0].name == "llm.example.com" && aws_route53_record.llm[0].type == "A" && aws_route53_record.llm[0].zone_id == "Z0123456789ABCDEFGHIJ"
    error_message = "The Route53 record must be an A record of api_gw_domain in api_gw_domain_route53_zone."
  }

  assert {
    condition = (
      one(aws_route53_record.llm[0].alias).name == "d-a1b2c3d4e5.execute-api.ap-southeast-1.amazonaws.com" &&
      one(aws_route53_record.llm[0].alias).zone_id == "ZL327KTPIQFUL" &&
      one(aws_route53_record.llm[0].alias).evaluate_target_health == false
    )
    error_message = "The record must alias the domain's target domain name and hosted zone id, without evaluating target health."
  }

  assert {
    condition = (
      aws_apigatewayv2_api_mapping.llm[0].api_id == aws_apigatewayv2_api.llm_apigw[0].id &&
      aws_apigatewayv2_api_mapping.llm[0].domain_name == aws_apigatewayv2_domain_name.llm[0].id &&
      aws_apigatewayv2_api_mapping.llm[0].stage == aws_apigatewayv2_stage.llm_auto_deploy[0].id
    )
    error_message = "The API mapping must join the API, the domain name and the $default stage."
  }

  assert {
    condition     = output.service_endpoint == "https://llm.example.com"
    error_message = "With a complete custom domain, service_endpoint must be https://<api_gw_domain>."
  }
}

run "complete_domain_keeps_the_execute_endpoint_when_asked" {
  command = plan

  variables {
    api_gw_disable_execute_endpoint = false
    api_gw_domain                   = "llm.example.com"
    api_gw_domain_route53_zone      = "Z0123456789ABCDEFGHIJ"
    api_gw_domain_ssl_cert_arn      = "arn:aws:acm:ap-southeast-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef"
  }

  assert {
    condition     = aws_apigatewayv2_api.llm_apigw[0].disable_execute_api_endpoint == false
    error_message = "With a complete custom domain, disable_execute_api_endpoint must follow api_gw_disable_execute_endpoint (false)."
  }

  assert {
    condition     = length(aws_apigatewayv2_domain_name.llm) == 1 && output.service_endpoint == "https://llm.example.com"
    error_message = "The custom domain must still be set up and be the service_endpoint."
  }
}

# The original silently drops an incomplete custom domain (no domain, execute-api endpoint kept).
# This module stops the plan instead, on purpose (docs/getting-started.md, "The module, for existing callers", step 3):
# the precondition on aws_lb.llm names the empty field.
run "domain_without_certificate_stops_the_plan" {
  command = plan

  variables {
    api_gw_disable_execute_endpoint = true
    api_gw_domain                   = "llm.example.com"
    api_gw_domain_route53_zone      = "Z0123456789ABCDEFGHIJ"
    api_gw_domain_ssl_cert_arn      = ""
  }

  expect_failures = [aws_lb.llm]
}

run "domain_without_zone_stops_the_plan" {
  command = plan

  variables {
    api_gw_domain              = "llm.example.com"
    api_gw_domain_route53_zone = ""
    api_gw_domain_ssl_cert_arn = "arn:aws:acm:ap-southeast-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef"
  }

  expect_failures = [aws_lb.llm]
}

run "model_management_flag_adds_the_management_routes_only" {
  command = plan

  variables {
    api_gw_allow_model_management = true
    api_gw_authorization          = "AWS_IAM"
  }

  assert {
    condition = toset(keys(aws_apigatewayv2_route.endpoint)) == toset([
      "GET /api/version", "HEAD /api/version", "GET /api/tags", "HEAD /api/tags", "GET /api/ps",
      "POST /api/show", "POST /api/generate", "POST /api/chat", "POST /api/embed", "POST /api/embeddings",
      "POST /v1/chat/completions", "POST /v1/completions", "POST /v1/embeddings", "POST /v1/responses",
      "GET /v1/models", "GET /v1/models/{model}", "POST /v1/messages",
      "POST /api/pull", "POST /api/push", "POST /api/create", "POST /api/copy", "DELETE /api/delete",
      "POST /api/blobs/{digest}", "HEAD /api/blobs/{digest}",
    ])
    error_message = "api_gw_allow_model_management must add exactly pull, push, create, copy, delete and the blob routes, still without a catch-all."
  }

  assert {
    condition = (
      aws_apigatewayv2_route.endpoint["DELETE /api/delete"].target == "integrations/intdel0" &&
      aws_apigatewayv2_route.endpoint["POST /api/pull"].target == "integrations/intpost" &&
      aws_apigatewayv2_route.endpoint["POST /api/blobs/{digest}"].target == "integrations/intblob" &&
      aws_apigatewayv2_route.endpoint["HEAD /api/blobs/{digest}"].target == "integrations/inthead"
    )
    error_message = "Management routes must target their method's integration: DELETE the body-routed DELETE one, blob uploads one that names no model."
  }

  assert {
    condition = (
      aws_apigatewayv2_integration.root_delete[0].integration_method == "DELETE" &&
      aws_apigatewayv2_integration.root_delete[0].request_parameters == tomap({ "overwrite:header.x-ollama-fleet-model" = "$request.body.model" }) &&
      aws_apigatewayv2_integration.post_no_model[0].integration_method == "POST" &&
      aws_apigatewayv2_integration.post_no_model[0].request_parameters == tomap({ "remove:header.x-ollama-fleet-model" = "''" })
    )
    error_message = "DELETE must set the routing header from the body's model; a blob upload (a binary body) must remove the client's copy."
  }

  assert {
    condition     = alltrue([for route in values(aws_apigatewayv2_route.endpoint) : route.authorization_type == "AWS_IAM"])
    error_message = "The management routes must be authorized like every other route (api_gw_authorization)."
  }
}
