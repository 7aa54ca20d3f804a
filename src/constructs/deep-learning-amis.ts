import { Construct } from "constructs";
import { DataAwsAmi } from "../aws";
import { Architecture } from "../catalog/instance-families";

const COMMON_FILTERS = {
  "image-type": "machine",
  "is-public": "true",
  "virtualization-type": "hvm",
  "root-device-type": "ebs",
  state: "available",
};

/** The most recent AWS Deep Learning AMI (NVIDIA driver, PyTorch) per CPU architecture. */
export class DeepLearningAmis extends Construct {
  public readonly arm64: DataAwsAmi;
  public readonly x86: DataAwsAmi;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.arm64 = this.lookUp("dlami_arm", "arm64", "^Deep Learning ARM64 AMI OSS Nvidia Driver GPU PyTorch.*");
    this.x86 = this.lookUp("dlami_x86", "x86_64", "^Deep Learning OSS Nvidia Driver AMI GPU PyTorch .*Amazon Linux 2.*");
  }

  private lookUp(name: string, architecture: Architecture, nameRegex: string): DataAwsAmi {
    const filters = { ...COMMON_FILTERS, architecture };
    const ami = new DataAwsAmi(this, name, {
      mostRecent: true,
      owners: ["amazon"],
      nameRegex,
      filter: Object.entries(filters).map(([filterName, value]) => ({ name: filterName, values: [value] })),
    });
    ami.overrideLogicalId(name);
    return ami;
  }
}
