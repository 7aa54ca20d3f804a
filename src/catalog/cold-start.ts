import { LlmEc2ConfigEntry } from "../config/types";
import { instanceNetwork, NETWORK_SOURCE } from "./instance-network";
import { weightsGiB } from "./weights-on-disk";
import { regionPrices } from "./prices";

/**
 * How long a new server takes to have its model's weights on disk, verified: from the registry
 * (through the VPC's NAT gateway and the internet) and from the weight cache (S3 in the region).
 * Boot, the Ollama install and the model's load into GPU memory come on top and are the same either
 * way. Each figure says where it comes from: "documented" (an AWS page), "measured" (here),
 * "assumed" (no published figure; the bootstrap's log shows yours).
 */
export interface Throughput {
  readonly bytesPerSecond: number;
  readonly status: "documented" | "measured" | "assumed";
  readonly source: string;
}

const GB = 1e9;
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
export const gbps = (n: number): number => (n * 1e9) / 8;

/** One `ollama pull` from the Ollama registry. */
export const REGISTRY_RATE: Throughput = {
  bytesPerSecond: 100e6,
  status: "assumed",
  source:
    "what one ollama pull commonly reaches on EC2 (16 parallel parts of 100 MB to 1 GB each, server/download.go); the registry publishes no figure, and the bootstrap's log shows each pull's time",
};

/** Checking a blob against its sha256 name (the bootstrap with openssl; Ollama after a pull). */
export const VERIFY_RATE: Throughput = {
  bytesPerSecond: 1.2e9,
  status: "measured",
  source: "openssl dgst -sha256 of 512 MiB on one core of a shared, loaded test machine (AMD EPYC with SHA extensions): 1.2 GB/s; coreutils sha256sum 0.33 GB/s, which is why the bootstrap prefers openssl",
};

/** Writing to an instance store volume (local NVMe). */
export const INSTANCE_STORE_RATE: Throughput = {
  bytesPerSecond: GiB,
  status: "assumed",
  source: "AWS publishes an instance store's IOPS, not its throughput; 1 GiB/s is a conservative sequential write for one NVMe volume",
};

export const CRT_SOURCE =
  "the bootstrap sets the AWS CLI's CRT client's target_bandwidth to it (the CLI's S3 configuration topic: without one it aims at 10 Gb/s unless it knows the type)";
export const GP3_SOURCE = "https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html (gp3: the provisioned throughput, ebs_throughput_mibps)";
export const INTERNET_SOURCE = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-network-bandwidth.html (traffic through an internet gateway: 5 Gbps below 32 vCPUs, else half the bandwidth)";

export interface Leg {
  readonly seconds: number;
  /** What limits the transfer, e.g. `registry 100 MB/s`. */
  readonly limit: string;
  /** Where the weights land. */
  readonly disk: "instance store" | "root volume";
}

export interface ColdStart {
  readonly model: string;
  readonly instanceType: string;
  /** Undefined when the tag gives no estimate of the weights' size. */
  readonly weightsGiB?: number;
  readonly registry?: Leg;
  readonly cache?: Leg;
  /** What the NAT gateway charges for one server's download from the registry, USD; undefined without the region's price. */
  readonly natUsdPerStart?: number;
}

export const rateText = (bytesPerSecond: number): string =>
  bytesPerSecond >= GB ? `${+(bytesPerSecond / GB).toFixed(2)} GB/s` : `${Math.round(bytesPerSecond / 1e6)} MB/s`;

/** The slowest of `limits` (name, bytes per second). */
export function slowest(limits: ReadonlyArray<readonly [string, number]>): readonly [string, number] {
  return limits.reduce((a, b) => (b[1] < a[1] ? b : a));
}

export interface ColdStartInputs {
  /** The root volume's provisioned throughput, MiB/s. */
  readonly ebsThroughputMibps: number;
  readonly region?: string;
  /** Whether the fleet has a weight cache: its servers then keep their models on the instance store where there is one, pulls included. */
  readonly cache: boolean;
}

