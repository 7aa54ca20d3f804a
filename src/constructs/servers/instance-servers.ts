import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { Instance, LbTargetGroup, LbTargetGroupAttachment, SecurityGroup } from "../../aws";
import { hclText } from "../hcl";
import { ModelTable } from "../model-table";
import { sameKey } from "../refs";
import { ModelServers, PullTarget } from "./model-servers";
import { RELEASE_ROLLOUT_TAG } from "./release-rollout";
import { rootVolumeFitsSnapshot } from "./root-volume";
import { ServerFoundation } from "./server-foundation";

export interface InstanceServersProps {
  /** Role, security group and user data the servers share. */
  readonly foundation: ServerFoundation;
  /** One server per model of this table. */
  readonly models: ModelTable;
  /** Value of every server's `System` tag. */
  readonly prefix: string;
}

/** One GPU EC2 instance per model: the original module's servers, at its addresses. */
export class InstanceServers extends Construct implements ModelServers {
  public readonly serverMode = "instance" as const;
  public readonly instances: Instance;
  public readonly securityGroup: SecurityGroup;
  public readonly pullTarget: PullTarget;
  /** Every instance server of the fleet, by tag: where the release rollout reaches them. */
  public readonly releaseTarget: PullTarget;
  private readonly models: ModelTable;
  private registered = false;

  constructor(scope: Construct, id: string, props: InstanceServersProps) {
    super(scope, id);
    this.models = props.models;
    this.securityGroup = props.foundation.securityGroup;
    const models = props.models.iteratorFor(this.serverMode);

    this.instances = new Instance(this, "llm", {
      forEach: models,
      ami: models.getString("ami"),
      availabilityZone: models.getString("availability_zone"),
      subnetId: models.getString("subnet_id"),
      instanceType: models.getString("instance_type"),
      iamInstanceProfile: props.foundation.instanceProfile.id,
      associatePublicIpAddress: false,
      vpcSecurityGroupIds: [this.securityGroup.id],
      // Compressed: the bootstrap is larger than EC2's 16 KB of user data; cloud-init unpacks it.
      userDataBase64: Fn.base64gzip(props.foundation.userData(models)),
      userDataReplaceOnChange: false,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpPutResponseHopLimit: 1,
        httpTokens: "required",
        instanceMetadataTags: "disabled",
      },
      rootBlockDevice: props.foundation.rootVolume(models),
      // The release rollout finds every Ollama instance server by its tag (an Auto Scaling group's
      // servers have none, nor has a server of another engine: Ollama's release is not theirs).
      tags: Token.asStringMap(
        `\${merge({ System = ${hclText(this, props.prefix)}, Name = each.value.name }, each.value.engine == "ollama" ? { ${RELEASE_ROLLOUT_TAG} = ${hclText(this, props.prefix)} } : {})}`,
      ),
      // cloud-init runs user data once, at first boot: a new script must not stop or replace a
      // running GPU server, and neither may a newer Deep Learning AMI. A server stays in the subnet
      // and zone it was created in: placement follows the position, and another model added,
      // removed or reordered, or a subnet added, must not move it. Roll or move on purpose with
      // `terraform apply -replace='aws_instance.llm["<key>"]'` (docs/changing-a-fleet.md).
      lifecycle: {
        ignoreChanges: ["user_data", "user_data_base64", "ami", "subnet_id", "availability_zone"],
        postcondition: [rootVolumeFitsSnapshot(props.models, "ami")],
      },
    });
    this.instances.overrideLogicalId("llm");

    this.pullTarget = { key: "InstanceIds", values: [sameKey(this.instances, "id")] };
    this.releaseTarget = { key: `tag:${RELEASE_ROLLOUT_TAG}`, values: [props.prefix] };
  }

  public registerWith(targetGroups: LbTargetGroup): void {
    if (this.registered) throw new Error(`${this.node.path}: the servers are already registered with target groups`);
    this.registered = true;
    const models = this.models.iteratorFor(this.serverMode);
    new LbTargetGroupAttachment(this, "llm_http_attachment", {
      forEach: models,
      targetGroupArn: sameKey(targetGroups, "arn"),
      targetId: sameKey(this.instances, "id"),
      port: models.getNumber("app_port"),
    }).overrideLogicalId("llm_http");
  }
}
