/** CPU architecture as the Deep Learning AMI look-ups name it. */
export type Architecture = "arm64" | "x86_64";

export interface InstanceFamily {
  readonly architecture: Architecture;
  /** Accelerator model, e.g. `NVIDIA A10G`. */
  readonly gpu: string;
  /** Memory of one GPU, GiB. */
  readonly gpuMemoryGiB: number;
  /** GPUs per size, where the size has more than one; every other size has one. */
  readonly multiGpuSizes?: Readonly<Record<string, number>>;
}

/**
 * GPU instance families that run Ollama on an NVIDIA Deep Learning AMI. The module receives the
 * family -> architecture part as a generated `locals` map, so HCL and TypeScript share this table.
 */
export const INSTANCE_FAMILIES: Readonly<Record<string, InstanceFamily>> = {
  g4dn: { architecture: "x86_64", gpu: "NVIDIA T4", gpuMemoryGiB: 16, multiGpuSizes: { "12xlarge": 4, metal: 8 } },
  g5: {
    architecture: "x86_64",
    gpu: "NVIDIA A10G",
    gpuMemoryGiB: 24,
    multiGpuSizes: { "12xlarge": 4, "24xlarge": 4, "48xlarge": 8 },
  },
  g5g: { architecture: "arm64", gpu: "NVIDIA T4G", gpuMemoryGiB: 16, multiGpuSizes: { "16xlarge": 2, metal: 2 } },
  g6: {
    architecture: "x86_64",
    gpu: "NVIDIA L4",
    gpuMemoryGiB: 24,
    multiGpuSizes: { "12xlarge": 4, "24xlarge": 4, "48xlarge": 8 },
  },
  gr6: { architecture: "x86_64", gpu: "NVIDIA L4", gpuMemoryGiB: 24 },
  g6e: {
    architecture: "x86_64",
    gpu: "NVIDIA L40S",
    gpuMemoryGiB: 48,
    multiGpuSizes: { "12xlarge": 4, "24xlarge": 4, "48xlarge": 8 },
  },
  p3: { architecture: "x86_64", gpu: "NVIDIA V100", gpuMemoryGiB: 16, multiGpuSizes: { "8xlarge": 4, "16xlarge": 8 } },
  p3dn: { architecture: "x86_64", gpu: "NVIDIA V100", gpuMemoryGiB: 32, multiGpuSizes: { "24xlarge": 8 } },
  p4d: { architecture: "x86_64", gpu: "NVIDIA A100", gpuMemoryGiB: 40, multiGpuSizes: { "24xlarge": 8 } },
  p4de: { architecture: "x86_64", gpu: "NVIDIA A100", gpuMemoryGiB: 80, multiGpuSizes: { "24xlarge": 8 } },
  p5: { architecture: "x86_64", gpu: "NVIDIA H100", gpuMemoryGiB: 80, multiGpuSizes: { "48xlarge": 8 } },
  p5e: { architecture: "x86_64", gpu: "NVIDIA H200", gpuMemoryGiB: 141, multiGpuSizes: { "48xlarge": 8 } },
  p5en: { architecture: "x86_64", gpu: "NVIDIA H200", gpuMemoryGiB: 141, multiGpuSizes: { "48xlarge": 8 } },
  "p6-b200": { architecture: "x86_64", gpu: "NVIDIA B200", gpuMemoryGiB: 179, multiGpuSizes: { "48xlarge": 8 } },
};

/** The family of an instance type: the part before the first `.` (`g5g.xlarge` -> `g5g`). */
export function instanceFamily(instanceType: string): string {
  return instanceType.split(".")[0];
}

/** family -> architecture, the map the module's AMI choice reads. */
export function familyArchitectures(): Record<string, Architecture> {
  return Object.fromEntries(Object.entries(INSTANCE_FAMILIES).map(([name, f]) => [name, f.architecture]));
}
