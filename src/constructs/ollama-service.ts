import { TerraformOutput, Token } from "cdktf";
import { DataAwsAvailabilityZones } from "../aws";
import { REGION_ZONES_DATA, terraformChecks } from "../config/rules";
import { TargetGroupNames } from "../config/derive";
import { DashboardWidget, ServerMode } from "../config/types";
import { Construct } from "constructs";
import { DeepLearningAmis } from "./deep-learning-amis";
import { ApiAuthorization, HttpApi } from "./http-api";
import { InstanceTypeOfferings } from "./instance-type-offerings";
import { InternalAlb } from "./internal-alb";
import { ModelTable } from "./model-table";
import { Monitoring } from "./monitoring";
import { OpenDoorCheck } from "./open-door-check";
import { RootVolumeCheck } from "./root-volume-check";
import { AsgServers } from "./servers/asg-servers";
import { InstanceServers } from "./servers/instance-servers";
import { ModelPulls } from "./servers/model-pulls";
import { ReleaseRollout } from "./servers/release-rollout";
import { ScalingSchedules } from "./servers/scaling-schedules";
import { LoadScaling } from "./servers/load-scaling";
import { ScaleToZero } from "./servers/scale-to-zero";
import { ServerFoundation } from "./servers/server-foundation";
import { address } from "./refs";
import { RouterConcurrencyQuota } from "./router/concurrency-quota";
import { RouterAuth, StreamingRouter } from "./router/streaming-router";
import { hclText } from "./hcl";
import { ServiceVariables } from "./service-variables";

export interface OllamaServiceProps {
  /** The module's inputs, declared by `declareServiceVariables`. */
  readonly variables: ServiceVariables;
}

/**
 * The whole service: model servers, the internal ALB that routes to them by model, and the API
 * Gateway in front, with the original module's outputs. Resource addresses are pinned to the
 * original's (`aws_instance.llm["llama38b"]`, ...): they key users' Terraform state.
 */
export class OllamaService extends Construct {
  public readonly amis: DeepLearningAmis;
  public readonly models: ModelTable;
  public readonly foundation: ServerFoundation;
  public readonly instances: InstanceServers;
  public readonly groups: AsgServers;
  public readonly schedules: ScalingSchedules;
  public readonly pulls: ModelPulls;
  public readonly releaseRollout: ReleaseRollout;
  public readonly monitoring: Monitoring;
  public readonly alb: InternalAlb;
  public readonly api: HttpApi;
  public readonly router: StreamingRouter;
  public readonly loadScaling: LoadScaling;
  public readonly scaleToZero: ScaleToZero;

