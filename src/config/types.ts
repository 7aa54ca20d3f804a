/**
 * The inputs of the service, in the original module's variable format (snake_case, same names,
 * meanings and defaults), so one config file reads like the module call it replaces. The config
 * file's JSON Schema is generated from `ServiceConfigFile` (npm run build:schema).
 */
import type { EngineName } from "../engines/engine";

/**
 * One model server, every field set but those that may stay unset: Ollama's settings and
 * `listener_priority` (its absence means "derived"); `scaling` is null when the entry has none.
 */
export type LlmEc2Config = Readonly<
  Required<Omit<LlmEc2ConfigEntry, UnsetOllamaSetting | "listener_priority" | "scaling">> &
    Pick<LlmEc2ConfigEntry, UnsetOllamaSetting | "listener_priority">
> & {
  readonly scaling: ModelScaling | null;
};

/** Ollama settings of a model that may stay unset: Ollama's own default then applies, and the server's unit names none. */
export type UnsetOllamaSetting = "context_length" | "num_parallel" | "kv_cache_type";

/** Exactly the variables of the `ollama-service-multi-servers` module, every one set. */
export type ServiceInputs = Readonly<
  Required<
    Omit<
      ServiceConfigFile,
      "$schema" | keyof StackSettings | "llm_ec2_configs" | "azs" | "subnet_ids" | "api_gw_jwt_audiences" | "schedules" | "dashboard_extra_widgets" | "router_cors_allow_origins" | "model_cache_gateway_endpoint_route_table_ids"
    >
  >
> & {
  readonly azs: readonly string[];
  readonly api_gw_jwt_audiences: readonly string[];
  readonly subnet_ids: readonly string[];
  readonly llm_ec2_configs: readonly LlmEc2Config[];
  readonly schedules: readonly ScalingSchedule[];
  readonly dashboard_extra_widgets: readonly DashboardWidget[];
  readonly router_cors_allow_origins: readonly string[];
  readonly model_cache_gateway_endpoint_route_table_ids: readonly string[];
};

export type InputName = keyof ServiceInputs;

/** S3 backend settings for the root stack. */
export interface S3BackendConfig {
  /** Bucket holding the state. */
  readonly bucket: string;
  /** Object key of the state, e.g. `llm-service/terraform.tfstate`. */
  readonly key: string;
  /** Region of the bucket. */
  readonly region: string;
  /**
   * Lock the state with a lock file beside it in the bucket (`<key>.tflock`), Terraform's native
   * S3 locking (Terraform 1.10+, generally available from 1.11). @default true
   */
  readonly use_lockfile?: boolean;
  /**
   * Deprecated (Terraform 1.11 deprecates DynamoDB locking): a DynamoDB table for state locking.
   * Accepted for states locked that way; keep it beside use_lockfile until nobody runs an older
   * Terraform on this state, then remove it.
   */
  readonly dynamodb_table?: string;
  /** Named AWS profile (shared config and credentials files) to reach the bucket with. */
  readonly profile?: string;
  /** IAM role to assume to reach the bucket, written as the backend's `assume_role { role_arn }`. */
  readonly role_arn?: string;
}

/** Settings of the root stack `llm-service` only; the module leaves these to its caller. */
export interface StackSettings {
  /** AWS region of the provider. @default "ap-southeast-1" */
  readonly region?: string;
  /** Default tags on every resource. */
  readonly tags?: { readonly [name: string]: string };
  /** Terraform state backend: local (the default, `terraform.llm-service.tfstate` in the stack folder) or S3. */
  readonly backend?: { readonly s3?: S3BackendConfig };
}

/** The config the root stack is built from: every module variable set, plus the stack's settings. */
export type ServiceConfig = ServiceInputs & StackSettings;

