# The weight cache: nothing without it; with model_cache_bucket = "create" an encrypted, private,
# HTTPS-only bucket whose complete objects never change; with an existing bucket none of that; the
# servers' access to the prefix (read, create-only, no list, no delete); the S3 gateway endpoint;
# the metrics; where the bootstrap learns of it.

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

override_data {
  override_during = plan
  target          = data.aws_region.model_cache[0]
  values = { id = "ap-southeast-1" }
}

override_resource {
  override_during = plan
  target          = aws_iam_role.llm_ec2_iamr
  values = { arn = "arn:aws:iam::123456789012:role/acme-ec2-iamr", name = "acme-ec2-iamr" }
}

override_resource {
  override_during = plan
  target          = aws_s3_bucket.model_cache[0]
  values = { bucket = "acme-model-cache-20250101000000000000000001", arn = "arn:aws:s3:::acme-model-cache-20250101000000000000000001", id = "acme-model-cache-20250101000000000000000001" }
}

variables {
  prefix         = "acme"
  azs            = ["ap-southeast-1a", "ap-southeast-1b"]
  vpc_id         = "vpc-0a1b2c3d4e5f67890"
  vpc_cidr_block = "10.20.0.0/16"
  subnet_ids     = ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"]
  llm_ec2_configs = [
    { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
    { llm_model = "qwen2:7b", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11435, server_mode = "asg" },
  ]
}

run "no_cache_by_default" {
  command = plan

  assert {
    condition = (
      length(aws_s3_bucket.model_cache) + length(aws_s3_bucket_policy.model_cache) + length(aws_iam_role_policy.llm_ec2_model_cache) +
      length(aws_vpc_endpoint.model_cache) + length(aws_cloudwatch_log_metric_filter.model_cache) + length(data.aws_region.model_cache) == 0
    )
    error_message = "Without model_cache_bucket there must be no bucket, policy, endpoint, metric filter or region look-up."
  }

  assert {
    condition     = alltrue([for k, m in local.llm_models : strcontains(local.server_user_data[k], "MODEL_CACHE_BUCKET=''\nMODEL_CACHE_PREFIX=''\nMODEL_CACHE_REGION=''")])
    error_message = "Without a cache every server's bootstrap must be told none (empty bucket, prefix and region)."
  }

  assert {
    condition     = strcontains(aws_ssm_document.pull_models.content, "MODEL_CACHE_BUCKET=''")
    error_message = "Without a cache the pull-models document must tell the bootstrap none."
  }
}

run "a_created_bucket_is_private_encrypted_https_only_and_write_once" {
  command = plan

  variables {
    model_cache_bucket                           = "create"
    model_cache_gateway_endpoint_route_table_ids = ["rtb-0a1b2c3d4e5f11111", "rtb-0a1b2c3d4e5f22222"]
  }

  assert {
    condition     = aws_s3_bucket.model_cache[0].bucket_prefix == "acme-model-cache-" && aws_s3_bucket.model_cache[0].force_destroy
    error_message = "The created bucket must be named <prefix>-model-cache-<unique suffix>, and go with its content on destroy (it holds a cache)."
  }

  assert {
    condition = (
      one(aws_s3_bucket_server_side_encryption_configuration.model_cache[0].rule).apply_server_side_encryption_by_default[0].sse_algorithm == "AES256" &&
      aws_s3_bucket_public_access_block.model_cache[0].block_public_acls && aws_s3_bucket_public_access_block.model_cache[0].block_public_policy &&
      aws_s3_bucket_public_access_block.model_cache[0].ignore_public_acls && aws_s3_bucket_public_access_block.model_cache[0].restrict_public_buckets &&
      aws_s3_bucket_ownership_controls.model_cache[0].rule[0].object_ownership == "BucketOwnerEnforced"
    )
    error_message = "The bucket must be SSE-S3 encrypted, block every kind of public access and disable ACLs."
  }

  assert {
    condition = (
      data.aws_iam_policy_document.model_cache_bucket[0].statement[0].effect == "Deny" &&
      jsonencode(data.aws_iam_policy_document.model_cache_bucket[0].statement[0].actions) == jsonencode(["s3:*"]) &&
      jsonencode(sort(data.aws_iam_policy_document.model_cache_bucket[0].statement[0].resources)) == jsonencode(["arn:aws:s3:::acme-model-cache-20250101000000000000000001", "arn:aws:s3:::acme-model-cache-20250101000000000000000001/*"]) &&
      jsonencode([for c in data.aws_iam_policy_document.model_cache_bucket[0].statement[0].condition : [c.test, c.variable, c.values]]) == jsonencode([["Bool", "aws:SecureTransport", ["false"]]])
    )
    error_message = "The bucket policy must deny every request over plain HTTP, to the bucket and its objects."
  }

  assert {
    condition = (
      data.aws_iam_policy_document.model_cache_bucket[0].statement[1].effect == "Deny" &&
      jsonencode(data.aws_iam_policy_document.model_cache_bucket[0].statement[1].actions) == jsonencode(["s3:PutObject"]) &&
      jsonencode(sort(data.aws_iam_policy_document.model_cache_bucket[0].statement[1].resources)) == jsonencode([
        "arn:aws:s3:::acme-model-cache-20250101000000000000000001/model-cache/ollama/blobs/*",
        "arn:aws:s3:::acme-model-cache-20250101000000000000000001/model-cache/ollama/manifests/*",
      ]) &&
      jsonencode(sort([for c in data.aws_iam_policy_document.model_cache_bucket[0].statement[1].condition : "${c.test} ${c.variable} ${jsonencode(c.values)}"])) ==
      jsonencode(["Bool s3:ObjectCreationOperation [\"true\"]", "Null s3:if-none-match [\"true\"]"])
    )
    error_message = "The bucket policy must deny creating a manifest or blob without If-None-Match (no upload replaces a complete one), parts excepted."
  }

  assert {
    condition = (
      jsonencode([for r in aws_s3_bucket_lifecycle_configuration.model_cache[0].rule : [r.id, r.filter[0].prefix]]) ==
      jsonencode([["abort-abandoned-uploads", "model-cache/"], ["empty-the-trash", "model-cache/trash/"]]) &&
      aws_s3_bucket_lifecycle_configuration.model_cache[0].rule[0].abort_incomplete_multipart_upload[0].days_after_initiation == 1 &&
      aws_s3_bucket_lifecycle_configuration.model_cache[0].rule[1].expiration[0].days == 7 &&
      length(aws_s3_bucket_lifecycle_configuration.model_cache[0].rule[0].expiration) == 0
    )
    error_message = "The lifecycle must abort abandoned uploads after a day and expire the trash after 7 days, and expire nothing else (no blob a manifest names)."
  }

  assert {
    condition = (
      aws_vpc_endpoint.model_cache[0].service_name == "com.amazonaws.ap-southeast-1.s3" && aws_vpc_endpoint.model_cache[0].vpc_endpoint_type == "Gateway" &&
      jsonencode(sort(aws_vpc_endpoint.model_cache[0].route_table_ids)) == jsonencode(["rtb-0a1b2c3d4e5f11111", "rtb-0a1b2c3d4e5f22222"]) &&
      aws_vpc_endpoint.model_cache[0].vpc_id == "vpc-0a1b2c3d4e5f67890"
    )
    error_message = "The S3 gateway endpoint must serve the given route tables in the VPC."
  }

  assert {
    condition = alltrue([for k, m in local.llm_models : strcontains(local.server_user_data[k],
    "MODEL_CACHE_BUCKET='acme-model-cache-20250101000000000000000001'\nMODEL_CACHE_PREFIX='model-cache/'\nMODEL_CACHE_REGION='ap-southeast-1'")])
    error_message = "Every server's bootstrap must be told the created bucket, the prefix and the region."
  }

  assert {
    condition     = strcontains(local.server_user_data["llama38b"], "TRANSFER_GBPS='10'\n") && strcontains(local.server_user_data["qwen27b"], "TRANSFER_GBPS='10'\n")
    error_message = "Each server's bootstrap must be told its instance type's network bandwidth (g5g.xlarge and g5.xlarge: 10 Gbps), the CLI's transfer target."
  }

  assert {
    condition     = jsonencode(sort([for k, f in aws_cloudwatch_log_metric_filter.model_cache : "${k} ${f.pattern} ${f.metric_transformation[0].name} ${f.metric_transformation[0].namespace}"])) == jsonencode(["corrupt \"weight-cache: corrupt\" WeightCacheCorrupt OllamaFleet/Servers/acme", "hit \"weight-cache: hit\" WeightCacheHits OllamaFleet/Servers/acme", "miss \"weight-cache: miss\" WeightCacheMisses OllamaFleet/Servers/acme", "seeded \"weight-cache: seeded\" WeightCacheSeeds OllamaFleet/Servers/acme"])
    error_message = "Hits, misses, corrupt files and seeds must each be counted from the servers' log lines, in the servers' namespace."
  }
}

run "the_servers_may_read_and_create_under_the_prefix_only" {
  command = plan

  variables {
    model_cache_bucket = "acme-weights"
    model_cache_prefix = "teams/ml/"
  }

  assert {
    condition = (
      length(aws_s3_bucket.model_cache) + length(aws_s3_bucket_policy.model_cache) + length(aws_s3_bucket_lifecycle_configuration.model_cache) == 0 &&
      length(aws_vpc_endpoint.model_cache) == 0
    )
    error_message = "An existing bucket must be left as it is (no bucket, policy or lifecycle of ours), and no endpoint without route tables."
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.llm_ec2_model_cache[0].policy) == {
      Version = "2012-10-17"
      Statement = [
        { Sid = "ReadModelCache", Effect = "Allow", Action = "s3:GetObject", Resource = [
          "arn:aws:s3:::acme-weights/teams/ml/ollama/manifests/*", "arn:aws:s3:::acme-weights/teams/ml/ollama/blobs/*", "arn:aws:s3:::acme-weights/teams/ml/ollama/releases/*",
        ] },
        { Sid = "CreateModelCacheObjects", Effect = "Allow", Action = "s3:PutObject", Resource = [
          "arn:aws:s3:::acme-weights/teams/ml/ollama/manifests/*", "arn:aws:s3:::acme-weights/teams/ml/ollama/blobs/*",
        ], Condition = { Null = { "s3:if-none-match" = "false" } } },
        { Sid = "UploadModelCacheParts", Effect = "Allow", Action = "s3:PutObject", Resource = [
          "arn:aws:s3:::acme-weights/teams/ml/ollama/manifests/*", "arn:aws:s3:::acme-weights/teams/ml/ollama/blobs/*",
        ], Condition = { Bool = { "s3:ObjectCreationOperation" = "false" } } },
        { Sid = "AbortModelCacheUploads", Effect = "Allow", Action = "s3:AbortMultipartUpload", Resource = [
          "arn:aws:s3:::acme-weights/teams/ml/ollama/manifests/*", "arn:aws:s3:::acme-weights/teams/ml/ollama/blobs/*",
        ] },
      ]
    }
    error_message = "The servers must read the cache's manifests, blobs and releases, create manifests and blobs only where none is (If-None-Match), and nothing else: no list, no delete, no other key."
  }

  assert {
    condition     = aws_iam_role_policy.llm_ec2_model_cache[0].role == "acme-ec2-iamr" && aws_iam_role_policy.llm_ec2_model_cache[0].name == "acme-model-cache"
    error_message = "The cache policy must be acme-model-cache, on the servers' role."
  }

  assert {
    condition     = strcontains(aws_ssm_document.pull_models.content, "MODEL_CACHE_BUCKET='acme-weights'") && strcontains(aws_ssm_document.pull_models.content, "MODEL_CACHE_PREFIX='teams/ml/'")
    error_message = "The pull-models document must tell the bootstrap the existing bucket and the prefix."
  }
}

