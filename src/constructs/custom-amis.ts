import { TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import { DataAwsAmi } from "../aws";

/**
 * An Amazon Linux 2 image, by its name (`amzn2-ami-...`, `... (Amazon Linux 2) ...`) or description
 * (`Amazon Linux 2 AMI ...`); Amazon Linux 2023 (`al2023-ami-...`, `Amazon Linux 2023 ...`) does not match.
 */
export const AMAZON_LINUX_2_PATTERN = "(^amzn2-|Amazon Linux 2($|[^0-9]))";

export interface CustomAmisProps {
  /** The `ami_id`s the models give, a set (a token). */
  readonly amiIds: string[];
  /** The model entries (an HCL operand of a list of objects with `ami_id`), to name the entries of a refused AMI. */
  readonly configs: string;
}

/**
 * Look-ups of the AMIs models name by `ami_id`: what the Deep Learning AMI look-ups tell for theirs,
 * the root device's name (where a launch template maps the root volume) and the root snapshot's size.
 * An Amazon Linux 2 image is refused: Ollama's binaries need glibc 2.28, Amazon Linux 2 has 2.26.
 */
export class CustomAmis extends Construct {
  /** `data.aws_ami.custom["<ami id>"]`. */
  public readonly lookUps: DataAwsAmi;

  constructor(scope: Construct, id: string, props: CustomAmisProps) {
    super(scope, id);
    const ids = TerraformIterator.fromList(props.amiIds);
    const pattern = JSON.stringify(AMAZON_LINUX_2_PATTERN);
    const entries = `join(", ", [for i, c in ${props.configs} : format("llm_ec2_configs[%d].ami_id", i) if c.ami_id == each.key])`;
    this.lookUps = new DataAwsAmi(this, "custom", {
      forEach: ids,
      filter: [{ name: "image-id", values: [ids.value] }],
      // A deprecated AMI still runs: the look-up must find it as the instance does.
      includeDeprecated: true,
      lifecycle: {
        postcondition: [
          {
            condition: Token.asAny(`\${!can(regex(${pattern}, self.name)) && !can(regex(${pattern}, self.description))}`) as unknown as boolean,
            errorMessage:
              `[ami-amazon-linux-2] \${${entries}} = \${jsonencode(each.key)} (\${self.name}): is an Amazon Linux 2 image; Ollama needs glibc 2.28 ` +
              "and Amazon Linux 2 has 2.26, so no model would run on it. " +
              'Fix: use an Amazon Linux 2023 or Ubuntu AMI, or "" for the Deep Learning AMI.',
          },
        ],
      },
    });
    this.lookUps.overrideLogicalId("custom");
  }
}
