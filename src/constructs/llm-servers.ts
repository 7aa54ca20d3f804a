import { AssetType, Fn, TerraformAsset, TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import {
  DataAwsIamPolicyDocument,
  IamInstanceProfile,
  IamRole,
  IamRolePolicyAttachment,
  Instance,
  SecurityGroup,
  SsmAssociation,
  SsmDocument,
} from "../aws";
import { generatedAsset, PULL_MODELS_DOCUMENT, pullModelsDocument, USER_DATA_TEMPLATE, userDataTemplate } from "../userdata/templates";
import { ModelTable } from "./model-table";
import { moduleFile, sameKey } from "./refs";
import { addTcpRules } from "./tcp-rules";
import { ServiceVariables } from "./service-variables";

/** How long Ollama keeps a model loaded after its last request. */
export const OLLAMA_KEEP_ALIVE = "6h";

/** The pull-models run's time limit unless pull_models_wait_seconds asks for longer. */
export const PULL_MODELS_TIMEOUT_SECONDS = 3600;

/**
 * What a model server needs: the SSM agent's core (Run Command, State Manager, Session Manager)
 * and the CloudWatch agent (GPU metrics). The original also attached AmazonSSMFullAccess and
 * AmazonSSMManagedEC2InstanceDefaultPolicy; both go (the first lets a server administer SSM).
 */
export const INSTANCE_ROLE_POLICIES = ["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"].map(
  (name) => `arn:aws:iam::aws:policy/${name}`,
);

export interface LlmServersProps {
  readonly variables: ServiceVariables;
  readonly models: ModelTable;
}

/** One GPU EC2 server per model, its permissions, network rules and model pulls. */
export class LlmServers extends Construct {
  public readonly role: IamRole;
  public readonly instanceProfile: IamInstanceProfile;
  public readonly securityGroup: SecurityGroup;
  public readonly instances: Instance;
  public readonly pullModelsDocument: SsmDocument;
  public readonly pullModels: SsmAssociation;

  constructor(scope: Construct, id: string, props: LlmServersProps) {
    super(scope, id);
    const v = props.variables;
    const prefix = v.prefix.stringValue;
    const models = props.models.iterator;

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

    const policies = TerraformIterator.fromList(INSTANCE_ROLE_POLICIES);
    new IamRolePolicyAttachment(this, "llm_ec2_iam_policy", {
      forEach: policies,
      role: this.role.name,
      policyArn: policies.value,
    }).overrideLogicalId("llm_ec2_iam_policy");

    this.securityGroup = new SecurityGroup(this, "llm_ec2_sg", {
      name: `${prefix}-ec2-sg`,
      description: "Security group for llm ec2",
      vpcId: v.vpc_id.stringValue,
    });
    this.securityGroup.overrideLogicalId("llm_ec2_sg");

    // Installs, model pulls and the SSM and CloudWatch endpoints are outside the VPC. Ingress is
    // the ALB's alone: InternalAlb adds it, as it knows both security groups.
    addTcpRules(this, "egress", this.securityGroup.id, [
      { name: "llm_ec2_egress_1", fromPort: 0, toPort: 65535, cidrIpv4: "0.0.0.0/0", description: "Allow all tcp outbound" },
    ]);

    const userData = new TerraformAsset(this, "user_data", {
      path: generatedAsset(USER_DATA_TEMPLATE, userDataTemplate()),
      type: AssetType.FILE,
    });
    const runTimeout = Fn.max([PULL_MODELS_TIMEOUT_SECONDS, v.pull_models_wait_seconds.numberValue]);
    this.instances = new Instance(this, "llm", {
      forEach: models,
      ami: models.getString("ami"),
      availabilityZone: models.getString("availability_zone"),
      subnetId: models.getString("subnet_id"),
      instanceType: models.getString("instance_type"),
      iamInstanceProfile: this.instanceProfile.id,
      associatePublicIpAddress: false,
      vpcSecurityGroupIds: [this.securityGroup.id],
      userData: Fn.templatefile(moduleFile(userData), {
        app_port: models.getNumber("app_port"),
        keep_alive: OLLAMA_KEEP_ALIVE,
        ollama_version: v.ollama_version.stringValue,
        // The server's own model at first boot (user data stays far below its 16 KB limit);
        // the association pulls the main server's full list.
        models: models.getString("llm_model"),
        timeout_seconds: runTimeout,
      }),
      userDataReplaceOnChange: false,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpPutResponseHopLimit: 1,
        httpTokens: "required",
        instanceMetadataTags: "disabled",
      },
      rootBlockDevice: {
        deleteOnTermination: true,
        encrypted: true,
        volumeSize: models.getNumber("ebs_volume_gb"),
        volumeType: "gp3",
        throughput: v.ebs_throughput_mibps.numberValue,
        iops: v.ebs_iops.numberValue,
      },
      tags: { System: prefix, Name: models.getString("name") },
      // cloud-init runs user data once, at first boot: a new script must not stop or replace a
      // running GPU server, and neither may a newer Deep Learning AMI. Roll on purpose with
      // `terraform apply -replace='aws_instance.llm["<key>"]'` (README).
      lifecycle: { ignoreChanges: ["user_data", "ami"] },
    });
    this.instances.overrideLogicalId("llm");

    const document = new TerraformAsset(this, "pull_models_document", {
      path: generatedAsset(PULL_MODELS_DOCUMENT, pullModelsDocument(OLLAMA_KEEP_ALIVE)),
      type: AssetType.FILE,
    });
    this.pullModelsDocument = new SsmDocument(this, "pull_models_document_resource", {
      name: `${prefix}-pull-models`,
      documentType: "Command",
      documentFormat: "JSON",
      content: Fn.file(moduleFile(document)),
    });
    this.pullModelsDocument.overrideLogicalId("pull_models");

    this.pullModels = new SsmAssociation(this, "pull_models", {
      forEach: models,
      name: this.pullModelsDocument.name,
      parameters: {
        Models: Fn.join(",", Token.asList(models.getList("pull_models"))),
        AppPort: Fn.tostring(models.getNumber("app_port")),
        OllamaVersion: v.ollama_version.stringValue,
        TimeoutSeconds: Fn.tostring(runTimeout),
      },
      // Runs again on this schedule, so a failed install or pull heals without Terraform.
      scheduleExpression: `\${${v.pull_models_schedule.value} != "" ? ${v.pull_models_schedule.value} : null}`,
      // State Manager records whether each server has its models; apply may wait for it.
      syncCompliance: "AUTO",
      waitForSuccessTimeoutSeconds: Token.asNumber(`\${${v.pull_models_wait_seconds.value} > 0 ? ${v.pull_models_wait_seconds.value} : null}`),
      targets: [{ key: "InstanceIds", values: [sameKey(this.instances, "id")] }],
    });
    this.pullModels.overrideLogicalId("pull_models");
  }
}
