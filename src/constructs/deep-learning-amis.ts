import { Token } from "cdktf";
import { Construct } from "constructs";
import { DataAwsAmi } from "../aws";
import { Architecture } from "../catalog/instance-families";
import { address } from "./refs";

const COMMON_FILTERS = {
  "image-type": "machine",
  "is-public": "true",
  "virtualization-type": "hvm",
  "root-device-type": "ebs",
  state: "available",
};

/**
 * The Deep Learning AMIs' names, restricted to systems with glibc 2.28 or later, which Ollama's
 * binaries need: Amazon Linux 2023 and Ubuntu. Amazon Linux 2 (glibc 2.26) is left out, though its
 * images share the prefix (the original's `.*Amazon Linux 2.*` matched Amazon Linux 2 and 2023 alike).
 */
export const DLAMI_NAME_REGEX: Record<Architecture, string> = {
  arm64: "^Deep Learning ARM64 AMI OSS Nvidia Driver GPU PyTorch .*\\((Amazon Linux 2023|Ubuntu [0-9.]+)\\).*",
  x86_64: "^Deep Learning OSS Nvidia Driver AMI GPU PyTorch .*\\((Amazon Linux 2023|Ubuntu [0-9.]+)\\).*",
};

/**
 * The most recent AWS Deep Learning AMI (NVIDIA driver, PyTorch) per CPU architecture, each looked
 * up only when a model uses it (`lookUpOnlyWhen`): a region without a public arm64 or x86_64 one
 * plans as long as no model needs it.
 */
export class DeepLearningAmis extends Construct {
  public readonly arm64: DataAwsAmi;
  public readonly x86: DataAwsAmi;
  private conditioned = false;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.arm64 = this.lookUp("dlami_arm", "arm64");
    this.x86 = this.lookUp("dlami_x86", "x86_64");
  }

  /** The arm64 AMI's id, or null when it is not looked up (an HCL operand). */
  public get arm64Id(): string {
    return `one(${address(this.arm64, true)}[*].id)`;
  }

  /** The x86_64 AMI's id, or null when it is not looked up (an HCL operand). */
  public get x86Id(): string {
    return `one(${address(this.x86, true)}[*].id)`;
  }

  /**
   * Looks each AMI up only while its condition (an HCL boolean operand, known at plan) holds. The
   * model table calls this once with what its models use.
   */
  public lookUpOnlyWhen(inUse: Record<Architecture, string>): void {
    if (this.conditioned) throw new Error(`${this.node.path}: the look-ups' conditions are already set`);
    this.conditioned = true;
    this.arm64.count = Token.asNumber(`\${${inUse.arm64} ? 1 : 0}`);
    this.x86.count = Token.asNumber(`\${${inUse.x86_64} ? 1 : 0}`);
  }

  private lookUp(name: string, architecture: Architecture): DataAwsAmi {
    const filters = { ...COMMON_FILTERS, architecture };
    const ami = new DataAwsAmi(this, name, {
      mostRecent: true,
      owners: ["amazon"],
      nameRegex: DLAMI_NAME_REGEX[architecture],
      filter: Object.entries(filters).map(([filterName, value]) => ({ name: filterName, values: [value] })),
    });
    ami.overrideLogicalId(name);
    return ami;
  }
}
