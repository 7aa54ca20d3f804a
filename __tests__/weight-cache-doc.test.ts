// docs/weight-cache.md quotes the catalog's prices and the cold-start estimate: they must agree.
import { readFileSync } from "fs";
import * as path from "path";
import { coldStart } from "../src/catalog/cold-start";
import { regionPrices } from "../src/catalog/prices";
import { S3_PRICES } from "../src/catalog/s3-prices";

const doc = readFileSync(path.join(__dirname, "..", "docs", "weight-cache.md"), "utf8");
const usd = (n: number) => `$${n}`;

describe("docs/weight-cache.md", () => {
  test("its price table is the catalog's, region by region", () => {
    const rows = [...doc.matchAll(/^\| ([a-z]+-[a-z]+-\d) \| (.+) \|$/gm)].map((m) => [m[1], ...m[2].split(" | ")]);
    expect(rows.map((r) => r[0]).sort()).toEqual(Object.keys(S3_PRICES).sort());
    for (const [region, storage, put, get, nat] of rows) {
      const s3 = S3_PRICES[region];
      expect([region, storage, put, get, nat]).toEqual([region, usd(s3.gbMonth.usd), usd(s3.putPerThousand.usd), usd(s3.getPerThousand.usd), usd(regionPrices(region)!.nat.gb.usd)]);
    }
  });

  test("its examples are what the estimate says", () => {
    const defaults = { ebsThroughputMibps: 500, region: "ap-southeast-1", cache: true };
    const small = coldStart({ llm_model: "llama3:8b", instance_type: "g5g.xlarge" }, defaults);
    const large = coldStart({ llm_model: "llama3.1:70b", instance_type: "g6e.12xlarge" }, defaults);
    const example = /`llama3:8b` on a g5g\.xlarge, 4\.5 GiB onto the root volume, about (\d+) s\s+from the registry and (\d+) s from the cache; a 70B at 4 bits on a g6e\.12xlarge, 39 GiB onto the instance\s+store, about ([\d.]+) min from the registry and (\d+) s from the cache/.exec(doc);
    expect(example).not.toBeNull();
    const [, smallRegistry, smallCache, largeRegistry, largeCache] = example!;
    expect([Number(smallRegistry), Number(smallCache), Number(largeRegistry), Number(largeCache)]).toEqual([
      Math.round(small.registry!.seconds),
      Math.round(small.cache!.seconds),
      Number((large.registry!.seconds / 60).toFixed(1)),
      Math.round(large.cache!.seconds),
    ]);
    expect(doc).toContain(`42 GB is $${((large.weightsGiB! * 1024 ** 3) / 1e9 * regionPrices("ap-southeast-1")!.nat.gb.usd).toFixed(2)} in ap-southeast-1`);
  });
});
