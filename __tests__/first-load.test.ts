import { AnnotationMetadataEntryType, Testing } from "cdktf";
import {
  BOOT_SECONDS,
  derivedGracePeriod,
  GRACE_PERIOD_FLOOR_SECONDS,
  GraceEntry,
  gracePeriodTable,
  HF_DOWNLOAD_RATE,
  IMAGE_PULL_RATE,
  SAFETY_MARGIN,
  VLLM_IMAGE_BYTES,
  VLLM_WARMUP_SECONDS,
} from "../src/catalog/first-load";
import { parseServiceConfig } from "../src/config/load";
import { MAX_GRACE_PERIOD_SECONDS } from "../src/config/rules/kit";
import { ServiceStack } from "../src/stacks/service-stack";
import { readmeExampleInputs } from "./helpers/readme-example";
import { synthModule, Synthesized } from "./helpers/synth";
import { describeWithTerraform, evaluate, planForEach } from "./helpers/terraform";
import { NETWORK_INPUTS } from "./helpers/network-inputs";

Testing.setupJest();

const vllm = (llm_model: string, instance_type: string, more: Partial<GraceEntry> = {}): GraceEntry => ({
  llm_model,
  instance_type,
  engine: "vllm",
  dtype: "",
  quantization: "",
  ...more,
});

const LLAMA_8B = "meta-llama/Llama-3.1-8B-Instruct";
const LLAMA_70B = "meta-llama/Llama-3.3-70B-Instruct";
const LLAMA_70B_AWQ = "casperhansen/llama-3.3-70b-instruct-awq";
const MIXTRAL = "mistralai/Mixtral-8x7B-Instruct-v0.1";

