import { AssetType, Fn, ref, TerraformAsset, TerraformIterator, TerraformLocal, Token } from "cdktf";
import { Construct } from "constructs";
import {
  CloudwatchLogGroup,
  DataAwsIamPolicyDocument,
  DataAwsPartition,
  IamInstanceProfile,
  IamRolePolicy,
  IamRole,
  IamRolePolicyAttachment,
  SecurityGroup,
  SsmDocument,
  VpcSecurityGroupIngressRule,
} from "../../aws";
import { DEFAULT_ENGINE, ENGINE_NAMES, ENGINES, EngineName, hclPerEngine } from "../../engines";
import { DEFAULT_VLLM_IMAGE } from "../../engines/vllm";
import { BOOTSTRAPS, BootstrapInputs, hclObjectOf } from "../../userdata/bootstraps";
import { generatedAsset } from "../../userdata/templates";
import { serverLogGroupName, serverMetricsNamespace } from "./server-telemetry";
import { ModelTable } from "../model-table";
import { hclText } from "../hcl";
import { address, moduleFile } from "../refs";
import { addTcpRules } from "../tcp-rules";
import { ModelCache } from "../model-cache/model-cache";
import { networkGbpsByType } from "../../catalog/instance-network";

/** The bootstrap run's time limit unless the pull wait asks for longer. */
export const PULL_MODELS_TIMEOUT_SECONDS = 3600;

/**
 * What a model server needs: the SSM agent's core (Run Command, State Manager, Session Manager)
 * and the CloudWatch agent (the bootstrap's log and the GPU metrics). The original also attached AmazonSSMFullAccess and
 * AmazonSSMManagedEC2InstanceDefaultPolicy; both go (the first lets a server administer SSM).
 */
export const INSTANCE_ROLE_POLICIES = ["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"];

/** An AWS managed policy's ARN in `partition` (a token, `aws` in the commercial regions). */
export function managedPolicyArn(partition: string, name: string): string {
  return `arn:${partition}:iam::aws:policy/${name}`;
}

export interface ServerFoundationProps {
  /** Prefix of the role, profile, security group and document names. */
  readonly prefix: string;
  /** VPC of the servers' security group. */
  readonly vpcId: string;
  /** Ollama release the servers install. */
  readonly ollamaVersion: string;
  /** The models: their app ports open to the load balancer, their names in the user data. */
  readonly models: ModelTable;
  /** Seconds `terraform apply` waits for the pulls; a longer wait lengthens the bootstrap's time limit. @default 0 */
  readonly pullModelsWaitSeconds?: number;
  /** Root volume throughput, MiB/s (gp3). */
  readonly rootVolumeThroughputMibps: number;
  /** Root volume IOPS (gp3). */
  readonly rootVolumeIops: number;
  /** Days the servers' log group keeps the bootstrap's log. @default 30 */
  readonly logRetentionDays?: number;
  /** The image the servers of vLLM models run. @default DEFAULT_VLLM_IMAGE */
  readonly vllmImage?: string;
  /**
   * Name of an SSM SecureString holding a Hugging Face token for the vLLM models; `""` for none.
   * The servers' role may read that parameter only. @default ""
   */
  readonly hfTokenParameter?: string;
  /** The weight cache in S3 the servers restore models from and seed. @default - no cache */
  readonly modelCache?: ServerModelCacheProps;
}

/** Where the servers' weight cache is (see ModelCache). */
export interface ServerModelCacheProps {
  /** `""` (no cache), `"create"`, or an existing bucket's name. */
  readonly bucket: string;
  /** The cache's key prefix in the bucket, ending in `/`. @default "model-cache/" */
  readonly prefix?: string;
  /** Route tables that get an S3 gateway endpoint. @default [] */
  readonly gatewayEndpointRouteTableIds?: readonly string[];
}

/** The root volume every server gets: encrypted gp3 of the model's size. */
export interface RootVolume {
  readonly volumeType: "gp3";
  readonly volumeSize: number;
  readonly encrypted: true;
  readonly deleteOnTermination: true;
  readonly throughput: number;
  readonly iops: number;
}

/**
 * What every kind of model server shares: its identity (role and instance profile), its network
 * (one security group, egress to the installs and AWS endpoints, ingress from the load balancer
 * alone), and its bootstrap (the user data template and the SSM document that pulls the models).
 */
