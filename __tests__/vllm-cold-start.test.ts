import { INSTANCE_STORE_RATE, VERIFY_RATE } from "../src/catalog/cold-start";
import { costSummary } from "../src/catalog/fleet-cost";
import { S3_PRICES } from "../src/catalog/s3-prices";
import { weightsGiB } from "../src/catalog/weights-on-disk";
import { loadServiceConfig, MODEL_DEFAULTS } from "../src/config/load";
import { regionPrices } from "../src/catalog/prices";
import { HUB_RATE, vllmColdStart, vllmColdStartTable } from "../src/catalog/vllm-cold-start";
import { vllmFit } from "../src/catalog/vllm-fit";

const GiB = 1024 ** 3;
const DEFAULTS = { ebsThroughputMibps: 500, region: "ap-southeast-1", cache: true };
const entry = (llm_model: string, instance_type: string, more: object = {}) => ({ ...MODEL_DEFAULTS, engine: "vllm" as const, llm_model, instance_type, ...more });

describe("a vLLM model's cold start", () => {
  test("from Hugging Face at its rate, unchecked; from the cache at the slower of the network and the instance store, then checked; the weights are the fit estimate's", () => {
    // GIVEN an 8B in bf16 on a g6e.12xlarge (100 Gbps, an instance store)
    const model = entry("meta-llama/Llama-3.1-8B-Instruct", "g6e.12xlarge");
    const start = vllmColdStart(model, DEFAULTS);
    const weights = vllmFit(model).weightsGiB as number;
    expect(start.weightsGiB).toBeCloseTo(weights, 1);
    const bytes = (start.weightsGiB as number) * GiB;
    expect(start.registry).toEqual({ seconds: bytes / HUB_RATE.bytesPerSecond, limit: "Hugging Face 100 MB/s", disk: "instance store" });
    expect(start.cache).toEqual({ seconds: bytes / INSTANCE_STORE_RATE.bytesPerSecond + bytes / VERIFY_RATE.bytesPerSecond, limit: "instance store", disk: "instance store" });
    expect(start.natUsdPerStart).toBeCloseTo((bytes / 1e9) * (regionPrices("ap-southeast-1")?.nat.gb.usd as number), 9);
  });

  test("a warm pool's server keeps the weights on the root volume (its gp3 throughput limits the copy from S3); 4-bit AWQ weighs about a quarter of bf16", () => {
    const warm = vllmColdStart(entry("meta-llama/Llama-3.1-70B-Instruct", "g6e.12xlarge", { warm_pool: true }), { ...DEFAULTS, ebsThroughputMibps: 125 });
    expect(warm.cache).toMatchObject({ limit: "gp3 125 MiB/s", disk: "root volume" });
    expect(warm.registry).toMatchObject({ limit: "Hugging Face 100 MB/s", disk: "root volume" });
    const awq = vllmColdStart(entry("meta-llama/Llama-3.1-70B-Instruct", "g6e.12xlarge", { quantization: "awq" }), DEFAULTS);
    const bf16 = vllmColdStart(entry("meta-llama/Llama-3.1-70B-Instruct", "g6e.12xlarge"), DEFAULTS);
    expect((awq.weightsGiB as number) / (bf16.weightsGiB as number)).toBeCloseTo(0.28, 1);
  });

  test("a repository whose name gives no size: no figures, said as ?", () => {
    expect(vllmColdStart(entry("acme/secret-model", "g5.xlarge"), DEFAULTS)).toEqual({ model: "acme/secret-model", instanceType: "g5.xlarge", weightsGiB: undefined });
    const table = vllmColdStartTable([entry("acme/secret-model", "g5.xlarge"), entry("meta-llama/Llama-3.1-8B-Instruct", "g5.xlarge")], DEFAULTS);
    const [header, unknown, known] = table.split("\n");
    expect(header).toMatch(/^model +instance type +weights +from Hugging Face +from the cache +onto +NAT per start$/);
    expect(unknown).toMatch(/^acme\/secret-model +g5\.xlarge +\? +\? +\? +\? +\?$/);
    expect(known).toMatch(/^meta-llama\/Llama-3\.1-8B-Instruct +g5\.xlarge +\d+(\.\d)? GiB +\d.* \(Hugging Face 100 MB\/s\) +\d.* \(instance store\) +instance store +\$\d+\.\d\d$/);
    expect(table).toContain(`Hugging Face: 100 MB/s, assumed: ${HUB_RATE.source}`);
  });
});

describe("what the cache costs a month, with a vLLM model", () => {
  test("the vLLM repository's weights count in the format it is served in (bf16: 2 bytes a parameter), not as an Ollama tag's", () => {
    const base = { ...loadServiceConfig(undefined), region: "ap-southeast-1", model_cache_bucket: "create" };
    const vllm = { ...base.llm_ec2_configs[0], ...entry("meta-llama/Llama-3.1-8B-Instruct", "g6e.xlarge"), engine: "vllm" as const, app_port: 8000 };
    const withVllm = costSummary({ ...base, llm_ec2_configs: [...base.llm_ec2_configs, vllm] });
    const without = costSummary(base);
    const line = (c: ReturnType<typeof costSummary>) => c.lines.find((l) => l.item.startsWith("weight cache"))?.usdPerMonth as number;
    const added = (vllmFit(vllm).weightsGiB as number) * (GiB / 1e9) * S3_PRICES["ap-southeast-1"].gbMonth.usd;
    expect(line(withVllm) - line(without)).toBeCloseTo(added, 9);
    // about 15 GiB for 8B parameters in bf16, far from what the name read as an Ollama tag would say
    expect(vllmFit(vllm).weightsGiB).toBeCloseTo(14.9, 1);
    expect(weightsGiB(vllm.llm_model)).not.toBeCloseTo(14.9, 0);
  });
});
