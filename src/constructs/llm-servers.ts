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
  VpcSecurityGroupIngressRule,
} from "../aws";
import { PULL_MODELS_DOCUMENT, templatePath, USER_DATA_TEMPLATE } from "../userdata/templates";
import { ModelTable } from "./model-table";
import { moduleFile, sameKey } from "./refs";
import { addTcpRules } from "./tcp-rules";
import { ServiceVariables } from "./service-variables";

/** How long Ollama keeps a model loaded after its last request. */
export const OLLAMA_KEEP_ALIVE = "6h";

export const INSTANCE_ROLE_POLICIES = [
  "AmazonSSMFullAccess",
  "AmazonSSMManagedEC2InstanceDefaultPolicy",
  "AmazonSSMManagedInstanceCore",
  "CloudWatchAgentServerPolicy",
].map((name) => `arn:aws:iam::aws:policy/${name}`);

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
    const vpcCidr = v.vpc_cidr_block.stringValue;
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
    const sg = this.securityGroup.id;

    addTcpRules(this, "egress", sg, [
      { name: "llm_ec2_egress_1", fromPort: 0, toPort: 65535, cidrIpv4: "0.0.0.0/0", description: "Allow all tcp outbound" },
      { name: "llm_ec2_egress_2", fromPort: 2049, toPort: 2049, cidrIpv4: vpcCidr, description: "Traffic to NFS port to EFS within VPC" },
    ]);
    addTcpRules(this, "ingress", sg, [
      { name: "llm_ec2_ingress_1", fromPort: 443, toPort: 443, cidrIpv4: vpcCidr, description: "Traffic over TLS from VPC" },
      { name: "llm_ec2_ingress_2", fromPort: 80, toPort: 80, cidrIpv4: vpcCidr, description: "Traffic over HTTP from VPC" },
    ]);
    // Keyed by the port as a string: one rule per distinct app_port, as the original.
    const appPorts = TerraformIterator.fromList(props.models.appPorts.asList);
    new VpcSecurityGroupIngressRule(this, "llm_ec2_ingress_app_port", {
      forEach: appPorts,
      securityGroupId: sg,
      ipProtocol: "tcp",
      fromPort: Token.asNumber(`\${tonumber(each.key)}`),
      toPort: Token.asNumber(`\${tonumber(each.key)}`),
      cidrIpv4: vpcCidr,
      description: "Traffic over Application (ollama) Port from VPC",
    }).overrideLogicalId("llm_ec2_ingress_app_port");

    const userData = new TerraformAsset(this, "user_data", {
      path: templatePath(USER_DATA_TEMPLATE),
      type: AssetType.FILE,
    });
    this.instances = new Instance(this, "llm", {
      forEach: models,
      ami: models.getString("ami"),
      availabilityZone: models.getString("availability_zone"),
      subnetId: models.getString("subnet_id"),
      instanceType: models.getString("instance_type"),
      iamInstanceProfile: this.instanceProfile.id,
      associatePublicIpAddress: false,
      vpcSecurityGroupIds: [sg],
      userData: Fn.templatefile(moduleFile(userData), {
        app_port: models.getNumber("app_port"),
        keep_alive: OLLAMA_KEEP_ALIVE,
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
      },
      tags: { System: prefix, Name: models.getString("name") },
      // cloud-init runs user data once, at first boot: a new script must not stop or replace a
      // running GPU server, and neither may a newer Deep Learning AMI. Roll on purpose with
      // `terraform apply -replace='aws_instance.llm["<key>"]'` (README).
      lifecycle: { ignoreChanges: ["user_data", "ami"] },
    });
    this.instances.overrideLogicalId("llm");

    const document = new TerraformAsset(this, "pull_models_document", {
      path: templatePath(PULL_MODELS_DOCUMENT),
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
      parameters: { Models: Fn.join(",", Token.asList(models.getList("pull_models"))) },
      targets: [{ key: "InstanceIds", values: [sameKey(this.instances, "id")] }],
    });
    this.pullModels.overrideLogicalId("pull_models");
  }
}
