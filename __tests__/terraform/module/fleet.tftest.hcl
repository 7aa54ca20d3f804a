# Auto Scaling servers (server_mode = "asg"): launch templates, groups, spot, warm pools,
# schedules, the pull association's targets, and the root volume against the AMI's snapshot.

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
    { llm_model = "qwen2.5:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 150, app_port = 11434 },
  ]
  default_server_mode = "asg"
}

override_resource {
  target          = aws_lb_target_group.llm_http["llama38b"]
  override_during = plan
  values          = { arn = "arn:aws:elasticloadbalancing:ap-southeast-1:123456789012:targetgroup/llama38b/1111111111111111" }
}

override_resource {
  target          = aws_lb_target_group.llm_http["qwen257b"]
  override_during = plan
  values          = { arn = "arn:aws:elasticloadbalancing:ap-southeast-1:123456789012:targetgroup/qwen257b/2222222222222222" }
}

run "every_model_in_asg_mode_gets_a_launch_template_and_a_group_and_no_instance" {
  command = plan

  override_data {
    target = data.aws_ami.dlami_x86
    values = {
      id                    = "ami-0b8b8b8b8b8b8b8b8"
      root_device_name      = "/dev/xvda"
      block_device_mappings = [{ device_name = "/dev/xvda", ebs = { volume_size = "100" }, no_device = "", virtual_name = "" }]
    }
  }

  override_data {
    target = data.aws_ami.dlami_arm
    values = { id = "ami-0a4a4a4a4a4a4a4a4", root_device_name = "/dev/sda1" }
  }

  assert {
    condition     = length(aws_instance.llm) == 0 && length(aws_lb_target_group_attachment.llm_http) == 0
    error_message = "Models in asg mode must plan no aws_instance and no target group attachment."
  }

  assert {
    condition     = length(aws_ssm_association.release_rollout) == 0 && length(aws_cloudwatch_event_rule.release_failed) == 0
    error_message = "Without instance models there is no release rollout (groups take a release through their refresh)."
  }

  assert {
    condition     = alltrue([for k, g in aws_lb_target_group.llm_http : startswith(g.name, "llm-${k}-")])
    error_message = "A group's target group is always prefixed (its servers register on the group's port, so a new port needs a new name), also with target_group_names = \"model\"."
  }

  assert {
    condition     = jsonencode(keys(aws_launch_template.llm)) == jsonencode(["llama38b", "qwen257b"]) && jsonencode(keys(aws_autoscaling_group.llm)) == jsonencode(["llama38b", "qwen257b"])
    error_message = "Each model must get aws_launch_template.llm and aws_autoscaling_group.llm under its key."
  }

  assert {
    condition = alltrue([
      for group in aws_autoscaling_group.llm :
      group.health_check_type == "ELB" && group.health_check_grace_period == 1800 && group.min_size == 1 && group.max_size == 1 && group.desired_capacity == 1
    ])
    error_message = "Groups must use ELB health checks with the default 1800 s grace period and 1/1/1 sizes."
  }

  assert {
    condition = (
      aws_autoscaling_group.llm["llama38b"].target_group_arns == toset(["arn:aws:elasticloadbalancing:ap-southeast-1:123456789012:targetgroup/llama38b/1111111111111111"]) &&
      aws_autoscaling_group.llm["qwen257b"].target_group_arns == toset(["arn:aws:elasticloadbalancing:ap-southeast-1:123456789012:targetgroup/qwen257b/2222222222222222"])
    )
    error_message = "Each group must register with its own model's target group."
  }

  assert {
    condition     = alltrue([for group in aws_autoscaling_group.llm : group.vpc_zone_identifier == toset(["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"])])
    error_message = "Groups must be able to launch in every subnet."
  }

  assert {
    condition = alltrue([
      for group in aws_autoscaling_group.llm :
      group.instance_refresh[0].strategy == "Rolling" && group.instance_refresh[0].preferences[0].min_healthy_percentage == 100 && group.instance_refresh[0].preferences[0].max_healthy_percentage == 200
    ])
    error_message = "Groups must refresh rolling, launching the new server before the old one goes (min 100 %, max 200 %)."
  }

  assert {
    condition = alltrue([
      for key, group in aws_autoscaling_group.llm :
      length(group.launch_template) == 1 && length(group.mixed_instances_policy) == 0 && length(group.warm_pool) == 0 && group.capacity_rebalance == false
    ])
    error_message = "On-demand groups must name their launch template directly, with no mixed instances policy and no warm pool."
  }

  assert {
    condition     = length(aws_iam_role_policy.llm_ec2_model_ready) == 0 && alltrue([for group in aws_autoscaling_group.llm : length(group.initial_lifecycle_hook) == 0])
    error_message = "Without a warm pool there is no lifecycle hook and no extra permission."
  }

  assert {
    condition = (
      aws_autoscaling_group.llm["llama38b"].name == "llm-llama38b" && aws_launch_template.llm["llama38b"].name == "llm-llama38b" &&
      contains([for t in aws_autoscaling_group.llm["llama38b"].tag : "${t.key}=${t.value}=${t.propagate_at_launch}"], "Name=llm-main-llama3:8b=true") &&
      contains([for t in aws_autoscaling_group.llm["qwen257b"].tag : "${t.key}=${t.value}=${t.propagate_at_launch}"], "System=llm=true")
    )
    error_message = "Groups and templates must be named <prefix>-<target group name>, and propagate the Name and System tags to their servers."
  }

  assert {
    condition = alltrue([
      for template in aws_launch_template.llm :
      template.metadata_options[0].http_tokens == "required" && template.metadata_options[0].http_put_response_hop_limit == 1 &&
      template.block_device_mappings[0].ebs[0].encrypted == "true" && template.block_device_mappings[0].ebs[0].volume_type == "gp3" &&
      template.network_interfaces[0].associate_public_ip_address == "false" &&
      template.network_interfaces[0].security_groups == toset(["sg-0ec2ec2ec2ec2ec20"]) && template.iam_instance_profile[0].name == "llm-ec2-profile"
    ])
    error_message = "Launch templates must require IMDSv2, encrypt a gp3 root volume, give no public IP, and use the servers' security group and profile."
  }

  assert {
    condition = (
      aws_launch_template.llm["llama38b"].image_id == "ami-0a4a4a4a4a4a4a4a4" && aws_launch_template.llm["qwen257b"].image_id == "ami-0b8b8b8b8b8b8b8b8" &&
      aws_launch_template.llm["llama38b"].block_device_mappings[0].device_name == "/dev/sda1" &&
      aws_launch_template.llm["qwen257b"].block_device_mappings[0].device_name == "/dev/xvda" &&
      aws_launch_template.llm["qwen257b"].block_device_mappings[0].ebs[0].volume_size == 150
    )
    error_message = "Launch templates must run their family's AMI and map the root volume (ebs_volume_gb) to that AMI's root device name."
  }

  assert {
    condition     = aws_launch_template.llm["qwen257b"].user_data != aws_launch_template.llm["llama38b"].user_data && length(aws_launch_template.llm["qwen257b"].user_data) > 1000
    error_message = "Launch templates must carry each model's own user data (gzipped and base64-encoded; its content is checked by asg-servers.test.ts)."
  }

  assert {
    condition = alltrue([
      for key, association in aws_ssm_association.pull_models :
      association.targets[0].key == "tag:aws:autoscaling:groupName" && association.targets[0].values == tolist([aws_autoscaling_group.llm[key].name])
    ])
    error_message = "The pull association of a group's model must target its servers by the group name tag, so new servers are found."
  }

  assert {
    condition     = jsonencode(keys(output.autoscaling_groups)) == jsonencode(["llama38b", "qwen257b"]) && length(output.ec2) == 0
    error_message = "output autoscaling_groups must hold the groups, output ec2 no instance."
  }
}