run "a_vllm_model_adds_the_vllm_prefix_with_the_same_rules" {
  command = plan

  variables {
    model_cache_bucket = "create"
    model_cache_prefix = "teams/ml/"
    llm_ec2_configs = [
      { llm_model = "llama3:8b", instance_type = "g5g.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 11434 },
      { llm_model = "mistralai/Mistral-7B-Instruct-v0.3", engine = "vllm", instance_type = "g5.xlarge", ami_id = "", ebs_volume_gb = 200, app_port = 8000 },
    ]
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.llm_ec2_model_cache[0].policy) == {
      Version = "2012-10-17"
      Statement = [
        { Sid = "ReadModelCache", Effect = "Allow", Action = "s3:GetObject", Resource = [
          "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/ollama/manifests/*", "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/ollama/blobs/*",
          "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/ollama/releases/*", "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/vllm/*",
        ] },
        { Sid = "CreateModelCacheObjects", Effect = "Allow", Action = "s3:PutObject", Resource = [
          "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/ollama/manifests/*", "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/ollama/blobs/*",
          "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/vllm/*",
        ], Condition = { Null = { "s3:if-none-match" = "false" } } },
        { Sid = "UploadModelCacheParts", Effect = "Allow", Action = "s3:PutObject", Resource = [
          "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/ollama/manifests/*", "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/ollama/blobs/*",
          "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/vllm/*",
        ], Condition = { Bool = { "s3:ObjectCreationOperation" = "false" } } },
        { Sid = "AbortModelCacheUploads", Effect = "Allow", Action = "s3:AbortMultipartUpload", Resource = [
          "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/ollama/manifests/*", "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/ollama/blobs/*",
          "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/vllm/*",
        ] },
      ]
    }
    error_message = "With a vLLM model the servers must also read vllm/ and create objects there only where none is (If-None-Match), and still nothing else: no list, no delete, no other key."
  }

  assert {
    condition = jsonencode(sort(data.aws_iam_policy_document.model_cache_bucket[0].statement[1].resources)) == jsonencode([
      "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/ollama/blobs/*",
      "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/ollama/manifests/*",
      "arn:aws:s3:::acme-model-cache-20250101000000000000000001/teams/ml/vllm/*",
    ])
    error_message = "The bucket policy must deny every upload without If-None-Match under vllm/ too: no upload replaces a vLLM manifest or file."
  }

  assert {
    condition = (
      aws_ssm_association.pull_models["mistralai/Mistral7BInstructv03"].parameters["ModelCacheBucket"] == "acme-model-cache-20250101000000000000000001" &&
      aws_ssm_association.pull_models["mistralai/Mistral7BInstructv03"].parameters["ModelCachePrefix"] == "teams/ml/" &&
      aws_ssm_association.pull_models["mistralai/Mistral7BInstructv03"].parameters["ModelCacheRegion"] == "ap-southeast-1" &&
      strcontains(local.server_user_data["mistralai/Mistral7BInstructv03"], "MODEL_CACHE_BUCKET='acme-model-cache-20250101000000000000000001'\nMODEL_CACHE_PREFIX='teams/ml/'\nMODEL_CACHE_REGION='ap-southeast-1'\nTRANSFER_GBPS='10'\n")
    )
    error_message = "The vLLM model's association and user data must tell its bootstrap the bucket, the prefix, the region (and the user data the type's bandwidth)."
  }
}

run "route_tables_without_a_cache_are_refused" {
  command = plan

  variables {
    model_cache_gateway_endpoint_route_table_ids = ["rtb-0a1b2c3d4e5f11111"]
  }

  expect_failures = [aws_lb.llm]
}

run "a_prefix_that_could_escape_is_refused" {
  command = plan

  variables {
    model_cache_bucket = "create"
    model_cache_prefix = "../model-cache/"
  }

  expect_failures = [var.model_cache_prefix]
}
