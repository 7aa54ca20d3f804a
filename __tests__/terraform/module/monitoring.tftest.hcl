# Monitoring (on by default): the dashboard, per-model alarms, failed-pull events, the alarm topic.

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
    { llm_model = "qwen2.5:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 150, app_port = 11434, server_mode = "asg" },
  ]
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
  target          = aws_lb.llm
  override_during = plan
  values = {
    arn        = "arn:aws:elasticloadbalancing:ap-southeast-1:123456789012:loadbalancer/app/llm-alb/50dc6c495c0c9188"
    arn_suffix = "app/llm-alb/50dc6c495c0c9188"
    dns_name   = "internal-llm-alb-1234567890.ap-southeast-1.elb.amazonaws.com"
  }
}

override_resource {
  target          = aws_instance.llm["llama38b"]
  override_during = plan
  values          = { id = "i-0aaaaaaaaaaaaaaa1" }
}

override_resource {
  target          = aws_ssm_association.pull_models["llama38b"]
  override_during = plan
  values          = { association_id = "34fcb7e0-9a14-4984-9989-0e04e3f60bd8" }
}

override_resource {
  target          = aws_ssm_association.pull_models["qwen257b"]
  override_during = plan
  values          = { association_id = "6e37940a-23ba-4ab0-9b96-5d0a1a05464f" }
}

override_resource {
  target          = aws_ssm_association.release_rollout[0]
  override_during = plan
  values          = { association_id = "0b5d7c8e-3f2a-4e61-9d47-2c8a1f6b9e03" }
}