run "instance_and_asg_models_side_by_side_each_reach_their_own_servers" {
  command = plan

  variables {
    default_server_mode = "instance"
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
      { llm_model = "qwen2.5:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 150, app_port = 11434, server_mode = "asg", min_size = 0, max_size = 2, desired_capacity = 1 },
    ]
  }

  override_resource {
    target          = aws_instance.llm["llama38b"]
    override_during = plan
    values          = { id = "i-0aaaaaaaaaaaaaaa1" }
  }

  assert {
    condition     = jsonencode(keys(aws_instance.llm)) == jsonencode(["llama38b"]) && jsonencode(keys(aws_autoscaling_group.llm)) == jsonencode(["qwen257b"])
    error_message = "The instance model must get an instance only, the asg model a group only."
  }

  assert {
    condition = (
      aws_ssm_association.pull_models["llama38b"].targets[0].key == "InstanceIds" && aws_ssm_association.pull_models["llama38b"].targets[0].values == tolist(["i-0aaaaaaaaaaaaaaa1"]) &&
      aws_ssm_association.pull_models["qwen257b"].targets[0].key == "tag:aws:autoscaling:groupName" && aws_ssm_association.pull_models["qwen257b"].targets[0].values == tolist(["llm-qwen257b"])
    )
    error_message = "The instance model's pulls must target its instance id, the group's its group name tag (never an instance of a model that has none)."
  }

  assert {
    condition     = aws_autoscaling_group.llm["qwen257b"].min_size == 0 && aws_autoscaling_group.llm["qwen257b"].max_size == 2 && aws_autoscaling_group.llm["qwen257b"].desired_capacity == 1
    error_message = "The group must take the model's min_size, max_size and desired_capacity."
  }

  assert {
    condition     = jsonencode(keys(aws_lb_target_group_attachment.llm_http)) == jsonencode(["llama38b"]) && aws_lb_target_group_attachment.llm_http["llama38b"].target_id == "i-0aaaaaaaaaaaaaaa1"
    error_message = "Only the instance is attached to its target group by an attachment; the group registers itself."
  }
}

