/** CPU architecture as the Deep Learning AMI look-ups name it. */
export type Architecture = "arm64" | "x86_64";

export interface InstanceFamily {
  readonly architecture: Architecture;
  /** Accelerator model, e.g. `NVIDIA A10G`. */
  readonly gpu: string;
  /** Memory of one GPU, GiB. */
  readonly gpuMemoryGiB: number;
  /**
   * The GPU's CUDA compute capability (NVIDIA's table, developer.nvidia.com/cuda-gpus): what decides
   * which engines and number formats run on it (bfloat16 from 8.0, FP8 from 8.9).
   */
  readonly computeCapability: number;
  /** Every size EC2 offers in the family, with its number of GPUs (`g5.12xlarge` has 4). */
  readonly gpusPerSize: Readonly<Record<string, number>>;
}

/** Sizes `xlarge`, `2xlarge`, ... with one GPU each, and the multi-GPU sizes given. */
const sizes = (single: readonly string[], multi: Readonly<Record<string, number>> = {}): Record<string, number> => ({
  ...Object.fromEntries(single.map((size) => [size, 1])),
  ...multi,
});

/**
 * GPU instance families that run Ollama on an NVIDIA Deep Learning AMI, with every size EC2
 * offers (from the EC2 instance type list). The module receives the family -> architecture and
 * family -> sizes parts as generated `locals` maps, so HCL and TypeScript share this table.
 */
export const INSTANCE_FAMILIES: Readonly<Record<string, InstanceFamily>> = {
  g4dn: {
    architecture: "x86_64",
    gpu: "NVIDIA T4",
    gpuMemoryGiB: 16,
    computeCapability: 7.5,
    gpusPerSize: sizes(["xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge"], { "12xlarge": 4, metal: 8 }),
  },
  g5: {
    architecture: "x86_64",
    gpu: "NVIDIA A10G",
    gpuMemoryGiB: 24,
    computeCapability: 8.6,
    gpusPerSize: sizes(["xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge"], { "12xlarge": 4, "24xlarge": 4, "48xlarge": 8 }),
  },
  g5g: {
    architecture: "arm64",
    gpu: "NVIDIA T4G",
    gpuMemoryGiB: 16,
    computeCapability: 7.5,
    gpusPerSize: sizes(["xlarge", "2xlarge", "4xlarge", "8xlarge"], { "16xlarge": 2, metal: 2 }),
  },
  g6: {
    architecture: "x86_64",
    gpu: "NVIDIA L4",
    gpuMemoryGiB: 24,
    computeCapability: 8.9,
    gpusPerSize: sizes(["xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge"], { "12xlarge": 4, "24xlarge": 4, "48xlarge": 8 }),
  },
  gr6: { architecture: "x86_64", gpu: "NVIDIA L4", gpuMemoryGiB: 24, computeCapability: 8.9, gpusPerSize: sizes(["4xlarge", "8xlarge"]) },
  g6e: {
    architecture: "x86_64",
    gpu: "NVIDIA L40S",
    gpuMemoryGiB: 48,
    computeCapability: 8.9,
    gpusPerSize: sizes(["xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge"], { "12xlarge": 4, "24xlarge": 4, "48xlarge": 8 }),
  },
  p3: { architecture: "x86_64", gpu: "NVIDIA V100", gpuMemoryGiB: 16, computeCapability: 7.0, gpusPerSize: sizes(["2xlarge"], { "8xlarge": 4, "16xlarge": 8 }) },
  p3dn: { architecture: "x86_64", gpu: "NVIDIA V100", gpuMemoryGiB: 32, computeCapability: 7.0, gpusPerSize: { "24xlarge": 8 } },
  p4d: { architecture: "x86_64", gpu: "NVIDIA A100", gpuMemoryGiB: 40, computeCapability: 8.0, gpusPerSize: { "24xlarge": 8 } },
  p4de: { architecture: "x86_64", gpu: "NVIDIA A100", gpuMemoryGiB: 80, computeCapability: 8.0, gpusPerSize: { "24xlarge": 8 } },
  p5: { architecture: "x86_64", gpu: "NVIDIA H100", gpuMemoryGiB: 80, computeCapability: 9.0, gpusPerSize: sizes(["4xlarge"], { "48xlarge": 8 }) },
  p5e: { architecture: "x86_64", gpu: "NVIDIA H200", gpuMemoryGiB: 141, computeCapability: 9.0, gpusPerSize: { "48xlarge": 8 } },
  p5en: { architecture: "x86_64", gpu: "NVIDIA H200", gpuMemoryGiB: 141, computeCapability: 9.0, gpusPerSize: { "48xlarge": 8 } },
  "p6-b200": { architecture: "x86_64", gpu: "NVIDIA B200", gpuMemoryGiB: 179, computeCapability: 10.0, gpusPerSize: { "48xlarge": 8 } },
};

/** The family of an instance type: the part before the first `.` (`g5g.xlarge` -> `g5g`). */
export function instanceFamily(instanceType: string): string {
  return instanceType.split(".")[0];
}

/** family -> architecture, the map the module's AMI choice reads. */
export function familyArchitectures(): Record<string, Architecture> {
  return Object.fromEntries(Object.entries(INSTANCE_FAMILIES).map(([name, f]) => [name, f.architecture]));
}

/** family -> its sizes (`g5` -> `["xlarge", "2xlarge", ...]`), the map the module's size rule reads. */
export function familySizes(): Record<string, string[]> {
  // Smallest first: `xlarge` counts as 1, `metal` comes last.
  const order = (size: string): number => (size === "metal" ? Infinity : parseInt(size, 10) || 1);
  return Object.fromEntries(
    Object.entries(INSTANCE_FAMILIES).map(([name, f]) => [name, Object.keys(f.gpusPerSize).sort((a, b) => order(a) - order(b))]),
  );
}

/** The size of an instance type: the part after the first `.` (`g5.xlarge` -> `xlarge`), or "". */
export function instanceSize(instanceType: string): string {
  return instanceType.split(".")[1] ?? "";
}

/** The compute capability of an instance type's family; undefined for a family the catalog does not know. */
export function computeCapabilityOf(instanceType: string): number | undefined {
  return INSTANCE_FAMILIES[instanceFamily(instanceType)]?.computeCapability;
}