/** One model server, as written in a config file. */
export interface LlmEc2ConfigEntry {
  /** Ollama model name with tag, e.g. `llama3:8b`. The first entry is the main server. */
  llm_model: string;
  /** EC2 instance type, `family.size`, e.g. `g5g.xlarge`. */
  instance_type: string;
  /** AMI id; empty (the default) picks the AWS Deep Learning AMI for the family's architecture. @default "" */
  ami_id?: string;
  /** Root volume size in GiB (gp3). */
  ebs_volume_gb: number;
  /** Port Ollama listens on, and the target group's port. */
  app_port: number;
  /**
   * How the model is served: "instance" (one EC2 instance, the original's) or "asg" (an Auto Scaling
   * group that replaces a failed server, can scale on schedules, and can run on spot). Left out:
   * default_server_mode.
   */
  server_mode?: ServerMode;
  /** Auto Scaling groups (server_mode "asg") only: fewest servers. @default 1 */
  min_size?: number;
  /** Auto Scaling groups only: most servers. @default 1 */
  max_size?: number;
  /** Auto Scaling groups only: servers at creation (schedules own it afterwards, see docs/fleet.md, "Schedules"). @default 1 */
  desired_capacity?: number;
  /** Auto Scaling groups only: run on spot capacity, with capacity rebalancing. Not with warm_pool. @default false */
  spot?: boolean;
  /** Auto Scaling groups only: keep stopped servers with the model on disk for fast scale-out. Not with spot. @default false */
  warm_pool?: boolean;
  /**
   * The engine that serves the model: "ollama" (llm_model is an Ollama model name) or "vllm" (llm_model
   * is a Hugging Face repository, `org/name` or `org/name@revision`, served by vLLM's OpenAI-compatible
   * server; docs/engines.md). @default "ollama"
   */
  engine?: EngineName;
  /** vLLM only: the name clients send as `model`; "" serves the model as its repository, `org/name`. @default "" */
  served_model_name?: string;
  /** vLLM only: the longest context (prompt and answer) in tokens, vLLM's `--max-model-len`; 0 takes the model's own. @default 0 */
  max_model_len?: number;
  /** vLLM only: the GPUs the model is split over, `--tensor-parallel-size`; 0 takes every GPU of the instance type. @default 0 */
  tensor_parallel_size?: number;
  /** vLLM only: the fraction of each GPU's memory vLLM takes for weights, activations and KV cache, above 0 and at most 1. @default 0.9 */
  gpu_memory_utilization?: number;
  /**
   * vLLM only: `--dtype` (auto, half, float16, bfloat16, float, float32); "" takes half on a GPU without
   * bfloat16 (the T4 of g4dn), else auto. @default ""
   */
  dtype?: string;
  /**
   * vLLM only: `--quantization` (awq, awq_marlin, gptq, gptq_marlin, fp8); "" lets vLLM read the method
   * from the model's configuration, as AWQ, GPTQ and FP8 checkpoints say it. @default ""
   */
  quantization?: string;
  /**
   * vLLM only: extra flags of vLLM's command line, flag (without the leading --) to value, both strings,
   * from an allowlist with each value checked (docs/engines.md, "Engine arguments"), e.g.
   * { "max-num-seqs": "128", "enable-prefix-caching": "true" }. @default {}
   */
  engine_args?: Record<string, string>;
  /**
   * Ollama only: tokens of context Ollama gives each request unless the request asks for another (OLLAMA_CONTEXT_LENGTH),
   * 512 to 1048576; Ollama caps it at the model's own. Left out: Ollama's default (4096 up to release
   * 0.15.5; later releases choose by GPU memory). Costs GPU memory: the KV cache grows with it (docs/sizing.md).
   */
  context_length?: number;
  /**
   * Ollama only: requests the server answers at once (OLLAMA_NUM_PARALLEL), 1 to 64; more wait in Ollama's queue. Each
   * holds a context_length of KV cache. Left out: Ollama's default, 1.
   */
  num_parallel?: number;
  /**
   * Ollama only: precision of the KV cache (OLLAMA_KV_CACHE_TYPE): "f16" (Ollama's default), "q8_0" (half its memory) or
   * "q4_0" (a quarter, at some cost in quality). Quantized caches need flash attention, which the servers turn on.
   */
  kv_cache_type?: KvCacheType;
  /**
   * Ollama only: how long Ollama keeps the model in GPU memory after its last request (OLLAMA_KEEP_ALIVE): "-1" for ever,
   * "0" to unload at once, whole seconds ("3600") or a number and one unit ("30m", "6h"). @default "6h"
   */
  keep_alive?: string;
  /**
   * Priority of the model's listener rule (1000-50000, unique). Left out, it is derived from the model's
   * key, so adding, removing or reordering other models never moves it; set it only when two models'
   * derived priorities collide (the plan says so, naming both).
   */
  listener_priority?: number;
  /**
   * Auto Scaling groups only: scale on load and from zero (docs/scaling.md). Each field given adds
   * its policy; left out, the group follows its sizes and schedules only.
   */
  scaling?: ModelScaling;
}

