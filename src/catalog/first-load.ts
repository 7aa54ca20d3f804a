import { LlmEc2Config } from "../config/types";
import { repoOf } from "../engines/vllm";
import { INSTANCE_STORE_RATE } from "./cold-start";
import { familiesWithInstanceStore } from "./instance-network";
import { FOUR_BIT_BITS, QUANTIZATION_IN_NAME_PATTERN, weightFormat } from "./vllm-fit";
import { EXPERTS_PATTERN, PARAMETERS_PATTERN, parameterCount } from "./weights-on-disk";

/**
 * The health check grace period of a vLLM model's Auto Scaling group when the caller sets none
 * (`asg_health_check_grace_period_seconds = null`): long enough for a new server's first load, which
 * pulls the image and downloads the weights before vLLM answers. An Ollama model keeps
 * GRACE_PERIOD_FLOOR_SECONDS, as does a vLLM model whose name gives no parameter count.
 *
 *   weights (bytes) = parameters (billions, from the repository's name) x 10^9 x bits per weight / 8
 *                     (16 for bf16/fp16, 8 for FP8, 4.5 for 4-bit AWQ/GPTQ, 32 for float32: vllm-fit.ts)
 *   disk            = the instance store (INSTANCE_STORE_RATE) where the family has one and the model
 *                     has no warm pool (where vLLM keeps its cache), else the root volume's ebs_throughput_mibps
 *   first load (s)  = VLLM_IMAGE_BYTES / IMAGE_PULL_RATE                    the image
 *                   + weights / min(HF_DOWNLOAD_RATE, disk)                 the download, written to the disk
 *                   + weights / disk                                        read back into GPU memory
 *                   + BOOT_SECONDS + VLLM_WARMUP_SECONDS                    boot and vLLM's own start
 *   grace (s)       = max(GRACE_PERIOD_FLOOR_SECONDS, first load x (1 + SAFETY_MARGIN), rounded up to a minute)
 *
 * Each figure below says where it comes from. The module computes the same in HCL (hclDerivedGracePeriod,
 * generated from these constants); above MAX_GRACE_PERIOD_SECONDS the config is refused (rule
 * `vllm-first-load`).
 */
export const GRACE_PERIOD_FLOOR_SECONDS = 1800;

/**
 * The compressed size of `vllm/vllm-openai`, bytes. Assumed from published figures: "around 12 GB" for
 * `vllm/vllm-openai:latest` (a report on vLLM's GitHub tracker, October 2025) and 12.64 GB (discuss.vllm.ai,
 * "Current vLLM docker image size is 12.64GB"), rounded up; the image has grown with each CUDA release.
 */
export const VLLM_IMAGE_BYTES = 13e9;
/**
 * Pulling and unpacking the image, bytes of the compressed image per second, end to end. Assumed: docker
 * downloads three layers at a time and unpacks each with gzip on one core, which is slower than the
 * 5 Gbps (625 MB/s) an instance gets through a NAT gateway.
 */
export const IMAGE_PULL_RATE = 50e6;
/**
 * Downloading the weights from Hugging Face, bytes per second. Assumed, conservatively: huggingface_hub's
 * own downloader saturates about 500 MB/s (its `hf_transfer` add-on is described on PyPI as a tool "to go
 * beyond ~500MB/s" on very high bandwidth networks); we take a fifth of that, the rate docs/engines.md
 * has always planned with and the one cold-start.ts assumes for Ollama's registry. Below the 5 Gbps
 * (625 MB/s) through a NAT gateway of every GPU type, so the network is not the limit.
 */
export const HF_DOWNLOAD_RATE = 100e6;
/** Boot, cloud-init, the bootstrap's platform checks (docker, the toolkit, the driver) and the container's start. Assumed. */
export const BOOT_SECONDS = 300;
/**
 * vLLM's start once the weights are in GPU memory: its profile run, torch.compile of the model and the
 * CUDA graph capture, each on by default. Assumed: vLLM publishes no figure per size; its log says
 * "torch.compile takes N s in total" (vllm/compilation/monitor.py), which shows a server's own.
 */