describe("the derived grace period of a vLLM model's group", () => {
  test("a 70B model in bf16 on a p4d (instance store): its first load, plus a quarter, in whole minutes, far above 1800", () => {
    // 140 GB: image 260 s + download 1400 s (100 MB/s) + read 130 s (1 GiB/s) + 900 s, x 1.25 = 3362.6 -> 3420
    const bytes = 70e9 * 2;
    const firstLoad = (VLLM_IMAGE_BYTES / IMAGE_PULL_RATE + bytes / HF_DOWNLOAD_RATE + bytes / 1024 ** 3 + BOOT_SECONDS + VLLM_WARMUP_SECONDS) * (1 + SAFETY_MARGIN);
    const d = derivedGracePeriod(vllm(LLAMA_70B, "p4d.24xlarge"), 500);
    expect(d.firstLoadSeconds).toBeCloseTo(firstLoad, 6);
    expect(d.seconds).toBe(3420);
    expect(d.seconds % 60).toBe(0);
    expect(d.how).toMatch(/^140 GB \(70B, 16-bit\): image 4 min \+ download 23 min \+ read from the instance store 2 min \+ boot and warm-up 15 min, \+25%$/);
  });

  test("the root volume's throughput counts where vLLM's cache is on it: a warm pool's servers, or a family without an instance store", () => {
    const store = derivedGracePeriod(vllm(LLAMA_70B, "p4d.24xlarge"), 500).seconds;
    const warmPool = derivedGracePeriod(vllm(LLAMA_70B, "p4d.24xlarge", { warm_pool: true }), 500);
    expect(warmPool.seconds).toBeGreaterThan(store);
    expect(warmPool.how).toContain("root volume at 500 MiB/s");
    // a slower root volume, a longer grace period
    expect(derivedGracePeriod(vllm(LLAMA_70B, "p4d.24xlarge", { warm_pool: true }), 125).seconds).toBeGreaterThan(warmPool.seconds);
  });

  test("an 8B model loads within the 1800 s floor; a quantized 70B needs less than a bf16 one; an 8x7B counts its experts", () => {
    expect(derivedGracePeriod(vllm(LLAMA_8B, "g5.xlarge"), 500)).toMatchObject({ seconds: GRACE_PERIOD_FLOOR_SECONDS, unknownSize: false });
    const awq = derivedGracePeriod(vllm(LLAMA_70B_AWQ, "g5.12xlarge"), 500).seconds;
    const bf16 = derivedGracePeriod(vllm(LLAMA_70B, "g5.12xlarge"), 500).seconds;
    expect(awq).toBeGreaterThan(GRACE_PERIOD_FLOOR_SECONDS);
    expect(awq).toBeLessThan(bf16);
    expect(derivedGracePeriod(vllm(LLAMA_70B, "g5.12xlarge", { quantization: "fp8" }), 500).seconds).toBeLessThan(bf16);
    expect(derivedGracePeriod(vllm(MIXTRAL, "p4d.24xlarge"), 500).how).toMatch(/^112 GB \(56B, 16-bit\)/);
  });

  test("a revision does not change it; a name without a parameter count gets the floor, flagged", () => {
    expect(derivedGracePeriod(vllm(`${LLAMA_70B}@0e9e39f249a16976918f6564b8830bc894c89659`, "p4d.24xlarge"), 500).seconds).toBe(
      derivedGracePeriod(vllm(LLAMA_70B, "p4d.24xlarge"), 500).seconds,
    );
    expect(derivedGracePeriod(vllm("BAAI/bge-m3", "g5.xlarge"), 500)).toMatchObject({ seconds: GRACE_PERIOD_FLOOR_SECONDS, unknownSize: true });
  });

  test("an Ollama model keeps 1800 s whatever its size", () => {
    expect(derivedGracePeriod({ ...vllm("llama3.1:405b", "p5.48xlarge"), engine: "ollama" }, 125).seconds).toBe(GRACE_PERIOD_FLOOR_SECONDS);
  });

  test("a 405B model in bf16 needs more than a group can wait; in FP8 it fits under the maximum", () => {
    expect(derivedGracePeriod(vllm("meta-llama/Llama-3.1-405B-Instruct", "p5e.48xlarge"), 500).seconds).toBeGreaterThan(MAX_GRACE_PERIOD_SECONDS);
    expect(derivedGracePeriod(vllm("meta-llama/Llama-3.1-405B-Instruct-FP8", "p5e.48xlarge"), 500).seconds).toBeLessThanOrEqual(MAX_GRACE_PERIOD_SECONDS);
  });

  test("the summary names each vLLM model's grace period and how it was derived, or the input when it is set", () => {
    const entries = [
      { ...vllm(LLAMA_70B, "p4d.24xlarge"), server_mode: "asg" },
      { ...vllm("BAAI/bge-m3", "g5.xlarge"), server_mode: "instance" },
    ];
    const table = gracePeriodTable(entries, 500, null);
    expect(table).toMatch(/Llama-3\.3-70B-Instruct\s+asg\s+3420 s\s+140 GB/);
    expect(table).toMatch(/bge-m3\s+instance \(none\)\s+1800 s\s+no parameter count in the name/);
    expect(gracePeriodTable(entries, 500, 2400)).toMatch(/Llama-3\.3-70B-Instruct\s+asg\s+2400 s\s+asg_health_check_grace_period_seconds/);
  });
});