run "spot_models_launch_through_an_all_spot_mixed_instances_policy" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434, spot = true },
      { llm_model = "qwen2.5:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 150, app_port = 11434 },
    ]
  }

  assert {
    condition = (
      length(aws_autoscaling_group.llm["llama38b"].launch_template) == 0 && length(aws_autoscaling_group.llm["llama38b"].mixed_instances_policy) == 1 &&
      aws_autoscaling_group.llm["llama38b"].capacity_rebalance == true
    )
    error_message = "A spot group must launch through a mixed instances policy, with capacity rebalancing."
  }

  assert {
    condition = (
      aws_autoscaling_group.llm["llama38b"].mixed_instances_policy[0].instances_distribution[0].on_demand_percentage_above_base_capacity == 0 &&
      aws_autoscaling_group.llm["llama38b"].mixed_instances_policy[0].instances_distribution[0].on_demand_base_capacity == 0 &&
      aws_autoscaling_group.llm["llama38b"].mixed_instances_policy[0].instances_distribution[0].spot_allocation_strategy == "price-capacity-optimized" &&
      aws_autoscaling_group.llm["llama38b"].mixed_instances_policy[0].launch_template[0].override[0].instance_type == "g5g.xlarge"
    )
    error_message = "The policy must ask for spot only (no on-demand base or share), price-capacity-optimized, on the model's instance type."
  }

  assert {
    condition     = length(aws_autoscaling_group.llm["qwen257b"].launch_template) == 1 && aws_autoscaling_group.llm["qwen257b"].capacity_rebalance == false
    error_message = "An on-demand model beside it must keep its plain launch template."
  }
}