export const VLLM_WARMUP_SECONDS = 600;
/** On top of the sum: a slower download or a busier registry than assumed. */
export const SAFETY_MARGIN = 0.25;

const MiB = 1024 ** 2;

/** What the derivation reads of a model's entry. */
export type GraceEntry = Pick<LlmEc2Config, "llm_model" | "instance_type" | "engine" | "dtype" | "quantization"> & { readonly warm_pool?: boolean };

export interface DerivedGracePeriod {
  /** The grace period, whole minutes, at least the floor. */
  readonly seconds: number;
  /** How it was derived, for the synth summary. */
  readonly how: string;
  /** The parameter count was not in the name: the floor applies, and the user should set the input. */
  readonly unknownSize: boolean;
  /** The first load with the margin, before rounding and the floor; undefined for Ollama or an unknown size. */
  readonly firstLoadSeconds?: number;
}

/** Whether the model's weights go to the instance store (vLLM's cache there), else the root volume. */
function onInstanceStore(entry: GraceEntry): boolean {
  return entry.warm_pool !== true && familiesWithInstanceStore().includes(entry.instance_type.split(".")[0]);
}

/** The derived grace period of one model (see the comment above). */
export function derivedGracePeriod(entry: GraceEntry, ebsThroughputMibps: number): DerivedGracePeriod {
  if (entry.engine !== "vllm") return { seconds: GRACE_PERIOD_FLOOR_SECONDS, how: "Ollama: the default", unknownSize: false };
  const parametersB = parameterCount(repoOf(entry.llm_model));
  if (parametersB === undefined) {
    return { seconds: GRACE_PERIOD_FLOOR_SECONDS, how: "no parameter count in the name: the default; set asg_health_check_grace_period_seconds", unknownSize: true };
  }
  const { format, bits } = weightFormat(entry);
  const bytes = (parametersB * 1e9 * bits) / 8;
  const store = onInstanceStore(entry);
  const disk = store ? INSTANCE_STORE_RATE.bytesPerSecond : ebsThroughputMibps * MiB;
  const image = VLLM_IMAGE_BYTES / IMAGE_PULL_RATE;
  const download = bytes / Math.min(HF_DOWNLOAD_RATE, disk);
  const read = bytes / disk;
  const start = BOOT_SECONDS + VLLM_WARMUP_SECONDS;
  const firstLoadSeconds = (image + download + read + start) * (1 + SAFETY_MARGIN);
  const seconds = Math.max(GRACE_PERIOD_FLOOR_SECONDS, Math.ceil(firstLoadSeconds / 60) * 60);
  const min = (s: number) => `${Math.round(s / 60)} min`;
  const how =
    `${+(bytes / 1e9).toFixed(1)} GB (${parametersB}B, ${format}): image ${min(image)} + download ${min(download)} + ` +
    `read from the ${store ? "instance store" : `root volume at ${ebsThroughputMibps} MiB/s`} ${min(read)} + boot and warm-up ${min(start)}, ` +
    `+${SAFETY_MARGIN * 100}%${seconds === GRACE_PERIOD_FLOOR_SECONDS ? `, at least ${GRACE_PERIOD_FLOOR_SECONDS} s` : ""}`;
  return { seconds, how, unknownSize: false, firstLoadSeconds };
}

/** Bits per weight in HCL, as weightFormat reads them, of an entry `c` (quantization and dtype filled). */
function hclBits(c: string): string {
  const method = `(${c}.quantization != "" ? ${c}.quantization : try(regex(${JSON.stringify(QUANTIZATION_IN_NAME_PATTERN)}, lower(split("@", ${c}.llm_model)[0]))[1], ""))`;
  return (
    `(startswith(${method}, "awq") || startswith(${method}, "gptq") ? ${FOUR_BIT_BITS} : ` +
    `(${method} == "fp8" ? 8 : (${c}.dtype == "float" || ${c}.dtype == "float32" ? 32 : 16)))`
  );
}