/** One model's cold start, both ways; from the cache, onto the instance store where the family has one. */
export function coldStart(entry: Pick<LlmEc2ConfigEntry, "llm_model" | "instance_type">, inputs: ColdStartInputs): ColdStart {
  const weights = weightsGiB(entry.llm_model);
  const network = instanceNetwork(entry.instance_type);
  const nat = inputs.region ? regionPrices(inputs.region)?.nat.gb.usd : undefined;
  const base = { model: entry.llm_model, instanceType: entry.instance_type, weightsGiB: weights };
  if (weights === undefined || network === undefined) return base;
  const bytes = weights * GiB;
  const gp3: readonly [string, number] = [`gp3 ${inputs.ebsThroughputMibps} MiB/s`, inputs.ebsThroughputMibps * MiB];
  const store: readonly [string, number] = ["instance store", INSTANCE_STORE_RATE.bytesPerSecond];
  const disk = network.instanceStore ? store : gp3;
  const where = network.instanceStore ? "instance store" : "root volume";
  const pullDisk = inputs.cache ? disk : gp3;
  const verify = bytes / VERIFY_RATE.bytesPerSecond;
  const registry = slowest([
    [`registry ${rateText(REGISTRY_RATE.bytesPerSecond)}`, REGISTRY_RATE.bytesPerSecond],
    [`internet ${network.internetGbps} Gbps`, gbps(network.internetGbps)],
    pullDisk,
  ]);
  const cache = slowest([[`S3 ${network.gbps} Gbps`, gbps(network.gbps)], disk]);
  return {
    ...base,
    registry: { seconds: bytes / registry[1] + verify, limit: registry[0], disk: pullDisk === store ? "instance store" : "root volume" },
    cache: { seconds: bytes / cache[1] + verify, limit: cache[0], disk: where },
    ...(nat === undefined ? {} : { natUsdPerStart: (bytes / GB) * nat }),
  };
}

const seconds = (s: number): string => (s < 90 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`);

/** The synth report: per model, its weights' way onto a new server from the registry and from the cache. */
export function coldStartTable(configs: ReadonlyArray<Pick<LlmEc2ConfigEntry, "llm_model" | "instance_type">>, inputs: ColdStartInputs): string {
  return coldStartRows(
    configs.map((c) => coldStart(c, inputs)),
    "from the registry",
    [`registry: ${rateText(REGISTRY_RATE.bytesPerSecond)}, ${REGISTRY_RATE.status}: ${REGISTRY_RATE.source}`],
  );
}

/** The cold starts as a table (`from` names the first way), then the figures they rest on. */
export function coldStartRows(
  starts: readonly ColdStart[],
  from: string,
  sourceFigures: readonly string[],
  note = "Weights on disk and verified; boot, install and the load into GPU memory come on top, the same either way.",
): string {
  const rows = starts.map((c) => [
    c.model,
    c.instanceType,
    c.weightsGiB === undefined ? "?" : `${+c.weightsGiB.toFixed(1)} GiB`,
    c.registry ? `${seconds(c.registry.seconds)} (${c.registry.limit})` : "?",
    c.cache ? `${seconds(c.cache.seconds)} (${c.cache.limit})` : "?",
    c.cache?.disk ?? "?",
    c.natUsdPerStart === undefined ? "?" : `$${c.natUsdPerStart.toFixed(2)}`,
  ]);
  const header = ["model", "instance type", "weights", from, "from the cache", "onto", "NAT per start"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const figures = [
    ...sourceFigures,
    `internet through NAT: ${INTERNET_SOURCE}`,
    `S3 in the region: the instance's bandwidth (${NETWORK_SOURCE}); ${CRT_SOURCE}`,
    `root volume: ${GP3_SOURCE}; instance store: ${rateText(INSTANCE_STORE_RATE.bytesPerSecond)}, ${INSTANCE_STORE_RATE.status}: ${INSTANCE_STORE_RATE.source}`,
    `verification: ${rateText(VERIFY_RATE.bytesPerSecond)}, ${VERIFY_RATE.status}: ${VERIFY_RATE.source}`,
  ];
  return [
    line(header),
    ...rows.map(line),
    `${note} Figures (docs/weight-cache.md):`,
    ...figures.map((f) => `  ${f}`),
  ].join("\n");
}
