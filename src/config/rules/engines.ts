import { computeCapabilityOf, familySizes, INSTANCE_FAMILIES, instanceFamily, instanceSize } from "../../catalog/instance-families";
import { ENGINE_NAMES } from "../../engines";
import {
  BFLOAT16_MIN_COMPUTE_CAPABILITY,
  MAX_MODEL_LEN,
  MAX_REPO_ID_LENGTH,
  SERVED_NAME_PATTERN,
  VLLM_AMPERE_QUANTIZATIONS,
  VLLM_DTYPES,
  VLLM_IMAGE_PATTERN,
  VLLM_IMAGE_PINNED_PATTERN,
  VLLM_MIN_COMPUTE_CAPABILITY,
  VLLM_QUANTIZATIONS,
  VLLM_REPO_FORBIDDEN,
  VLLM_REPO_PATTERN,
  repoOf,
} from "../../engines/vllm";
import { hclTaggedModelName, taggedModelName } from "../derive";
import { OLLAMA_KEEP_ALIVE } from "../ollama-settings";
import { LlmEc2Config } from "../types";
import { hclPerEngine, servedName } from "../../engines";
import { eachModel, Finding, hclFamily, hclList, hclMatches, hclString, hclWhole, matches, Rule, valueRule, whole } from "./kit";

// The rules of the models' engines: which engine, and for vLLM what it may serve, where it runs and
// how it is told to. A vLLM setting on an Ollama model is refused, and an Ollama setting on a vLLM
// model: nothing would read it.

/** Whether the entry's model is served by vLLM. */
const isVllm = (c: Pick<LlmEc2Config, "engine">): boolean => c.engine === "vllm";
const HCL_VLLM = (c: string) => `(${c}.engine == "vllm")`;

/** Ollama's settings, and what an entry that leaves them out has (the module's variable type fills keep_alive). */
const OLLAMA_ONLY_FIELDS = ["context_length", "num_parallel", "kv_cache_type", "keep_alive"] as const;
const OLLAMA_FIELD_DEFAULTS: Record<(typeof OLLAMA_ONLY_FIELDS)[number], string | null> = {
  context_length: null,
  num_parallel: null,
  kv_cache_type: null,
  keep_alive: OLLAMA_KEEP_ALIVE,
};
const hclOllamaDefault = (f: (typeof OLLAMA_ONLY_FIELDS)[number]): string => (OLLAMA_FIELD_DEFAULTS[f] === null ? "null" : JSON.stringify(OLLAMA_FIELD_DEFAULTS[f]));

/**
 * The families vLLM's official image runs on: x86_64 (its published GPU images are built for it; vLLM
 * documents arm64 images only as builds for Grace Hopper and Grace Blackwell) with compute capability
 * 7.5 or newer. g5g (arm64 T4G) and the V100 families (7.0) are out.
 */
export const VLLM_FAMILIES: readonly string[] = Object.entries(INSTANCE_FAMILIES)
  .filter(([, f]) => f.architecture === "x86_64" && f.computeCapability >= VLLM_MIN_COMPUTE_CAPABILITY)
  .map(([name]) => name);

/** Why a catalogued family cannot run vLLM, said after the value. */
function whyNotVllm(family: string): string {
  const f = INSTANCE_FAMILIES[family];
  if (f === undefined) return `${family} is no family the catalog knows the GPU of`;
  if (f.architecture !== "x86_64") return `${family} is ${f.architecture} (${f.gpu}): vLLM publishes no official ${f.architecture} image for it`;
  return `${family} has ${f.gpu}s, compute capability ${f.computeCapability.toFixed(1)}`;
}

/** family -> compute capability, as an HCL literal (a validation reads only its own variable). */
const hclComputeCapabilities = (): string =>
  `{ ${Object.entries(INSTANCE_FAMILIES)
    .map(([name, f]) => `${hclString(name)} = ${f.computeCapability}`)
    .join(", ")} }`;
/** The compute capability of the entry's family, 0 for a family the catalog does not know. */
const hclComputeCapability = (c: string): string => `lookup(${hclComputeCapabilities()}, ${hclFamily(c)}, 0)`;