describe("at synth", () => {
  const withVllm = (llm_model: string, more: Record<string, unknown> = {}) => {
    const config = readmeExampleInputs() as unknown as Record<string, unknown> & { llm_ec2_configs: Array<Record<string, unknown>> };
    config.llm_ec2_configs.push({ llm_model, engine: "vllm", instance_type: "p5e.48xlarge", ami_id: "", ebs_volume_gb: 300, app_port: 8000, server_mode: "asg" });
    return JSON.stringify({ ...config, ...more });
  };
  const warningsOf = (text: string) => {
    const stack = new ServiceStack(Testing.app(), "llm-service", parseServiceConfig(text, "test.json"));
    Testing.synth(stack, true);
    return stack.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));
  };

  test("a vLLM model in a group whose name gives no size: a warning telling to set the input, unless it is set", () => {
    const warning = /^BAAI\/bge-m3: its name gives no parameter count, so its Auto Scaling group gets a health check grace period of 1800 s.*Set asg_health_check_grace_period_seconds/;
    expect(warningsOf(withVllm("BAAI/bge-m3")).filter((w) => w.includes("parameter count"))).toEqual([expect.stringMatching(warning)]);
    expect(warningsOf(withVllm("BAAI/bge-m3", { asg_health_check_grace_period_seconds: 3600 })).filter((w) => w.includes("parameter count"))).toEqual([]);
    expect(warningsOf(withVllm("meta-llama/Llama-3.3-70B-Instruct")).filter((w) => w.includes("parameter count"))).toEqual([]);
  });

  test("a derived grace period above the maximum is refused, naming the model, its estimate and the fixes; an explicit input or an FP8 checkpoint passes", () => {
    expect(() => parseServiceConfig(withVllm("meta-llama/Llama-3.1-405B-Instruct"), "test.json")).toThrow(
      /llm_ec2_configs\[2\]\.llm_model = "meta-llama\/Llama-3\.1-405B-Instruct \(about \d+ s\)": .*longer than the 7200 s.*quantized checkpoint.*server_mode = "instance".*asg_health_check_grace_period_seconds.*\[vllm-first-load\]/s,
    );
    expect(() => parseServiceConfig(withVllm("meta-llama/Llama-3.1-405B-Instruct", { asg_health_check_grace_period_seconds: 7200 }), "test.json")).not.toThrow();
    expect(() => parseServiceConfig(withVllm("meta-llama/Llama-3.1-405B-Instruct-FP8"), "test.json")).not.toThrow();
  });
});

describeWithTerraform("the module derives the same grace period at plan", () => {
  let stack: Synthesized;
  beforeAll(() => {
    stack = synthModule();
  });

  const grid: Array<[string, string, Partial<GraceEntry>]> = [
    [LLAMA_8B, "g5.xlarge", {}],
    [LLAMA_70B, "p4d.24xlarge", {}],
    ["acme/llama-70b-warm", "p4d.24xlarge", { warm_pool: true }],
    ["acme/llama-70b-f32", "g5.48xlarge", { dtype: "float32" }],
    [LLAMA_70B_AWQ, "g5.12xlarge", {}],
    ["acme/llama-70b-marlin", "g6e.12xlarge", { quantization: "awq_marlin" }],
    ["neuralmagic/Meta-Llama-3.1-70B-Instruct-FP8", "p4d.24xlarge", {}],
    [MIXTRAL, "p4d.24xlarge", {}],
    [`acme/Llama-3.3-70B@main`, "g6e.48xlarge", {}],
    ["Qwen/Qwen2.5-0.5B-Instruct", "g4dn.xlarge", {}],
    ["BAAI/bge-m3", "g5.xlarge", {}],
    ["meta-llama/Llama-3.1-405B-Instruct", "p5e.48xlarge", {}],
  ];

  test.each([125, 1000])("a grid of vLLM models and an Ollama one, at a root volume of %d MiB/s: TypeScript and terraform agree", (throughput) => {
    const configs = [
      { llm_model: "llama3:70b", instance_type: "g5.12xlarge", ami_id: "", ebs_volume_gb: 100, app_port: 11434 },
      ...grid.map(([llm_model, instance_type, more], i) => ({ llm_model, instance_type, ami_id: "", ebs_volume_gb: 300, app_port: 8000 + i, engine: "vllm", ...more })),
    ];
    // The 405B model is refused in a group; as an instance it is planned, its row holding the derived value.
    const values = evaluate(stack.json, {
      variables: { ...NETWORK_INPUTS, prefix: "t", llm_ec2_configs: configs, ebs_throughput_mibps: throughput },
      expressions: { grace: "{ for k, m in local.llm_models : m.llm_model => m.derived_grace_period }" },
    });
    const expected = Object.fromEntries(
      configs.map((c) => [c.llm_model, derivedGracePeriod({ dtype: "", quantization: "", engine: "ollama", ...c } as GraceEntry, throughput).seconds]),
    );
    expect(values.grace).toEqual(expected);
    expect(expected["llama3:70b"]).toBe(GRACE_PERIOD_FLOOR_SECONDS);
    expect(new Set(Object.values(expected)).size).toBeGreaterThan(5);
  });
});

