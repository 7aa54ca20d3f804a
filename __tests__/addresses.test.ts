import { addressForms, synthModule, synthServiceStack, Synthesized, unwrap } from "./helpers/synth";
import { describeWithTerraform, evaluate } from "./helpers/terraform";
import { NETWORK_INPUTS } from "./helpers/network-inputs";

// Every address the original module can plan, as the original module names them. `[0]`: count;
// `["<...>"]`: for_each; nothing: a single resource.
const SPEC_ADDRESSES = [
  "data.aws_ami.dlami_arm",
  "data.aws_ami.dlami_x86",
  "data.aws_iam_policy_document.llm_ec2_iamr_assume",
  // model servers and their permissions
  "aws_iam_role.llm_ec2_iamr",
  "aws_iam_instance_profile.llm_ec2_iam_profile",
  'aws_iam_role_policy_attachment.llm_ec2_iam_policy["<policy ARN>"]',
  "aws_security_group.llm_ec2_sg",
  "aws_vpc_security_group_egress_rule.llm_ec2_egress_1",
  "aws_vpc_security_group_egress_rule.llm_ec2_egress_2",
  "aws_vpc_security_group_ingress_rule.llm_ec2_ingress_1",
  "aws_vpc_security_group_ingress_rule.llm_ec2_ingress_2",
  'aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port["<port>"]',
  'aws_instance.llm["<model key>"]',
  "aws_ssm_document.pull_models",
  'aws_ssm_association.pull_models["<model key>"]',
  // internal load balancer
  "aws_lb.llm",
  'aws_lb_target_group.llm_http["<model key>"]',
  'aws_lb_target_group_attachment.llm_http["<model key>"]',
  "aws_lb_listener.llm_http",
  'aws_lb_listener_rule.llm_http["<model key>"]',
  "aws_security_group.llm_alb_sg",
  "aws_vpc_security_group_egress_rule.llm_alb_egress_1",
  "aws_vpc_security_group_ingress_rule.llm_alb_ingress_1",
  "aws_vpc_security_group_ingress_rule.llm_alb_ingress_2",
  "aws_vpc_security_group_ingress_rule.llm_alb_ingress_3[0]",
  // API Gateway
  "aws_security_group.llm_vpc_link_sg[0]",
  "aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1[0]",
  "aws_apigatewayv2_vpc_link.llm[0]",
  "aws_apigatewayv2_api.llm_apigw[0]",
  "aws_apigatewayv2_integration.root_post[0]",
  "aws_apigatewayv2_integration.root_get[0]",
  "aws_apigatewayv2_integration.root_delete[0]",
  "aws_apigatewayv2_route.root_post[0]",
  "aws_apigatewayv2_route.root_get[0]",
  "aws_apigatewayv2_route.root_delete[0]",
  "aws_apigatewayv2_stage.llm_auto_deploy[0]",
  "aws_apigatewayv2_domain_name.llm[0]",
  "aws_route53_record.llm[0]",
  "aws_apigatewayv2_api_mapping.llm[0]",
];
// Secure by default: rules of the original that go, and its catch-all routes (one route per endpoint instead)...
const REMOVED = [
  "aws_vpc_security_group_egress_rule.llm_ec2_egress_2",
  "aws_vpc_security_group_ingress_rule.llm_ec2_ingress_1",
  "aws_vpc_security_group_ingress_rule.llm_ec2_ingress_2",
  "aws_vpc_security_group_egress_rule.llm_alb_egress_1",
  "aws_vpc_security_group_ingress_rule.llm_alb_ingress_1",
  "aws_apigatewayv2_route.root_post[0]",
  "aws_apigatewayv2_route.root_get[0]",
  "aws_apigatewayv2_route.root_delete[0]",
];
// Data sources of the original that ours read only when needed (count 0 or 1): a data source keys no
// state, so its address may change; the Deep Learning AMI of an architecture no model uses is not read.
const COUNTED = ["data.aws_ami.dlami_arm", "data.aws_ami.dlami_x86"];
// ...and resources of ours: the ALB's egress to the servers, the API's access logs, its JWT authorizer,
// the routes of `/` (HEAD / is the ollama command line's heartbeat), the per-endpoint routes and their integrations; the
// region's zones, read for the az-in-region rule; Auto Scaling servers and their schedules, custom AMI look-ups,
// monitoring; the servers' log group (their CloudWatch agent sends it the bootstrap's log).
const ADDED = [
  "data.aws_availability_zones.zones",
  'data.aws_ec2_instance_type_offerings.offered["<instance type>"]',
  // the partition of every ARN we write; the account's Lambda concurrency quota, read with the router only
  "data.aws_partition.current",
  "data.aws_servicequotas_service_quota.lambda_concurrency[0]",
  // the model-ready hook of a group with a warm pool, a resource of its own
  'aws_autoscaling_lifecycle_hook.model_ready["<model key>"]',
  "aws_cloudwatch_log_group.servers",
  'aws_vpc_security_group_egress_rule.llm_alb_egress_app_port["<port>"]',
  "aws_cloudwatch_log_group.llm_api_access[0]",
  "aws_apigatewayv2_authorizer.llm_jwt[0]",
  "aws_apigatewayv2_integration.root_head[0]",
  "aws_apigatewayv2_route.index_get[0]",
  "aws_apigatewayv2_route.index_head[0]",
  // one route per endpoint the API forwards, and the integrations of GET /v1/models/{model} and of blob uploads
  'aws_apigatewayv2_route.endpoint["<route key>"]',
  "aws_apigatewayv2_integration.get_model_in_path[0]",
  "aws_apigatewayv2_integration.post_no_model[0]",
  'data.aws_ami.custom["<ami id>"]',
  'aws_launch_template.llm["<model key>"]',
  'aws_autoscaling_group.llm["<model key>"]',
  'aws_autoscaling_schedule.llm["<schedule>/<model key>"]',
  // scaling on load and to zero (a model's scaling)
  'aws_autoscaling_policy.llm_requests["<model key>"]',
  'aws_autoscaling_policy.llm_gpu["<model key>"]',
  'aws_autoscaling_policy.llm_in_flight["<model key>"]',
  'aws_autoscaling_policy.llm_scale_to_zero["<model key>"]',
  'aws_cloudwatch_metric_alarm.llm_idle["<model key>"]',
  "aws_cloudwatch_dashboard.fleet[0]",
  'aws_cloudwatch_metric_alarm.no_healthy_host["<model key>"]',
  'aws_cloudwatch_metric_alarm.error_rate["<model key>"]',
  'aws_cloudwatch_event_rule.pull_failed["<model key>"]',
  'aws_cloudwatch_event_target.pull_failed["<model key>"]',
  // the release rollout over every instance server (one at a time), and the rule of its failed runs
  "aws_ssm_association.release_rollout[0]",
  "aws_cloudwatch_event_rule.release_failed[0]",
  "aws_cloudwatch_event_target.release_failed[0]",
  "aws_sns_topic.alarms[0]",
  "aws_sns_topic_policy.alarms[0]",
  "data.aws_iam_policy_document.alarms[0]",
  "aws_sns_topic_subscription.alarm_email[0]",
  "aws_iam_role_policy.llm_ec2_model_ready[0]",
  // vLLM's bootstrap document (while a model has engine "vllm"), and the read of its Hugging Face token
  "aws_ssm_document.serve_vllm[0]",
  "aws_iam_role_policy.llm_ec2_hf_token[0]",
  // the streaming router (router_enabled)
  "aws_lambda_function.router[0]",
  "aws_lambda_function_url.router[0]",
  "aws_lambda_permission.router_url[0]",
  "aws_lambda_permission.router_invoke[0]",
  "aws_iam_role.router[0]",
  "aws_iam_role_policy.router[0]",
  "aws_cloudwatch_log_group.router[0]",
  "aws_ssm_parameter.router_keys[0]",
  "aws_security_group.router[0]",
  "aws_vpc_security_group_egress_rule.router_to_alb[0]",
  "aws_vpc_security_group_egress_rule.router_to_ssm[0]",
  "aws_vpc_security_group_ingress_rule.llm_alb_ingress_router[0]",
  // the weight cache (model_cache_bucket): its bucket, the servers' access, the endpoint, the metrics
  "data.aws_region.model_cache[0]",
  "aws_s3_bucket.model_cache[0]",
  "aws_s3_bucket_server_side_encryption_configuration.model_cache[0]",
  "aws_s3_bucket_public_access_block.model_cache[0]",
  "aws_s3_bucket_ownership_controls.model_cache[0]",
  "aws_s3_bucket_policy.model_cache[0]",
  "data.aws_iam_policy_document.model_cache_bucket[0]",
  "aws_s3_bucket_lifecycle_configuration.model_cache[0]",
  "aws_iam_role_policy.llm_ec2_model_cache[0]",
  "aws_vpc_endpoint.model_cache[0]",
  'aws_cloudwatch_log_metric_filter.model_cache["<event>"]',
];