  constructor(scope: Construct, id: string, props: OllamaServiceProps) {
    super(scope, id);
    const v = props.variables;
    const prefix = v.prefix.stringValue;
    const vpcId = v.vpc_id.stringValue;
    const subnetIds = v.subnet_ids.listValue;

    this.amis = new DeepLearningAmis(this, "amis");
    this.models = new ModelTable(this, "models", {
      configs: v.llm_ec2_configs.value,
      subnetIds,
      availabilityZones: v.azs.listValue,
      prefix,
      amis: this.amis,
      defaultServerMode: v.default_server_mode.stringValue as ServerMode,
      schedules: v.schedules.value,
      targetGroupNames: v.target_group_names.stringValue as TargetGroupNames,
      rootVolumeThroughputMibps: v.ebs_throughput_mibps.numberValue,
    });
    new RootVolumeCheck(this, "root_volume", { models: this.models });
    // The zones of the region this is planned in (opted-in Local Zones included), for the
    // az-in-region rule: a zone elsewhere would fail only at apply, on the first subnet or server.
    const regionZones = new DataAwsAvailabilityZones(this, "zones");
    regionZones.overrideLogicalId(REGION_ZONES_DATA);
    new InstanceTypeOfferings(this, "offerings", { models: this.models, availabilityZones: v.azs.listValue, regionZones: regionZones.names });
    // The construct id "servers" names the bootstrap assets' folder in the module.
    this.foundation = new ServerFoundation(this, "servers", {
      prefix,
      vpcId,
      ollamaVersion: v.ollama_version.stringValue,
      models: this.models,
      pullModelsWaitSeconds: v.pull_models_wait_seconds.numberValue,
      rootVolumeThroughputMibps: v.ebs_throughput_mibps.numberValue,
      rootVolumeIops: v.ebs_iops.numberValue,
      logRetentionDays: v.server_log_retention_days.numberValue,
      vllmImage: v.vllm_image.stringValue,
      hfTokenParameter: v.hf_token_parameter.stringValue,
      modelCache: {
        bucket: v.model_cache_bucket.stringValue,
        prefix: v.model_cache_prefix.stringValue,
        gatewayEndpointRouteTableIds: v.model_cache_gateway_endpoint_route_table_ids.listValue,
      },
    });
    this.instances = new InstanceServers(this, "instances", { foundation: this.foundation, models: this.models, prefix });
    this.groups = new AsgServers(this, "groups", {
      foundation: this.foundation,
      models: this.models,
      prefix,
      subnetIds,
      healthCheckGracePeriodSeconds: v.asg_health_check_grace_period_seconds.numberValue,
    });
    this.schedules = new ScalingSchedules(this, "schedules", { models: this.models, servers: this.groups });
    this.pulls = new ModelPulls(this, "pulls", {
      foundation: this.foundation,
      models: this.models,
      servers: [this.instances, this.groups],
      waitSeconds: v.pull_models_wait_seconds.numberValue,
      schedule: v.pull_models_schedule.stringValue,
      maxConcurrency: v.pull_models_max_concurrency.stringValue,
      maxErrors: v.pull_models_max_errors.stringValue,
    });
    this.releaseRollout = new ReleaseRollout(this, "release", {
      foundation: this.foundation,
      models: this.models,
      target: this.instances.releaseTarget,
      prefix,
      schedule: v.pull_models_schedule.stringValue,
      maxConcurrency: v.pull_models_max_concurrency.stringValue,
      maxErrors: v.pull_models_max_errors.stringValue,
    });

    this.alb = new InternalAlb(this, "alb", {
      prefix,
      vpcId,
      vpcCidrBlock: v.vpc_cidr_block.stringValue,
      subnetIds,
      models: this.models,
      serverSecurityGroup: this.foundation.securityGroup,
      idleTimeoutSeconds: v.alb_idle_timeout_seconds.numberValue,
      deletionProtection: v.alb_deletion_protection.booleanValue,
      accessLogsBucket: v.alb_access_logs_bucket.stringValue,
      accessLogsPrefix: v.alb_access_logs_prefix.stringValue,
      openWebUiPort: v.open_webui_port.numberValue,
      deregistrationDelaySeconds: v.deregistration_delay_seconds.numberValue,
    });
    this.foundation.allowAppPortsFrom(this.alb.securityGroup);
    this.instances.registerWith(this.alb.targetGroups);
    this.groups.registerWith(this.alb.targetGroups);

    this.api = new HttpApi(this, "api", {
      enabled: v.create_api_gw.booleanValue,
      prefix,
      vpcId,
      subnetIds,
      listener: this.alb.listener,
      albSecurityGroup: this.alb.securityGroup,
      customDomain: {
        domainName: v.api_gw_domain.stringValue,
        route53ZoneId: v.api_gw_domain_route53_zone.stringValue,
        certificateArn: v.api_gw_domain_ssl_cert_arn.stringValue,
      },
      disableExecuteApiEndpoint: v.api_gw_disable_execute_endpoint.booleanValue,
      authorization: v.api_gw_authorization.stringValue as ApiAuthorization,
      allowModelManagement: v.api_gw_allow_model_management.booleanValue,
      jwt: { issuer: v.api_gw_jwt_issuer.stringValue, audiences: v.api_gw_jwt_audiences.listValue },
      throttlingRateLimit: v.api_gw_throttling_rate_limit.numberValue,
      throttlingBurstLimit: v.api_gw_throttling_burst_limit.numberValue,
      logRetentionDays: v.api_gw_log_retention_days.numberValue,
    });
    new OpenDoorCheck(this, "open_door", {
      apiEnabled: v.create_api_gw.booleanValue,
      authorization: v.api_gw_authorization.stringValue,
      acknowledged: v.api_gw_acknowledge_no_authorization.booleanValue,
    });
    this.router = new StreamingRouter(this, "router", {
      enabled: v.router_enabled.booleanValue,
      prefix,
      vpcId,
      subnetIds,
      loadBalancer: this.alb.loadBalancer,
      albSecurityGroup: this.alb.securityGroup,
      models: this.models,
      auth: v.router_auth.stringValue as RouterAuth,
      publicInvokeFunction: v.router_public_invoke_function.booleanValue,
      timeoutSeconds: v.router_timeout_seconds.numberValue,
      idleTimeoutSeconds: v.router_idle_timeout_seconds.numberValue,
      memoryMb: v.router_memory_mb.numberValue,
      reservedConcurrency: v.router_reserved_concurrency.numberValue,
      logRetentionDays: v.router_log_retention_days.numberValue,
      corsAllowOrigins: v.router_cors_allow_origins.listValue,
      allowModelManagement: v.router_allow_model_management.booleanValue,
      groups: this.groups.groups,
      wakeWaitSeconds: v.router_wake_wait_seconds.numberValue,
    });
    new RouterConcurrencyQuota(this, "router_quota", {
      enabled: v.router_enabled.booleanValue,
      reservedConcurrency: v.router_reserved_concurrency.numberValue,
    });
    const scaling = {
      models: this.models,
      servers: this.groups,
      loadBalancer: this.alb.loadBalancer,
      targetGroups: this.alb.targetGroups,
      prefix,
    };
    this.loadScaling = new LoadScaling(this, "load_scaling", scaling);
    this.scaleToZero = new ScaleToZero(this, "scale_to_zero", scaling);
    // The router's widgets come first among the widgets after the models' rows, when it exists.
    const region = `split(":", ${address(this.alb.loadBalancer)}.arn)[3]`;
    const extraWidgets = `concat(${this.router.dashboardWidgets(region)}, ${this.foundation.modelCache.dashboardWidgets(region)}, ${hclText(this, v.dashboard_extra_widgets.value)})`;
    this.monitoring = new Monitoring(this, "monitoring", {
      enabled: v.monitoring_enabled.booleanValue,
      prefix,
      models: this.models,
      loadBalancer: this.alb.loadBalancer,
      targetGroups: this.alb.targetGroups,
      instances: this.instances.instances,
      pulls: this.pulls.associations,
      releaseRollout: { association: this.releaseRollout.association, exists: this.releaseRollout.exists },
      alarmEmail: v.alarm_email.stringValue,
      alarmTopicArn: v.alarm_topic_arn.stringValue,
      noHealthyHostMinutes: v.alarm_no_healthy_host_minutes.numberValue,
      fiveXxPercent: v.alarm_5xx_percent.numberValue,
      // A token standing for the HCL list (its elements are known only at plan).
      extraWidgets: Token.asAny(`\${${extraWidgets}}`) as unknown as DashboardWidget[],
    });
    // Rules that read several variables (or data) cannot be one variable's validation: check them
    // before the load balancer, which every plan has.
    this.alb.loadBalancer.lifecycle = {
      precondition: terraformChecks()
        .filter((check) => check.variable === undefined)
        .map(({ condition, errorMessage }) => ({ condition: Token.asAny(condition), errorMessage })),
    };
    this.addOutputs(v);
  }