run "warm_pool_keeps_stopped_servers_that_go_back_on_scale_in" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434, warm_pool = true, min_size = 0, max_size = 1, desired_capacity = 1 },
      { llm_model = "qwen2.5:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 150, app_port = 11434 },
    ]
  }

  assert {
    condition = (
      length(aws_autoscaling_group.llm["llama38b"].warm_pool) == 1 &&
      aws_autoscaling_group.llm["llama38b"].warm_pool[0].pool_state == "Stopped" &&
      aws_autoscaling_group.llm["llama38b"].warm_pool[0].min_size == 1 &&
      aws_autoscaling_group.llm["llama38b"].warm_pool[0].instance_reuse_policy[0].reuse_on_scale_in == true &&
      length(aws_autoscaling_group.llm["qwen257b"].warm_pool) == 0
    )
    error_message = "warm_pool must give the group a pool of stopped servers (at least one) that scaled-in servers return to, and only that group."
  }

  assert {
    condition = (
      length(aws_autoscaling_group.llm["llama38b"].initial_lifecycle_hook) == 1 &&
      one(aws_autoscaling_group.llm["llama38b"].initial_lifecycle_hook).name == "model-ready" &&
      one(aws_autoscaling_group.llm["llama38b"].initial_lifecycle_hook).lifecycle_transition == "autoscaling:EC2_INSTANCE_LAUNCHING" &&
      one(aws_autoscaling_group.llm["llama38b"].initial_lifecycle_hook).default_result == "CONTINUE" &&
      one(aws_autoscaling_group.llm["llama38b"].initial_lifecycle_hook).heartbeat_timeout == 1800 &&
      length(aws_autoscaling_group.llm["qwen257b"].initial_lifecycle_hook) == 0
    )
    error_message = "A warm-pool group must be created with its launch hook (at most the grace period), so its first servers wait for their model too."
  }

  assert {
    condition = (
      jsonencode(keys(aws_autoscaling_lifecycle_hook.model_ready)) == jsonencode(["llama38b"]) &&
      aws_autoscaling_lifecycle_hook.model_ready["llama38b"].name == "model-ready" &&
      aws_autoscaling_lifecycle_hook.model_ready["llama38b"].autoscaling_group_name == aws_autoscaling_group.llm["llama38b"].name &&
      aws_autoscaling_lifecycle_hook.model_ready["llama38b"].lifecycle_transition == "autoscaling:EC2_INSTANCE_LAUNCHING" &&
      aws_autoscaling_lifecycle_hook.model_ready["llama38b"].default_result == "CONTINUE" &&
      aws_autoscaling_lifecycle_hook.model_ready["llama38b"].heartbeat_timeout == 1800
    )
    error_message = "A warm-pool group (and only it) must have the model-ready hook as a resource of its own, which follows the config after creation."
  }

  assert {
    condition     = aws_autoscaling_group.llm["llama38b"].wait_for_capacity_timeout == "2400s" && aws_autoscaling_group.llm["qwen257b"].wait_for_capacity_timeout == "10m"
    error_message = "Terraform must wait for a warm-pool group's first server as long as the hook may hold it, plus ten minutes."
  }

  assert {
    # gzip, base64-encoded: 16384 bytes of user data are 21848 characters of base64 at most.
    condition     = alltrue([for t in aws_launch_template.llm : length(t.user_data) <= 21848])
    error_message = "A launch template's user data must stay within EC2's 16 KB (the model-ready part included; its content is checked by asg-servers.test.ts)."
  }

  assert {
    condition = (
      length(aws_iam_role_policy.llm_ec2_model_ready) == 1 &&
      jsondecode(aws_iam_role_policy.llm_ec2_model_ready[0].policy).Statement[0].Action == "autoscaling:CompleteLifecycleAction" &&
      jsondecode(aws_iam_role_policy.llm_ec2_model_ready[0].policy).Statement[0].Resource == "arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/llm-*"
    )
    error_message = "With a warm pool the servers' role may complete lifecycle actions of the module's groups, and nothing more."
  }
}

run "a_grace_period_under_30_s_gives_the_hook_auto_scalings_minimum" {
  command = plan

  variables {
    asg_health_check_grace_period_seconds = 10
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434, warm_pool = true },
    ]
  }

  assert {
    condition = (
      aws_autoscaling_lifecycle_hook.model_ready["llama38b"].heartbeat_timeout == 30 &&
      one(aws_autoscaling_group.llm["llama38b"].initial_lifecycle_hook).heartbeat_timeout == 30 &&
      aws_autoscaling_group.llm["llama38b"].health_check_grace_period == 10
    )
    error_message = "A hook's heartbeat must be clamped to Auto Scaling's 30-7200 s (a 10 s grace period gives 30 s), the grace period itself kept."
  }
}

run "a_groups_amazon_linux_2_ami_is_refused" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5.xlarge", ami_id = "ami-0c0ffee0c0ffee000", ebs_volume_gb = 200, app_port = 11434 },
    ]
  }

  override_data {
    target = data.aws_ami.custom["ami-0c0ffee0c0ffee000"]
    values = {
      id               = "ami-0c0ffee0c0ffee000"
      name             = "amzn2-ami-kernel-5.10-hvm-2.0.20240306.2-x86_64-gp2"
      description      = "Amazon Linux 2 Kernel 5.10 AMI 2.0.20240306.2 x86_64 HVM gp2"
      root_device_name = "/dev/xvda"
    }
  }

  expect_failures = [data.aws_ami.custom]
}