export class ServerFoundation extends Construct {
  public readonly role: IamRole;
  public readonly instanceProfile: IamInstanceProfile;
  public readonly securityGroup: SecurityGroup;
  /** Ollama's bootstrap document, `<prefix>-pull-models`. */
  public readonly pullModelsDocument: SsmDocument;
  /** Each engine's bootstrap document; one of another engine than Ollama exists only while a model uses it. */
  public readonly documents: Readonly<Record<EngineName, SsmDocument>>;
  /** The partition the module is planned in (`aws`, `aws-cn`, `aws-us-gov`), as an HCL operand: every ARN we write uses it. */
  public readonly partition: string;
  /** Where every server's CloudWatch agent sends the bootstrap's log (`<instance id>/ollama-bootstrap` streams). */
  public readonly logGroup: CloudwatchLogGroup;
  /** The namespace of the servers' GPU metrics. */
  public readonly metricsNamespace: string;
  public readonly ollamaVersion: string;
  /** The bootstrap run's time limit, seconds: the larger of 3600 and the pull wait. */
  public readonly runTimeoutSeconds: number;
  /** The weight cache Ollama's servers use (its bucket and access exist only when one is configured). */
  public readonly modelCache: ModelCache;
  private readonly userDataTemplates: Record<EngineName, TerraformAsset>;
  /** The local mapping an instance type to its network bandwidth (the AWS CLI's transfer target). */
  private readonly networkGbps: TerraformLocal;
  private readonly props: ServerFoundationProps;
  private userDataLocal?: TerraformLocal;

