# The servers' IAM role and managed policies, and every resource name under a custom prefix.

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

variables {
  prefix         = "acme"
  azs            = ["ap-southeast-1a", "ap-southeast-1b"]
  vpc_id         = "vpc-0a1b2c3d4e5f67890"
  vpc_cidr_block = "10.20.0.0/16"
  subnet_ids     = ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"]
  llm_ec2_configs = [
    { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
    { llm_model = "qwen2:7b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
  ]
}

run "role_policies_and_every_name_follow_the_prefix" {
  command = plan

  assert {
    condition = jsonencode(keys(aws_iam_role_policy_attachment.llm_ec2_iam_policy)) == jsonencode([
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
    ])
    error_message = "The role must get exactly two AWS managed policies (SSM core, CloudWatch agent), keyed by their ARNs."
  }

  assert {
    condition     = alltrue([for arn, attachment in aws_iam_role_policy_attachment.llm_ec2_iam_policy : attachment.policy_arn == arn && attachment.role == "acme-ec2-iamr"])
    error_message = "Each attachment must attach the policy of its key to <prefix>-ec2-iamr."
  }

  assert {
    condition     = aws_iam_role.llm_ec2_iamr.name == "acme-ec2-iamr" && aws_iam_role.llm_ec2_iamr.assume_role_policy == data.aws_iam_policy_document.llm_ec2_iamr_assume.json
    error_message = "The role must be <prefix>-ec2-iamr, trusting what the llm_ec2_iamr_assume document says."
  }

  assert {
    condition = (
      length(data.aws_iam_policy_document.llm_ec2_iamr_assume.statement) == 1 &&
      jsonencode(data.aws_iam_policy_document.llm_ec2_iamr_assume.statement[0].actions) == jsonencode(["sts:AssumeRole"]) &&
      one(data.aws_iam_policy_document.llm_ec2_iamr_assume.statement[0].principals).type == "Service" &&
      jsonencode(one(data.aws_iam_policy_document.llm_ec2_iamr_assume.statement[0].principals).identifiers) == jsonencode(["ec2.amazonaws.com"])
    )
    error_message = "The trust policy must let only the EC2 service (ec2.amazonaws.com) sts:AssumeRole."
  }

  assert {
    condition     = aws_iam_instance_profile.llm_ec2_iam_profile.name == "acme-ec2-profile" && aws_iam_instance_profile.llm_ec2_iam_profile.role == "acme-ec2-iamr"
    error_message = "The instance profile must be <prefix>-ec2-profile, of the role <prefix>-ec2-iamr."
  }

  assert {
    condition     = aws_security_group.llm_ec2_sg.name == "acme-ec2-sg" && aws_security_group.llm_alb_sg.name == "acme-alb-sg" && aws_security_group.llm_vpc_link_sg[0].name == "acme-vpc-link-sg"
    error_message = "Security groups must be named acme-ec2-sg, acme-alb-sg and acme-vpc-link-sg."
  }

  assert {
    condition     = aws_lb.llm.name == "acme-alb" && aws_apigatewayv2_api.llm_apigw[0].name == "acme-apigw" && aws_apigatewayv2_vpc_link.llm[0].name == "acme-apigw"
    error_message = "The ALB, the API and the VPC link must be named acme-alb, acme-apigw and acme-apigw."
  }

  assert {
    condition     = aws_ssm_document.pull_models.name == "acme-pull-models" && alltrue([for association in aws_ssm_association.pull_models : association.name == "acme-pull-models"])
    error_message = "The SSM document (and what the associations run) must be acme-pull-models."
  }

  assert {
    condition     = aws_instance.llm["llama38b"].tags["Name"] == "acme-main-llama3:8b" && aws_instance.llm["qwen27b"].tags["Name"] == "acme-qwen2:7b"
    error_message = "Name tags must be acme-main-llama3:8b and acme-qwen2:7b."
  }

  assert {
    condition     = alltrue([for server in aws_instance.llm : server.tags["System"] == "acme"])
    error_message = "Every server must be tagged System = acme."
  }

  assert {
    condition     = aws_lb_target_group.llm_http["llama38b"].name == "llama38b" && aws_lb_target_group.llm_http["qwen27b"].name == "qwen27b"
    error_message = "Target group names are the model keys, without the prefix, as in the original."
  }
}

run "every_arn_we_write_follows_the_partition" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434, server_mode = "asg", warm_pool = true },
    ]
  }

  override_data {
    target = data.aws_partition.current
    values = { partition = "aws-cn", dns_suffix = "amazonaws.com.cn" }
  }

  assert {
    condition = jsonencode(keys(aws_iam_role_policy_attachment.llm_ec2_iam_policy)) == jsonencode([
      "arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore",
      "arn:aws-cn:iam::aws:policy/CloudWatchAgentServerPolicy",
    ])
    error_message = "In aws-cn the managed policies must be arn:aws-cn:iam::aws:policy/..."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.llm_ec2_model_ready[0].policy).Statement[0].Resource == "arn:aws-cn:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/acme-*"
    error_message = "In aws-cn the model-ready grant must name arn:aws-cn:autoscaling:..."
  }
}
