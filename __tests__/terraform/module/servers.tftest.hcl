# The model servers: placement by position (wrapping around), listener priority by the model's key,
# AMI choice, instance settings, the EC2 security group and the SSM document that pulls the models.

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

# Three models on two subnets / AZs: the third wraps around to index 0. One arm family, two x86 ones.
variables {
  azs            = ["ap-southeast-1a", "ap-southeast-1b"]
  vpc_id         = "vpc-0a1b2c3d4e5f67890"
  vpc_cidr_block = "10.20.0.0/16"
  subnet_ids     = ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"]
  llm_ec2_configs = [
    { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
    { llm_model = "mistral-nemo:12b", instance_type = "g5.2xlarge", ami_id = "", ebs_volume_gb = 300, app_port = 11434 },
    { llm_model = "qwen2.5:7b", instance_type = "g4dn.xlarge", ami_id = "", ebs_volume_gb = 100, app_port = 11434 },
  ]
}

run "three_models_on_two_subnets_wrap_around_priorities_by_key" {
  command = plan

  assert {
    condition     = jsonencode(keys(aws_instance.llm)) == jsonencode(["llama38b", "mistralnemo12b", "qwen257b"])
    error_message = "Keys must be the model names without -_.: (llama38b, mistralnemo12b, qwen257b)."
  }

  assert {
    condition     = aws_instance.llm["llama38b"].subnet_id == "subnet-0a1b2c3d4e5f11111" && aws_instance.llm["llama38b"].availability_zone == "ap-southeast-1a"
    error_message = "Model 0 must go to subnet_ids[0] / azs[0]."
  }

  assert {
    condition     = aws_instance.llm["mistralnemo12b"].subnet_id == "subnet-0a1b2c3d4e5f22222" && aws_instance.llm["mistralnemo12b"].availability_zone == "ap-southeast-1b"
    error_message = "Model 1 must go to subnet_ids[1] / azs[1]."
  }

  assert {
    condition     = aws_instance.llm["qwen257b"].subnet_id == "subnet-0a1b2c3d4e5f11111" && aws_instance.llm["qwen257b"].availability_zone == "ap-southeast-1a"
    error_message = "Model 2 of 3 with two subnets / AZs must wrap around to subnet_ids[0] / azs[0]."
  }

  assert {
    condition = (
      aws_lb_listener_rule.llm_http["llama38b"].priority == 22417 &&
      aws_lb_listener_rule.llm_http["mistralnemo12b"].priority == 5125 &&
      aws_lb_listener_rule.llm_http["qwen257b"].priority == 23905
    )
    error_message = "Listener rule priorities must be derived from the keys (1000 + sha256 % 49001): 22417, 5125, 23905, not 1, 2, 3."
  }

  assert {
    condition     = aws_ssm_association.pull_models["llama38b"].parameters["Models"] == "llama3:8b,mistral-nemo:12b,qwen2.5:7b"
    error_message = "The main server must pull its own model, then the others sorted."
  }

  assert {
    condition     = aws_ssm_association.pull_models["mistralnemo12b"].parameters["Models"] == "mistral-nemo:12b" && aws_ssm_association.pull_models["qwen257b"].parameters["Models"] == "qwen2.5:7b"
    error_message = "Non-main servers must pull only their own model."
  }

  assert {
    condition = alltrue([
      for key, a in aws_ssm_association.pull_models :
      a.parameters["AppPort"] == "11434" && a.parameters["OllamaVersion"] == "0.13.0" && a.parameters["TimeoutSeconds"] == "3600" &&
      a.parameters["UpgradeInPlace"] == "false" && a.schedule_expression == "rate(30 minutes)" && a.max_concurrency == "1" && a.max_errors == "0"
    ])
    error_message = "Every model's association must pass the app port, the release, the default hour and UpgradeInPlace false (it keeps the release a server runs), run every 30 minutes, one server at a time, stopping at the first failure."
  }

  assert {
    condition = (
      length(aws_ssm_association.release_rollout) == 1 &&
      aws_ssm_association.release_rollout[0].parameters == tomap({ AppPort = "unchanged", OllamaVersion = "0.13.0", TimeoutSeconds = "3600", UpgradeInPlace = "true" }) &&
      aws_ssm_association.release_rollout[0].association_name == "llm-ollama-release" &&
      aws_ssm_association.release_rollout[0].max_concurrency == "1" && aws_ssm_association.release_rollout[0].max_errors == "0" &&
      aws_ssm_association.release_rollout[0].schedule_expression == "rate(30 minutes)" &&
      one(aws_ssm_association.release_rollout[0].targets).key == "tag:OllamaReleaseRollout" && one(aws_ssm_association.release_rollout[0].targets).values == tolist(["llm"]) &&
      alltrue([for i in aws_instance.llm : i.tags["OllamaReleaseRollout"] == "llm"])
    )
    error_message = "One release rollout must bring every instance server (by the tag each carries) to the release, one at a time, stopping at the first failure, keeping each server's port and pulling nothing."
  }

  assert {
    condition = (
      aws_instance.llm["llama38b"].tags["Name"] == "llm-main-llama3:8b" &&
      aws_instance.llm["mistralnemo12b"].tags["Name"] == "llm-mistral-nemo:12b" &&
      aws_instance.llm["qwen257b"].tags["Name"] == "llm-qwen2.5:7b"
    )
    error_message = "Name tags must be llm-main-llama3:8b, llm-mistral-nemo:12b and llm-qwen2.5:7b."
  }

  assert {
    condition     = alltrue([for key, group in aws_lb_target_group.llm_http : group.name == key]) && length(aws_lb_target_group.llm_http) == 3
    error_message = "Each of the three models must get a target group named after its key."
  }

  assert {
    condition = (
      one(aws_instance.llm["llama38b"].root_block_device).volume_size == 200 &&
      one(aws_instance.llm["mistralnemo12b"].root_block_device).volume_size == 300 &&
      one(aws_instance.llm["qwen257b"].root_block_device).volume_size == 100
    )
    error_message = "Each root volume must be its model's ebs_volume_gb."
  }
}

run "default_ami_follows_the_instance_family" {
  command = plan

  assert {
    condition     = aws_instance.llm["llama38b"].ami == "ami-0a4a4a4a4a4a4a4a4"
    error_message = "A g5g server must run the arm64 Deep Learning AMI (data.aws_ami.dlami_arm)."
  }

  assert {
    condition     = aws_instance.llm["mistralnemo12b"].ami == "ami-0b8b8b8b8b8b8b8b8"
    error_message = "A g5 server must run the x86_64 Deep Learning AMI (data.aws_ami.dlami_x86)."
  }

  assert {
    condition     = aws_instance.llm["qwen257b"].ami == "ami-0b8b8b8b8b8b8b8b8"
    error_message = "A g4dn server must run the x86_64 Deep Learning AMI (data.aws_ami.dlami_x86)."
  }

  assert {
    condition = (
      data.aws_ami.dlami_arm[0].most_recent == true && jsonencode(data.aws_ami.dlami_arm[0].owners) == jsonencode(["amazon"]) &&
      data.aws_ami.dlami_arm[0].name_regex == "^Deep Learning ARM64 AMI OSS Nvidia Driver GPU PyTorch .*\\((Amazon Linux 2023|Ubuntu [0-9.]+)\\).*" &&
      contains([for f in data.aws_ami.dlami_arm[0].filter : "${f.name}=${join(",", f.values)}"], "architecture=arm64")
    )
    error_message = "dlami_arm must look up the most recent Amazon arm64 Deep Learning OSS Nvidia Driver GPU PyTorch AMI on Amazon Linux 2023 or Ubuntu."
  }

  assert {
    condition = (
      data.aws_ami.dlami_x86[0].most_recent == true && jsonencode(data.aws_ami.dlami_x86[0].owners) == jsonencode(["amazon"]) &&
      data.aws_ami.dlami_x86[0].name_regex == "^Deep Learning OSS Nvidia Driver AMI GPU PyTorch .*\\((Amazon Linux 2023|Ubuntu [0-9.]+)\\).*" &&
      contains([for f in data.aws_ami.dlami_x86[0].filter : "${f.name}=${join(",", f.values)}"], "architecture=x86_64")
    )
    error_message = "dlami_x86 must look up the most recent Amazon x86_64 Deep Learning OSS Nvidia Driver PyTorch AMI on Amazon Linux 2023 or Ubuntu (Amazon Linux 2 lacks the glibc Ollama needs)."
  }

  assert {
    condition = alltrue([
      for lookup in [data.aws_ami.dlami_arm[0], data.aws_ami.dlami_x86[0]] :
      length(setintersection(
        toset([for f in lookup.filter : "${f.name}=${join(",", f.values)}"]),
        toset(["image-type=machine", "is-public=true", "virtualization-type=hvm", "root-device-type=ebs", "state=available"])
      )) == 5
    ])
    error_message = "Both AMI look-ups must filter on image-type machine, is-public true, hvm, ebs root device and state available."
  }
}

run "explicit_ami_id_is_used_verbatim" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "ami-0fedcba9876543210", ebs_volume_gb = 200, app_port = 11434 },
      { llm_model = "qwen2:7b", instance_type = "g5.xlarge", ami_id = "ami-0c0ffee0c0ffee000", ebs_volume_gb = 200, app_port = 11434 },
      { llm_model = "phi3:mini", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 100, app_port = 11434 },
    ]
  }

  assert {
    condition     = aws_instance.llm["llama38b"].ami == "ami-0fedcba9876543210"
    error_message = "A g5g server with ami_id set must run exactly that AMI, not the arm64 look-up."
  }

  assert {
    condition     = aws_instance.llm["qwen27b"].ami == "ami-0c0ffee0c0ffee000"
    error_message = "A g5 server with ami_id set must run exactly that AMI, not the x86_64 look-up."
  }

  assert {
    condition     = aws_instance.llm["phi3mini"].ami == "ami-0b8b8b8b8b8b8b8b8"
    error_message = "A server with an empty ami_id must still get its family's Deep Learning AMI."
  }
}

