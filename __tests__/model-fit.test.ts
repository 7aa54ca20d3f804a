import { bitsPerWeight, fitTable, modelFit, parameterCount } from "../src/catalog/model-fit";
import { familyArchitectures, familySizes, INSTANCE_FAMILIES } from "../src/catalog/instance-families";

const server = (llm_model: string, instance_type: string) => ({ llm_model, instance_type, ami_id: "", ebs_volume_gb: 100, app_port: 11434 });

describe("instance-family catalog", () => {
  test("covers the GPU families the issue names, with their architecture", () => {
    for (const family of ["g4dn", "g5", "g6", "gr6", "g6e", "p4d", "p4de", "p5", "p5e"]) expect(familyArchitectures()[family]).toBe("x86_64");
    expect(familyArchitectures().g5g).toBe("arm64");
  });

  test("multi-GPU sizes: g5.12xlarge has 4 x 24 GiB, g5g.16xlarge 2 x 16 GiB", () => {
    expect(modelFit(server("x:1b", "g5.12xlarge"))).toMatchObject({ gpus: 4, gpuMemoryGiB: 24 });
    expect(modelFit(server("x:1b", "g5g.16xlarge"))).toMatchObject({ gpus: 2, gpuMemoryGiB: 16 });
    expect(INSTANCE_FAMILIES.p5.gpusPerSize["48xlarge"]).toBe(8);
  });

  test("every family lists its sizes: g5 has xlarge to 48xlarge, p4d only 24xlarge, p5 also the one-GPU 4xlarge", () => {
    expect(familySizes().g5).toEqual(["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"]);
    expect(familySizes().g4dn).toEqual(["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "metal"]);
    expect(familySizes().p4d).toEqual(["24xlarge"]);
    expect(modelFit(server("x:1b", "p5.4xlarge"))).toMatchObject({ gpus: 1, gpuMemoryGiB: 80 });
    expect(Object.keys(familySizes()).sort()).toEqual(Object.keys(INSTANCE_FAMILIES).sort());
  });

  test("a size the family does not have has no GPUs to compare with: the fit is unknown", () => {
    const fit = modelFit(server("llama3:8b", "p4d.xlarge"));
    expect(fit.gpus).toBeUndefined();
    expect(fit.fits).toBeUndefined();
  });
});

describe("model memory estimate", () => {
  test.each([
    ["llama3:8b", 8],
    ["llama3:70b", 70],
    ["qwen2:0.5b", 0.5],
    ["mixtral:8x7b", 56],
    ["hf.co/bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M", 3],
    ["nomic-embed-text", undefined],
  ])("parameters of %s: %s billion", (model, count) => {
    expect(parameterCount(model)).toBe(count);
  });

  test.each([
    ["llama3:8b", 4.5],
    ["llama3:8b-instruct-q8_0", 8.5],
    ["llama3:8b-instruct-fp16", 16],
    ["hf.co/org/Model-GGUF:Q5_K_M", 5.5],
  ])("bits per weight of %s: %s", (model, bits) => {
    expect(bitsPerWeight(model)).toBe(bits);
  });

  test("need = parameters x bits / 8 x 1.2 + 0.5 GiB, compared with GPUs x memory", () => {
    // 70 x 4.5 / 8 x 1.2 + 0.5 = 47.75
    expect(modelFit(server("llama3:70b", "g5.xlarge"))).toMatchObject({ needGiB: 47.8, fits: false });
    expect(modelFit(server("llama3:70b", "g5.12xlarge"))).toMatchObject({ needGiB: 47.8, fits: true });
    expect(modelFit(server("llama3:8b", "g5g.xlarge"))).toMatchObject({ needGiB: 5.9, fits: true });
  });

  test("unknown when the family or the parameter count is unknown", () => {
    expect(modelFit(server("llama3:8b", "c7i.xlarge")).fits).toBeUndefined();
    expect(modelFit(server("nomic-embed-text", "g5.xlarge")).fits).toBeUndefined();
  });

  test("the synth table has a row per model with its verdict", () => {
    const table = fitTable([server("llama3:70b", "g5.xlarge"), server("llama3:8b", "g5g.xlarge")]).split("\n");
    expect(table[0]).toMatch(/^model\s+instance type\s+arch\s+GPUs x memory\s+estimated need\s+fits$/);
    expect(table[1]).toMatch(/^llama3:70b\s+g5\.xlarge\s+x86_64\s+1 x 24 GiB\s+47\.8 GiB\s+NO$/);
    expect(table[2]).toMatch(/^llama3:8b\s+g5g\.xlarge\s+arm64\s+1 x 16 GiB\s+5\.9 GiB\s+yes$/);
  });
});
