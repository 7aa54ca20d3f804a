import { AssetType, TerraformAsset, TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import { AutoscalingGroup, AutoscalingLifecycleHook, IamRolePolicy, LaunchTemplate, LbTargetGroup, SecurityGroup } from "../../aws";
import { sourcePath } from "../../userdata/templates";
import { hclText } from "../hcl";
import { ModelTable, SCALING_FIELDS } from "../model-table";
import { sameKey } from "../refs";
import { ModelServers, PullTarget } from "./model-servers";
import { rootVolumeFitsSnapshot } from "./root-volume";
import { RootVolume, ServerFoundation } from "./server-foundation";

/** Group metrics (free at one-minute granularity): the dashboard and the no-healthy-host alarm read them. */
export const GROUP_METRICS = ["GroupDesiredCapacity", "GroupInServiceInstances", "GroupPendingInstances", "GroupTotalInstances"];

/** The longest default instance warm-up Auto Scaling takes. */
export const MAX_DEFAULT_INSTANCE_WARMUP_SECONDS = 3600;

/** The launch lifecycle hook of a group with a warm pool: a server waits in it until its model answers. */
export const MODEL_READY_HOOK = "model-ready";

/** The hook's settings but its heartbeat: launches wait in it; at the timeout they go on (CONTINUE). */
const MODEL_READY_HOOK_SETTINGS = {
  name: MODEL_READY_HOOK,
  lifecycle_transition: "autoscaling:EC2_INSTANCE_LAUNCHING",
  default_result: "CONTINUE",
} as const;

/** Auto Scaling's bounds of a lifecycle hook's heartbeat timeout, seconds. */
export const HOOK_HEARTBEAT_SECONDS = { min: 30, max: 7200 } as const;

/** The script that completes that hook, a template of src/userdata. */
export const MODEL_READY_SCRIPT = sourcePath("model-ready.sh.tftpl");

/** The servers' root volume as a launch template writes it (its booleans are strings). */
function launchTemplateVolume(volume: RootVolume) {
  return {
    volumeSize: volume.volumeSize,
    volumeType: volume.volumeType,
    encrypted: String(volume.encrypted),
    deleteOnTermination: String(volume.deleteOnTermination),
    throughput: volume.throughput,
    iops: volume.iops,
  };
}

/**
 * Inside a `for_each` over the models: the group's grace period as an operand, the one given for every
 * group, else the model's derived one (1800 for an Ollama model, from its size for a vLLM model).
 */
function gracePeriod(scope: Construct, given: number | null | undefined): string {
  if (given === undefined || given === null) return "each.value.derived_grace_period";
  const value = hclText(scope, given);
  return Token.isUnresolved(given) ? `(${value} != null ? ${value} : each.value.derived_grace_period)` : value;
}

/** The tag Auto Scaling puts on every instance of a group: the pull association finds a group's servers by it. */
export const GROUP_NAME_TAG = "aws:autoscaling:groupName";

export interface AsgServersProps {
  /** Role, security group and user data the servers share. */
  readonly foundation: ServerFoundation;
  /** One launch template and one Auto Scaling group per model of this table in `asg` mode. */
  readonly models: ModelTable;
  /** Value of every server's `System` tag. */
  readonly prefix: string;
  /** Subnets a group may launch in: every one, so a zone out of GPU capacity does not stop the healing. */
  readonly subnetIds: string[];
  /**
   * Seconds a new server has, before its target group's health check counts, to install its engine and
   * load its model: one figure for every group; null derives it per model (the model table's
   * `derived_grace_period`). @default null
   */
  readonly healthCheckGracePeriodSeconds?: number | null;
}

/**
 * One Auto Scaling group per model (`server_mode = "asg"`): it replaces a server its target group
 * finds unhealthy, follows schedules, may run on spot, and rolls its servers (new one first) when
 * the launch template changes. Same AMI, bootstrap, profile and security group as the instances.
 */
export class AsgServers extends Construct implements ModelServers {
  public readonly serverMode = "asg" as const;
  public readonly launchTemplates: LaunchTemplate;
  public readonly groups: AutoscalingGroup;
  /** The model-ready hook of each group with a warm pool. */
  public readonly modelReadyHooks: AutoscalingLifecycleHook;
  public readonly securityGroup: SecurityGroup;
  public readonly pullTarget: PullTarget;
  private registered = false;

  constructor(scope: Construct, id: string, props: AsgServersProps) {
    super(scope, id);
    this.securityGroup = props.foundation.securityGroup;
    const models = props.models.iteratorFor(this.serverMode);
    const tags = { System: props.prefix, Name: models.getString("name") };
    // What the launch template writes into its versions has no main-server mark: a new first
    // entry must not make a new version, which would roll the group's servers.
    const volumeTags = { System: props.prefix, Name: models.getString("server_name") };
    const userData = hclText(this, props.foundation.userData(models));

    this.launchTemplates = new LaunchTemplate(this, "llm_lt", {
      forEach: models,
      name: models.getString("group_name"),
      description: "Model server launched by its Auto Scaling group",
      imageId: models.getString("ami"),
      instanceType: models.getString("instance_type"),
      iamInstanceProfile: { name: props.foundation.instanceProfile.name },
      // The instances' user data, gzipped and base64-encoded: EC2 takes at most 16 KB of user
      // data, which the bootstrap with the model-ready part would pass; cloud-init unpacks gzip.
      // (Built as text: cdktf's Fn wrappers cannot wrap the template's ${path.module}.)
      userData: Token.asString(`\${base64gzip(each.value.warm_pool ? ${this.withModelReady(props, userData)} : ${userData})}`),
      updateDefaultVersion: true,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpPutResponseHopLimit: 1,
        httpTokens: "required",
        instanceMetadataTags: "disabled",
      },
      networkInterfaces: [
        { deviceIndex: 0, associatePublicIpAddress: "false", deleteOnTermination: "true", securityGroups: [this.securityGroup.id] },
      ],
      // The root volume is the AMI's root device, found by name from the AMI look-up.
      blockDeviceMappings: [
        {
          deviceName: Token.asString(`\${${props.models.rootDevice("device_name")}}`),
          ebs: launchTemplateVolume(props.foundation.rootVolume(models)),
        },
      ],
      tagSpecifications: [{ resourceType: "volume", tags: volumeTags }],
      tags,
      // A newer Deep Learning AMI must not roll every GPU server on the next apply (as for the
      // instances); a changed user data does, through the instance refresh below.
      lifecycle: { ignoreChanges: ["image_id"], postcondition: [rootVolumeFitsSnapshot(props.models, "image_id")] },
    });
    this.launchTemplates.overrideLogicalId("llm");

    const grace = gracePeriod(this, props.healthCheckGracePeriodSeconds);
    this.groups = new AutoscalingGroup(this, "llm_asg", {
      forEach: models,
      name: models.getString("group_name"),
      minSize: models.getNumber("min_size"),
      maxSize: models.getNumber("max_size"),
      desiredCapacity: models.getNumber("desired_capacity"),
      vpcZoneIdentifier: props.subnetIds,
      healthCheckType: "ELB",
      healthCheckGracePeriod: Token.asNumber(`\${${grace}}`),
      // A group that scales on load or to zero: a new server counts in the scaling metrics, and the
      // policies may remove servers, only once it is warm (its model loaded: the grace period, at most
      // the hour Auto Scaling takes). Target tracking has no cooldowns; this is its pacing.
      defaultInstanceWarmup: Token.asNumber(
        `\${${SCALING_FIELDS.map((f) => `each.value.${f} != null`).join(" || ")} ? min(${grace}, ${MAX_DEFAULT_INSTANCE_WARMUP_SECONDS}) : null}`,
      ),
      // Terraform waits for the first servers to be in service; a warm-pool group's wait in the
      // model-ready hook up to the grace period, so it waits that long plus ten minutes.
      waitForCapacityTimeout: Token.asString(`\${each.value.warm_pool ? format("%ds", ${grace} + 600) : "10m"}`),
      capacityRebalance: Token.asAny(models.getBoolean("spot")),
      enabledMetrics: GROUP_METRICS,
      metricsGranularity: "1Minute",
      // Launch the new server before the old one goes: a one-server group keeps serving.
      instanceRefresh: {
        strategy: "Rolling",
        preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, instanceWarmup: Token.asString(`\${${grace}}`) },
      },
      tag: [
        { key: "Name", value: tags.Name, propagateAtLaunch: true },
        { key: "System", value: props.prefix, propagateAtLaunch: true },
      ],
      // Schedules (and the user's own scaling) own the capacity once the group exists; an apply
      // must not undo them. A scheduled group's min and max already cover its schedules (ModelTable).
      // The provider applies initial_lifecycle_hook only at creation and replaces the group when it
      // changes: the hook resource below follows the config afterwards.
      lifecycle: { ignoreChanges: ["desired_capacity", "initial_lifecycle_hook"] },
    });
    this.groups.overrideLogicalId("llm");
    const heartbeat = Token.asNumber(`\${max(${HOOK_HEARTBEAT_SECONDS.min}, min(${HOOK_HEARTBEAT_SECONDS.max}, ${grace}))}`);
    this.addPerModelBlocks(heartbeat);
    this.modelReadyHooks = this.addModelReadyHooks(props, heartbeat);
    this.allowModelReady(props);

    this.pullTarget = { key: `tag:${GROUP_NAME_TAG}`, values: ["${each.value.group_name}"] };
  }

  /**
   * Escape hatch: the blocks that differ per model are `dynamic` blocks chosen by the row (cdktf
   * has no per-instance blocks). On-demand groups name their launch template directly; spot
   * groups through a mixed instances policy (all spot, price-capacity-optimized); warm pools,
   * which Auto Scaling refuses with a mixed instances policy, only on on-demand groups.
   */
  private addPerModelBlocks(heartbeat: number): void {
    const template = {
      id: sameKey(this.launchTemplates, "id"),
      version: sameKey(this.launchTemplates, "latest_version"),
    };
    this.groups.addOverride("dynamic.launch_template", {
      for_each: "${each.value.spot ? [] : [each.key]}",
      content: template,
    });
    this.groups.addOverride("dynamic.mixed_instances_policy", {
      for_each: "${each.value.spot ? [each.key] : []}",
      content: {
        instances_distribution: {
          on_demand_base_capacity: 0,
          on_demand_percentage_above_base_capacity: 0,
          spot_allocation_strategy: "price-capacity-optimized",
        },
        launch_template: {
          launch_template_specification: { launch_template_id: template.id, version: template.version },
          override: [{ instance_type: "${each.value.instance_type}" }],
        },
      },
    });
    // Stopped servers keep their disk, so the pulled model: one stays ready for a replacement or
    // a scale-out, and servers scaled in go back to the pool.
    this.groups.addOverride("dynamic.warm_pool", {
      for_each: "${each.value.warm_pool ? [each.key] : []}",
      content: { pool_state: "Stopped", min_size: 1, instance_reuse_policy: { reuse_on_scale_in: true } },
    });
    // A warm pool stops a new server as soon as it runs, pulls or not: the hook holds it until the
    // model answers (model-ready.sh completes it), at most the grace period. Given at creation, it
    // holds the servers the group launches first too; the hook resource keeps it in line later.
    this.groups.addOverride("dynamic.initial_lifecycle_hook", {
      for_each: "${each.value.warm_pool ? [each.key] : []}",
      content: { ...MODEL_READY_HOOK_SETTINGS, heartbeat_timeout: heartbeat },
    });
  }

  /**
   * The model-ready hook of each group with a warm pool, as a resource of its own: turning the pool
   * on for a running group adds it, turning it off removes it, and a new grace period updates it in
   * place. It needs the group, so it comes after the group's update: a server the pool launches in
   * that update runs before the hook exists (docs/changing-a-fleet.md, "Warm pools on running groups").
   */
  private addModelReadyHooks(props: AsgServersProps, heartbeat: number): AutoscalingLifecycleHook {
    const withPool = `\${{ for k, m in ${props.models.modelsOfOperand(this.serverMode)} : k => m if m.warm_pool }}`;
    const each = TerraformIterator.fromMap(Token.asAnyMap(withPool));
    const hooks = new AutoscalingLifecycleHook(this, "model_ready_hook", {
      forEach: each,
      autoscalingGroupName: sameKey(this.groups, "name"),
      name: MODEL_READY_HOOK_SETTINGS.name,
      lifecycleTransition: MODEL_READY_HOOK_SETTINGS.lifecycle_transition,
      defaultResult: MODEL_READY_HOOK_SETTINGS.default_result,
      heartbeatTimeout: heartbeat,
    });
    hooks.overrideLogicalId("model_ready");
    return hooks;
  }

  /**
   * The user data of a warm-pool model: a MIME multipart of a cloud-config that installs
   * model-ready.sh as a per-boot script, and the servers' own user data (an HCL operand).
   */
  private withModelReady(props: AsgServersProps, userData: string): string {
    const asset = new TerraformAsset(this, "model_ready", { path: MODEL_READY_SCRIPT, type: AssetType.FILE });
    const script =
      `templatefile("\${path.module}/${asset.path}", { app_port = each.value.app_port, health_check_path = each.value.ready_path, ready_match = each.value.ready_match, ` +
      `timeout_seconds = ${gracePeriod(this, props.healthCheckGracePeriodSeconds)}, group_name = each.value.group_name, hook_name = "${MODEL_READY_HOOK}" })`;
    const boundary = "==MODEL-READY==";
    const head =
      `Content-Type: multipart/mixed; boundary=\\"${boundary}\\"\\nMIME-Version: 1.0\\n\\n--${boundary}\\nContent-Type: text/cloud-config; charset=\\"us-ascii\\"\\n\\n` +
      `#cloud-config\\nwrite_files:\\n  - path: /var/lib/cloud/scripts/per-boot/model-ready.sh\\n    permissions: \\"0755\\"\\n    encoding: b64\\n    content: %s\\n\\n` +
      `--${boundary}\\nContent-Type: text/x-shellscript; charset=\\"us-ascii\\"\\n\\n%s\\n--${boundary}--\\n`;
    return `format("${head}", base64encode(${script}), ${userData})`;
  }


  /**
   * Lets the servers complete the model-ready hook of their own groups (`<prefix>-*`), only when a
   * model has a warm pool: without one there is no hook, and the role keeps its two policies.
   */
  private allowModelReady(props: AsgServersProps): void {
    const prefix = hclText(this, props.prefix);
    const warmPools = `length([for k, m in ${props.models.modelsOperand} : k if m.server_mode == "asg" && m.warm_pool]) > 0`;
    new IamRolePolicy(this, "model_ready_policy", {
      count: Token.asNumber(`\${${warmPools} ? 1 : 0}`),
      name: Token.asString(`\${format("%s-model-ready", ${prefix})}`),
      role: props.foundation.role.name,
      policy: Token.asString(
        `\${jsonencode({ Version = "2012-10-17", Statement = [{ Sid = "CompleteModelReadyHook", Effect = "Allow", ` +
          `Action = "autoscaling:CompleteLifecycleAction", ` +
          `Resource = format("arn:%s:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/%s-*", ${props.foundation.partition}, ${prefix}) }] })}`,
      ),
    }).overrideLogicalId("llm_ec2_model_ready");
  }

  public registerWith(targetGroups: LbTargetGroup): void {
    if (this.registered) throw new Error(`${this.node.path}: the servers are already registered with target groups`);
    this.registered = true;
    this.groups.targetGroupArns = [sameKey(targetGroups, "arn")];
  }
}
