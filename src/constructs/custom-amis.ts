import { TerraformIterator } from "cdktf";
import { Construct } from "constructs";
import { DataAwsAmi } from "../aws";

export interface CustomAmisProps {
  /** The `ami_id`s the models give, a set (a token). */
  readonly amiIds: string[];
}

/**
 * Look-ups of the AMIs models name by `ami_id`: what the Deep Learning AMI look-ups tell for theirs,
 * the root device's name (where a launch template maps the root volume) and the root snapshot's size.
 */
export class CustomAmis extends Construct {
  /** `data.aws_ami.custom["<ami id>"]`. */
  public readonly lookUps: DataAwsAmi;

  constructor(scope: Construct, id: string, props: CustomAmisProps) {
    super(scope, id);
    const ids = TerraformIterator.fromList(props.amiIds);
    this.lookUps = new DataAwsAmi(this, "custom", {
      forEach: ids,
      filter: [{ name: "image-id", values: [ids.value] }],
      // A deprecated AMI still runs: the look-up must find it as the instance does.
      includeDeprecated: true,
    });
    this.lookUps.overrideLogicalId("custom");
  }
}