  private addOutputs(variables: ServiceVariables): void {
    const createApi = variables.create_api_gw.value;
    const monitoring = variables.monitoring_enabled.value;
    const dashboard = this.monitoring.dashboard;
    const api = this.api.api.fqn;
    const customDomain = `${createApi} && ${this.api.customDomainSet.expression}`;
    const outputs: Record<string, { value: unknown; description: string }> = {
      ec2: { value: this.instances.instances.fqn, description: "The model servers: aws_instance objects keyed by model key." },
      alb: { value: this.alb.loadBalancer.fqn, description: "The internal application load balancer (aws_lb object)." },
      api_gw: {
        value: `\${${createApi} ? ${api}[0] : null}`,
        description: "The API Gateway HTTP API (aws_apigatewayv2_api object), or null when create_api_gw is false.",
      },
      service_endpoint: {
        value:
          `\${${customDomain} ? format("https://%s", ${variables.api_gw_domain.value}) : ` +
          `(${createApi} ? ${api}[0].api_endpoint : ${this.alb.loadBalancer.dnsName})}`,
        description:
          "URL of the Ollama service: https://<api_gw_domain> with the custom domain, else the API's endpoint, else the ALB's DNS name.",
      },
      dlami_arm: {
        value: `\${${this.amis.arm64Id}}`,
        description: "Id of the most recent arm64 Deep Learning AMI, or null when no model uses it (it is looked up only then).",
      },
      dlami_x86: {
        value: `\${${this.amis.x86Id}}`,
        description: "Id of the most recent x86_64 Deep Learning AMI, or null when no model uses it (it is looked up only then).",
      },
      autoscaling_groups: {
        value: this.groups.groups.fqn,
        description: 'The Auto Scaling groups of the models in server_mode "asg": aws_autoscaling_group objects keyed by model key.',
      },
      // Without user_data: each template's ~8 KB of base64 would fill every plan that shows outputs,
      // and a sensitive output would force callers that pass it on to mark theirs sensitive too.
      launch_templates: {
        value: `\${{ for k, lt in ${address(this.groups.launchTemplates)} : k => { for name, value in lt : name => value if name != "user_data" } }}`,
        description:
          'The launch templates of the models in server_mode "asg": aws_launch_template objects keyed by model key, without user_data (read it from the template in AWS).',
      },
      dashboard_url: {
        value: `\${${monitoring} ? format("https://%s.console.aws.amazon.com/cloudwatch/home?region=%s#dashboards/dashboard/%s", ${dashboard.region}, ${dashboard.region}, ${dashboard.name}) : null}`,
        description: "URL of the fleet's CloudWatch dashboard, or null when monitoring_enabled is false.",
      },
      alarm_topic_arn: {
        value: `\${${monitoring} && ${this.monitoring.hasTopic} ? ${this.monitoring.topicArn} : null}`,
        description: "ARN of the SNS topic the alarms and failed model pulls notify, or null when there is none.",
      },
      target_group_arn_suffixes: {
        value: `\${{ for k, group in ${address(this.alb.targetGroups)} : k => group.arn_suffix }}`,
        description: "ARN suffix of each model's target group, keyed by model key: the TargetGroup dimension of its CloudWatch metrics.",
      },
      router_url: {
        value: `\${${this.router.url}}`,
        description: "URL of the streaming router's function (https://<id>.lambda-url.<region>.on.aws/), or null when router_enabled is false.",
      },
      router_keys_parameter: {
        value: `\${${this.router.keysParameterName}}`,
        description:
          "Name of the SSM SecureString parameter holding the router's API key hashes (npm run keys prints the command that sets it), or null without a router or with router_auth AWS_IAM.",
      },
      alb_arn_suffix: {
        value: this.alb.loadBalancer.arnSuffix,
        description: "ARN suffix of the load balancer: the LoadBalancer dimension of its CloudWatch metrics.",
      },
    };
    for (const [name, output] of Object.entries(outputs)) {
      new TerraformOutput(this, `${name}_output`, output).overrideLogicalId(name);
    }
  }
}
