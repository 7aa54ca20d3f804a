# Shared mock data of hashicorp/aws for the module's tests (mock_provider "aws" { source = "./tests/mocks" }).
# The provider still validates planned values, so ARNs and ids here look real. Every test file sets
# override_during = plan, so these values are known while planning and assertions can compare them.

mock_data "aws_ami" {
  defaults = { id = "ami-0123456789abcdef0" }
}

# Distinct AMI ids tell which look-up a server got.
override_data {
  target = data.aws_ami.dlami_arm
  values = { id = "ami-0a4a4a4a4a4a4a4a4" }
}

override_data {
  target = data.aws_ami.dlami_x86
  values = { id = "ami-0b8b8b8b8b8b8b8b8" }
}

# The region's zones, for the az-in-region rule: every test plans in ap-southeast-1.
mock_data "aws_availability_zones" {
  defaults = { names = ["ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"] }
}

# Every instance type is offered in every zone of the region, unless a run overrides one type's look-up.
mock_data "aws_ec2_instance_type_offerings" {
  defaults = { locations = ["ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"] }
}

# The partition the provider's region is in: the commercial one (iam.tftest.hcl overrides it for aws-cn).
mock_data "aws_partition" {
  defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
}

# The account's Lambda concurrency quota (read with the router only): AWS's default.
mock_data "aws_servicequotas_service_quota" {
  defaults = { value = 1000, default_value = 1000 }
}

mock_data "aws_iam_policy_document" {
  defaults = {
    json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"}}]}"
  }
}

mock_resource "aws_iam_instance_profile" {
  defaults = { id = "llm-ec2-profile-id" }
}

mock_resource "aws_lb" {
  defaults = {
    arn      = "arn:aws:elasticloadbalancing:ap-southeast-1:123456789012:loadbalancer/app/llm-alb/50dc6c495c0c9188"
    dns_name = "internal-llm-alb-1234567890.ap-southeast-1.elb.amazonaws.com"
  }
}

mock_resource "aws_lb_listener" {
  defaults = {
    arn = "arn:aws:elasticloadbalancing:ap-southeast-1:123456789012:listener/app/llm-alb/50dc6c495c0c9188/f2f7dc8efc522ab2"
  }
}

# Test files override this per model key where they need to tell target groups apart.
mock_resource "aws_lb_target_group" {
  defaults = {
    arn = "arn:aws:elasticloadbalancing:ap-southeast-1:123456789012:targetgroup/any/73e2d6bc24d8a067"
  }
}

override_resource {
  target = aws_security_group.llm_ec2_sg
  values = { id = "sg-0ec2ec2ec2ec2ec20" }
}

override_resource {
  target = aws_security_group.llm_alb_sg
  values = { id = "sg-0a1b0a1b0a1b0a1b0" }
}

override_resource {
  target = aws_security_group.llm_vpc_link_sg[0]
  values = { id = "sg-0f1e0f1e0f1e0f1e0" }
}

mock_resource "aws_apigatewayv2_api" {
  defaults = {
    id           = "a1b2c3d4e5"
    api_endpoint = "https://a1b2c3d4e5.execute-api.ap-southeast-1.amazonaws.com"
  }
}

mock_resource "aws_apigatewayv2_vpc_link" {
  defaults = { id = "vl0a1b2" }
}

mock_resource "aws_apigatewayv2_stage" {
  defaults = { id = "$default" }
}

override_resource {
  target = aws_apigatewayv2_integration.root_post[0]
  values = { id = "intpost" }
}

override_resource {
  target = aws_apigatewayv2_integration.root_get[0]
  values = { id = "intget0" }
}

override_resource {
  target = aws_apigatewayv2_integration.root_delete[0]
  values = { id = "intdel0" }
}

override_resource {
  target = aws_apigatewayv2_integration.root_head[0]
  values = { id = "inthead" }
}

override_resource {
  target = aws_apigatewayv2_integration.get_model_in_path[0]
  values = { id = "intpath" }
}

override_resource {
  target = aws_apigatewayv2_integration.post_no_model[0]
  values = { id = "intblob" }
}

mock_resource "aws_apigatewayv2_domain_name" {
  defaults = {
    id = "llm.example.com"
    domain_name_configuration = {
      target_domain_name = "d-a1b2c3d4e5.execute-api.ap-southeast-1.amazonaws.com"
      hosted_zone_id     = "ZL327KTPIQFUL"
    }
  }
}

# The router (router_enabled): the provider validates the function's role as an ARN.
mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/mocked-role" }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = { arn = "arn:aws:logs:ap-southeast-1:123456789012:log-group:mocked" }
}

mock_resource "aws_ssm_parameter" {
  defaults = { arn = "arn:aws:ssm:ap-southeast-1:123456789012:parameter/llm/router/api-keys" }
}

mock_resource "aws_lambda_function" {
  defaults = { arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:llm-router" }
}

mock_resource "aws_lambda_function_url" {
  defaults = { function_url = "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.ap-southeast-1.on.aws/" }
}

override_resource {
  target = aws_security_group.router[0]
  values = { id = "sg-0c0ffee0c0ffee000" }
}

# Load scaling: the idle alarm's action is its scale-to-zero policy, which the provider validates as an ARN.
mock_resource "aws_autoscaling_policy" {
  defaults = { arn = "arn:aws:autoscaling:ap-southeast-1:123456789012:scalingPolicy:11111111-2222-3333-4444-555555555555:autoScalingGroupName/mocked:policyName/mocked" }
}