describeWithTerraform("what follows a group's grace period, per model", () => {
  let stack: Synthesized;
  beforeAll(() => {
    stack = synthModule();
  });

  const scaling = { concurrent_requests_per_server: 4 };
  const configs = [
    { llm_model: "llama3:8b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 100, app_port: 11434, server_mode: "asg", warm_pool: true, max_size: 2, scaling },
    { llm_model: LLAMA_70B, engine: "vllm", instance_type: "p4d.24xlarge", ami_id: "", ebs_volume_gb: 300, app_port: 8000, server_mode: "asg", warm_pool: true, max_size: 2, scaling },
    { llm_model: LLAMA_8B, engine: "vllm", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 300, app_port: 8001, server_mode: "asg", warm_pool: true, max_size: 2, scaling },
  ];
  const planned = (more: Record<string, unknown>, type: string, name: string, attributes: string[]) =>
    planForEach(stack.json, { variables: { ...NETWORK_INPUTS, prefix: "t", llm_ec2_configs: configs, ...more }, resource: { type, name }, attributes });

  test("derived: each group its own grace, instance warm-up (at most 3600), wait for capacity (+600 s) and hook heartbeat (at most 7200); Ollama's as today", () => {
    // a warm pool's servers keep the weights on the root volume, here at gp3's baseline
    const grace = derivedGracePeriod({ ...vllm(LLAMA_70B, "p4d.24xlarge"), warm_pool: true }, 125).seconds;
    const small = derivedGracePeriod({ ...vllm(LLAMA_8B, "g5.xlarge"), warm_pool: true }, 125).seconds;
    expect(grace).toBeGreaterThan(3600);
    expect(small).toBeGreaterThan(1800);
    const groups = planned({ ebs_throughput_mibps: 125 }, "aws_autoscaling_group", "llm", ["health_check_grace_period", "default_instance_warmup", "wait_for_capacity_timeout", "instance_refresh.preferences.instance_warmup"]);
    const group = (g: number) => ({
      health_check_grace_period: g,
      default_instance_warmup: Math.min(g, 3600),
      wait_for_capacity_timeout: `${g + 600}s`,
      "instance_refresh.preferences.instance_warmup": g,
    });
    expect(groups).toEqual({ llama38b: group(1800), "metallama/Llama3370BInstruct": group(grace), "metallama/Llama318BInstruct": group(small) });
    const hooks = planned({ ebs_throughput_mibps: 125 }, "aws_autoscaling_lifecycle_hook", "model_ready", ["heartbeat_timeout"]);
    expect(hooks).toEqual({
      llama38b: { heartbeat_timeout: 1800 },
      "metallama/Llama3370BInstruct": { heartbeat_timeout: grace },
      "metallama/Llama318BInstruct": { heartbeat_timeout: small },
    });
  });

  test("set: every group gets the input, vLLM's too", () => {
    const groups = planned({ asg_health_check_grace_period_seconds: 2400 }, "aws_autoscaling_group", "llm", ["health_check_grace_period", "wait_for_capacity_timeout"]);
    for (const g of Object.values(groups)) expect(g).toEqual({ health_check_grace_period: 2400, wait_for_capacity_timeout: "3000s" });
    expect(Object.keys(groups)).toHaveLength(3);
  });
});
