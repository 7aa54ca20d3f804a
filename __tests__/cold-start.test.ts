import { coldStart, coldStartTable, INSTANCE_STORE_RATE, REGISTRY_RATE, VERIFY_RATE } from "../src/catalog/cold-start";
import { costSummary } from "../src/catalog/fleet-cost";
import { familySizes } from "../src/catalog/instance-families";
import { instanceNetwork, networkFamilies } from "../src/catalog/instance-network";
import { weightsGiB } from "../src/catalog/weights-on-disk";
import { regionPrices } from "../src/catalog/prices";
import { S3_PRICES } from "../src/catalog/s3-prices";
import { loadServiceConfig } from "../src/config/load";

const GiB = 1024 ** 3;
const DEFAULTS = { ebsThroughputMibps: 500, region: "ap-southeast-1", cache: true };

describe("the network catalog", () => {
  test("knows every family and size of the instance catalog, and no other", () => {
    const sorted = (m: Record<string, string[]>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, [...v].sort()]).sort());
    expect(sorted(networkFamilies())).toEqual(sorted(familySizes()));
  });

  test("traffic to the internet: 5 Gbps below 32 vCPUs, half the bandwidth from 32", () => {
    expect(instanceNetwork("g5.xlarge")).toEqual({ gbps: 10, instanceStore: true, internetGbps: 5 });
    expect(instanceNetwork("g5.12xlarge")?.internetGbps).toBe(20);
    expect(instanceNetwork("g5g.xlarge")?.instanceStore).toBe(false);
    expect(instanceNetwork("g5.unknown")).toBeUndefined();
  });
});