run "server_settings_security_group_and_pull_document" {
  command = plan

  assert {
    condition     = alltrue([for server in aws_instance.llm : server.associate_public_ip_address == false])
    error_message = "Model servers must get no public IP."
  }

  assert {
    condition     = alltrue([for server in aws_instance.llm : server.iam_instance_profile == "llm-ec2-profile-id"])
    error_message = "Every server must use the instance profile's id."
  }

  assert {
    condition     = alltrue([for server in aws_instance.llm : server.vpc_security_group_ids == toset(["sg-0ec2ec2ec2ec2ec20"])])
    error_message = "Every server must be in the EC2 security group only."
  }

  assert {
    condition = alltrue([
      for server in aws_instance.llm :
      one(server.metadata_options).http_endpoint == "enabled" && one(server.metadata_options).http_tokens == "required" &&
      one(server.metadata_options).http_put_response_hop_limit == 1 && one(server.metadata_options).instance_metadata_tags == "disabled"
    ])
    error_message = "Instance metadata must be enabled, IMDSv2 only, hop limit 1, without instance tags."
  }

  assert {
    condition = alltrue([
      for server in aws_instance.llm :
      one(server.root_block_device).volume_type == "gp3" && one(server.root_block_device).encrypted == true && one(server.root_block_device).delete_on_termination == true &&
      one(server.root_block_device).throughput == 500 && one(server.root_block_device).iops == 3000
    ])
    error_message = "Root volumes must be encrypted gp3, deleted on termination, 500 MiB/s and 3000 IOPS by default."
  }

  assert {
    condition     = alltrue([for server in aws_instance.llm : server.user_data_replace_on_change == false])
    error_message = "A user data change must not replace a server (user_data_replace_on_change = false)."
  }

  assert {
    condition     = alltrue([for k, server in aws_instance.llm : server.user_data_base64 == base64gzip(local.server_user_data[k])])
    error_message = "Each server must get its own rendering of the bootstrap, gzip-compressed (it is larger than EC2's 16 KB; cloud-init unpacks it)."
  }

  assert {
    condition = alltrue([
      for fragment in [
        "amazon-cloudwatch-agent-ctl", "LOG_GROUP='/ollama-fleet/llm/servers'", "METRICS_NAMESPACE='OllamaFleet/Servers/llm'",
        "https://ollama.com/download", "/etc/systemd/system/ollama.service.d/",
        "APP_PORT='11434'", "OLLAMA_HOST=0.0.0.0:$1", "OLLAMA_MODELS=/usr/share/ollama/.ollama/models", "KEEP_ALIVE='6h'",
        "OLLAMA_FLASH_ATTENTION=1", "systemctl daemon-reload", "systemctl enable ollama", "export HOME=", "UPGRADE_IN_PLACE=true",
      ] : strcontains(local.server_user_data["mistralnemo12b"], fragment)
    ])
    error_message = "User data must configure the CloudWatch agent for the servers' log group and namespace, install Ollama and configure it on 0.0.0.0:<app_port> with keep-alive 6h and flash attention, with HOME set, upgrading in place."
  }

  assert {
    condition     = aws_cloudwatch_log_group.servers.name == "/ollama-fleet/llm/servers" && aws_cloudwatch_log_group.servers.retention_in_days == 30
    error_message = "The servers' log group must be /ollama-fleet/<prefix>/servers, kept 30 days by default."
  }

  assert {
    condition     = startswith(local.server_user_data["qwen257b"], "#!/bin/bash")
    error_message = "User data must be a bash script."
  }

  assert {
    condition     = alltrue([for k, server in aws_instance.llm : strcontains(local.server_user_data[k], "OLLAMA_VERSION='0.13.0'") && strcontains(local.server_user_data[k], "RUN_TIMEOUT_SECONDS='3600'")])
    error_message = "User data must install the pinned Ollama release, by default 0.13.0, within the default hour."
  }

  assert {
    condition = (
      strcontains(local.server_user_data["llama38b"], "MODELS='llama3:8b'\n") &&
      strcontains(local.server_user_data["mistralnemo12b"], "MODELS='mistral-nemo:12b'\n") &&
      strcontains(local.server_user_data["qwen257b"], "ollama pull")
    )
    error_message = "At first boot each server must pull its own model (the association pulls the main server's full list)."
  }

  assert {
    condition     = aws_security_group.llm_ec2_sg.name == "llm-ec2-sg" && aws_security_group.llm_ec2_sg.description == "Security group for llm ec2" && aws_security_group.llm_ec2_sg.vpc_id == "vpc-0a1b2c3d4e5f67890"
    error_message = "The EC2 security group must be <prefix>-ec2-sg in vpc_id, with its original description."
  }

  assert {
    condition = (
      aws_vpc_security_group_egress_rule.llm_ec2_egress_1.cidr_ipv4 == "0.0.0.0/0" && aws_vpc_security_group_egress_rule.llm_ec2_egress_1.ip_protocol == "tcp" &&
      aws_vpc_security_group_egress_rule.llm_ec2_egress_1.from_port == 0 && aws_vpc_security_group_egress_rule.llm_ec2_egress_1.to_port == 65535 &&
      aws_vpc_security_group_egress_rule.llm_ec2_egress_1.description == "Allow all tcp outbound"
    )
    error_message = "llm_ec2_egress_1 must allow tcp 0-65535 to 0.0.0.0/0."
  }

  assert {
    condition = alltrue([
      for rule in [
        aws_vpc_security_group_egress_rule.llm_ec2_egress_1,
        aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port["11434"],
      ] : rule.security_group_id == "sg-0ec2ec2ec2ec2ec20"
    ])
    error_message = "Every EC2 rule must belong to the EC2 security group."
  }

  assert {
    condition     = aws_ssm_document.pull_models.name == "llm-pull-models" && aws_ssm_document.pull_models.document_type == "Command" && aws_ssm_document.pull_models.document_format == "JSON"
    error_message = "The SSM document must be a JSON Command document named <prefix>-pull-models."
  }

  assert {
    condition     = jsondecode(aws_ssm_document.pull_models.content).schemaVersion == "2.2"
    error_message = "The SSM document must use schema 2.2."
  }

  assert {
    condition = (
      jsondecode(aws_ssm_document.pull_models.content).parameters.Models.type == "String" &&
      jsondecode(aws_ssm_document.pull_models.content).parameters.TimeoutSeconds.type == "String" &&
      jsondecode(aws_ssm_document.pull_models.content).parameters.TimeoutSeconds.default == "3600" &&
      alltrue([for p in values(jsondecode(aws_ssm_document.pull_models.content).parameters) : startswith(p.allowedPattern, "^") && endswith(p.allowedPattern, "$")])
    )
    error_message = "The SSM document must take Models and TimeoutSeconds (String, default 3600), every parameter with an anchored allowedPattern."
  }

  assert {
    condition = (
      length(jsondecode(aws_ssm_document.pull_models.content).mainSteps) == 1 &&
      jsondecode(aws_ssm_document.pull_models.content).mainSteps[0].action == "aws:runShellScript" &&
      strcontains(join("\n", jsondecode(aws_ssm_document.pull_models.content).mainSteps[0].inputs.runCommand), "/var/lib/cloud/instance/boot-finished") &&
      strcontains(join("\n", jsondecode(aws_ssm_document.pull_models.content).mainSteps[0].inputs.runCommand), "ollama pull")
    )
    error_message = "The SSM document must have one aws:runShellScript step that waits for cloud-init's boot-finished, then runs ollama pull."
  }
}

