import { INSTANCE_FAMILIES, instanceFamily, instanceSize } from "./instance-families";

/**
 * What a server's weights travel through: the instance's network bandwidth and whether its family
 * has an instance store (local NVMe, which the Deep Learning AMIs mount at /opt/dlami/nvme).
 * Figures of the EC2 instance types guide, accelerated computing, "Network specifications" and
 * "Instance store specifications" (https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html),
 * as last known to us and not checked again: estimates. "Up to" sizes (16 vCPUs or fewer) burst to
 * the figure for 5 to 60 minutes, then fall to a lower baseline
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-network-bandwidth.html): a model
 * copied right after boot is copied at the burst figure.
 */
export const NETWORK_SOURCE = "https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html (network and instance store specifications)";

interface FamilyNetwork {
  /** Network bandwidth of each size, Gbps (the burst figure of "up to" sizes). */
  readonly gbps: Readonly<Record<string, number>>;
  readonly instanceStore: boolean;
}

const NETWORK: Readonly<Record<string, FamilyNetwork>> = {
  g4dn: { gbps: { xlarge: 25, "2xlarge": 25, "4xlarge": 25, "8xlarge": 50, "12xlarge": 50, "16xlarge": 50, metal: 100 }, instanceStore: true },
  g5: { gbps: { xlarge: 10, "2xlarge": 10, "4xlarge": 25, "8xlarge": 25, "12xlarge": 40, "16xlarge": 25, "24xlarge": 50, "48xlarge": 100 }, instanceStore: true },
  g5g: { gbps: { xlarge: 10, "2xlarge": 10, "4xlarge": 10, "8xlarge": 12, "16xlarge": 25, metal: 25 }, instanceStore: false },
  g6: { gbps: { xlarge: 10, "2xlarge": 10, "4xlarge": 25, "8xlarge": 25, "12xlarge": 40, "16xlarge": 25, "24xlarge": 50, "48xlarge": 100 }, instanceStore: true },
  gr6: { gbps: { "4xlarge": 25, "8xlarge": 25 }, instanceStore: true },
  g6e: { gbps: { xlarge: 20, "2xlarge": 20, "4xlarge": 20, "8xlarge": 25, "12xlarge": 100, "16xlarge": 35, "24xlarge": 200, "48xlarge": 400 }, instanceStore: true },
  p3: { gbps: { "2xlarge": 10, "8xlarge": 10, "16xlarge": 25 }, instanceStore: false },
  p3dn: { gbps: { "24xlarge": 100 }, instanceStore: true },
  p4d: { gbps: { "24xlarge": 400 }, instanceStore: true },
  p4de: { gbps: { "24xlarge": 400 }, instanceStore: true },
  p5: { gbps: { "4xlarge": 100, "48xlarge": 3200 }, instanceStore: true },
  p5e: { gbps: { "48xlarge": 3200 }, instanceStore: true },
  p5en: { gbps: { "48xlarge": 3200 }, instanceStore: true },
  "p6-b200": { gbps: { "48xlarge": 3200 }, instanceStore: true },
};

/** The vCPUs at which an instance's traffic through an internet gateway may use half its bandwidth instead of 5 Gbps. */
const INTERNET_HALF_BANDWIDTH_VCPUS = 32;

export interface InstanceNetwork {
  readonly gbps: number;
  readonly instanceStore: boolean;
  /**
   * Gbps to the internet (the registry, through a NAT gateway): 5 for fewer than 32 vCPUs, else half
   * the bandwidth (at least 5) (the network bandwidth page above, "Multi-flow traffic").
   */
  readonly internetGbps: number;
}

/** vCPUs of a size: `xlarge` 4, `<n>xlarge` 4n, `metal` as the largest size (every GPU type here follows that rule). */
function vcpus(family: string, size: string): number {
  if (size === "metal") return Math.max(...Object.keys(NETWORK[family].gbps).filter((s) => s !== "metal").map((s) => vcpus(family, s)));
  return size === "xlarge" ? 4 : (parseInt(size, 10) || 1) * 4;
}

/** The network of a catalogued type, or undefined. */
export function instanceNetwork(instanceType: string): InstanceNetwork | undefined {
  const family = instanceFamily(instanceType);
  const size = instanceSize(instanceType);
  const network = NETWORK[family];
  const gbps = network?.gbps[size];
  if (!network || gbps === undefined || !(family in INSTANCE_FAMILIES)) return undefined;
  const internetGbps = vcpus(family, size) >= INTERNET_HALF_BANDWIDTH_VCPUS ? Math.max(5, gbps / 2) : Math.min(5, gbps);
  return { gbps, instanceStore: network.instanceStore, internetGbps };
}

/** Every family and size the network table knows (a test holds it equal to the instance catalog). */
export const networkFamilies = (): Record<string, string[]> => Object.fromEntries(Object.entries(NETWORK).map(([f, n]) => [f, Object.keys(n.gbps)]));

/** Every catalogued type's network bandwidth, Gbps: `g5.xlarge` -> 10 (the module's local `instance_network_gbps`). */
export function networkGbpsByType(): Record<string, number> {
  return Object.fromEntries(Object.entries(NETWORK).flatMap(([family, n]) => Object.entries(n.gbps).map(([size, gbps]) => [`${family}.${size}`, gbps])));
}

/** The families with an instance store (where a vLLM server keeps its weights' cache). */
export const familiesWithInstanceStore = (): string[] => Object.entries(NETWORK).filter(([, n]) => n.instanceStore).map(([f]) => f);