describe("cold start", () => {
  test("from the cache: the slower of the instance's network and the disk, then the sha256 check; from the registry: its rate", () => {
    // GIVEN a 70B at 4 bits on a g6e.12xlarge (100 Gbps, an instance store)
    const model = { llm_model: "llama3.1:70b", instance_type: "g6e.12xlarge" };
    const bytes = (weightsGiB(model.llm_model) as number) * GiB;
    // WHEN
    const start = coldStart(model, DEFAULTS);
    // THEN the instance store's write is slower than 100 Gbps
    expect(INSTANCE_STORE_RATE.bytesPerSecond).toBeLessThan(100e9 / 8);
    expect(start.cache).toEqual({ seconds: bytes / INSTANCE_STORE_RATE.bytesPerSecond + bytes / VERIFY_RATE.bytesPerSecond, limit: "instance store", disk: "instance store" });
    expect(start.registry?.seconds).toBeCloseTo(bytes / REGISTRY_RATE.bytesPerSecond + bytes / VERIFY_RATE.bytesPerSecond, 6);
    expect(start.registry?.limit).toBe("registry 100 MB/s");
    expect(start.natUsdPerStart).toBeCloseTo((bytes / 1e9) * (regionPrices("ap-southeast-1")?.nat.gb.usd as number), 9);
  });

  test("a small type's network limits the cache when the disk is faster", () => {
    // GIVEN a g5.xlarge (10 Gbps, an instance store at 1 GiB/s: the network, 1.25 GB/s, is faster; a 2000 MiB/s root volume is not used)
    const start = coldStart({ llm_model: "llama3:8b", instance_type: "g5.xlarge" }, { ...DEFAULTS, ebsThroughputMibps: 2000 });
    expect(start.cache?.limit).toBe("instance store");
    // GIVEN a g5g.xlarge (10 Gbps, no instance store) with the fastest gp3: 2000 MiB/s outruns 10 Gbps
    const arm = coldStart({ llm_model: "llama3:8b", instance_type: "g5g.xlarge" }, { ...DEFAULTS, ebsThroughputMibps: 2000 });
    const bytes = (weightsGiB("llama3:8b") as number) * GiB;
    expect(arm.cache).toEqual({ seconds: bytes / (10e9 / 8) + bytes / VERIFY_RATE.bytesPerSecond, limit: "S3 10 Gbps", disk: "root volume" });
  });

  test("without an instance store the root volume's throughput limits both", () => {
    const start = coldStart({ llm_model: "llama3:8b", instance_type: "g5g.xlarge" }, { ...DEFAULTS, ebsThroughputMibps: 250 });
    const bytes = (weightsGiB("llama3:8b") as number) * GiB;
    expect(start.cache).toEqual({ seconds: bytes / (250 * 1024 ** 2) + bytes / VERIFY_RATE.bytesPerSecond, limit: "gp3 250 MiB/s", disk: "root volume" });
  });

  test("without a cache, pulls land on the root volume even where there is an instance store", () => {
    const start = coldStart({ llm_model: "qwen2.5:72b", instance_type: "g6e.12xlarge" }, { ...DEFAULTS, ebsThroughputMibps: 125, cache: false });
    expect(start.registry?.disk).toBe("root volume");
    expect(start.cache?.disk).toBe("instance store");
  });

  test("the cache is faster than the registry on every catalogued type, at the default root volume", () => {
    for (const [family, sizes] of Object.entries(familySizes())) {
      for (const size of sizes) {
        const start = coldStart({ llm_model: "llama3:8b", instance_type: `${family}.${size}` }, DEFAULTS);
        expect({ type: `${family}.${size}`, faster: (start.cache?.seconds as number) < (start.registry?.seconds as number) }).toEqual({ type: `${family}.${size}`, faster: true });
      }
    }
  });

  test("no estimate without a parameter count or a catalogued type; no NAT price outside the catalog's regions", () => {
    expect(coldStart({ llm_model: "llama3", instance_type: "g5.xlarge" }, DEFAULTS)).toEqual({ model: "llama3", instanceType: "g5.xlarge", weightsGiB: undefined });
    expect(coldStart({ llm_model: "llama3:8b", instance_type: "x9.xlarge" }, DEFAULTS).cache).toBeUndefined();
    expect(coldStart({ llm_model: "llama3:8b", instance_type: "g5.xlarge" }, { ...DEFAULTS, region: "sa-east-1" }).natUsdPerStart).toBeUndefined();
  });

  test("the table has a row per model and names every figure's source", () => {
    const table = coldStartTable([{ llm_model: "llama3:8b", instance_type: "g5.xlarge" }, { llm_model: "llama3", instance_type: "g5.xlarge" }], DEFAULTS);
    expect(table.split("\n")[1]).toMatch(/^llama3:8b\s+g5\.xlarge\s+4\.5 GiB\s+\d+ s \(registry 100 MB\/s\)\s+\d+ s \(instance store\)\s+instance store\s+\$\d+\.\d\d$/);
    expect(table.split("\n")[2]).toMatch(/^llama3\s+g5\.xlarge\s+\?\s+\?\s+\?\s+\?\s+\?$/);
    for (const figure of [REGISTRY_RATE, VERIFY_RATE, INSTANCE_STORE_RATE]) expect(table).toContain(figure.source);
    expect(table).toContain("ec2-instance-network-bandwidth.html");
  });
});

describe("what the cache costs a month", () => {
  test("the distinct models' weights in S3 Standard at the region's price, only with a cache", () => {
    const config = { ...loadServiceConfig(undefined), region: "ap-southeast-1" };
    const without = costSummary({ ...config, model_cache_bucket: "" });
    const withCache = costSummary({ ...config, model_cache_bucket: "create" });
    expect(without.lines.some((l) => l.item.startsWith("weight cache"))).toBe(false);
    const line = withCache.lines.find((l) => l.item.startsWith("weight cache"));
    const gb = [...new Set(config.llm_ec2_configs.map((c) => c.llm_model))].reduce((sum, m) => sum + (weightsGiB(m) as number), 0) * (GiB / 1e9);
    expect(line?.usdPerMonth).toBeCloseTo(gb * S3_PRICES["ap-southeast-1"].gbMonth.usd, 9);
    expect(withCache.totalUsdPerMonth - without.totalUsdPerMonth).toBeCloseTo(line?.usdPerMonth as number, 9);
  });
});
