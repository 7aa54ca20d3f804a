# Each instance type in use must be offered in every zone its servers may launch in: an instance's
# own zone, every zone of the subnets for an Auto Scaling group. One look-up per distinct type.

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

variables {
  azs            = ["ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"]
  vpc_id         = "vpc-0a1b2c3d4e5f67890"
  vpc_cidr_block = "10.20.0.0/16"
  subnet_ids     = ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222", "subnet-0a1b2c3d4e5f33333"]
  create_api_gw  = false
  llm_ec2_configs = [
    { llm_model = "llama3.1:8b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 100, app_port = 11434 },
    { llm_model = "llama3.1:70b", instance_type = "g6e.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
    { llm_model = "qwen2.5:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 100, app_port = 11434, server_mode = "asg" },
  ]
}

run "one_look_up_per_distinct_instance_type_by_zone" {
  command = plan

  assert {
    condition     = sort(keys(data.aws_ec2_instance_type_offerings.offered)) == tolist(["g5.xlarge", "g6e.xlarge"])
    error_message = "One look-up per distinct instance type in use, no more."
  }
  assert {
    condition = alltrue([for t, d in data.aws_ec2_instance_type_offerings.offered :
    d.location_type == "availability-zone" && one(d.filter).name == "instance-type" && tolist(one(d.filter).values) == tolist([t])])
    error_message = "Each look-up asks for its own type, by availability zone."
  }
  assert {
    condition     = local.instance_type_zones["g6e.xlarge"].zones == tolist(["ap-southeast-1b"]) && local.instance_type_zones["g6e.xlarge"].models == tolist(["llama3.1:70b"])
    error_message = "An instance needs its own zone only."
  }
  assert {
    condition = (local.instance_type_zones["g5.xlarge"].zones == tolist(["ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"]) &&
    local.instance_type_zones["g5.xlarge"].models == tolist(["llama3.1:8b", "qwen2.5:7b"]))
    error_message = "A group may launch in every zone of the subnets: its type must be offered in each."
  }
}

run "a_type_offered_only_in_the_zones_its_servers_use_plans" {
  command = plan

  override_data {
    target = data.aws_ec2_instance_type_offerings.offered["g6e.xlarge"]
    values = { locations = ["ap-southeast-1b"] }
  }

  assert {
    condition     = length(aws_instance.llm) == 2
    error_message = "g6e.xlarge in ap-southeast-1b, where the instance of llama3.1:70b runs, is enough."
  }
}

run "an_instance_type_missing_from_its_server_zone_fails_the_plan" {
  command = plan

  override_data {
    target = data.aws_ec2_instance_type_offerings.offered["g6e.xlarge"]
    values = { locations = ["ap-southeast-1a", "ap-southeast-1c"] }
  }

  expect_failures = [data.aws_ec2_instance_type_offerings.offered]
}

run "a_group_type_missing_from_one_zone_of_the_subnets_fails_the_plan" {
  command = plan

  override_data {
    target = data.aws_ec2_instance_type_offerings.offered["g5.xlarge"]
    values = { locations = ["ap-southeast-1a", "ap-southeast-1b"] }
  }

  expect_failures = [data.aws_ec2_instance_type_offerings.offered]
}
