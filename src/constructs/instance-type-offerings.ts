import { ref, TerraformIterator, TerraformLocal, Token } from "cdktf";
import { Construct } from "constructs";
import { DataAwsEc2InstanceTypeOfferings } from "../aws";
import { hclText } from "./hcl";
import { ModelTable } from "./model-table";

/** The address's name: `data.aws_ec2_instance_type_offerings.offered["g5.xlarge"]`. */
export const OFFERINGS_DATA = "offered";
/** The local mapping each instance type in use to the zones its servers need and the models that use it. */
export const INSTANCE_TYPE_ZONES_LOCAL = "instance_type_zones";

export interface InstanceTypeOfferingsProps {
  /** The models: each one's instance type must be offered where its servers may launch. */
  readonly models: ModelTable;
  /** The zones of all the subnets: an Auto Scaling group launches in any of them. */
  readonly availabilityZones: readonly string[];
  /**
   * The zones of the region the plan runs in (a look-up's names): a server's zone outside them is
   * left to the check that reports zones of another region, so each cause has one message.
   */
  readonly regionZones: readonly string[];
}

/**
 * At plan, before anything is created: each instance type in use must be offered in every zone its
 * servers may launch in (an instance's zone; every zone of the subnets for a group). One look-up
 * per distinct type (`ec2:DescribeInstanceTypeOfferings`, by zone); a type missing from a zone fails
 * the plan with a message naming the models, the zones without it and those of the region that
 * offer it. Without it, the apply would fail at the server (Unsupported), after the rest was built.
 */
export class InstanceTypeOfferings extends Construct {
  public readonly offerings: DataAwsEc2InstanceTypeOfferings;

  constructor(scope: Construct, id: string, props: InstanceTypeOfferingsProps) {
    super(scope, id);
    const rows = props.models.modelsOperand;
    const zones = hclText(this, props.availabilityZones);
    const need = new TerraformLocal(
      this,
      INSTANCE_TYPE_ZONES_LOCAL,
      `\${{ for t in distinct([for k, m in ${rows} : m.instance_type]) : t => { ` +
        `zones = sort(distinct(flatten([for k, m in ${rows} : m.server_mode == "asg" ? ${zones} : [m.availability_zone] if m.instance_type == t]))), ` +
        `models = sort([for k, m in ${rows} : m.llm_model if m.instance_type == t]) } }}`,
    );
    need.overrideLogicalId(INSTANCE_TYPE_ZONES_LOCAL);
    // Keyed by the types alone (a set of strings), as the other look-ups are.
    const types = TerraformIterator.fromList(Token.asList(ref(`keys(${hclText(this, need.expression)})`)));
    const needed = `${hclText(this, need.expression)}[each.key]`;
    // Zones of another region are the az-in-region rule's to report, once.
    const missing = `setsubtract(setintersection(${needed}.zones, ${hclText(this, props.regionZones)}), self.locations)`;
    this.offerings = new DataAwsEc2InstanceTypeOfferings(this, OFFERINGS_DATA, {
      forEach: types,
      locationType: "availability-zone",
      filter: [{ name: "instance-type", values: [Token.asString(types.key)] }],
      lifecycle: {
        postcondition: [
          {
            condition: Token.asAny(`\${length(${missing}) == 0}`),
            errorMessage:
              `\${format("[instance-type-offered] %s (the instance type of %s) is not offered in %s, where its servers would launch; ` +
              `zones of this region that offer it: %s. Fix: give those models subnets (azs, subnet_ids) in zones that offer it, or another instance type ` +
              `(npm run fit lists the types that hold a model).", each.key, join(", ", ${needed}.models), join(", ", sort(${missing})), ` +
              `length(self.locations) == 0 ? "none" : join(", ", sort(self.locations)))}`,
          },
        ],
      },
    });
    this.offerings.overrideLogicalId(OFFERINGS_DATA);
  }
}