/** How an Auto Scaling model follows its load (docs/scaling.md); every field optional, at least one given. */
export interface ModelScaling {
  /**
   * Target tracking on the requests each server receives per minute (the ALB's RequestCountPerTarget),
   * e.g. 30. Counts every request alike, a 2-second one as a 5-minute one.
   */
  requests_per_server_per_minute?: number;
  /**
   * Target tracking on the average GPU utilization of the group's servers, in percent (10-95), from
   * the servers' CloudWatch agent. A GPU generating for one request is near 100 %: this tells busy
   * from idle, not how many requests wait.
   */
  gpu_utilization_percent?: number;
  /**
   * With router_enabled: target tracking on the requests in flight per server, measured by the
   * router (the seconds it spends on the model's requests per minute, divided by 60 and by the
   * group's servers in service), e.g. 2. The closest to "requests waiting".
   */
  concurrent_requests_per_server?: number;
  /**
   * With router_enabled and min_size 0: after this many minutes (5-1440) in which no request named
   * the model, the group goes to zero servers; the router starts one again when a request names the
   * model (answering 503 with Retry-After meanwhile, or holding a streamed request up to
   * router_wake_wait_seconds).
   */
  scale_to_zero_after_minutes?: number;
}

/** Precision of Ollama's KV cache: what OLLAMA_KV_CACHE_TYPE takes. */
export type KvCacheType = "f16" | "q8_0" | "q4_0";

/** How a model is served. */
export type ServerMode = "instance" | "asg";

/** A scheduled change of the size of some Auto Scaling groups, e.g. every model to zero at 20:00 on weekdays. */
export interface ScalingSchedule {
  /** Name of the scheduled action (letters, digits, - and _), unique among the schedules. */
  name: string;
  /** Unix cron expression, five fields: minute hour day-of-month month day-of-week, e.g. "0 20 * * 1-5". */
  recurrence: string;
  /** IANA time zone of the recurrence, e.g. "Europe/Berlin". @default "UTC" */
  time_zone?: string;
  /** Fewest servers from then on. */
  min_size: number;
  /** Most servers from then on. */
  max_size: number;
  /** Servers from then on. */
  desired_capacity: number;
  /** Models it applies to, by llm_model, each in server_mode "asg"; left out: every model in "asg" mode. */
  models?: string[];
}

/** A CloudWatch dashboard widget, as the dashboard body's JSON has it. */
export interface DashboardWidget {
  [key: string]: unknown;
}

/**
 * The config file of `llm-service` (named by LLM_SERVICE_CONFIG): the original module's
 * variables, same names, meanings and defaults, plus the root stack's own settings.
 */
