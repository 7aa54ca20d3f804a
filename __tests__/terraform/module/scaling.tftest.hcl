# Scaling on load and to zero (scaling = { ... } per Auto Scaling model): the target tracking
# policies and what they read, the groups' warm-up, the idle alarm and its scale-to-zero policy, and
# the router's part (its environment, its permission on those groups only, HTTPS out).

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

variables {
  azs                 = ["ap-southeast-1a", "ap-southeast-1b"]
  vpc_id              = "vpc-0a1b2c3d4e5f67890"
  vpc_cidr_block      = "10.20.0.0/16"
  subnet_ids          = ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"]
  default_server_mode = "asg"
  llm_ec2_configs = [
    {
      llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434,
      min_size = 1, max_size = 3, desired_capacity = 1,
      scaling = { requests_per_server_per_minute = 30, gpu_utilization_percent = 70 }
    },
    { llm_model = "qwen2.5:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 150, app_port = 11434 },
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
  target          = aws_autoscaling_group.llm["llama38b"]
  override_during = plan
  values          = { arn = "arn:aws:autoscaling:ap-southeast-1:123456789012:autoScalingGroup:aaaaaaaa-1111-2222-3333-444444444444:autoScalingGroupName/llm-llama38b" }
}

override_resource {
  target          = aws_autoscaling_group.llm["qwen257b"]
  override_during = plan
  values          = { arn = "arn:aws:autoscaling:ap-southeast-1:123456789012:autoScalingGroup:bbbbbbbb-1111-2222-3333-444444444444:autoScalingGroupName/llm-qwen257b" }
}

override_resource {
  target          = aws_autoscaling_policy.llm_scale_to_zero["llama38b"]
  override_during = plan
  values          = { arn = "arn:aws:autoscaling:ap-southeast-1:123456789012:scalingPolicy:cccccccc-1111-2222-3333-444444444444:autoScalingGroupName/llm-llama38b:policyName/llm-llama38b-scale-to-zero" }
}

run "targets_plan_one_target_tracking_policy_each_on_floored_metrics" {
  command = plan

  assert {
    condition     = keys(aws_autoscaling_policy.llm_requests) == ["llama38b"] && keys(aws_autoscaling_policy.llm_gpu) == ["llama38b"] && length(aws_autoscaling_policy.llm_in_flight) == 0
    error_message = "Each target the model sets must plan its policy, for that model only; a target left out, none."
  }

  assert {
    condition = (
      aws_autoscaling_policy.llm_requests["llama38b"].name == "llm-llama38b-requests" &&
      aws_autoscaling_policy.llm_requests["llama38b"].autoscaling_group_name == "llm-llama38b" &&
      aws_autoscaling_policy.llm_requests["llama38b"].policy_type == "TargetTrackingScaling" &&
      aws_autoscaling_policy.llm_requests["llama38b"].target_tracking_configuration[0].target_value == 30
    )
    error_message = "The requests policy must track 30 requests per server per minute on the model's group."
  }

  assert {
    condition = jsonencode([
      for m in aws_autoscaling_policy.llm_requests["llama38b"].target_tracking_configuration[0].customized_metric_specification[0].metrics :
      m.metric_stat[0].metric[0] if length(m.metric_stat) > 0
      ]) == jsonencode([{
        dimensions  = [{ name = "LoadBalancer", value = "app/llm-alb/50dc6c495c0c9188" }, { name = "TargetGroup", value = "targetgroup/llama38b/1111111111111111" }]
        metric_name = "RequestCountPerTarget"
        namespace   = "AWS/ApplicationELB"
    }])
    error_message = "The requests policy must read the ALB's RequestCountPerTarget of the model's target group."
  }

  assert {
    condition = one([
      for m in aws_autoscaling_policy.llm_requests["llama38b"].target_tracking_configuration[0].customized_metric_specification[0].metrics :
      m.expression if m.return_data
    ]) == "IF(FILL(requests, 0) < 0.0001, 0.0001, FILL(requests, 0))"
    error_message = "The requests policy must return the floored metric, so it never takes the group to zero."
  }

  assert {
    condition = jsonencode([
      for m in aws_autoscaling_policy.llm_gpu["llama38b"].target_tracking_configuration[0].customized_metric_specification[0].metrics :
      m.metric_stat[0].metric[0] if length(m.metric_stat) > 0
      ]) == jsonencode([{
        dimensions  = [{ name = "AutoScalingGroupName", value = "llm-llama38b" }]
        metric_name = "nvidia_smi_utilization_gpu"
        namespace   = "OllamaFleet/Servers/llm"
    }]) && aws_autoscaling_policy.llm_gpu["llama38b"].target_tracking_configuration[0].target_value == 70
    error_message = "The GPU policy must track 70 % on the group's roll-up of the servers' GPU utilization, the series the agent publishes."
  }

  assert {
    condition     = aws_autoscaling_group.llm["llama38b"].default_instance_warmup == 1800 && aws_autoscaling_group.llm["qwen257b"].default_instance_warmup == null
    error_message = "A scaling group must warm new servers for the grace period; a group without scaling keeps no warm-up."
  }

  assert {
    condition     = length(aws_autoscaling_policy.llm_scale_to_zero) == 0 && length(aws_cloudwatch_metric_alarm.llm_idle) == 0
    error_message = "Without scale_to_zero_after_minutes there must be no idle alarm and no scale-to-zero policy."
  }

  assert {
    condition = strcontains(aws_cloudwatch_dashboard.fleet[0].dashboard_body, jsonencode(["OllamaFleet/Servers/llm", "nvidia_smi_utilization_gpu", "AutoScalingGroupName", "llm-llama38b", { label = "GPU utilization", stat = "Average" }]))
    error_message = "The dashboard must show the group's GPU utilization from the same series as the GPU policy."
  }
}

run "scale_to_zero_plans_the_idle_alarm_its_policy_and_the_routers_part" {
  command = plan

  variables {
    router_enabled           = true
    router_wake_wait_seconds = 240
    llm_ec2_configs = [
      { llm_model = "qwen2.5:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 150, app_port = 11434 },
      {
        llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434,
        min_size = 0, max_size = 2, desired_capacity = 0,
        scaling = { concurrent_requests_per_server = 2, scale_to_zero_after_minutes = 45 }
      },
    ]
  }

  assert {
    condition = (
      keys(aws_autoscaling_policy.llm_scale_to_zero) == ["llama38b"] &&
      aws_autoscaling_policy.llm_scale_to_zero["llama38b"].policy_type == "SimpleScaling" &&
      aws_autoscaling_policy.llm_scale_to_zero["llama38b"].adjustment_type == "ExactCapacity" &&
      aws_autoscaling_policy.llm_scale_to_zero["llama38b"].scaling_adjustment == 0 &&
      aws_autoscaling_policy.llm_scale_to_zero["llama38b"].cooldown == 300
    )
    error_message = "The model must get a simple policy that sets its group to exactly zero, with a 300 s cooldown against the alarm's repeats."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.llm_idle["llama38b"].alarm_name == "llm-llama38b-idle" &&
      aws_cloudwatch_metric_alarm.llm_idle["llama38b"].evaluation_periods == 45 &&
      aws_cloudwatch_metric_alarm.llm_idle["llama38b"].datapoints_to_alarm == 45 &&
      aws_cloudwatch_metric_alarm.llm_idle["llama38b"].treat_missing_data == "notBreaching" &&
      aws_cloudwatch_metric_alarm.llm_idle["llama38b"].alarm_actions == toset(["arn:aws:autoscaling:ap-southeast-1:123456789012:scalingPolicy:cccccccc-1111-2222-3333-444444444444:autoScalingGroupName/llm-llama38b:policyName/llm-llama38b-scale-to-zero"])
    )
    error_message = "The idle alarm must run the scale-to-zero policy after 45 idle minutes in a row, and treat missing data as use."
  }

  assert {
    condition = jsonencode({
      for q in aws_cloudwatch_metric_alarm.llm_idle["llama38b"].metric_query : q.id => [for m in q.metric : [m.namespace, m.metric_name, m.dimensions, m.stat, m.period]]
      }) == jsonencode({
      desired = [["AWS/AutoScaling", "GroupDesiredCapacity", { AutoScalingGroupName = "llm-llama38b" }, "Maximum", 60]]
      idle    = []
      lists   = [["OllamaFleet/Router/llm", "ListRequests", { Model = "llama3:8b" }, "Sum", 60]]
      routed  = [["OllamaFleet/Router/llm", "Requests", { Model = "llama3:8b" }, "Sum", 60]]
      served  = [["AWS/ApplicationELB", "RequestCount", { LoadBalancer = "app/llm-alb/50dc6c495c0c9188", TargetGroup = "targetgroup/llama38b/1111111111111111" }, "Sum", 60]]
    })
    error_message = "The idle alarm must read the group's desired capacity, the router's requests and list requests for the model, and its target group's requests."
  }

  assert {
    condition     = one([for q in aws_cloudwatch_metric_alarm.llm_idle["llama38b"].metric_query : q.expression if q.return_data]) == "IF(FILL(desired, 0) > 0 AND FILL(routed, 0) <= 0 AND FILL(served, 0) - FILL(lists, 0) <= 0, 1, 0)"
    error_message = "The idle alarm must count a minute only when the group wants servers and nothing but the router's lists used them."
  }

  assert {
    condition = jsonencode({
      for m in aws_autoscaling_policy.llm_in_flight["llama38b"].target_tracking_configuration[0].customized_metric_specification[0].metrics :
      m.id => [m.return_data, length(m.metric_stat) > 0 ? [m.metric_stat[0].metric[0], m.metric_stat[0].stat] : null, m.expression]
      }) == jsonencode({
      busy       = [false, [{ dimensions = [{ name = "Model", value = "llama3:8b" }], metric_name = "BusySeconds", namespace = "OllamaFleet/Router/llm" }, "Sum"], null]
      per_server = [true, null, "IF(FILL(busy, 0) / 60 / IF(FILL(servers, 0) < 1, 1, FILL(servers, 0)) < 0.0001, 0.0001, FILL(busy, 0) / 60 / IF(FILL(servers, 0) < 1, 1, FILL(servers, 0)))"]
      servers    = [false, [{ dimensions = [{ name = "AutoScalingGroupName", value = "llm-llama38b" }], metric_name = "GroupInServiceInstances", namespace = "AWS/AutoScaling" }, "Average"], null]
    }) && aws_autoscaling_policy.llm_in_flight["llama38b"].target_tracking_configuration[0].target_value == 2
    error_message = "The in-flight policy must track 2 per server: the router's busy seconds per minute over 60, over the servers in service, floored."
  }

  assert {
    condition = (
      aws_lambda_function.router[0].environment[0].variables["ROUTER_MODELS"] == "llama3:8b,qwen2.5:7b" &&
      aws_lambda_function.router[0].environment[0].variables["ROUTER_WAKE_GROUPS"] == "0:llm-llama38b" &&
      aws_lambda_function.router[0].environment[0].variables["ROUTER_WAKE_WAIT_SECONDS"] == "240"
    )
    error_message = "The router must get the model's index in ROUTER_MODELS with its group, and the wait."
  }

  assert {
    condition = [
      for s in jsondecode(aws_iam_role_policy.router[0].policy).Statement : s if startswith(jsonencode(s.Action), "\"autoscaling:")
      ] == [
      { Sid = "StartModelsAtZero", Effect = "Allow", Action = "autoscaling:SetDesiredCapacity", Resource = ["arn:aws:autoscaling:ap-southeast-1:123456789012:autoScalingGroup:aaaaaaaa-1111-2222-3333-444444444444:autoScalingGroupName/llm-llama38b"] },
      { Sid = "ReadGroupSizes", Effect = "Allow", Action = "autoscaling:DescribeAutoScalingGroups", Resource = "*" },
    ]
    error_message = "The router may set the desired capacity of the model that scales to zero only (not the other model's group), and read group sizes."
  }

  assert {
    condition     = length(aws_vpc_security_group_egress_rule.router_to_ssm) == 1 && aws_vpc_security_group_egress_rule.router_to_ssm[0].description == "HTTPS to SSM for the API keys and to Auto Scaling to start models at zero (through the NAT gateway or interface endpoints)"
    error_message = "The router must be able to reach SSM and Auto Scaling over HTTPS, through one rule."
  }
}

run "without_scale_to_zero_the_router_gets_nothing_to_start" {
  command = plan

  variables {
    router_enabled = true
    router_auth    = "AWS_IAM"
  }

  assert {
    condition     = !contains(keys(aws_lambda_function.router[0].environment[0].variables), "ROUTER_WAKE_GROUPS") && !contains(keys(aws_lambda_function.router[0].environment[0].variables), "ROUTER_WAKE_WAIT_SECONDS")
    error_message = "No model scales to zero: the router's environment must not name groups."
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.router[0].policy).Statement : s if strcontains(jsonencode(s.Action), "autoscaling:")]) == 0
    error_message = "No model scales to zero: the router must get no Auto Scaling permission."
  }

  assert {
    condition     = length(aws_vpc_security_group_egress_rule.router_to_ssm) == 0
    error_message = "With AWS_IAM and no model at zero, the router must make no HTTPS call out."
  }
}

run "aws_iam_router_starting_models_reaches_auto_scaling_only" {
  command = plan

  variables {
    router_enabled = true
    router_auth    = "AWS_IAM"
    llm_ec2_configs = [
      {
        llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434,
        min_size = 0, max_size = 1, desired_capacity = 1, scaling = { scale_to_zero_after_minutes = 5 }
      },
    ]
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.router_to_ssm[0].description == "HTTPS to Auto Scaling to start models at zero (through the NAT gateway or an Auto Scaling interface endpoint)"
    error_message = "With AWS_IAM, HTTPS out must be for Auto Scaling only."
  }

  assert {
    condition     = length(aws_autoscaling_policy.llm_requests) + length(aws_autoscaling_policy.llm_gpu) + length(aws_autoscaling_policy.llm_in_flight) == 0 && aws_autoscaling_group.llm["llama38b"].default_instance_warmup == 1800
    error_message = "Scale to zero alone must plan no target tracking policy, and still warm new servers."
  }

  assert {
    condition     = aws_lambda_function.router[0].environment[0].variables["ROUTER_WAKE_WAIT_SECONDS"] == "0"
    error_message = "The wait must default to 0: answer at once."
  }
}
