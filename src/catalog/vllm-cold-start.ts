import { LlmEc2Config } from "../config/types";
import { repoOf } from "../engines/vllm";
import { ColdStart, ColdStartInputs, coldStartRows, gbps, INSTANCE_STORE_RATE, rateText, slowest, Throughput, VERIFY_RATE } from "./cold-start";
import { HF_DOWNLOAD_RATE } from "./first-load";
import { instanceNetwork } from "./instance-network";
import { regionPrices } from "./prices";
import { VllmEntry, weightFormat } from "./vllm-fit";
import { parameterCount } from "./weights-on-disk";

const GB = 1e9;
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** vLLM's download of a repository from Hugging Face (huggingface_hub, into its cache): the rate the grace period is derived with. */
export const HUB_RATE: Throughput = {
  bytesPerSecond: HF_DOWNLOAD_RATE,
  status: "assumed",
  source:
    "a fifth of the ~500 MB/s huggingface_hub's own downloader reaches on fast networks (docs/engines.md, the first load); Hugging Face publishes no figure, and the server's journal (journalctl -u vllm) shows the download",
};

/**
 * A vLLM model's cold start: its weights (the format's bytes per parameter, as the fit estimate
 * reads them) from Hugging Face, not checked (huggingface_hub does not hash a download), or from the
 * weight cache, each file checked. Both land where vLLM's cache is: the instance store where the
 * family has one, except for a warm pool's servers (a stopped instance loses its store).
 */
export function vllmColdStart(entry: VllmEntry & Pick<LlmEc2Config, "warm_pool">, inputs: ColdStartInputs): ColdStart {
  const parametersB = parameterCount(repoOf(entry.llm_model));
  const weights = parametersB === undefined ? undefined : (parametersB * 1e9 * weightFormat(entry).bits) / 8 / GiB;
  const network = instanceNetwork(entry.instance_type);
  const nat = inputs.region ? regionPrices(inputs.region)?.nat.gb.usd : undefined;
  const base = { model: entry.llm_model, instanceType: entry.instance_type, weightsGiB: weights };
  if (weights === undefined || network === undefined) return base;
  const bytes = weights * GiB;
  const onStore = network.instanceStore && !entry.warm_pool;
  const disk: readonly [string, number] = onStore
    ? ["instance store", INSTANCE_STORE_RATE.bytesPerSecond]
    : [`gp3 ${inputs.ebsThroughputMibps} MiB/s`, inputs.ebsThroughputMibps * MiB];
  const where = onStore ? "instance store" : "root volume";
  const hub = slowest([[`Hugging Face ${rateText(HUB_RATE.bytesPerSecond)}`, HUB_RATE.bytesPerSecond], [`internet ${network.internetGbps} Gbps`, gbps(network.internetGbps)], disk]);
  const cache = slowest([[`S3 ${network.gbps} Gbps`, gbps(network.gbps)], disk]);
  return {
    ...base,
    registry: { seconds: bytes / hub[1], limit: hub[0], disk: where },
    cache: { seconds: bytes / cache[1] + bytes / VERIFY_RATE.bytesPerSecond, limit: cache[0], disk: where },
    ...(nat === undefined ? {} : { natUsdPerStart: (bytes / GB) * nat }),
  };
}

/** The synth report of the vLLM models: their weights' way onto a new server from Hugging Face and from the cache. */
export function vllmColdStartTable(entries: ReadonlyArray<VllmEntry & Pick<LlmEc2Config, "warm_pool">>, inputs: ColdStartInputs): string {
  return coldStartRows(
    entries.map((e) => vllmColdStart(e, inputs)),
    "from Hugging Face",
    [`Hugging Face: ${rateText(HUB_RATE.bytesPerSecond)}, ${HUB_RATE.status}: ${HUB_RATE.source}`],
    "Weights on disk, from the cache checked; boot, the image and the load into GPU memory come on top, the same either way.",
  );
}