run "a_groups_amazon_linux_2023_ami_is_taken" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5.xlarge", ami_id = "ami-0c0ffee0c0ffee000", ebs_volume_gb = 200, app_port = 11434 },
    ]
  }

  override_data {
    target = data.aws_ami.custom["ami-0c0ffee0c0ffee000"]
    values = {
      id               = "ami-0c0ffee0c0ffee000"
      name             = "al2023-ami-2023.6.20250107.0-kernel-6.1-x86_64"
      description      = "Amazon Linux 2023 AMI 2023.6.20250107.0 x86_64 HVM kernel-6.1"
      root_device_name = "/dev/xvda"
    }
  }

  assert {
    condition     = aws_launch_template.llm["llama38b"].image_id == "ami-0c0ffee0c0ffee000"
    error_message = "An Amazon Linux 2023 image (glibc 2.34) must be taken."
  }
}

run "a_release_reaches_instances_through_the_rollout_and_groups_through_their_refresh_only" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434, server_mode = "instance" },
      { llm_model = "qwen2.5:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 150, app_port = 11434 },
    ]
    pull_models_max_concurrency = "25%"
    pull_models_max_errors      = "1"
  }

  assert {
    condition = (
      aws_ssm_association.pull_models["qwen257b"].parameters["UpgradeInPlace"] == "false" && aws_ssm_association.pull_models["qwen257b"].parameters["AppPort"] == "unchanged" &&
      aws_ssm_association.pull_models["llama38b"].parameters["UpgradeInPlace"] == "false" && aws_ssm_association.pull_models["llama38b"].parameters["AppPort"] == "11434"
    )
    error_message = "No model's association upgrades in place; a group's keeps its servers' port (its refresh brings a new one), an instance's moves it."
  }

  assert {
    condition = (
      aws_ssm_association.release_rollout[0].parameters["UpgradeInPlace"] == "true" &&
      one(aws_ssm_association.release_rollout[0].targets).key == "tag:OllamaReleaseRollout" &&
      alltrue([for g in aws_autoscaling_group.llm : !contains([for t in g.tag : t.key], "OllamaReleaseRollout")])
    )
    error_message = "Only the release rollout upgrades in place, over the instance servers' tag, which no group puts on its servers."
  }

  assert {
    condition     = alltrue([for a in concat(values(aws_ssm_association.pull_models), aws_ssm_association.release_rollout) : a.max_concurrency == "25%" && a.max_errors == "1"])
    error_message = "pull_models_max_concurrency and pull_models_max_errors must pace every association, the release rollout too."
  }
}

run "warm_pool_with_spot_is_refused" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434, warm_pool = true, spot = true },
    ]
  }

  expect_failures = [var.llm_ec2_configs]
}

run "schedules_resize_the_groups_they_name_and_widen_their_bounds" {
  command = plan

  variables {
    schedules = [
      { name = "weekday-night", recurrence = "0 20 * * 1-5", time_zone = "Europe/Berlin", min_size = 0, max_size = 0, desired_capacity = 0 },
      { name = "weekday-morning", recurrence = "0 7 * * 1-5", time_zone = "Europe/Berlin", min_size = 1, max_size = 1, desired_capacity = 1 },
      { name = "qwen-burst", recurrence = "0 9 * * 1", min_size = 1, max_size = 3, desired_capacity = 3, models = ["qwen2.5:7b"] },
    ]
  }

  assert {
    condition = jsonencode(sort(keys(aws_autoscaling_schedule.llm))) == jsonencode(sort([
      "weekday-night/llama38b", "weekday-night/qwen257b", "weekday-morning/llama38b", "weekday-morning/qwen257b", "qwen-burst/qwen257b",
    ]))
    error_message = "One scheduled action per (schedule, model it applies to): a schedule without models applies to every asg model."
  }

  assert {
    condition = (
      aws_autoscaling_schedule.llm["weekday-night/llama38b"].autoscaling_group_name == "llm-llama38b" &&
      aws_autoscaling_schedule.llm["weekday-night/llama38b"].recurrence == "0 20 * * 1-5" &&
      aws_autoscaling_schedule.llm["weekday-night/llama38b"].time_zone == "Europe/Berlin" &&
      aws_autoscaling_schedule.llm["weekday-night/llama38b"].scheduled_action_name == "weekday-night" &&
      aws_autoscaling_schedule.llm["weekday-night/llama38b"].desired_capacity == 0 &&
      aws_autoscaling_schedule.llm["qwen-burst/qwen257b"].time_zone == "UTC" && aws_autoscaling_schedule.llm["qwen-burst/qwen257b"].max_size == 3
    )
    error_message = "Scheduled actions must carry the schedule's name, cron, time zone (UTC by default) and sizes, on the model's group."
  }

  assert {
    condition = (
      aws_autoscaling_group.llm["llama38b"].min_size == 0 && aws_autoscaling_group.llm["llama38b"].max_size == 1 &&
      aws_autoscaling_group.llm["qwen257b"].min_size == 0 && aws_autoscaling_group.llm["qwen257b"].max_size == 3 &&
      aws_autoscaling_group.llm["qwen257b"].desired_capacity == 1
    )
    error_message = "A scheduled group's min and max must cover its own size and every schedule of it; desired stays the model's (set at creation only)."
  }
}