run "on_by_default_a_dashboard_row_per_model_and_alarms_per_model_without_a_topic" {
  command = plan

  assert {
    condition     = length(aws_cloudwatch_dashboard.fleet) == 1 && aws_cloudwatch_dashboard.fleet[0].dashboard_name == "llm-fleet"
    error_message = "Monitoring is on by default: one dashboard named <prefix>-fleet."
  }

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets) == 8
    error_message = "The dashboard must hold four widgets per model (servers, requests, response time, GPU)."
  }

  assert {
    condition = alltrue([
      for w in jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets :
      w.properties.region == "ap-southeast-1" && w.width == 6 && w.height == 6
    ])
    error_message = "Every widget must read the load balancer's region and fill a quarter of a row."
  }

  assert {
    condition = (
      [for w in jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets : w.y] == [0, 0, 0, 0, 6, 6, 6, 6] &&
      strcontains(jsonencode(jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets[0].properties.metrics), "targetgroup/llama38b/1111111111111111") &&
      strcontains(jsonencode(jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets[4].properties.metrics), "targetgroup/qwen257b/2222222222222222")
    )
    error_message = "Each model's row must follow the model order and read its own target group's metrics."
  }

  assert {
    condition = (
      strcontains(aws_cloudwatch_dashboard.fleet[0].dashboard_body, "TargetResponseTime") && strcontains(aws_cloudwatch_dashboard.fleet[0].dashboard_body, "\"p99\"") &&
      strcontains(aws_cloudwatch_dashboard.fleet[0].dashboard_body, "HTTPCode_Target_5XX_Count") && strcontains(aws_cloudwatch_dashboard.fleet[0].dashboard_body, "HTTPCode_Target_4XX_Count") &&
      strcontains(aws_cloudwatch_dashboard.fleet[0].dashboard_body, "UnHealthyHostCount") && strcontains(aws_cloudwatch_dashboard.fleet[0].dashboard_body, "nvidia_smi_utilization_gpu") &&
      strcontains(aws_cloudwatch_dashboard.fleet[0].dashboard_body, "nvidia_smi_memory_used") && strcontains(aws_cloudwatch_dashboard.fleet[0].dashboard_body, "InstanceId=\\\"i-0aaaaaaaaaaaaaaa1\\\"") &&
      strcontains(aws_cloudwatch_dashboard.fleet[0].dashboard_body, "[\"OllamaFleet/Servers/llm\",\"nvidia_smi_utilization_gpu\",\"AutoScalingGroupName\",\"llm-qwen257b\",") && strcontains(aws_cloudwatch_dashboard.fleet[0].dashboard_body, "GroupInServiceInstances")
    )
    error_message = "The dashboard must show hosts, requests with 4xx/5xx, response time p50/p99, GPU utilization and memory (by instance id, or by group for a group)."
  }

  assert {
    condition     = jsonencode(keys(aws_cloudwatch_metric_alarm.no_healthy_host)) == jsonencode(["llama38b", "qwen257b"]) && jsonencode(keys(aws_cloudwatch_metric_alarm.error_rate)) == jsonencode(["llama38b", "qwen257b"])
    error_message = "Each model must get a no-healthy-host alarm and a 5xx-rate alarm."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.no_healthy_host["llama38b"].evaluation_periods == 5 && aws_cloudwatch_metric_alarm.no_healthy_host["llama38b"].treat_missing_data == "breaching" &&
      [for q in aws_cloudwatch_metric_alarm.no_healthy_host["llama38b"].metric_query : q.expression if q.return_data][0] == "IF(FILL(healthy, 0) < 1, 1, 0)" &&
      [for q in aws_cloudwatch_metric_alarm.no_healthy_host["qwen257b"].metric_query : q.expression if q.return_data][0] == "IF(FILL(wanted, 0) > 0 AND FILL(healthy, 0) < 1, 1, 0)" &&
      [for q in aws_cloudwatch_metric_alarm.no_healthy_host["qwen257b"].metric_query : q.metric[0].metric_name if q.id == "wanted"][0] == "GroupDesiredCapacity"
    )
    error_message = "No healthy host for 5 minutes alarms; a group only while it wants servers (a schedule may scale it to zero)."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.error_rate["qwen257b"].threshold == 5 &&
      [for q in aws_cloudwatch_metric_alarm.error_rate["qwen257b"].metric_query : q.metric[0].dimensions["TargetGroup"] if q.id == "errors"][0] == "targetgroup/qwen257b/2222222222222222" &&
      [for q in aws_cloudwatch_metric_alarm.error_rate["qwen257b"].metric_query : q.metric[0].metric_name if q.id == "errors"][0] == "HTTPCode_Target_5XX_Count"
    )
    error_message = "The 5xx alarm must compare the model's target 5xx share with 5 percent."
  }

  assert {
    condition = (
      jsonencode(keys(aws_cloudwatch_event_rule.pull_failed)) == jsonencode(["llama38b", "qwen257b"]) &&
      jsondecode(aws_cloudwatch_event_rule.pull_failed["llama38b"].event_pattern)["detail-type"] == ["EC2 State Manager Instance Association State Change"] &&
      jsondecode(aws_cloudwatch_event_rule.pull_failed["llama38b"].event_pattern).detail.status == ["Failed"] &&
      jsondecode(aws_cloudwatch_event_rule.pull_failed["qwen257b"].event_pattern).detail["association-id"] == ["6e37940a-23ba-4ab0-9b96-5d0a1a05464f"]
    )
    error_message = "Each model must get an EventBridge rule for its failed pulls."
  }

  assert {
    condition = (
      length(aws_sns_topic.alarms) == 0 && length(aws_sns_topic_subscription.alarm_email) == 0 && length(aws_cloudwatch_event_target.pull_failed) == 0 &&
      alltrue([for a in aws_cloudwatch_metric_alarm.no_healthy_host : length(a.alarm_actions) == 0]) && output.alarm_topic_arn == null
    )
    error_message = "Without alarm_email or alarm_topic_arn there is no topic, no subscription, no event target and no alarm action."
  }

  assert {
    condition = (
      output.dashboard_url == "https://ap-southeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-southeast-1#dashboards/dashboard/llm-fleet" &&
      output.target_group_arn_suffixes == { llama38b = "targetgroup/llama38b/1111111111111111", qwen257b = "targetgroup/qwen257b/2222222222222222" } &&
      output.alb_arn_suffix == "app/llm-alb/50dc6c495c0c9188"
    )
    error_message = "Outputs must give the dashboard's URL and the ARN suffixes users' own alarms need."
  }
}