/** instance type -> GPUs, for every catalogued size. */
export function gpusByInstanceType(): Record<string, number> {
  return Object.fromEntries(
    Object.entries(familySizes()).flatMap(([family, sizes]) => sizes.map((size) => [`${family}.${size}`, INSTANCE_FAMILIES[family].gpusPerSize[size]])),
  );
}
const hclGpus = (c: string): string =>
  `lookup({ ${Object.entries(gpusByInstanceType())
    .map(([type, gpus]) => `${hclString(type)} = ${gpus}`)
    .join(", ")} }, ${c}.instance_type, 0)`;

/** The most GPUs a tensor parallel size may ask for on an instance type the catalog does not know. */
export const MAX_TENSOR_PARALLEL = 64;

/** The GPUs of a catalogued instance type; undefined for one the catalog does not know. */
export function gpusOfInstanceType(instanceType: string): number | undefined {
  return INSTANCE_FAMILIES[instanceFamily(instanceType)]?.gpusPerSize[instanceSize(instanceType)];
}

/** The vLLM fields and their defaults: on an Ollama model each must keep its default. */
export const VLLM_FIELDS = {
  served_model_name: "",
  max_model_len: 0,
  tensor_parallel_size: 0,
  gpu_memory_utilization: 0.9,
  dtype: "",
  quantization: "",
} as const;
type VllmField = keyof typeof VLLM_FIELDS;

/** The routing name of a model as the load balancer compares it: lower case, and Ollama's `:latest` spelled out. */
const routingName = (c: LlmEc2Config): string => taggedModelName((isVllm(c) ? servedName(c) : c.llm_model).toLowerCase());
const hclRoutingName = (c: string): string => hclTaggedModelName(`lower(${hclPerEngine(`${c}.engine`, (e) => e.hcl.servedName(c))})`);
/** How many earlier entries share entry `i`'s routing name, where one of the two is served by vLLM. */
const hclSameRoutingEarlier = (i: string, c: string): string =>
  `length([for j, d in var.llm_ec2_configs : j if j < ${i} && (${HCL_VLLM(c)} || ${HCL_VLLM("d")}) && ${hclRoutingName("d")} == ${hclRoutingName(c)}])`;

/** An SSM parameter name: `/`-separated parts of letters, digits, `_`, `.` and `-`, at most 15 levels deep. */
export const PARAMETER_NAME_PATTERN = "^/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,14}$";
/** SSM refuses names that begin with aws or ssm (any case). */
export const RESERVED_PARAMETER_PREFIX = "^/?([Aa][Ww][Ss]|[Ss][Ss][Mm])";
/** SSM's limit on a parameter's name (its ARN counts too; 1011 leaves room for it). */
export const MAX_PARAMETER_NAME_LENGTH = 1011;