run "family_without_known_ami_and_without_ami_id_is_rejected" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "c7i.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
    ]
  }

  expect_failures = [var.llm_ec2_configs]
}

run "pull_schedule_off_longer_wait_and_faster_volumes" {
  command = plan

  variables {
    pull_models_schedule     = ""
    pull_models_wait_seconds = 7200
    ebs_throughput_mibps     = 1000
    ebs_iops                 = 4000
  }

  assert {
    condition     = alltrue([for a in aws_ssm_association.pull_models : a.schedule_expression == null && a.parameters["TimeoutSeconds"] == "7200"])
    error_message = "An empty pull_models_schedule must run the association at creation only; a 7200 s wait must give the run 7200 s."
  }

  assert {
    condition     = alltrue([for k, server in aws_instance.llm : strcontains(local.server_user_data[k], "RUN_TIMEOUT_SECONDS='7200'")])
    error_message = "The first-boot run must get the same time limit as the association."
  }

  assert {
    condition     = alltrue([for server in aws_instance.llm : one(server.root_block_device).throughput == 1000 && one(server.root_block_device).iops == 4000])
    error_message = "ebs_throughput_mibps and ebs_iops must reach every root volume."
  }
}

run "the_main_servers_pull_list_and_the_priorities_survive_a_reorder" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
      { llm_model = "qwen2.5:7b", instance_type = "g4dn.xlarge", ami_id = "", ebs_volume_gb = 100, app_port = 11434 },
      { llm_model = "mistral-nemo:12b", instance_type = "g5.2xlarge", ami_id = "", ebs_volume_gb = 300, app_port = 11434 },
    ]
  }

  assert {
    condition     = aws_ssm_association.pull_models["llama38b"].parameters["Models"] == "llama3:8b,mistral-nemo:12b,qwen2.5:7b"
    error_message = "Reordering the other models must not change the main server's pull list (an updated association runs again)."
  }

  assert {
    condition     = aws_lb_listener_rule.llm_http["qwen257b"].priority == 23905 && aws_lb_listener_rule.llm_http["mistralnemo12b"].priority == 5125
    error_message = "Reordering must keep every model's listener priority."
  }
}

run "only_the_deep_learning_ami_of_an_architecture_in_use_is_looked_up" {
  command = plan

  variables {
    llm_ec2_configs = [
      { llm_model = "mistral-nemo:12b", instance_type = "g5.2xlarge", ami_id = "", ebs_volume_gb = 300, app_port = 11434 },
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "ami-0c0ffee0c0ffee000", ebs_volume_gb = 200, app_port = 11434 },
    ]
  }

  assert {
    condition     = length(data.aws_ami.dlami_arm) == 0 && length(data.aws_ami.dlami_x86) == 1 && output.dlami_arm == null && output.dlami_x86 == "ami-0b8b8b8b8b8b8b8b8"
    error_message = "A region without a public arm64 Deep Learning AMI must plan when no arm64 model needs one: not looked up, output null."
  }

  assert {
    condition     = aws_instance.llm["mistralnemo12b"].ami == "ami-0b8b8b8b8b8b8b8b8" && aws_instance.llm["llama38b"].ami == "ami-0c0ffee0c0ffee000"
    error_message = "Each server keeps its AMI: the x86_64 look-up's, or its own ami_id."
  }
}
