import { AnnotationMetadataEntryType, Testing } from "cdktf";
import { rootVolumeFits, weightsGiB } from "../src/catalog/weights-on-disk";
import { parseServiceConfig } from "../src/config/load";
import { ServiceStack } from "../src/stacks/service-stack";
import { MODEL_WEIGHTS_LOCAL, ROOT_VOLUME_CHECK } from "../src/constructs/root-volume-check";
import { synthModule, Synthesized } from "./helpers/synth";
import { describeWithTerraform, evaluate } from "./helpers/terraform";
import { NETWORK_INPUTS } from "./helpers/network-inputs";

const server = (llm_model: string, ebs_volume_gb: number) => ({ llm_model, instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb, app_port: 11434 });

// GIVEN names with each way of writing a size and a quantization, and names that give none
const NAMES = [
  "llama3:8b",
  "llama3:70b",
  "qwen2:0.5b",
  "mixtral:8x7b",
  "llama3:8b-instruct-q8_0",
  "llama3:8b-instruct-fp16",
  "hf.co/bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M",
  "hf.co/org/Model-70B-GGUF:Q2_K",
  "nomic-embed-text",
  "llama3",
  "deepseek-r1:1.5b-qwen-distill-q4_K_M",
];

describe("weights on disk, estimated from the tag", () => {
  test.each([
    ["llama3:8b", 4.5], // 8 x 4.5 / 8
    ["llama3:70b", 39.375],
    ["mixtral:8x7b", 31.5],
    ["llama3:8b-instruct-fp16", 16],
    ["nomic-embed-text", undefined],
  ])("%s: %s GiB", (model, gib) => {
    expect(weightsGiB(model)).toBe(gib);
  });

  test("the main server pulls every model, the others their own; a tag without a size counts 0 and is listed", () => {
    // GIVEN a 100 GiB main server and three models of 39.4 + 39.4 + 31.5 GiB
    const fits = rootVolumeFits([server("llama3:70b", 100), server("qwen2:72b", 100), server("mixtral:8x7b", 40), server("nomic-embed-text", 10)]);
    // THEN
    expect(fits[0]).toMatchObject({ model: "llama3:70b", pulls: ["llama3:70b", "qwen2:72b", "mixtral:8x7b", "nomic-embed-text"], weightsGiB: 111.4, fits: false });
    expect(fits[0].unknown).toEqual(["nomic-embed-text"]);
    expect(fits[1]).toMatchObject({ pulls: ["qwen2:72b"], weightsGiB: 40.5, fits: true });
    expect(fits[2]).toMatchObject({ weightsGiB: 31.5, fits: true });
    expect(fits[3]).toMatchObject({ weightsGiB: 0, fits: true, unknown: ["nomic-embed-text"] });
  });

  test("a vLLM model is pulled by no Ollama server: the main server is the first Ollama model's, and the vLLM server pulls nothing", () => {
    const vllm = { llm_model: "meta-llama/Llama-3.3-70B-Instruct", ebs_volume_gb: 50, engine: "vllm" as const };
    const fits = rootVolumeFits([vllm, server("llama3:70b", 100), server("qwen2:7b", 50)]);
    expect(fits[0]).toMatchObject({ model: vllm.llm_model, pulls: [], weightsGiB: 0, fits: true });
    expect(fits[1]).toMatchObject({ pulls: ["llama3:70b", "qwen2:7b"], weightsGiB: 43.3, fits: true });
    expect(fits[2]).toMatchObject({ pulls: ["qwen2:7b"] });
  });
});

let stack: Synthesized;
beforeAll(() => {
  stack = synthModule();
});

describe("RootVolumeCheck in the module", () => {
  test("a check block (a warning at plan, not an error) over every server of the model table", () => {
    const check = (stack.json as unknown as { check: Record<string, { assert: Array<{ condition: string; error_message: string }> }> }).check;
    const [assert] = check[ROOT_VOLUME_CHECK].assert;
    expect(assert.condition).toContain("local.llm_models");
    expect(assert.condition).toContain(`local.${MODEL_WEIGHTS_LOCAL}[p]`);
    expect(assert.error_message).toMatch(/Raise that entry's ebs_volume_gb\.$/);
  });
});

describeWithTerraform("RootVolumeCheck, evaluated by terraform", () => {
  const base = {
    ...NETWORK_INPUTS,
  };

  test("model_weights_gib is the TypeScript twin's weightsGiB, null where it gives none", () => {
    const { weights } = evaluate(stack.json, {
      variables: { ...base, llm_ec2_configs: NAMES.map((name) => server(name, 200)) },
      expressions: { weights: `local.${MODEL_WEIGHTS_LOCAL}` },
    });
    const actual = weights as Record<string, number | null>;
    for (const name of NAMES) {
      const expected = weightsGiB(name);
      if (expected === undefined) expect({ name, gib: actual[name] }).toEqual({ name, gib: null });
      else expect({ name, gib: actual[name] }).toEqual({ name, gib: expect.closeTo(expected, 9) });
    }
  });

  test.each([
    ["fits: three 8b models on 20 GiB", [server("llama3:8b", 20), server("qwen2:7b", 20), server("mistral:7b", 20)], true],
    ["short: a 70b and a 72b model on a 60 GiB main server", [server("llama3:70b", 60), server("qwen2:72b", 100)], false],
  ])("the check's condition agrees with rootVolumeFits: %s", (_, configs, fits) => {
    const check = (stack.json as unknown as { check: Record<string, { assert: Array<{ condition: string }> }> }).check[ROOT_VOLUME_CHECK];
    const { ok } = evaluate(stack.json, { variables: { ...base, llm_ec2_configs: configs }, expressions: { ok: check.assert[0].condition } });
    expect(ok).toBe(fits);
    expect(rootVolumeFits(configs).every((f) => f.fits)).toBe(fits);
  });
});

describe("the llm-service stack warns at synth", () => {
  const warnings = (configs: ReturnType<typeof server>[]) => {
    const text = JSON.stringify({
      azs: ["ap-southeast-1a", "ap-southeast-1b"],
      vpc_id: "vpc-0a1b2c3d4e5f67890",
      vpc_cidr_block: "172.31.0.0/16",
      subnet_ids: ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"],
      llm_ec2_configs: configs,
    });
    const stack = new ServiceStack(Testing.app(), "llm-service", parseServiceConfig(text, "test.json"));
    return stack.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));
  };

  test("GIVEN a 70b and a 72b model on a 60 GiB main server THEN one warning names the server, the models, the estimate and the fix", () => {
    const found = warnings([server("llama3:70b", 60), server("qwen2:72b", 100)]).filter((w) => w.includes("root volume"));
    expect(found).toEqual([
      "The server of llama3:70b pulls about 79.9 GiB of model weights (llama3:70b, qwen2:72b) onto a root volume of 60 GiB: " +
        "they probably do not fit, and the volume also holds the AMI's system. Raise that entry's ebs_volume_gb.",
    ]);
  });

  test("models that fit give no root volume warning", () => {
    expect(warnings([server("llama3:8b", 60), server("qwen2:7b", 60)]).filter((w) => w.includes("root volume"))).toEqual([]);
  });
});