run "an_email_gets_a_topic_its_policy_a_subscription_and_the_pull_events" {
  command = plan

  variables {
    alarm_email = "ops@example.com"
  }

  override_resource {
    target          = aws_sns_topic.alarms[0]
    override_during = plan
    values          = { arn = "arn:aws:sns:ap-southeast-1:123456789012:llm-alarms" }
  }

  override_resource {
    target          = aws_cloudwatch_metric_alarm.no_healthy_host["llama38b"]
    override_during = plan
    values          = { arn = "arn:aws:cloudwatch:ap-southeast-1:123456789012:alarm:llm-llama38b-no-healthy-host" }
  }

  override_resource {
    target          = aws_cloudwatch_metric_alarm.no_healthy_host["qwen257b"]
    override_during = plan
    values          = { arn = "arn:aws:cloudwatch:ap-southeast-1:123456789012:alarm:llm-qwen257b-no-healthy-host" }
  }

  override_resource {
    target          = aws_cloudwatch_metric_alarm.error_rate["llama38b"]
    override_during = plan
    values          = { arn = "arn:aws:cloudwatch:ap-southeast-1:123456789012:alarm:llm-llama38b-5xx-rate" }
  }

  override_resource {
    target          = aws_cloudwatch_metric_alarm.error_rate["qwen257b"]
    override_during = plan
    values          = { arn = "arn:aws:cloudwatch:ap-southeast-1:123456789012:alarm:llm-qwen257b-5xx-rate" }
  }

  override_resource {
    target          = aws_cloudwatch_event_rule.pull_failed["llama38b"]
    override_during = plan
    values          = { arn = "arn:aws:events:ap-southeast-1:123456789012:rule/llm-llama38b-pull-failed" }
  }

  override_resource {
    target          = aws_cloudwatch_event_rule.pull_failed["qwen257b"]
    override_during = plan
    values          = { arn = "arn:aws:events:ap-southeast-1:123456789012:rule/llm-qwen257b-pull-failed" }
  }

  override_resource {
    target          = aws_cloudwatch_event_rule.release_failed[0]
    override_during = plan
    values          = { arn = "arn:aws:events:ap-southeast-1:123456789012:rule/llm-release-failed" }
  }

  assert {
    condition = (
      length(aws_sns_topic.alarms) == 1 && aws_sns_topic.alarms[0].name == "llm-alarms" && length(aws_sns_topic_policy.alarms) == 1 &&
      aws_sns_topic_subscription.alarm_email[0].protocol == "email" && aws_sns_topic_subscription.alarm_email[0].endpoint == "ops@example.com"
    )
    error_message = "alarm_email must create <prefix>-alarms, its policy and an e-mail subscription."
  }

  assert {
    condition = (
      aws_sns_topic_policy.alarms[0].arn == "arn:aws:sns:ap-southeast-1:123456789012:llm-alarms" && length(data.aws_iam_policy_document.alarms) == 1 &&
      aws_sns_topic_subscription.alarm_email[0].topic_arn == "arn:aws:sns:ap-southeast-1:123456789012:llm-alarms"
    )
    error_message = "The topic must get its policy (from its policy document, read at apply) and the e-mail subscription."
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.error_rate : a.alarm_actions == toset(["arn:aws:sns:ap-southeast-1:123456789012:llm-alarms"])])
    error_message = "The alarms must notify the topic."
  }

  assert {
    condition = (
      [for s in data.aws_iam_policy_document.alarms[0].statement : one(s.principals).identifiers] == [toset(["cloudwatch.amazonaws.com"]), toset(["events.amazonaws.com"])] &&
      alltrue([for s in data.aws_iam_policy_document.alarms[0].statement : s.actions == toset(["sns:Publish"]) && s.resources == toset(["arn:aws:sns:ap-southeast-1:123456789012:llm-alarms"])])
    )
    error_message = "The topic's policy must let CloudWatch (the alarms) and EventBridge (the failed pulls) publish to the topic, and nothing else."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.alarms[0].statement :
      contains([for c in s.condition : "${c.test} ${c.variable} ${jsonencode(c.values)}"], "StringEquals aws:SourceAccount [\"123456789012\"]")
    ])
    error_message = "Each service may publish only for this account (aws:SourceAccount, taken from the topic's ARN)."
  }

  assert {
    condition = (
      toset(one([for c in data.aws_iam_policy_document.alarms[0].statement[0].condition : c.values if c.variable == "aws:SourceArn" && c.test == "ArnEquals"])) ==
      toset(concat([for a in aws_cloudwatch_metric_alarm.no_healthy_host : a.arn], [for a in aws_cloudwatch_metric_alarm.error_rate : a.arn])) &&
      toset(one([for c in data.aws_iam_policy_document.alarms[0].statement[1].condition : c.values if c.variable == "aws:SourceArn" && c.test == "ArnEquals"])) ==
      toset(concat([for r in aws_cloudwatch_event_rule.pull_failed : r.arn], ["arn:aws:events:ap-southeast-1:123456789012:rule/llm-release-failed"])) &&
      length(aws_cloudwatch_event_rule.pull_failed) == 2
    )
    error_message = "CloudWatch may publish only for the fleet's own alarms, EventBridge only for its failed-pull rules and its failed-upgrade rule (aws:SourceArn)."
  }

  assert {
    condition     = jsonencode(keys(aws_cloudwatch_event_target.pull_failed)) == jsonencode(["llama38b", "qwen257b"])
    error_message = "Each model's failed-pull rule must send to the topic."
  }

  assert {
    condition = (
      aws_cloudwatch_event_rule.release_failed[0].name == "llm-release-failed" &&
      jsondecode(aws_cloudwatch_event_rule.release_failed[0].event_pattern).detail == { association-id = ["0b5d7c8e-3f2a-4e61-9d47-2c8a1f6b9e03"], status = ["Failed"] } &&
      aws_cloudwatch_event_target.release_failed[0].arn == "arn:aws:sns:ap-southeast-1:123456789012:llm-alarms"
    )
    error_message = "A failed upgrade of the release rollout must reach the topic through its own rule."
  }
}

