# Warnings, not errors: a check block that fails lets the plan go on.

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

variables {
  azs            = ["ap-southeast-1a", "ap-southeast-1b"]
  vpc_id         = "vpc-0a1b2c3d4e5f67890"
  vpc_cidr_block = "10.20.0.0/16"
  subnet_ids     = ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"]
  # No public API door: runs that expect one check's warning must not see the door check's too.
  create_api_gw = false
}

run "main_server_root_volume_short_of_every_model_warns" {
  command = plan

  # The main server pulls both: about 39.4 + 40.5 GiB of weights onto 60 GiB.
  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:70b", instance_type = "g6e.12xlarge", ami_id = "", ebs_volume_gb = 60, app_port = 11434 },
      { llm_model = "qwen2:72b", instance_type = "g6e.12xlarge", ami_id = "", ebs_volume_gb = 100, app_port = 11434 },
    ]
  }

  expect_failures = [check.root_volume_holds_models]

  assert {
    condition     = length(aws_instance.llm) == 2
    error_message = "A failed root-volume check is a warning: the servers are still planned."
  }
}

run "root_volumes_large_enough_pass_the_check" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:70b", instance_type = "g6e.12xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
      { llm_model = "qwen2:72b", instance_type = "g6e.12xlarge", ami_id = "", ebs_volume_gb = 100, app_port = 11434 },
    ]
  }

  assert {
    condition     = local.model_weights_gib["llama3:70b"] == 39.375 && local.model_weights_gib["qwen2:72b"] == 40.5
    error_message = "The weights estimate must be parameters x 4.5 bits / 8 for untagged quantizations (39.375 and 40.5 GiB)."
  }
}

# The original's defaults: the API door on, public, with no authorization.
run "public_api_door_without_authorization_warns" {
  command = plan

  variables {
    create_api_gw                       = true
    api_gw_acknowledge_no_authorization = false
    llm_ec2_configs = [{ llm_model = "llama3:8b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 100, app_port = 11434 }]
  }

  expect_failures = [check.api_door_authorized]

  assert {
    condition     = length(aws_apigatewayv2_api.llm_apigw) == 1
    error_message = "A failed door check is a warning: the API is still planned."
  }
}

run "an_open_door_acknowledged_does_not_warn" {
  command = plan

  variables {
    create_api_gw                       = true
    api_gw_acknowledge_no_authorization = true
    llm_ec2_configs                     = [{ llm_model = "llama3:8b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 100, app_port = 11434 }]
  }

  assert {
    condition     = length(aws_apigatewayv2_api.llm_apigw) == 1
    error_message = "An acknowledged open door plans the API without the warning (a failing check would fail this run)."
  }
}