  constructor(scope: Construct, id: string, props: ServerFoundationProps) {
    super(scope, id);
    this.props = props;
    this.ollamaVersion = props.ollamaVersion;
    this.runTimeoutSeconds = Fn.max([PULL_MODELS_TIMEOUT_SECONDS, props.pullModelsWaitSeconds ?? 0]);
    const prefix = props.prefix;

    // Read from the provider's region, no call to AWS.
    const partition = new DataAwsPartition(this, "partition");
    partition.overrideLogicalId("current");
    this.partition = `data.${partition.terraformResourceType}.${partition.friendlyUniqueId}.partition`;

    const assume = new DataAwsIamPolicyDocument(this, "llm_ec2_iamr_assume", {
      statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }] }],
    });
    assume.overrideLogicalId("llm_ec2_iamr_assume");

    this.role = new IamRole(this, "llm_ec2_iamr", { name: `${prefix}-ec2-iamr`, assumeRolePolicy: assume.json });
    this.role.overrideLogicalId("llm_ec2_iamr");

    this.instanceProfile = new IamInstanceProfile(this, "llm_ec2_iam_profile", {
      name: `${prefix}-ec2-profile`,
      role: this.role.name,
    });
    this.instanceProfile.overrideLogicalId("llm_ec2_iam_profile");

    // Keyed by ARN, as the original: `arn:aws:iam::aws:policy/<name>` in the commercial regions.
    const policies = TerraformIterator.fromList(INSTANCE_ROLE_POLICIES.map((name) => managedPolicyArn(partition.partition, name)));
    new IamRolePolicyAttachment(this, "llm_ec2_iam_policy", {
      forEach: policies,
      role: this.role.name,
      policyArn: policies.value,
    }).overrideLogicalId("llm_ec2_iam_policy");

    this.securityGroup = new SecurityGroup(this, "llm_ec2_sg", {
      name: `${prefix}-ec2-sg`,
      description: "Security group for llm ec2",
      vpcId: props.vpcId,
    });
    this.securityGroup.overrideLogicalId("llm_ec2_sg");

    // Installs, model pulls and the SSM and CloudWatch endpoints are outside the VPC. Ingress is
    // the load balancer's alone (allowAppPortsFrom).
    addTcpRules(this, "egress", this.securityGroup.id, [
      { name: "llm_ec2_egress_1", fromPort: 0, toPort: 65535, cidrIpv4: "0.0.0.0/0", description: "Allow all tcp outbound" },
    ]);

    // Created before the servers, so their agent writes to a group with a retention.
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: serverLogGroupName(prefix),
      retentionInDays: props.logRetentionDays ?? 30,
    });
    this.logGroup.overrideLogicalId("servers");
    this.metricsNamespace = serverMetricsNamespace(prefix);

    this.modelCache = new ModelCache(this, "model_cache", {
      bucket: props.modelCache?.bucket ?? "",
      cachePrefix: props.modelCache?.prefix,
      namePrefix: prefix,
      role: this.role,
      partition: this.partition,
      vpcId: props.vpcId,
      routeTableIds: props.modelCache?.gatewayEndpointRouteTableIds,
      logGroupName: this.logGroup.name,
      metricsNamespace: Token.asString(ref(this.metricsNamespaceExpression())),
      vllmInUse: this.usesEngine("vllm"),
    });

    // What the AWS CLI's transfer client may aim at: the type's bandwidth ("" for a type the catalog does not know).
    this.networkGbps = new TerraformLocal(this, "instance_network_gbps", networkGbpsByType());
    this.networkGbps.overrideLogicalId("instance_network_gbps");

    // Each engine's user data template and SSM document, generated from its bootstrap script (the
    // Ollama ones keep the construct ids, so the module's asset paths, they always had).
    const assetId = (engine: EngineName, ollamaId: string, suffix: string) => (engine === DEFAULT_ENGINE ? ollamaId : `${engine}_${suffix}`);
    const inputs = this.bootstrapInputs();
    const templates = {} as Record<EngineName, TerraformAsset>;
    const documents = {} as Record<EngineName, SsmDocument>;
    for (const engine of ENGINE_NAMES) {
      const files = BOOTSTRAPS[engine];
      templates[engine] = new TerraformAsset(this, assetId(engine, "user_data", "user_data"), {
        path: generatedAsset(files.userDataFile, files.userDataTemplate()),
        type: AssetType.FILE,
      });
      const asset = new TerraformAsset(this, assetId(engine, "pull_models_document", "document"), {
        path: generatedAsset(files.documentFile, files.document(inputs)),
        type: AssetType.FILE,
      });
      const { documentId, documentSuffix } = ENGINES[engine].bootstrap;
      const document = new SsmDocument(this, assetId(engine, "pull_models_document_resource", "document_resource"), {
        name: `${prefix}-${documentSuffix}`,
        documentType: "Command",
        documentFormat: "JSON",
        content: Fn.templatefile(moduleFile(asset), files.weightCache ? { ...this.telemetry(), ...this.cacheVariables() } : this.telemetry()),
      });
      // Ollama's always exists (the original module's); another engine's only while a model uses it.
      if (engine !== DEFAULT_ENGINE) document.count = Token.asNumber(`\${${this.usesEngine(engine)} ? 1 : 0}`);
      document.overrideLogicalId(documentId);
      documents[engine] = document;
    }
    this.userDataTemplates = templates;
    this.documents = documents;
    this.pullModelsDocument = documents[DEFAULT_ENGINE];
    this.allowHfTokenParameter();
  }

  /** Whether any model is served by `engine` (an HCL operand). */
  public usesEngine(engine: EngineName): string {
    return `length([for k, m in ${this.props.models.modelsOperand} : k if m.engine == "${engine}"]) > 0`;
  }

  /** Inside a `for_each` over the model table: the name of the model's engine's document (an operand). */
  public documentNameOperand(): string {
    return hclPerEngine("each.value.engine", (e) =>
      e.name === DEFAULT_ENGINE ? `${address(this.documents[e.name])}.name` : `${address(this.documents[e.name])}[0].name`,
    );
  }

  /** Inside a `for_each` over the model table: the model's association parameters (a map operand). */
  public documentParametersOperand(): string {
    const inputs = this.bootstrapInputs();
    return hclPerEngine("each.value.engine", (e) => hclObjectOf(BOOTSTRAPS[e.name].documentParameters("each.value", inputs)));
  }

  /** The module's inputs the bootstraps read, as operands. */
  private bootstrapInputs(): BootstrapInputs {
    const telemetry = this.telemetry();
    const cache = this.cacheVariables();
    return {
      ollamaVersion: hclText(this, this.props.ollamaVersion),
      vllmImage: hclText(this, this.props.vllmImage ?? DEFAULT_VLLM_IMAGE),
      hfTokenParameter: hclText(this, this.props.hfTokenParameter ?? ""),
      timeoutSeconds: hclText(this, this.runTimeoutSeconds),
      logGroup: hclText(this, telemetry.log_group),
      metricsNamespace: hclText(this, telemetry.metrics_namespace),
      modelCacheBucket: hclText(this, cache.model_cache_bucket),
      modelCachePrefix: hclText(this, cache.model_cache_prefix),
      modelCacheRegion: hclText(this, cache.model_cache_region),
      networkGbps: hclText(this, this.networkGbps.expression),
    };
  }

  /**
   * With a Hugging Face token parameter and a vLLM model, the servers may read that parameter (and
   * nothing else of SSM's parameters). A SecureString under the AWS managed key aws/ssm needs no KMS
   * grant (its key policy lets the account's principals decrypt through SSM); a customer managed
   * key's policy must let the role decrypt.
   */
  private allowHfTokenParameter(): void {
    const parameter = hclText(this, this.props.hfTokenParameter ?? "");
    new IamRolePolicy(this, "hf_token_policy", {
      count: Token.asNumber(`\${${parameter} != "" && ${this.usesEngine("vllm")} ? 1 : 0}`),
      name: Token.asString(`\${format("%s-hf-token", ${hclText(this, this.props.prefix)})}`),
      role: this.role.name,
      policy: Token.asString(
        `\${jsonencode({ Version = "2012-10-17", Statement = [{ Sid = "ReadHuggingFaceToken", Effect = "Allow", Action = "ssm:GetParameter", ` +
          `Resource = format("arn:%s:ssm:*:*:parameter/%s", ${this.partition}, trimprefix(${parameter}, "/")) }] })}`,
      ),
    }).overrideLogicalId("llm_ec2_hf_token");
  }

  /**
   * The user data of a model's servers, inside a `for_each` over the model table keyed by model
   * key: the bootstrap rendered with that model's port, model, release and time limit. Rendered
   * once for every model in the local `server_user_data`, which the module's tests read as text.
   */
  public userData(_row: TerraformIterator): string {
    if (this.userDataLocal === undefined) {
      const inputs = this.bootstrapInputs();
      const rendered = (engine: EngineName) =>
        `templatefile("\${path.module}/${this.userDataTemplates[engine].path}", ${hclObjectOf(BOOTSTRAPS[engine].templateVariables("m", inputs))})`;
      const models = this.props.models.modelsOperand;
      this.userDataLocal = new TerraformLocal(this, "server_user_data", `\${{ for k, m in ${models} : k => ${hclPerEngine("m.engine", (e) => rendered(e.name))} }}`);
      this.userDataLocal.overrideLogicalId("server_user_data");
    }
    return Token.asString(ref(`${hclText(this, this.userDataLocal.expression)}[each.key]`));
  }

  /** The template variables naming where the bootstrap's CloudWatch agent sends the log and the metrics. */
  private telemetry(): { log_group: string; metrics_namespace: string } {
    return { log_group: this.logGroup.name, metrics_namespace: Token.asString(ref(this.metricsNamespaceExpression())) };
  }

  private metricsNamespaceExpression(): string {
    return `format(${JSON.stringify(serverMetricsNamespace("%s"))}, ${hclText(this, this.props.prefix)})`;
  }

  /** The template variables naming the weight cache: its bucket, prefix and region, each "" without one. */
  private cacheVariables(): { model_cache_bucket: string; model_cache_prefix: string; model_cache_region: string } {
    const cache = this.modelCache;
    return {
      model_cache_bucket: Token.asString(ref(cache.bucketName)),
      model_cache_prefix: Token.asString(ref(`${cache.enabled} ? ${cache.cachePrefix} : ""`)),
      model_cache_region: Token.asString(ref(cache.region)),
    };
  }

  /** The root volume of a model's servers, inside a `for_each` over the model table. */
  public rootVolume(row: TerraformIterator): RootVolume {
    return {
      volumeType: "gp3",
      volumeSize: row.getNumber("ebs_volume_gb"),
      encrypted: true,
      deleteOnTermination: true,
      throughput: this.props.rootVolumeThroughputMibps,
      iops: this.props.rootVolumeIops,
    };
  }

  /** Lets `source` (the load balancer's group) reach the servers on each distinct app port, and nothing else in. */
  public allowAppPortsFrom(source: SecurityGroup): void {
    // Keyed by the port as a string: one rule per distinct app_port, as the original.
    const appPorts = this.props.models.appPortIterator();
    const port = Token.asNumber(`\${tonumber(each.key)}`);
    new VpcSecurityGroupIngressRule(this, "llm_ec2_ingress_app_port", {
      forEach: appPorts,
      securityGroupId: this.securityGroup.id,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: source.id,
      description: "Traffic over Application (ollama) Port from the internal ALB",
      // Moving from the original's CIDR source to a security group source replaces the rule;
      // the new one is in place before the old one goes, so the servers stay reachable.
      lifecycle: { createBeforeDestroy: true },
    }).overrideLogicalId("llm_ec2_ingress_app_port");
  }
}