/** `type.name["<x>"]` -> `type.name for_each`, `type.name[0]` -> `type.name count`, else `single`. */
function specForm(address: string): string {
  const [, base, index] = /^([^[]+)(?:\[(.+)\])?$/.exec(address)!;
  return `${base} ${index === undefined ? "single" : index === "0" ? "count" : "for_each"}`;
}

let stack: Synthesized;
beforeAll(() => {
  // WHEN
  stack = synthModule();
});

describe("resource and data source addresses", () => {
  test("the module stack has the original module's addresses, each with its count / for_each, less the removed rules, plus ours", () => {
    for (const address of [...REMOVED, ...COUNTED]) expect(SPEC_ADDRESSES).toContain(address);
    const counted = (a: string) => (COUNTED.includes(a) ? `${a}[0]` : a);
    const expected = [...SPEC_ADDRESSES.filter((a) => !REMOVED.includes(a)).map(counted), ...ADDED];
    expect(addressForms(stack.json)).toEqual(expected.map(specForm).sort());
  });

  test("the llm-service root stack (default config) has the same addresses as the module", () => {
    expect(addressForms(synthServiceStack().json)).toEqual(addressForms(stack.json));
  });
});

describeWithTerraform("the addresses terraform plans", () => {
  /** Every address the module plans for `inputs`, as `terraform plan` prints them. */
  function plannedAddresses(inputs: Record<string, unknown>): string[] {
    const expressions: Record<string, string> = {};
    const singles: string[] = [];
    for (const kind of ["resource", "data"] as const) {
      for (const [type, byName] of Object.entries(stack.json[kind] ?? {})) {
        for (const [name, body] of Object.entries(byName)) {
          const address = `${kind === "data" ? "data." : ""}${type}.${name}`;
          // Wrapped here: a for_each with a template inside (an ARN with its partition) is still one expression.
          if ("for_each" in body) expressions[address] = `\${keys({ for k, v in ${unwrap(body.for_each)} : k => v })}`;
          else if ("count" in body) expressions[address] = body.count as string;
          else singles.push(address);
        }
      }
    }
    const values = evaluate(stack.json, { variables: inputs, expressions });
    const multi = Object.entries(values).flatMap(([address, value]) =>
      Array.isArray(value)
        ? value.map((key) => `${address}[${JSON.stringify(key)}]`)
        : Array.from({ length: value as number }, (_, i) => `${address}[${i}]`),
    );
    return [...singles, ...multi].sort();
  }

  const INPUTS = {
    ...NETWORK_INPUTS,
    llm_ec2_configs: [
      { llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
      { llm_model: "mistral-nemo:12b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11435 },
    ],
  };
  const PER_MODEL = (resource: string) => [`${resource}["llama38b"]`, `${resource}["mistralnemo12b"]`];
  const ALWAYS = [
    // a g5g (arm64) and a g5 (x86_64) model: both Deep Learning AMIs are looked up
    "data.aws_ami.dlami_arm[0]",
    "data.aws_availability_zones.zones",
    'data.aws_ec2_instance_type_offerings.offered["g5g.xlarge"]',
    'data.aws_ec2_instance_type_offerings.offered["g5.xlarge"]',
        "data.aws_ami.dlami_x86[0]",
    "data.aws_partition.current",
    "data.aws_iam_policy_document.llm_ec2_iamr_assume",
    "aws_iam_role.llm_ec2_iamr",
    "aws_iam_instance_profile.llm_ec2_iam_profile",
    'aws_iam_role_policy_attachment.llm_ec2_iam_policy["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]',
    'aws_iam_role_policy_attachment.llm_ec2_iam_policy["arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"]',
    "aws_security_group.llm_ec2_sg",
    "aws_vpc_security_group_egress_rule.llm_ec2_egress_1",
    'aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port["11434"]',
    'aws_vpc_security_group_ingress_rule.llm_ec2_ingress_app_port["11435"]',
    ...PER_MODEL("aws_instance.llm"),
    "aws_ssm_document.pull_models",
    ...PER_MODEL("aws_ssm_association.pull_models"),
    // both models run on instances: the release rollout over them
    "aws_ssm_association.release_rollout[0]",
    "aws_cloudwatch_log_group.servers",
    "aws_lb.llm",
    ...PER_MODEL("aws_lb_target_group.llm_http"),
    ...PER_MODEL("aws_lb_target_group_attachment.llm_http"),
    "aws_lb_listener.llm_http",
    ...PER_MODEL("aws_lb_listener_rule.llm_http"),
    "aws_security_group.llm_alb_sg",
    'aws_vpc_security_group_egress_rule.llm_alb_egress_app_port["11434"]',
    'aws_vpc_security_group_egress_rule.llm_alb_egress_app_port["11435"]',
    "aws_vpc_security_group_ingress_rule.llm_alb_ingress_2",
  ];
  /** The routes the API has without model management: the inference and read endpoints. */
  const ROUTES = [
    "GET /api/version", "HEAD /api/version", "GET /api/tags", "HEAD /api/tags", "GET /api/ps",
    "POST /api/show", "POST /api/generate", "POST /api/chat", "POST /api/embed", "POST /api/embeddings",
    "POST /v1/chat/completions", "POST /v1/completions", "POST /v1/embeddings", "POST /v1/responses",
    "GET /v1/models", "GET /v1/models/{model}", "POST /v1/messages",
  ].map((key) => `aws_apigatewayv2_route.endpoint[${JSON.stringify(key)}]`);
  const API = [
    "aws_security_group.llm_vpc_link_sg[0]",
    "aws_vpc_security_group_egress_rule.llm_vpc_link_egress_1[0]",
    "aws_apigatewayv2_vpc_link.llm[0]",
    "aws_apigatewayv2_api.llm_apigw[0]",
    "aws_apigatewayv2_integration.root_post[0]",
    "aws_apigatewayv2_integration.root_get[0]",
    "aws_apigatewayv2_integration.root_head[0]",
    "aws_apigatewayv2_integration.get_model_in_path[0]",
    "aws_apigatewayv2_route.index_get[0]",
    "aws_apigatewayv2_route.index_head[0]",
    ...ROUTES,
    "aws_apigatewayv2_stage.llm_auto_deploy[0]",
    "aws_cloudwatch_log_group.llm_api_access[0]",
  ];
  /** What api_gw_allow_model_management adds. */
  const MANAGEMENT = [
    "aws_apigatewayv2_integration.root_delete[0]",
    "aws_apigatewayv2_integration.post_no_model[0]",
    ...["POST /api/pull", "POST /api/push", "POST /api/create", "POST /api/copy", "DELETE /api/delete", "POST /api/blobs/{digest}", "HEAD /api/blobs/{digest}"].map(
      (key) => `aws_apigatewayv2_route.endpoint[${JSON.stringify(key)}]`,
    ),
  ];
  // Monitoring is on by default: a dashboard, per model two alarms and a failed-pull rule, and the rule of a failed upgrade.
  const MONITORING = [
    "aws_cloudwatch_dashboard.fleet[0]",
    "aws_cloudwatch_event_rule.release_failed[0]",
    ...PER_MODEL("aws_cloudwatch_metric_alarm.no_healthy_host"),
    ...PER_MODEL("aws_cloudwatch_metric_alarm.error_rate"),
    ...PER_MODEL("aws_cloudwatch_event_rule.pull_failed"),
  ];
  const CUSTOM_DOMAIN = ["aws_apigatewayv2_domain_name.llm[0]", "aws_route53_record.llm[0]", "aws_apigatewayv2_api_mapping.llm[0]"];

  test("everything: API, custom domain, Open WebUI port", () => {
    const inputs = {
      ...INPUTS,
      open_webui_port: 8080,
      api_gw_domain: "llm.example.com",
      api_gw_domain_route53_zone: "Z0123456789ABCDEFGHIJ",
      api_gw_domain_ssl_cert_arn: "arn:aws:acm:ap-southeast-1:123456789012:certificate/abc",
    };
    const expected = [...ALWAYS, "aws_vpc_security_group_ingress_rule.llm_alb_ingress_3[0]", ...API, ...CUSTOM_DOMAIN, ...MONITORING];
    expect(plannedAddresses(inputs)).toEqual(expected.sort());
  });

  test("defaults: the API without custom domain, no Open WebUI port", () => {
    expect(plannedAddresses(INPUTS)).toEqual([...ALWAYS, ...API, ...MONITORING].sort());
  });

  test("model management adds its routes and their two integrations, nothing else", () => {
    expect(plannedAddresses({ ...INPUTS, api_gw_allow_model_management: true })).toEqual([...ALWAYS, ...API, ...MANAGEMENT, ...MONITORING].sort());
  });

  test("model management without the API plans none of it", () => {
    expect(plannedAddresses({ ...INPUTS, api_gw_allow_model_management: true, create_api_gw: false })).toEqual([...ALWAYS, ...MONITORING].sort());
  });

  test("no API", () => {
    expect(plannedAddresses({ ...INPUTS, create_api_gw: false })).toEqual([...ALWAYS, ...MONITORING].sort());
  });

  const JWT = {
    api_gw_authorization: "JWT",
    api_gw_jwt_issuer: "https://issuer.example.com",
    api_gw_jwt_audiences: ["client-one"],
  };

  test("JWT authorization adds the authorizer", () => {
    expect(plannedAddresses({ ...INPUTS, ...JWT })).toEqual([...ALWAYS, ...API, ...MONITORING, "aws_apigatewayv2_authorizer.llm_jwt[0]"].sort());
  });

  test("JWT authorization without the API plans no authorizer", () => {
    expect(plannedAddresses({ ...INPUTS, ...JWT, create_api_gw: false })).toEqual([...ALWAYS, ...MONITORING].sort());
  });

  test("monitoring off: only the original's resources and ours of the hardening", () => {
    expect(plannedAddresses({ ...INPUTS, monitoring_enabled: false })).toEqual([...ALWAYS, ...API].sort());
  });

  test("an alarm e-mail adds a topic, its policy (and the document it is written from), the subscription, a failed-pull target per model and the failed-upgrade target", () => {
    const topic = ["aws_sns_topic.alarms[0]", "aws_sns_topic_policy.alarms[0]", "data.aws_iam_policy_document.alarms[0]", "aws_sns_topic_subscription.alarm_email[0]"];
    expect(plannedAddresses({ ...INPUTS, alarm_email: "ops@example.com" })).toEqual(
      [...ALWAYS, ...API, ...MONITORING, ...topic, ...PER_MODEL("aws_cloudwatch_event_target.pull_failed"), "aws_cloudwatch_event_target.release_failed[0]"].sort(),
    );
  });

  test("asg mode: a launch template and a group per model instead of the instance and its attachment, and no release rollout; schedules per (schedule, model)", () => {
    // GIVEN every model in asg mode, one schedule for all and one for a single model
    const inputs = {
      ...INPUTS,
      default_server_mode: "asg",
      schedules: [
        { name: "night", recurrence: "0 20 * * 1-5", min_size: 0, max_size: 0, desired_capacity: 0 },
        { name: "burst", recurrence: "0 9 * * 1", min_size: 1, max_size: 2, desired_capacity: 2, models: ["llama3:8b"] },
      ],
    };
    const instanceOnly = [
      ...PER_MODEL("aws_instance.llm"),
      ...PER_MODEL("aws_lb_target_group_attachment.llm_http"),
      "aws_ssm_association.release_rollout[0]",
      "aws_cloudwatch_event_rule.release_failed[0]",
    ];
    const expected = [
      ...ALWAYS.filter((a) => !instanceOnly.includes(a)),
      ...API,
      ...MONITORING.filter((a) => !instanceOnly.includes(a)),
      ...PER_MODEL("aws_launch_template.llm"),
      ...PER_MODEL("aws_autoscaling_group.llm"),
      'aws_autoscaling_schedule.llm["night/llama38b"]',
      'aws_autoscaling_schedule.llm["night/mistralnemo12b"]',
      'aws_autoscaling_schedule.llm["burst/llama38b"]',
    ];
    // THEN
    expect(plannedAddresses(inputs)).toEqual(expected.sort());
  });

  test("a warm pool adds its group's model-ready hook and the servers' permission to complete it", () => {
    const configs = INPUTS.llm_ec2_configs.map((c, i) => (i === 0 ? { ...c, server_mode: "asg", warm_pool: true } : { ...c, server_mode: "asg" }));
    const planned = plannedAddresses({ ...INPUTS, llm_ec2_configs: configs });
    expect(planned).toContain("aws_iam_role_policy.llm_ec2_model_ready[0]");
    expect(planned.filter((a) => a.startsWith("aws_autoscaling_lifecycle_hook."))).toEqual(['aws_autoscaling_lifecycle_hook.model_ready["llama38b"]']);
  });

  test("only the Deep Learning AMI of an architecture a model without ami_id uses is looked up", () => {
    const looked = (configs: Array<Record<string, unknown>>) =>
      plannedAddresses({ ...INPUTS, llm_ec2_configs: configs }).filter((a) => a.startsWith("data.aws_ami."));
    const [arm, x86] = INPUTS.llm_ec2_configs;
    expect(looked([arm])).toEqual(["data.aws_ami.dlami_arm[0]"]);
    expect(looked([x86])).toEqual(["data.aws_ami.dlami_x86[0]"]);
    expect(looked([{ ...arm, ami_id: "ami-0123456789abcdef0" }])).toEqual([]);
  });

  const CACHE_ACCESS = [
    "data.aws_region.model_cache[0]",
    "aws_iam_role_policy.llm_ec2_model_cache[0]",
    ...["corrupt", "hit", "miss", "seeded"].map((event) => `aws_cloudwatch_log_metric_filter.model_cache[${JSON.stringify(event)}]`),
  ];
  const CACHE_BUCKET = [
    "aws_s3_bucket.model_cache[0]",
    "aws_s3_bucket_server_side_encryption_configuration.model_cache[0]",
    "aws_s3_bucket_public_access_block.model_cache[0]",
    "aws_s3_bucket_ownership_controls.model_cache[0]",
    "aws_s3_bucket_policy.model_cache[0]",
    "data.aws_iam_policy_document.model_cache_bucket[0]",
    "aws_s3_bucket_lifecycle_configuration.model_cache[0]",
  ];

  test("a created weight cache: the bucket and its companions, the servers' access, the metrics; the endpoint with route tables", () => {
    const created = { ...INPUTS, model_cache_bucket: "create" };
    expect(plannedAddresses(created)).toEqual([...ALWAYS, ...API, ...MONITORING, ...CACHE_ACCESS, ...CACHE_BUCKET].sort());
    expect(plannedAddresses({ ...created, model_cache_gateway_endpoint_route_table_ids: ["rtb-0a1b2c3d4e5f11111"] })).toEqual(
      [...ALWAYS, ...API, ...MONITORING, ...CACHE_ACCESS, ...CACHE_BUCKET, "aws_vpc_endpoint.model_cache[0]"].sort(),
    );
  });

  test("an existing bucket: the servers' access and the metrics only, nothing of the bucket", () => {
    expect(plannedAddresses({ ...INPUTS, model_cache_bucket: "acme-weights" })).toEqual([...ALWAYS, ...API, ...MONITORING, ...CACHE_ACCESS].sort());
  });

  const ROUTER = [
    "data.aws_servicequotas_service_quota.lambda_concurrency[0]",
    "aws_lambda_function.router[0]",
    "aws_lambda_function_url.router[0]",
    "aws_iam_role.router[0]",
    "aws_iam_role_policy.router[0]",
    "aws_cloudwatch_log_group.router[0]",
    "aws_security_group.router[0]",
    "aws_vpc_security_group_egress_rule.router_to_alb[0]",
    "aws_vpc_security_group_ingress_rule.llm_alb_ingress_router[0]",
  ];
  const ROUTER_KEYS = ["aws_ssm_parameter.router_keys[0]", "aws_vpc_security_group_egress_rule.router_to_ssm[0]", "aws_lambda_permission.router_url[0]"];

  test("the router with API keys: function, URL, role, network, logs, the keys parameter, both public permissions", () => {
    expect(plannedAddresses({ ...INPUTS, router_enabled: true })).toEqual(
      [...ALWAYS, ...API, ...MONITORING, ...ROUTER, ...ROUTER_KEYS, "aws_lambda_permission.router_invoke[0]"].sort(),
    );
  });

  test("the router with AWS_IAM: no keys parameter, no route to SSM, no public permission", () => {
    expect(plannedAddresses({ ...INPUTS, router_enabled: true, router_auth: "AWS_IAM" })).toEqual([...ALWAYS, ...API, ...MONITORING, ...ROUTER].sort());
  });

  test("the router with API keys, the unconditioned invoke grant left to the provider", () => {
    expect(plannedAddresses({ ...INPUTS, router_enabled: true, router_public_invoke_function: false })).toEqual(
      [...ALWAYS, ...API, ...MONITORING, ...ROUTER, ...ROUTER_KEYS].sort(),
    );
  });

  test("a group's custom ami_id is looked up once, for its root device; an instance's is not", () => {
    const configs = INPUTS.llm_ec2_configs.map((c) => ({ ...c, ami_id: "ami-0123456789abcdef0" }));
    expect(plannedAddresses({ ...INPUTS, llm_ec2_configs: configs, default_server_mode: "asg" })).toContain('data.aws_ami.custom["ami-0123456789abcdef0"]');
    expect(plannedAddresses({ ...INPUTS, llm_ec2_configs: configs })).not.toContain('data.aws_ami.custom["ami-0123456789abcdef0"]');
  });
});