export const engineRules: readonly Rule[] = [
  eachModel(
    "engine",
    "engine",
    `is not an engine (${ENGINE_NAMES.join(", ")})`,
    'use "ollama" (the default) or "vllm"',
    (c) => (ENGINE_NAMES as readonly string[]).includes(c.engine),
    `contains(${hclList(ENGINE_NAMES)}, c.engine)`,
  ),
  eachModel(
    "vllm-model",
    "llm_model",
    `is not a Hugging Face model repository as vLLM loads it: org/name or org/name@revision (letters, digits, - _ ., neither -- nor .., at most ${MAX_REPO_ID_LENGTH} characters before the @)`,
    'with engine "vllm", name the repository, e.g. "mistralai/Mistral-7B-Instruct-v0.3" or "Qwen/Qwen2.5-7B-Instruct@<commit>"',
    (c) =>
      !isVllm(c) || (matches(VLLM_REPO_PATTERN, c.llm_model) && !matches(VLLM_REPO_FORBIDDEN, repoOf(c.llm_model)) && repoOf(c.llm_model).length <= MAX_REPO_ID_LENGTH),
    `!${HCL_VLLM("c")} || (${hclMatches(VLLM_REPO_PATTERN, "c.llm_model")} && !${hclMatches(VLLM_REPO_FORBIDDEN, `split("@", c.llm_model)[0]`)} && length(split("@", c.llm_model)[0]) <= ${MAX_REPO_ID_LENGTH})`,
  ),
  eachModel(
    "vllm-served-name",
    "served_model_name",
    "is not a served name: 1-128 letters, digits and _ . - / :, a letter or digit first (clients send it as model, the load balancer matches it)",
    'use e.g. "mistral-7b-instruct", or "" to serve the model as its repository name',
    (c) => !isVllm(c) || c.served_model_name === "" || matches(SERVED_NAME_PATTERN, c.served_model_name),
    `!${HCL_VLLM("c")} || c.served_model_name == "" || ${hclMatches(SERVED_NAME_PATTERN, "c.served_model_name")}`,
  ),
  {
    id: "vllm-only-fields",
    problem: 'is a vLLM setting on a model served by Ollama, which would not read it',
    fix: 'set engine = "vllm" for a Hugging Face model, or remove the setting',
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Finding[] =>
        isVllm(c) || !(ENGINE_NAMES as readonly string[]).includes(c.engine)
          ? []
          : (Object.keys(VLLM_FIELDS) as VllmField[]).filter((f) => c[f] !== VLLM_FIELDS[f]).map((f): Finding => [`llm_ec2_configs[${i}].${f}`, c[f]]),
      ),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for c in var.llm_ec2_configs : c.engine != "ollama" || (${vllmFieldsAtDefaults("c")})])`,
      offenders:
        `flatten([for i, c in var.llm_ec2_configs : [for f, v in { ${Object.keys(VLLM_FIELDS).map((f) => `${f} = c.${f}`).join(", ")} } : ` +
        `format("llm_ec2_configs[%d].%s = %s", i, f, jsonencode(v)) if v != lookup(${hclDefaults()}, f, null)] if c.engine == "ollama"])`,
    },
  },
  {
    id: "ollama-only-fields",
    problem: "is an Ollama setting on a model served by vLLM, which would not read it",
    fix: "remove it: vLLM's context is max_model_len, and it batches concurrent requests on its own (docs/engines.md)",
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Finding[] =>
        !isVllm(c)
          ? []
          : OLLAMA_ONLY_FIELDS.filter((f) => (c[f] ?? null) !== OLLAMA_FIELD_DEFAULTS[f]).map((f): Finding => [`llm_ec2_configs[${i}].${f}`, c[f]]),
      ),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for c in var.llm_ec2_configs : !${HCL_VLLM("c")} || (${OLLAMA_ONLY_FIELDS.map((f) => `c.${f} == ${hclOllamaDefault(f)}`).join(" && ")})])`,
      offenders:
        `flatten([for i, c in var.llm_ec2_configs : [for f, v in { ${OLLAMA_ONLY_FIELDS.map((f) => `${f} = c.${f}`).join(", ")} } : ` +
        `format("llm_ec2_configs[%d].%s = %s", i, f, jsonencode(v)) if v != lookup({ keep_alive = ${JSON.stringify(OLLAMA_KEEP_ALIVE)} }, f, null)] if ${HCL_VLLM("c")}])`,
    },
  },
  {
    id: "vllm-instance-family",
    problem: `is no instance type vLLM's official image runs on: it needs x86_64 and an NVIDIA GPU of compute capability ${VLLM_MIN_COMPUTE_CAPABILITY} or newer (families: ${VLLM_FAMILIES.join(", ")})`,
    fix: "pick one of those families, e.g. g5.xlarge or g6e.xlarge, or serve the model with Ollama",
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Finding[] =>
        !isVllm(c) || VLLM_FAMILIES.includes(instanceFamily(c.instance_type))
          ? []
          : [[`llm_ec2_configs[${i}].instance_type`, c.instance_type, whyNotVllm(instanceFamily(c.instance_type))]],
      ),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for c in var.llm_ec2_configs : !${HCL_VLLM("c")} || contains(${hclList(VLLM_FAMILIES)}, ${hclFamily("c")})])`,
      offenders: `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].instance_type = %s", i, jsonencode(c.instance_type)) if ${HCL_VLLM("c")} && !contains(${hclList(VLLM_FAMILIES)}, ${hclFamily("c")})]`,
    },
  },
  {
    id: "vllm-tensor-parallel",
    problem: "is not a tensor parallel size for the instance type: 0 (every GPU) or a whole number from 1 to its GPUs",
    fix: "leave it 0, or pick an instance type with as many GPUs, e.g. g5.12xlarge (4)",
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Finding[] => {
        if (!isVllm(c)) return [];
        const gpus = gpusOfInstanceType(c.instance_type);
        const ok = whole(c.tensor_parallel_size, 0, gpus ?? MAX_TENSOR_PARALLEL);
        return ok ? [] : [[`llm_ec2_configs[${i}].tensor_parallel_size`, c.tensor_parallel_size, `${c.instance_type} has ${gpus ?? "an unknown number of"} GPUs`]];
      }),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for c in var.llm_ec2_configs : !${HCL_VLLM("c")} || (${tensorParallelOk("c")})])`,
      offenders:
        `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].tensor_parallel_size = %s (%s has %d GPUs)", i, jsonencode(c.tensor_parallel_size), c.instance_type, ${hclGpus("c")}) ` +
        `if ${HCL_VLLM("c")} && !(${tensorParallelOk("c")})]`,
    },
  },
  eachModel(
    "vllm-gpu-memory-utilization",
    "gpu_memory_utilization",
    "is not a fraction of GPU memory for vLLM: above 0 and at most 1",
    "use e.g. 0.9 (vLLM's default); lower it to leave memory to other processes on the GPUs",
    (c) => !isVllm(c) || (typeof c.gpu_memory_utilization === "number" && c.gpu_memory_utilization > 0 && c.gpu_memory_utilization <= 1),
    `!${HCL_VLLM("c")} || (c.gpu_memory_utilization > 0 && c.gpu_memory_utilization <= 1)`,
  ),
  eachModel(
    "vllm-max-model-len",
    "max_model_len",
    `is not a context length: 0 (the model's own) or a whole number of tokens up to ${MAX_MODEL_LEN}`,
    "use e.g. 8192, or 0 for the model's own maximum",
    (c) => !isVllm(c) || whole(c.max_model_len, 0, MAX_MODEL_LEN),
    `!${HCL_VLLM("c")} || (${hclWhole("c.max_model_len", 0, MAX_MODEL_LEN)})`,
  ),
  eachModel(
    "vllm-dtype",
    "dtype",
    `is not a vLLM dtype (${VLLM_DTYPES.filter((d) => d !== "").join(", ")}, or "" for the family's default)`,
    'use "" (half on a T4, else auto) or one of those',
    (c) => !isVllm(c) || (VLLM_DTYPES as readonly string[]).includes(c.dtype),
    `!${HCL_VLLM("c")} || contains(${hclList(VLLM_DTYPES)}, c.dtype)`,
  ),
  eachModel(
    "vllm-bfloat16",
    "dtype",
    `asks for bfloat16 on a GPU without it (bfloat16 needs compute capability ${BFLOAT16_MIN_COMPUTE_CAPABILITY.toFixed(1)}, Ampere or newer)`,
    'use "half" (or "" for it) on this family, or a family with bfloat16 such as g5, g6 or g6e',
    (c) => !isVllm(c) || c.dtype !== "bfloat16" || !((computeCapabilityOf(c.instance_type) ?? Infinity) < BFLOAT16_MIN_COMPUTE_CAPABILITY),
    `!${HCL_VLLM("c")} || c.dtype != "bfloat16" || !(${hclComputeCapability("c")} > 0 && ${hclComputeCapability("c")} < ${BFLOAT16_MIN_COMPUTE_CAPABILITY})`,
  ),
  eachModel(
    "vllm-quantization",
    "quantization",
    `is not a quantization method we pass to vLLM (${VLLM_QUANTIZATIONS.filter((q) => q !== "").join(", ")}, or "" to read it from the model)`,
    'use "" for a quantized checkpoint (vLLM reads its method), or one of those',
    (c) => !isVllm(c) || (VLLM_QUANTIZATIONS as readonly string[]).includes(c.quantization),
    `!${HCL_VLLM("c")} || contains(${hclList(VLLM_QUANTIZATIONS)}, c.quantization)`,
  ),
  eachModel(
    "vllm-quantization-gpu",
    "quantization",
    `is a method that needs compute capability 8.0 (Ampere) or newer (${VLLM_AMPERE_QUANTIZATIONS.join(", ")}), on a GPU without it`,
    'use "awq" or "gptq" on this family, or a newer family such as g5, g6 or g6e',
    (c) =>
      !isVllm(c) ||
      !(VLLM_AMPERE_QUANTIZATIONS as readonly string[]).includes(c.quantization) ||
      !((computeCapabilityOf(c.instance_type) ?? Infinity) < 8),
    `!${HCL_VLLM("c")} || !contains(${hclList(VLLM_AMPERE_QUANTIZATIONS)}, c.quantization) || !(${hclComputeCapability("c")} > 0 && ${hclComputeCapability("c")} < 8)`,
  ),
  {
    id: "served-name-unique",
    problem: "is served under a name another model answers to (names compare case-insensitively, no tag means :latest): the load balancer would send both to one server",
    fix: "give the vLLM model another served_model_name",
    find: (inputs) => {
      const configs = inputs.llm_ec2_configs;
      return configs.flatMap((c, i): Finding[] =>
        configs.some((d, j) => j < i && (isVllm(c) || isVllm(d)) && routingName(d) === routingName(c))
          ? [[`llm_ec2_configs[${i}].${isVllm(c) ? "served_model_name" : "llm_model"}`, isVllm(c) ? c.served_model_name : c.llm_model, `served as ${servedName(c)}`]]
          : [],
      );
    },
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for i, c in var.llm_ec2_configs : ${hclSameRoutingEarlier("i", "c")} == 0])`,
      offenders:
        `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].%s = %s", i, ${HCL_VLLM("c")} ? "served_model_name" : "llm_model", ` +
        `jsonencode(${HCL_VLLM("c")} ? c.served_model_name : c.llm_model)) if ${hclSameRoutingEarlier("i", "c")} > 0]`,
    },
  },
  valueRule(
    "vllm-image",
    "vllm_image",
    "is not vLLM's official image pinned to a release: vllm/vllm-openai with a release tag (v0.29.0), a digest (@sha256:...) or both",
    'use e.g. "vllm/vllm-openai:v0.29.0"; a moving tag such as latest would change what new servers run behind an unchanged plan',
    (image: string) => matches(VLLM_IMAGE_PATTERN, image) && matches(VLLM_IMAGE_PINNED_PATTERN, image),
    (v) => `${hclMatches(VLLM_IMAGE_PATTERN, v)} && ${hclMatches(VLLM_IMAGE_PINNED_PATTERN, v)}`,
  ),
  valueRule(
    "hf-token-parameter",
    "hf_token_parameter",
    `is not an SSM parameter name: "" or 1-${MAX_PARAMETER_NAME_LENGTH} letters, digits and _ . - in /-separated parts (at most 15 levels), not beginning with aws or ssm`,
    'give the SecureString\'s name, e.g. "/llm/hf-token", or "" for none',
    (name: string) => name === "" || (matches(PARAMETER_NAME_PATTERN, name) && !matches(RESERVED_PARAMETER_PREFIX, name) && name.length <= MAX_PARAMETER_NAME_LENGTH),
    (v) =>
      `${v} == "" || (${hclMatches(PARAMETER_NAME_PATTERN, v)} && !${hclMatches(RESERVED_PARAMETER_PREFIX, v)} && length(${v}) <= ${MAX_PARAMETER_NAME_LENGTH})`,
  ),
];

function vllmFieldsAtDefaults(c: string): string {
  return Object.entries(VLLM_FIELDS)
    .map(([field, value]) => `${c}.${field} == ${typeof value === "string" ? hclString(value) : value}`)
    .join(" && ");
}

function hclDefaults(): string {
  return `{ ${Object.entries(VLLM_FIELDS)
    .map(([field, value]) => `${field} = ${typeof value === "string" ? hclString(value) : value}`)
    .join(", ")} }`;
}

/** 0, or a whole number up to the instance type's GPUs (any whole number when the type is not catalogued). */
function tensorParallelOk(c: string): string {
  return `${hclWhole(`${c}.tensor_parallel_size`, 0, MAX_TENSOR_PARALLEL)} && (${hclGpus(c)} == 0 || ${c}.tensor_parallel_size <= ${hclGpus(c)})`;
}
