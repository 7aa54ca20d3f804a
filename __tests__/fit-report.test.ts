import { AnnotationMetadataEntryType, Testing } from "cdktf";
import { fitTable, fitWarning, priceIn, verdict } from "../src/catalog/fit-report";
import { fitReport, main, parseFitArguments, UsageError } from "../src/catalog/fit-cli";
import { modelFit, typesThatFit, modelNeed } from "../src/catalog/model-fit";
import { HOURS_PER_MONTH, onDemandPrice } from "../src/catalog/prices";
import { parseServiceConfig } from "../src/config/load";
import { ServiceStack } from "../src/stacks/service-stack";
import { readmeExampleInputs } from "./helpers/readme-example";
import { readFileSync } from "fs";
import * as path from "path";
import { bigModelTable, renderSizingDoc, SIZING_DOC } from "../src/docs/sizing-tables";

const entry = (llm_model: string, instance_type: string, settings: Record<string, unknown> = {}) => ({ llm_model, instance_type, ...settings });

describe("the synth summary of GPU memory", () => {
  test("one row per model with the estimate's parts: weights, KV cache, per GPU graph + reserve, need on the GPUs used, verdict", () => {
    const table = fitTable([
      entry("llama3.1:70b", "g5.xlarge", { context_length: 32768 }),
      entry("llama3.1:70b", "g5.12xlarge"),
      entry("qwen2.5:32b", "g6e.xlarge", { context_length: 131072, num_parallel: 2, kv_cache_type: "q8_0" }),
      entry("hf.co/org/Some-7B-GGUF:Q4_K_M", "g5.xlarge"),
    ]).split("\n");
    expect(table[0]).toMatch(/^model\s+instance type\s+GPUs\s+context x parallel, KV\s+weights\s+KV cache\s+per GPU: graph \+ reserve\s+need\s+fits$/);
    const need70 = modelFit(entry("llama3.1:70b", "g5.xlarge", { context_length: 32768 }));
    expect(table[1]).toMatch(
      new RegExp(
        `^llama3\\.1:70b\\s+g5\\.xlarge\\s+1 x 24 GiB\\s+32768 x 1, f16\\s+${need70.weightsGiB!.toFixed(1)}\\s+10\\.0\\s+` +
          `${need70.graphGiB.toFixed(1)} \\+ ${need70.reserveGiB.toFixed(1)}\\s+${need70.needGiB!.toFixed(1)} GiB\\s+NO$`,
      ),
    );
    expect(table[2]).toMatch(/^llama3\.1:70b\s+g5\.12xlarge\s+2 of 4 x 24 GiB\s+4096 x 1, f16\s+.*\s+yes$/);
    expect(table[3]).toMatch(/^qwen2\.5:32b\s+g6e\.xlarge\s+1 x 48 GiB\s+32768 \(of 131072\) x 2, q8_0\s+/);
    expect(table[4]).toMatch(/^hf\.co\/org\/Some-7B-GGUF:Q4_K_M\s+g5\.xlarge\s+1 x 24 GiB\s+4096 x 1, f16\s+\S+\s+\?\s+/);
    // the notes: a capped context, a rough estimate; what does not fit is the synth's warning, not repeated here
    expect(table.slice(6)).toEqual([
      "qwen2.5:32b: context_length 131072 is more than the model's own 32768; Ollama caps it there.",
      "hf.co/org/Some-7B-GGUF:Q4_K_M: not in the catalog of model shapes, so a rough estimate (weights from the tag x 1.2); the KV cache of 4096 x 1 tokens is not counted.",
    ]);
  });

  test("a fit above 95% of the GPUs' memory is called tight", () => {
    const fit = modelFit(entry("llama3.1:70b", "g4dn.12xlarge"));
    expect(fit.fits).toBe(true);
    expect(fit.needGiB! / (fit.gpusUsed! * fit.gpuMemoryGiB!)).toBeGreaterThan(0.95);
    expect(verdict(fit)).toBe("yes, tight");
    expect(verdict(modelFit(entry("llama3.1:70b", "g6e.xlarge")))).toBe("yes");
  });

  test("the warning of a model that does not fit: its parts, what the instance has, and the smallest catalogued type that fits (the region's cheapest of equal memory)", () => {
    const warning = fitWarning(modelFit(entry("llama3.1:70b", "g5.xlarge")), "ap-southeast-1");
    expect(warning).toMatch(
      /^llama3\.1:70b probably does not fit g5\.xlarge: it needs about \d+\.\d GiB of GPU memory \(weights 40\.2 \+ KV cache 1\.3 \(4096 x 1, f16\) \+ 1 x \(graph \d\.\d \+ reserve \d\.\d\)\), the instance has 1 x 24 GiB\. The smallest catalogued type that fits: g6e\.xlarge \(1 x 48 GiB\)\. /,
    );
    // in a region without a price for g6e.xlarge, us-east-1's prices order the 48 GiB types
    expect(priceIn("eu-west-3")("g6e.xlarge")).toEqual([1, onDemandPrice("g6e.xlarge", "us-east-1")!.usd]);
    expect(priceIn("ap-southeast-1")("g6e.xlarge")).toEqual([0, onDemandPrice("g6e.xlarge", "ap-southeast-1")!.usd]);
  });

  test("synth warns once per model that does not fit, and not for those that do", () => {
    const config = readmeExampleInputs();
    config.llm_ec2_configs[0] = { ...config.llm_ec2_configs[0], llm_model: "llama3.1:70b", instance_type: "g5.xlarge" };
    const stack = new ServiceStack(Testing.app(), "llm-service", parseServiceConfig(JSON.stringify(config), "test.json"));
    Testing.synth(stack, true);
    const warnings = stack.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));
    expect(warnings.filter((w) => w.includes("probably does not fit"))).toEqual([expect.stringMatching(/^llama3\.1:70b probably does not fit g5\.xlarge: .* g6e\.xlarge/)]);
  });
});