export interface ServiceConfigFile {
  /** JSON Schema of this file, for editors. */
  $schema?: string;
  /** Prefix of every resource name. @default "llm" */
  prefix?: string;
  /** Availability zones, one per subnet in the order of subnet_ids: a server's zone is its subnet's. */
  azs: string[];
  /**
   * One entry per model server: llm_model (Ollama model:tag), instance_type, ami_id (empty for the
   * Deep Learning AMI), ebs_volume_gb, app_port. The first entry is the main server (the first with
   * engine "ollama" when there is one). Optional: server_mode ("instance" or "asg", default
   * default_server_mode) and, for "asg", min_size, max_size, desired_capacity (1, 1, 1), spot and
   * warm_pool (false), and scaling (none: requests_per_server_per_minute, gpu_utilization_percent,
   * concurrent_requests_per_server, scale_to_zero_after_minutes; docs/scaling.md);
   * listener_priority (derived from the model when left out); engine ("ollama" or "vllm") and, for
   * "vllm", served_model_name, max_model_len, tensor_parallel_size, gpu_memory_utilization, dtype
   * quantization and engine_args; for "ollama", Ollama's settings context_length, num_parallel, kv_cache_type
   * (Ollama's defaults when left out) and keep_alive ("6h").
   */
  llm_ec2_configs: LlmEc2ConfigEntry[];
  /** VPC of every resource. */
  vpc_id: string;
  /** CIDR block of the VPC, allowed into the ALB (its listener, and the Open WebUI port when set). */
  vpc_cidr_block: string;
  /**
   * Private subnets: a new server of the n-th model goes to the n-th, wrapping around (a running
   * server never moves); also the subnets of the ALB, the VPC link and the Auto Scaling groups.
   */
  subnet_ids: string[];
  /** Extra ALB ingress port for an Open WebUI front end; 0 means none. @default 0 */
  open_webui_port?: number;
  /** Front the internal ALB with an API Gateway HTTP API. @default true */
  create_api_gw?: boolean;
  /**
   * Disable the default execute-api endpoint; honoured only when api_gw_domain,
   * api_gw_domain_route53_zone and api_gw_domain_ssl_cert_arn are all set. @default true
   */
  api_gw_disable_execute_endpoint?: boolean;
  /** Custom domain of the API; empty for none. @default "" */
  api_gw_domain?: string;
  /** Route53 hosted zone id of api_gw_domain. @default "" */
  api_gw_domain_route53_zone?: string;
  /** ACM certificate ARN for api_gw_domain. @default "" */
  api_gw_domain_ssl_cert_arn?: string;
  /** ALB idle timeout in seconds: long enough for a long generation streamed by a direct client. @default 600 */
  alb_idle_timeout_seconds?: number;
  /** Deletion protection of the ALB. @default false */
  alb_deletion_protection?: boolean;
  /** S3 bucket for ALB access logs (its policy must let the ELB service write); empty for none. @default "" */
  alb_access_logs_bucket?: string;
  /** Key prefix of the ALB access logs in that bucket. @default "" */
  alb_access_logs_prefix?: string;
  /** Retention of the API's access log group, in days (0: never expire). @default 30 */
  api_gw_log_retention_days?: number;
  /** Steady-state requests per second the API accepts before answering 429. @default 20 */
  api_gw_throttling_rate_limit?: number;
  /** Burst of requests the API accepts above the rate. @default 40 */
  api_gw_throttling_burst_limit?: number;
  /** Authorization on every route: NONE (open, the original's behaviour), JWT or AWS_IAM. @default "NONE" */
  api_gw_authorization?: "NONE" | "JWT" | "AWS_IAM";
  /**
   * Add the API's model-management routes: POST /api/pull, /api/push, /api/create, /api/copy,
   * DELETE /api/delete and the blob uploads (/api/blobs/{digest}). Off, the API forwards only the
   * inference and read endpoints (docs/security.md), and anything else is API Gateway's 404.
   * @default false
   */
  api_gw_allow_model_management?: boolean;
  /**
   * Acknowledge an API door left open on purpose (api_gw_authorization NONE: callers reach it only
   * through a private network, or a proxy in front of it authorizes them): silences the synth warning
   * and the plan's check api_door_authorized, which otherwise warn on every plan. @default false
   */
  api_gw_acknowledge_no_authorization?: boolean;
  /** Issuer URL of the JWT authorizer (api_gw_authorization = JWT), e.g. a Cognito user pool URL. @default "" */
  api_gw_jwt_issuer?: string;
  /** Audiences (client ids) the JWT authorizer accepts. @default [] */
  api_gw_jwt_audiences?: string[];
  /**
   * Ollama release of the servers: new servers install it; running instance servers take it through
   * the release rollout, one at a time; Auto Scaling groups through their instance refresh. @default "0.13.0"
   */
  ollama_version?: string;
  /**
   * The container image of the models with engine "vllm": vLLM's official `vllm/vllm-openai`, pinned by
   * a release tag, a digest or both (docs/engines.md). @default "vllm/vllm-openai:v0.29.0"
   */
  vllm_image?: string;
  /**
   * Name of an SSM SecureString parameter holding a Hugging Face access token, for vLLM models from
   * gated or private repositories; "" for none. The servers read it at bootstrap (their role may read
   * this parameter only) into a root-only file the container mounts; it is never in user data, logs
   * or a process's arguments. @default ""
   */
  hf_token_parameter?: string;
  /** Seconds `terraform apply` waits for the model pulls to succeed; 0 does not wait. @default 0 */
  pull_models_wait_seconds?: number;
  /**
   * When State Manager runs the pull-models associations (and the release rollout) again, so a failed
   * install, pull or upgrade heals without Terraform: a rate of 30 minutes or more, e.g. "rate(1 hour)",
   * or a cron expression; "" runs them when created or changed only. @default "rate(30 minutes)"
   */
  pull_models_schedule?: string;
  /**
   * Retention of the servers' log group `/ollama-fleet/<prefix>/servers`, in days: each server's
   * CloudWatch agent sends it the bootstrap's log (install, service, every pull), one stream per
   * server. @default 30
   */
  server_log_retention_days?: number;
  /**
   * Provisioned throughput of each server's gp3 root volume in MiB/s (125-2000; 125 are included
   * in the volume's price): how fast a model loads from disk. At most ebs_iops / 4. @default 500
   */
  ebs_throughput_mibps?: number;
  /**
   * Provisioned IOPS of each server's gp3 root volume (3000-80000; 3000 are included in the
   * volume's price, and at most 500 per GiB of the volume). @default 3000
   */
  ebs_iops?: number;
  /** server_mode of the models that set none: "instance" (one EC2 instance each, the original's) or "asg". @default "instance" */
  default_server_mode?: ServerMode;
  /**
   * Seconds a new server of an Auto Scaling group has before its target group's health check counts:
   * long enough for the install and the model's first load. null (the default): derived per model,
   * 1800 for an Ollama model, and for a vLLM model from its size (the image, the weights' download and
   * load, vLLM's warm-up, plus a quarter; at least 1800; docs/engines.md). A number applies to every group.
   * @default null
   */
  asg_health_check_grace_period_seconds?: number | null;
  /**
   * How instance models' target groups are named: "model" (the model's key, the original's names) or
   * "prefixed" (`<prefix>-<model>-<hash of prefix, model and port>`, at most 32 characters): unique per
   * deployment, so two deployments can share an account. Auto Scaling models' groups are always
   * prefixed (their servers register on the group's port, so a new app_port needs a new group, created
   * before the old one goes). An instance model's app_port changes in place with either naming (the
   * instance is registered with its own port). Switching replaces every instance model's target group,
   * each created before the old one goes (docs/MIGRATING.md). @default "model"
   */
  target_group_names?: "model" | "prefixed";
  /**
   * Seconds the load balancer lets a server finish its requests after it leaves its target group
   * (scale-in, instance refresh, replacement) before it cuts them: the longest generation the doors
   * allow (the router's 900 s), 0-3600. @default 900
   */
  deregistration_delay_seconds?: number;
  /**
   * Servers that run an association at once: a number ("1") or a percentage ("50%"). It paces the
   * servers of each model's pull association (an Auto Scaling model's; an instance model has one
   * server) and the release rollout over every instance server (a new ollama_version). @default "1"
   */
  pull_models_max_concurrency?: string;
  /**
   * Failed servers after which an association (a model's pulls, the release rollout) starts no more: a
   * number or a percentage; "0" stops after the first failure. @default "0"
   */
  pull_models_max_errors?: string;
  /**
   * Scheduled sizes of the Auto Scaling groups: [{ name, recurrence (cron), time_zone, min_size, max_size,
   * desired_capacity, models }]. A scheduled group's min and max cover every schedule, and Terraform sets its
   * desired capacity only when it creates it. @default []
   */
  schedules?: ScalingSchedule[];
  /**
   * A CloudWatch dashboard of the fleet and alarms per model (no healthy host, 5xx rate, failed pulls).
   * Costs about 3.00 USD a month for the dashboard plus 0.40 USD a month per model for its two alarms
   * (four alarm metrics at 0.10 USD; CloudWatch prices, us-east-1). The first 3 dashboards and 10 alarm
   * metrics of an account are free; the failed-pull rules (AWS events) and e-mails up to 1000 a month
   * cost nothing. @default true
   */
  monitoring_enabled?: boolean;
  /** E-mail address subscribed to the alarms (an SNS topic is created unless alarm_topic_arn is set); empty for none. @default "" */
  alarm_email?: string;
  /** ARN of an existing SNS topic for the alarms (its policy must let CloudWatch and EventBridge publish); empty for none. @default "" */
  alarm_topic_arn?: string;
  /** Minutes a model may have no healthy server before its alarm fires. @default 5 */
  alarm_no_healthy_host_minutes?: number;
  /** Percentage of a model's requests answered 5xx by its servers, over 5 minutes, above which its alarm fires. @default 5 */
  alarm_5xx_percent?: number;
  /** Extra dashboard widgets placed after the models' rows (e.g. the streaming router's metrics). @default [] */
  dashboard_extra_widgets?: DashboardWidget[];
  /**
   * The streaming router: an AWS Lambda function behind a function URL with response streaming, in
   * front of the internal ALB (streamed answers, 15 minutes per request, API keys, merged model lists,
   * metrics per model). Output router_url is its URL. @default false
   */
  router_enabled?: boolean;
  /**
   * Who may call the router: API_KEY (the function URL is public; the router checks a bearer key,
   * kept as a SHA-256 hash in the SSM SecureString named by output router_keys_parameter, on every
   * request) or AWS_IAM (the function URL checks SigV4 signatures; callers need
   * lambda:InvokeFunctionUrl and lambda:InvokeFunction on the function). @default "API_KEY"
   */
  router_auth?: "API_KEY" | "AWS_IAM";
  /**
   * With router_auth API_KEY: grant lambda:InvokeFunction to everyone, which a public function URL
   * needs besides lambda:InvokeFunctionUrl (since October 2025). hashicorp/aws before 6.29 cannot
   * limit it to calls through the URL, so it also lets any AWS account invoke the function directly;
   * the router checks the key on those calls too. hashicorp/aws 6.29 and later add that statement,
   * limited to the URL, when they create the URL: set false there. @default true
   */
  router_public_invoke_function?: boolean;
  /** Longest a request through the router may take, in seconds (1-900): a generation is cut at this point. @default 900 */
  router_timeout_seconds?: number;
  /**
   * Longest silence from a model server the router waits through, in seconds (1-900; at most the
   * router's timeout less 5 s): before the first chunk of a streamed answer, which comes once the
   * model is loaded (a cold load of a large model takes minutes) and the prompt read, and between
   * two chunks. A server silent longer has its stream cut and the error logged. @default 300
   */
  router_idle_timeout_seconds?: number;
  /** Memory of the router function in MB (128-10240; its CPU share grows with it). @default 256 */
  router_memory_mb?: number;
  /**
   * Most requests the router serves at once (the function's reserved concurrency): a cap on its cost
   * and on the load it sends the servers. More requests are refused with 429 while that many run.
   * @default 20
   */
  router_reserved_concurrency?: number;
  /** Retention of the router's log group (one JSON line per request), in days. @default 30 */
  router_log_retention_days?: number;
  /**
   * Origins a browser may call the router from (CORS), e.g. ["https://chat.example.com"], or ["*"];
   * empty for none (server-side clients need no CORS). @default []
   */
  router_cors_allow_origins?: string[];
  /** Let router callers pull, delete, create, copy and push models (/api/pull, ...); refused with 403 otherwise. @default false */
  router_allow_model_management?: boolean;
  /**
   * Seconds the router holds a streamed request for a model that scaled to zero while its first
   * server starts (0 answers at once with 503 and Retry-After; at most router_timeout_seconds less
   * 60, which the generation keeps). Requests without streaming are always answered at once.
   * @default 0
   */
  router_wake_wait_seconds?: number;
  /**
   * An S3 weight cache for the servers (docs/weight-cache.md): "" for none (every server pulls its
   * models from the registry), "create" for a bucket of this module (encrypted, private, versioning
   * off, HTTPS only, a lifecycle for removed blobs), or the name of an existing bucket in the fleet's
   * region. The first server that pulls a model uploads it; later servers copy it from the bucket
   * before Ollama starts, and pull from the registry only when the cache misses. @default ""
   */
  model_cache_bucket?: string;
  /**
   * Key prefix of the weight cache in its bucket, ending in "/": the servers may read and create
   * objects below it and nothing else of the bucket. Ollama's objects live under
   * "<prefix>ollama/". @default "model-cache/"
   */
  model_cache_prefix?: string;
  /**
   * Route tables (rtb-...) of the servers' subnets that get an S3 gateway endpoint (free), so servers
   * in private subnets reach the weight cache without a NAT gateway; [] for none (leave it empty when
   * those route tables already have one). Needs model_cache_bucket. @default []
   */
  model_cache_gateway_endpoint_route_table_ids?: string[];
  /** AWS region of the provider. @default "ap-southeast-1" */
  region?: string;
  /** Default tags on every resource. */
  tags?: { [name: string]: string };
  /** Terraform state backend: local (the default) or S3. */
  backend?: { s3?: S3BackendConfig };
}
