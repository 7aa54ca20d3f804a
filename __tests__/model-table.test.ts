import { Testing } from "cdktf";
import { DataAwsAmi } from "../src/aws";
import { familyArchitectures, familySizes } from "../src/catalog/instance-families";
import { alternateModelName, derivedListenerPriority, hclTaggedModelName, modelKey, taggedModelName } from "../src/config/derive";
import { DLAMI_NAME_REGEX } from "../src/constructs/deep-learning-amis";
import { block, synthModule, Synthesized } from "./helpers/synth";
import { describeWithTerraform, DLAMI_ARM, DLAMI_X86, evaluate } from "./helpers/terraform";
import { NETWORK_INPUTS } from "./helpers/network-inputs";

// GIVEN four models on two subnets / AZs (so the lists wrap around), names using each of `-_.:`,
// the three families the original knows, one with its own AMI
const INPUTS = {
  prefix: "acme",
  ...NETWORK_INPUTS,
  llm_ec2_configs: [
    { llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
    { llm_model: "mistral-nemo:12b", instance_type: "g5.2xlarge", ami_id: "", ebs_volume_gb: 300, app_port: 11434 },
    { llm_model: "phi3_mini:3.8b", instance_type: "g4dn.xlarge", ami_id: "ami-0123456789abcdef0", ebs_volume_gb: 100, app_port: 11435 },
    { llm_model: "qwen2.5:7b", instance_type: "g4dn.xlarge", ami_id: "", ebs_volume_gb: 100, app_port: 11434 },
  ],
};
Testing.setupJest();

const ALL_MODELS = ["llama3:8b", "mistral-nemo:12b", "phi3_mini:3.8b", "qwen2.5:7b"];

let stack: Synthesized;
beforeAll(() => {
  // WHEN
  stack = synthModule();
});

describe("ModelTable", () => {
  test.each([
    ["dlami_arm", "arm64"],
    ["dlami_x86", "x86_64"],
  ] as const)("data.aws_ami.%s: the most recent public %s Deep Learning AMI by Amazon, looked up only when a model uses it", (name, architecture) => {
    const filters = {
      architecture,
      "image-type": "machine",
      "is-public": "true",
      "virtualization-type": "hvm",
      "root-device-type": "ebs",
      state: "available",
    };
    expect(stack.text).toHaveDataSourceWithProperties(DataAwsAmi, { most_recent: true, owners: ["amazon"], name_regex: DLAMI_NAME_REGEX[architecture] });
    const ami = block(stack.json, "aws_ami", name, "data");
    const filter = ami.filter as Array<{ name: string; values: string[] }>;
    expect(Object.fromEntries(filter.map((f) => [f.name, f.values]))).toEqual(
      Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, [v]])),
    );
    expect(filter).toHaveLength(6);
    expect(ami.count).toMatch(/^\$\{length\(\[for c in var\.llm_ec2_configs : c if c\.ami_id == "" && /);
  });

  test("instance_family_arch is the TypeScript catalog and maps the original's families", () => {
    const local = stack.json.locals?.instance_family_arch;
    expect(local).toEqual(familyArchitectures());
    expect(local).toMatchObject({ g5g: "arm64", g4dn: "x86_64", g5: "x86_64" });
  });

  test("the instance-size rule is a validation of llm_ec2_configs holding the TypeScript catalog's sizes (terraform validate checks it)", () => {
    const validations = (stack.json.variable?.llm_ec2_configs as { validation: Array<{ condition: string; error_message: string }> }).validation;
    const size = validations.find((v) => v.error_message.startsWith("[instance-size]"))!;
    for (const [family, sizes] of Object.entries(familySizes())) expect(size.condition).toContain(`"${family}" = ${JSON.stringify(sizes).replace(/,/g, ", ")}`);
    expect(stack.json.locals).not.toHaveProperty("instance_family_sizes");
  });

  test("llm_models iterates the configs by position, subnet and AZ through element()", () => {
    const expression = stack.json.locals?.llm_models as string;
    expect(expression).toMatch(/for i, c in \[for c in var\.llm_ec2_configs : merge\(local\.engine_field_defaults, c\)\]/);
    expect(expression).toContain("element(var.subnet_ids, i)");
    expect(expression).toContain("element(var.azs, i)");
  });
});

describeWithTerraform("ModelTable, evaluated by terraform", () => {
  let models: Record<string, Record<string, unknown>>;
  let mainKey: unknown;
  beforeAll(() => {
    const values = evaluate(stack.json, {
      variables: INPUTS,
      expressions: { models: "local.llm_models", mainKey: "local.main_model_key" },
    });
    models = values.models as Record<string, Record<string, unknown>>;
    mainKey = values.mainKey;
  });

  test("keys are the model names without - _ . :", () => {
    expect(Object.keys(models).sort()).toEqual(["llama38b", "mistralnemo12b", "phi3mini38b", "qwen257b"]);
    expect(mainKey).toBe("llama38b");
  });

  test("a new server's subnet and AZ follow the position and wrap around, as the original placed them", () => {
    const placement = (key: string) => [models[key].subnet_id, models[key].availability_zone];
    expect(placement("llama38b")).toEqual(["subnet-aaaa", "ap-southeast-1a"]);
    expect(placement("mistralnemo12b")).toEqual(["subnet-bbbb", "ap-southeast-1b"]);
    expect(placement("phi3mini38b")).toEqual(["subnet-aaaa", "ap-southeast-1a"]);
    expect(placement("qwen257b")).toEqual(["subnet-bbbb", "ap-southeast-1b"]);
  });

  /** Each model's listener priority for `inputs`, by key. */
  const priorities = (inputs: Record<string, unknown>) => {
    const { rows } = evaluate(stack.json, { variables: inputs, expressions: { rows: "local.llm_models" } });
    return Object.fromEntries(Object.entries(rows as Record<string, Record<string, unknown>>).map(([k, m]) => [k, m.listener_priority]));
  };

  test("listener priorities stay put when other models are reordered, removed or inserted", () => {
    // GIVEN the four models' priorities
    const before = priorities(INPUTS);
    const [a, b, c, d] = INPUTS.llm_ec2_configs;
    const newcomer = { ...b, llm_model: "gemma2:9b" };
    // WHEN the list is reordered, its second entry removed, a model inserted in the middle
    const changed = [
      [d, c, b, a],
      [a, c, d],
      [a, b, newcomer, c, d],
    ].map((configs) => priorities({ ...INPUTS, llm_ec2_configs: configs }));
    // THEN every model that stays keeps its priority
    for (const after of changed) {
      for (const [key, priority] of Object.entries(after)) if (key in before) expect({ key, priority }).toEqual({ key, priority: before[key] });
    }
    expect(Object.keys(changed[2])).toContain("gemma29b");
  });

  test("the first model is the main server and pulls every model; the others pull their own", () => {
    expect(models.llama38b).toMatchObject({ is_main: true, pull_models: ALL_MODELS });
    expect(models.mistralnemo12b).toMatchObject({ is_main: false, pull_models: ["mistral-nemo:12b"] });
    expect(models.qwen257b).toMatchObject({ is_main: false, pull_models: ["qwen2.5:7b"] });
  });

  test("listener rule priority: derived from the key as TypeScript derives it, from 1000 to 50000, clear of the original's 1-100", () => {
    const priorities = Object.fromEntries(Object.entries(models).map(([k, m]) => [k, m.listener_priority]));
    expect(priorities).toEqual(Object.fromEntries(INPUTS.llm_ec2_configs.map((c) => [modelKey(c.llm_model), derivedListenerPriority(c.llm_model)])));
    for (const p of Object.values(priorities) as number[]) expect(p >= 1000 && p <= 50000 && Number.isInteger(p)).toBe(true);
    expect(new Set(Object.values(priorities)).size).toBe(4);
  });

  test("listener_priority, when an entry sets it, is the rule's priority", () => {
    const configs = INPUTS.llm_ec2_configs.map((c, i) => (i === 1 ? { ...c, listener_priority: 4242 } : c));
    const after = priorities({ ...INPUTS, llm_ec2_configs: configs });
    expect(after.mistralnemo12b).toBe(4242);
    expect(after.llama38b).toBe(derivedListenerPriority("llama3:8b"));
  });

  test("the main server pulls its own model first, then the others sorted: a reorder of the others changes no pull list", () => {
    const pulls = (configs: typeof INPUTS.llm_ec2_configs) => {
      const { rows } = evaluate(stack.json, { variables: { ...INPUTS, llm_ec2_configs: configs }, expressions: { rows: "local.llm_models" } });
      return Object.fromEntries(Object.entries(rows as Record<string, { pull_models: string[] }>).map(([k, m]) => [k, m.pull_models]));
    };
    const [a, b, c, d] = INPUTS.llm_ec2_configs;
    expect(pulls([a, d, c, b])).toEqual(pulls([a, b, c, d]));
    expect(pulls([c, a, b, d]).phi3mini38b).toEqual(["phi3_mini:3.8b", "llama3:8b", "mistral-nemo:12b", "qwen2.5:7b"]);
  });

  test("the Deep Learning AMI look-ups count only the architectures that models without an ami_id use", () => {
    const counts = (configs: Array<Record<string, unknown>>) => {
      const values = evaluate(stack.json, {
        variables: { ...INPUTS, llm_ec2_configs: configs },
        expressions: { arm: stack.json.data!.aws_ami.dlami_arm.count as string, x86: stack.json.data!.aws_ami.dlami_x86.count as string },
      });
      return [values.arm, values.x86];
    };
    const [arm, x86, own] = INPUTS.llm_ec2_configs;
    expect(counts([arm, x86])).toEqual([1, 1]);
    expect(counts([arm])).toEqual([1, 0]);
    expect(counts([x86])).toEqual([0, 1]);
    expect(counts([own])).toEqual([0, 0]);
    expect(counts([{ ...arm, ami_id: "ami-0123456789abcdef0" }, x86])).toEqual([0, 1]);
  });

  // AMI names as AWS publishes them (Deep Learning AMI release notes), and Amazon Linux 2 ones the regexes must not take.
  const NAMES: ReadonlyArray<readonly ["arm64" | "x86_64", string, boolean]> = [
    ["x86_64", "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.5.1 (Amazon Linux 2023) 20250101", true],
    ["x86_64", "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.6.0 (Ubuntu 22.04) 20250201", true],
    ["x86_64", "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.1.0 (Amazon Linux 2) 20240101", false],
    ["x86_64", "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.3.0 (Amazon Linux 2) 20240601", false],
    ["arm64", "Deep Learning ARM64 AMI OSS Nvidia Driver GPU PyTorch 2.9 (Ubuntu 24.04) 20260317", true],
    ["arm64", "Deep Learning ARM64 AMI OSS Nvidia Driver GPU PyTorch 2.5.1 (Amazon Linux 2023) 20250101", true],
    ["arm64", "Deep Learning ARM64 AMI OSS Nvidia Driver GPU PyTorch 2.0.1 (Amazon Linux 2) 20230901", false],
    ["arm64", "Deep Learning ARM64 Base OSS Nvidia Driver GPU AMI (Ubuntu 24.04) 20260428", false],
  ];

  test("the name regexes, as Terraform's regex() reads them, take Amazon Linux 2023 and Ubuntu images and no Amazon Linux 2 one", () => {
    const expressions = Object.fromEntries(
      NAMES.map(([architecture, name], i) => [`n${i}`, `can(regex(${JSON.stringify(DLAMI_NAME_REGEX[architecture])}, ${JSON.stringify(name)}))`]),
    );
    const hits = evaluate(stack.json, { variables: INPUTS, expressions });
    expect(NAMES.map(([architecture, name], i) => [architecture, name, hits[`n${i}`]])).toEqual(NAMES.map((n) => [...n]));
  });

  test("Name is <prefix>-main-<model> for the main server, <prefix>-<model> for the others", () => {
    expect(models.llama38b.name).toBe("acme-main-llama3:8b");
    expect(models.mistralnemo12b.name).toBe("acme-mistral-nemo:12b");
    expect(models.phi3mini38b.name).toBe("acme-phi3_mini:3.8b");
  });

  test("AMI: ami_id when set, else the arm64 DLAMI for g5g and the x86_64 one for g5 and g4dn", () => {
    expect(models.llama38b.ami).toBe(DLAMI_ARM);
    expect(models.mistralnemo12b.ami).toBe(DLAMI_X86);
    expect(models.phi3mini38b.ami).toBe("ami-0123456789abcdef0");
    expect(models.qwen257b.ami).toBe(DLAMI_X86);
  });

  test("families the original had no default AMI for get the x86_64 DLAMI (a fix of the original module's defect)", () => {
    // GIVEN a g6 (x86_64, unknown to the original) as the only model
    const config = { ...INPUTS.llm_ec2_configs[3], instance_type: "g6.xlarge" };
    // WHEN
    const { models: g6 } = evaluate(stack.json, {
      variables: { ...INPUTS, llm_ec2_configs: [config] },
      expressions: { models: "local.llm_models" },
    });
    // THEN
    expect((g6 as Record<string, { ami: string }>).qwen257b.ami).toBe(DLAMI_X86);
  });

  // GIVEN names with and without a tag, :latest, a registry with a port, and lengths at the ALB's 128 limit
  // (each part within Ollama's limits: a host, a namespace of 40 and a model of up to 40 characters)
  const long = (model: string) => `${"h".repeat(40)}/${"n".repeat(40)}/${model}`;
  const SPELLINGS = [
    "llama3",
    "qwen2:latest",
    "mistral-nemo:12b",
    "registry.example.com:5000/team/llama3",
    "hf.co/org/repo:Q4_K_M",
    long("a".repeat(39)),
    long("b".repeat(40)),
    long(`${"c".repeat(38)}:latest`),
  ];

  test("alternate_llm_model is the TypeScript twin's alternateModelName, null where it gives none", () => {
    const configs = SPELLINGS.map((llm_model) => ({ ...INPUTS.llm_ec2_configs[0], llm_model }));
    // WHEN
    const { models: rows } = evaluate(stack.json, { variables: { ...INPUTS, llm_ec2_configs: configs }, expressions: { models: "local.llm_models" } });
    // THEN
    const byName = Object.fromEntries(Object.values(rows as Record<string, { llm_model: string; alternate_llm_model: string | null }>).map((r) => [r.llm_model, r.alternate_llm_model]));
    expect(byName).toEqual(Object.fromEntries(SPELLINGS.map((name) => [name, alternateModelName(name) ?? null])));
    // and the cases the twin must get right
    expect(byName).toMatchObject({
      llama3: "llama3:latest",
      "qwen2:latest": "qwen2",
      "mistral-nemo:12b": null,
      "registry.example.com:5000/team/llama3": "registry.example.com:5000/team/llama3:latest",
    });
    expect(long("a".repeat(39))).toHaveLength(121);
    expect(byName[long("a".repeat(39))]).toBe(`${long("a".repeat(39))}:latest`);
    expect(byName[long("b".repeat(40))]).toBeNull();
  });

  test("the HCL of taggedModelName is its TypeScript twin", () => {
    const expressions = Object.fromEntries(SPELLINGS.map((name, i) => [`n${i}`, hclTaggedModelName(JSON.stringify(name))]));
    const values = evaluate(stack.json, { variables: INPUTS, expressions });
    expect(SPELLINGS.map((_, i) => values[`n${i}`])).toEqual(SPELLINGS.map(taggedModelName));
    expect(taggedModelName("llama3")).toBe("llama3:latest");
  });
});