describe("npm run fit", () => {
  test("the 70B in ap-southeast-1: every catalogued type that holds it, smallest first, with the region's monthly price where the catalog has one, marked as an estimate", () => {
    const report = fitReport({ model: "llama3.1:70b", region: "ap-southeast-1" });
    const rows = report.split("\n").filter((l) => /^[a-z0-9-]+\.[a-z0-9]+\s/.test(l));
    const expected = typesThatFit(modelNeed({ llm_model: "llama3.1:70b" }), priceIn("ap-southeast-1")).map((f) => f.instanceType);
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual(expected);
    expect(rows[0]).toMatch(/^g6e\.xlarge\s+1 x 48 GiB \(NVIDIA L40S\)\s+\d+\.\d GiB\s+yes\s+\$1,827 \(estimate\)\s+\$1,359$/);
    const monthly = Math.round(onDemandPrice("g6e.xlarge", "ap-southeast-1")!.usd * HOURS_PER_MONTH);
    expect(monthly).toBe(1827);
    expect(rows.find((r) => r.startsWith("p4d.24xlarge"))).toMatch(/\$20,727 \(estimate\)/);
    // types the catalog has no Singapore price for say so, and keep us-east-1's for comparison
    expect(rows.find((r) => r.startsWith("g5.12xlarge"))).toMatch(/2 of 4 x 24 GiB \(NVIDIA A10G\).*\s-\s+\$4,141$/);
    expect(report).toContain("weights 40.2 GiB + KV cache 1.3 GiB + per GPU in use: compute graph 1.1 GiB + reserve 1.0 GiB");
    expect(report).toContain("aws ec2 describe-instance-type-offerings --region ap-southeast-1 --location-type availability-zone --filters Name=instance-type,Values=g6e.xlarge");
    // nothing smaller than 48 GiB in all is listed
    expect(rows.some((r) => / x (16|24) GiB/.test(r) && /^(g4dn|g5|g6|g5g|gr6)\.(x|2x|4x|8x|16x)large\s/.test(r) && !/ of /.test(r))).toBe(false);
  });

  test("context, parallel requests and KV cache type change the answer; a capped context is said", () => {
    const long = fitReport({ model: "llama3.1:70b", region: "ap-southeast-1", context: 131072 });
    expect(long).not.toMatch(/^g6e\.xlarge\s/m);
    const quantized = fitReport({ model: "llama3.1:70b", region: "ap-southeast-1", context: 32768, kvCache: "q8_0" });
    expect(quantized).toContain("32768 x 1, q8_0");
    expect(fitReport({ model: "qwen2.5:32b", region: "us-east-1", context: 131072 })).toContain("Ollama caps the context at the model's own 32768 tokens.");
  });

  test("a region the catalog has no prices for is named, with the regions it has", () => {
    expect(fitReport({ model: "llama3.1:8b", region: "eu-west-3" })).toContain(
      "The catalog has no prices for eu-west-3 (it has us-east-1, us-west-2, eu-west-1, eu-central-1, ap-southeast-1, ap-northeast-1).",
    );
  });

  test.each([
    [["--model", "llama3.1:70b", "--context", "100"], '--context "100" is not a whole number from 512 to 1048576; e.g. --context 32768'],
    [["--model", "llama3.1:70b", "--parallel", "4.5"], '--parallel "4.5" is not a whole number from 1 to 64; e.g. --parallel 4'],
    [["--model", "llama3.1:70b", "--kv-cache", "Q8_0"], '--kv-cache "Q8_0" is not a KV cache type Ollama takes; use one of f16, q8_0, q4_0'],
    [["--model", "llama3.1:70b", "--region", "singapore"], '--region "singapore" is not an AWS region name such as ap-southeast-1'],
    [["--context", "4096"], "--model is required, e.g. --model llama3.1:70b"],
    [["--model"], "--model needs a value, e.g. --model llama3.1:70b"],
    [["--model", "x", "--gpu", "a10g"], 'unknown option "--gpu"; the options are --model, --region, --context, --parallel, --kv-cache and --help'],
  ])("%p is refused: %s", (argv, message) => {
    expect(() => parseFitArguments(argv)).toThrow(new UsageError(message));
  });

  test("--name=value works as --name value; --help prints the usage; bad arguments exit 2 naming the option", () => {
    expect(parseFitArguments(["--model=llama3.1:70b", "--context=8192", "--region", "us-east-1"])).toEqual({
      model: "llama3.1:70b",
      region: "us-east-1",
      context: 8192,
      parallel: undefined,
      kvCache: undefined,
    });
    const out: string[] = [];
    const err: string[] = [];
    const log = jest.spyOn(console, "log").mockImplementation((s: string) => void out.push(s));
    const error = jest.spyOn(console, "error").mockImplementation((s: string) => void err.push(s));
    try {
      expect(main(["--help"])).toBe(0);
      expect(out.join("\n")).toMatch(/^Where can a model run\?/);
      expect(main(["--model", "llama3.1:70b", "--parallel", "0"])).toBe(2);
      expect(err.join("\n")).toMatch(/^npm run fit: --parallel "0" is not a whole number from 1 to 64/);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });
});

describe("docs/sizing.md", () => {
  const doc = readFileSync(path.join(__dirname, "..", SIZING_DOC), "utf8");

  test("its tables equal a fresh generation (npm run build:docs)", () => {
    expect(doc).toEqual(renderSizingDoc(doc));
  });

  test("its 70B answer for ap-southeast-1 is the first row of the generated table", () => {
    const first = bigModelTable().split("\n").find((l) => l.startsWith("| `"));
    expect(first).toBe("| `g6e.xlarge` | 1 x 48 GiB NVIDIA L40S | 43.5 | yes | $1,827 (estimate) | $1,359 |");
    expect(doc).toContain("a `g6e.xlarge`, holds it,\nfor about $1,827 a month on demand in ap-southeast-1");
  });
});