run "an_existing_topic_is_used_as_it_is" {
  command = plan

  variables {
    alarm_topic_arn             = "arn:aws:sns:ap-southeast-1:123456789012:ops"
    alarm_no_healthy_host_minutes = 10
    alarm_5xx_percent           = 2.5
  }

  assert {
    condition = (
      length(aws_sns_topic.alarms) == 0 && length(aws_sns_topic_subscription.alarm_email) == 0 &&
      alltrue([for a in aws_cloudwatch_metric_alarm.no_healthy_host : a.alarm_actions == toset(["arn:aws:sns:ap-southeast-1:123456789012:ops"]) && a.evaluation_periods == 10]) &&
      alltrue([for a in aws_cloudwatch_metric_alarm.error_rate : a.ok_actions == toset(["arn:aws:sns:ap-southeast-1:123456789012:ops"]) && a.threshold == 2.5]) &&
      aws_cloudwatch_event_target.pull_failed["llama38b"].arn == "arn:aws:sns:ap-southeast-1:123456789012:ops" &&
      output.alarm_topic_arn == "arn:aws:sns:ap-southeast-1:123456789012:ops"
    )
    error_message = "alarm_topic_arn must receive every alarm and failed pull, with no topic of ours; the thresholds follow their inputs."
  }
}

run "extra_widgets_follow_the_models_rows" {
  command = plan

  variables {
    dashboard_extra_widgets = [{ type = "text", width = 24, height = 1, properties = { markdown = "Streaming router" } }]
  }

  assert {
    condition = (
      length(jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets) == 9 &&
      jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets[8].properties.markdown == "Streaming router"
    )
    error_message = "dashboard_extra_widgets must be appended after the models' rows."
  }
}

run "off_plans_no_monitoring_resource" {
  command = plan

  variables {
    monitoring_enabled = false
    alarm_email        = "ops@example.com"
  }

  assert {
    condition = (
      length(aws_cloudwatch_dashboard.fleet) == 0 && length(aws_cloudwatch_metric_alarm.no_healthy_host) == 0 && length(aws_cloudwatch_metric_alarm.error_rate) == 0 &&
      length(aws_cloudwatch_event_rule.pull_failed) == 0 && length(aws_cloudwatch_event_target.pull_failed) == 0 &&
      length(aws_sns_topic.alarms) == 0 && length(aws_sns_topic_subscription.alarm_email) == 0 && output.dashboard_url == null
    )
    error_message = "monitoring_enabled = false must plan no dashboard, alarm, rule, topic or subscription."
  }
}

run "extra_widgets_that_are_not_a_list_of_objects_are_refused" {
  command = plan

  variables {
    dashboard_extra_widgets = "router"
  }

  expect_failures = [var.dashboard_extra_widgets]
}

run "rule_names_fit_64_characters_and_stay_unique" {
  command = plan

  variables {
    prefix = "a-twenty-eight-character-px"
    llm_ec2_configs = [
      { llm_model = "hf.co/some-org/Some-Model-GGUF:Q4_K_M", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
      { llm_model = "hf.co/some-org/Some-Model-GGUF:Q8_0", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
      { llm_model = "qwen2:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
    ]
  }

  assert {
    condition = (
      alltrue([for rule in aws_cloudwatch_event_rule.pull_failed : length(rule.name) <= 64 && can(regex("^[.A-Za-z0-9_-]+$", rule.name))]) &&
      length(distinct([for rule in aws_cloudwatch_event_rule.pull_failed : rule.name])) == 3 &&
      aws_cloudwatch_event_rule.pull_failed["qwen27b"].name == "a-twenty-eight-character-px-qwen27b-pull-failed"
    )
    error_message = "Failed-pull rule names must fit EventBridge's 64 characters, stay distinct, and keep short names whole."
  }
}

run "a_weight_cache_adds_its_widget_after_the_models_rows" {
  command = plan

  variables {
    model_cache_bucket = "acme-weights"
  }

  assert {
    condition = [for w in jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets : w.properties.metrics if try(w.properties.title, "") == "weight cache: models per hour"] == [[
      ["OllamaFleet/Servers/llm", "WeightCacheHits", { stat = "Sum", label = "from the cache" }],
      ["OllamaFleet/Servers/llm", "WeightCacheMisses", { stat = "Sum", label = "from the registry (misses)" }],
      ["OllamaFleet/Servers/llm", "WeightCacheCorrupt", { stat = "Sum", label = "damaged in the cache" }],
      ["OllamaFleet/Servers/llm", "WeightCacheSeeds", { stat = "Sum", label = "uploaded (seeds)" }],
    ]] && length(jsondecode(aws_cloudwatch_dashboard.fleet[0].dashboard_body).widgets) == 9
    error_message = "With a cache the dashboard must add one widget of the four metrics the cache's filters publish."
  }
}