/** parameterCount(repoOf(model)) in HCL: the first experts count, else the last plain count, else null. */
function hclParameters(c: string): string {
  const name = `lower(split("@", ${c}.llm_model)[0])`;
  const experts = `regexall(${JSON.stringify(EXPERTS_PATTERN)}, ${name})`;
  const plain = `regexall(${JSON.stringify(PARAMETERS_PATTERN)}, ${name})`;
  return `(length(${experts}) > 0 ? tonumber(${experts}[0][0]) * tonumber(${experts}[0][1]) : (length(${plain}) > 0 ? tonumber(${plain}[length(${plain}) - 1][0]) : null))`;
}

/**
 * derivedGracePeriod(...).seconds in HCL, of an entry `c` (engine, dtype and quantization filled, as the
 * module's variable type fills them) and the root volume's throughput in MiB/s (an operand).
 */
export function hclDerivedGracePeriod(c: string, throughputMibps: string): string {
  return `(${c}.engine != "vllm" ? ${GRACE_PERIOD_FLOOR_SECONDS} : ${hclVllmGracePeriod(c, throughputMibps)})`;
}

/** The same for a vLLM entry: the floor for an unknown size. */
function hclVllmGracePeriod(c: string, throughputMibps: string): string {
  const stores = `[${familiesWithInstanceStore().map((f) => JSON.stringify(f)).join(", ")}]`;
  const disk = `(!try(${c}.warm_pool, false) && contains(${stores}, split(".", ${c}.instance_type)[0]) ? ${INSTANCE_STORE_RATE.bytesPerSecond} : ${throughputMibps} * ${MiB})`;
  const firstLoad =
    `(${VLLM_IMAGE_BYTES / IMAGE_PULL_RATE} + f.bytes / min(${HF_DOWNLOAD_RATE}, f.disk) + f.bytes / f.disk + ${BOOT_SECONDS + VLLM_WARMUP_SECONDS}) * ${1 + SAFETY_MARGIN}`;
  const fields = `{ p = ${hclParameters(c)}, bits = ${hclBits(c)}, disk = ${disk} }`;
  return (
    `[for f in [for g in [${fields}] : merge(g, { bytes = g.p == null ? 0 : g.p * 1000000000 * g.bits / 8 })] : ` +
    `f.p == null ? ${GRACE_PERIOD_FLOOR_SECONDS} : max(${GRACE_PERIOD_FLOOR_SECONDS}, ceil(${firstLoad} / 60) * 60)][0]`
  );
}

/** The synth summary: per vLLM model, its group's grace period and how it was derived. */
export function gracePeriodTable(entries: readonly (GraceEntry & { readonly server_mode: string })[], ebsThroughputMibps: number, explicit: number | null): string {
  const rows = entries.map((e) => {
    const d = derivedGracePeriod(e, ebsThroughputMibps);
    const seconds = explicit ?? d.seconds;
    return [e.llm_model, e.server_mode === "asg" ? "asg" : "instance (none)", `${seconds} s`, explicit === null ? d.how : "asg_health_check_grace_period_seconds"];
  });
  const header = ["model", "server_mode", "grace period", "how"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/**
 * A synth warning per vLLM model in an Auto Scaling group whose size the name does not say, when the
 * grace period is derived: it gets the floor, which may be too short for its first load.
 */
export function unknownFirstLoadWarnings(
  config: { readonly llm_ec2_configs: readonly (GraceEntry & { readonly server_mode: string })[]; readonly asg_health_check_grace_period_seconds: number | null; readonly ebs_throughput_mibps: number },
): string[] {
  if (config.asg_health_check_grace_period_seconds !== null) return [];
  return config.llm_ec2_configs
    .filter((c) => c.engine === "vllm" && c.server_mode === "asg" && derivedGracePeriod(c, config.ebs_throughput_mibps).unknownSize)
    .map(
      (c) =>
        `${c.llm_model}: its name gives no parameter count, so its Auto Scaling group gets a health check grace period of ${GRACE_PERIOD_FLOOR_SECONDS} s, ` +
        "which may be shorter than its first load (the image, the weights' download and load, vLLM's warm-up). Set asg_health_check_grace_period_seconds " +
        "to the seconds it needs (docs/engines.md, \"Health, readiness and the first load\").",
    );
}