run "a_schedule_naming_an_instance_model_is_refused" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434, server_mode = "instance" },
      { llm_model = "qwen2.5:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 150, app_port = 11434 },
    ]
    schedules = [{ name = "night", recurrence = "0 20 * * *", min_size = 0, max_size = 0, desired_capacity = 0, models = ["llama3:8b"] }]
  }

  expect_failures = [aws_lb.llm]
}

run "a_root_volume_smaller_than_the_ami_snapshot_is_refused_for_templates" {
  command = plan

  override_data {
    target = data.aws_ami.dlami_x86
    values = {
      id                    = "ami-0b8b8b8b8b8b8b8b8"
      root_device_name      = "/dev/xvda"
      block_device_mappings = [{ device_name = "/dev/xvda", ebs = { volume_size = "200" }, no_device = "", virtual_name = "" }]
    }
  }

  expect_failures = [aws_launch_template.llm]
}

run "a_root_volume_smaller_than_the_ami_snapshot_is_refused_for_new_instances" {
  command = plan

  variables {
    default_server_mode = "instance"
  }

  override_data {
    target = data.aws_ami.dlami_arm
    values = {
      id                    = "ami-0a4a4a4a4a4a4a4a4"
      root_device_name      = "/dev/xvda"
      block_device_mappings = [{ device_name = "/dev/xvda", ebs = { volume_size = "250" }, no_device = "", virtual_name = "" }]
    }
  }

  expect_failures = [aws_instance.llm]
}

run "a_groups_custom_ami_is_looked_up_and_checked" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5.xlarge", ami_id = "ami-0c0ffee0c0ffee000", ebs_volume_gb = 40, app_port = 11434 },
    ]
  }

  override_data {
    target = data.aws_ami.custom["ami-0c0ffee0c0ffee000"]
    values = {
      id                    = "ami-0c0ffee0c0ffee000"
      root_device_name      = "/dev/sda1"
      block_device_mappings = [{ device_name = "/dev/sda1", ebs = { volume_size = "75" }, no_device = "", virtual_name = "" }]
    }
  }

  expect_failures = [aws_launch_template.llm]
}

run "an_instances_own_ami_is_not_looked_up" {
  command = plan

  variables {
    default_server_mode = "instance"
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5.xlarge", ami_id = "ami-0c0ffee0c0ffee000", ebs_volume_gb = 40, app_port = 11434 },
    ]
  }

  assert {
    condition     = length(data.aws_ami.custom) == 0 && aws_instance.llm["llama38b"].ami == "ami-0c0ffee0c0ffee000"
    error_message = "An instance's own ami_id must not be looked up: one deregistered since must not fail the plan of its running server."
  }
}

# The module's side of the rules a config file's schema stops first.
run "an_unknown_server_mode_is_refused" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434, server_mode = "ASG" },
    ]
  }

  expect_failures = [var.llm_ec2_configs]
}

run "an_unknown_default_server_mode_is_refused" {
  command = plan

  variables {
    default_server_mode = "spot"
  }

  expect_failures = [var.default_server_mode]
}
