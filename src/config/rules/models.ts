import { familySizes, INSTANCE_FAMILIES, instanceFamily } from "../../catalog/instance-families";
import { nearest } from "../nearest";
import { modelKey, taggedModelName } from "../derive";
import { LlmEc2Config } from "../types";
import {
  AMI_PATTERN,
  eachModel,
  Finding,
  familyKnown,
  hclFamily,
  hclFamilySizes,
  hclList,
  hclMatches,
  hclRepeats,
  hclSizeKnown,
  HCL_NOT_OLLAMA,
  hclWhole,
  INSTANCE_TYPE_PATTERN,
  isOllama,
  keyOf,
  matches,
  MAX_MODEL_NAME_LENGTH,
  MAX_MODELS,
  MODEL_NAME_PART_PATTERNS,
  MODEL_NAME_SHAPE_PATTERN,
  repeats,
  Rule,
  sameModelEarlier,
  sizeUnknown,
  valueRule,
  whole,
} from "./kit";

/** A name of 1-128 characters in at most three "/"-parts; the part rules check only such names. */
export const nameShapeOk = (name: string): boolean =>
  name.length >= 1 && name.length <= MAX_MODEL_NAME_LENGTH && matches(MODEL_NAME_SHAPE_PATTERN, name);
const hclNameShapeOk = (n: string): string =>
  `(length(${n}) >= 1 && length(${n}) <= ${MAX_MODEL_NAME_LENGTH} && ${hclMatches(MODEL_NAME_SHAPE_PATTERN, n)})`;

/** Whether `part` of `name` is absent or as Ollama's parser accepts it (for a name of good shape). */
export const namePartOk = (part: keyof typeof MODEL_NAME_PART_PATTERNS, name: string): boolean =>
  !nameShapeOk(name) || matches(MODEL_NAME_PART_PATTERNS[part], name);

/** One rule per part of a model name, so the message names the part at fault. */
function namePartRule(part: keyof typeof MODEL_NAME_PART_PATTERNS, problem: string, fix: string): Rule {
  return eachModel(
    `model-name-${part}`,
    "llm_model",
    problem,
    fix,
    (c) => !isOllama(c) || namePartOk(part, c.llm_model),
    `${HCL_NOT_OLLAMA("c")} || !${hclNameShapeOk("c.llm_model")} || ${hclMatches(MODEL_NAME_PART_PATTERNS[part], "c.llm_model")}`
  );
}

/** Model entries: names, keys, instance types and sizes, AMIs, volumes, ports. */
export const modelsRules: readonly Rule[] = [
  valueRule(
    "model-count",
    "llm_ec2_configs",
    "must hold 1 to 100 models (an ALB takes at most 100 target groups)",
    "list between 1 and 100 entries; run more models with a second deployment under another prefix",
    (configs: LlmEc2Config[]) => configs.length >= 1 && configs.length <= MAX_MODELS,
    (v) => `length(${v}) >= 1 && length(${v}) <= ${MAX_MODELS}`
  ),
  eachModel(
    "model-name",
    "llm_model",
    `is not an Ollama model name of the form [host/][namespace/]model[:tag] (1-${MAX_MODEL_NAME_LENGTH} characters, at most two "/")`,
    'write the name as `ollama pull` takes it, e.g. "llama3:8b", "library/llama3:8b" or "hf.co/org/Model-GGUF:Q4_K_M"',
    (c) => !isOllama(c) || nameShapeOk(c.llm_model),
    `${HCL_NOT_OLLAMA("c")} || ${hclNameShapeOk("c.llm_model")}`
  ),
  namePartRule(
    "host",
    'has a registry host (the first of three "/"-parts) that Ollama refuses: 1-350 letters, digits and _ . - : (a port), starting with a letter, digit or _',
    'write the host as it is, e.g. "registry.example.com:5000/team/model:tag"'
  ),
  namePartRule(
    "namespace",
    'has a namespace (the part before the model\'s "/") that Ollama refuses: 1-80 letters, digits, _ and -, starting with a letter, digit or _; no "." (with two parts, the first is the namespace, never a host)',
    'give a registry host its namespace, e.g. "hf.co/org/Model-GGUF" rather than "hf.co/Model-GGUF"'
  ),
  namePartRule(
    "model",
    'has a model part (after the last "/", before the ":") that Ollama refuses: 1-80 letters, digits and _ . -, starting with a letter, digit or _; a name has one ":" at most after its last "/", before the tag',
    'e.g. "llama3.1:8b" or "mistral-nemo:12b"; no "+", space, "*" or "?", and no second ":"'
  ),
  namePartRule(
    "tag",
    'has a tag (after the last ":") that Ollama refuses: 1-80 letters, digits and _ . -, starting with a letter, digit or _',
    'e.g. "llama3:8b-instruct-q4_K_M", or no ":" at all for the latest tag'
  ),
  {
    id: "model-unique",
    problem: "names a model a second time (each model gets one server)",
    fix: "list each model once",
    find: (inputs) =>
      repeats(
        inputs.llm_ec2_configs.map((c) => c.llm_model),
        (i) => `llm_ec2_configs[${i}].llm_model`
      ),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `length(distinct(var.llm_ec2_configs[*].llm_model)) == length(var.llm_ec2_configs)`,
      offenders: hclRepeats("var.llm_ec2_configs[*].llm_model", "llm_ec2_configs[%d].llm_model"),
    },
  },
  {
    id: "model-key-unique",
    problem: "gives the same key as an earlier model once - _ . : are removed (their servers and target groups would collide)",
    fix: "models must differ in more than the characters - _ . :",
    find: (inputs) => {
      const keys = inputs.llm_ec2_configs.map((c) => modelKey(c.llm_model));
      return repeats(keys, (i) => `llm_ec2_configs[${i}].llm_model`).map(([path, key]): Finding => {
        const model = inputs.llm_ec2_configs[keys.lastIndexOf(key as string)].llm_model;
        return [path, model, `key ${key}`];
      });
    },
    hcl: {
      variable: "llm_ec2_configs",
      condition: `length(distinct([for c in var.llm_ec2_configs : ${keyOf("c")}])) == length(var.llm_ec2_configs)`,
      offenders: hclRepeats(`[for c in var.llm_ec2_configs : ${keyOf("c")}]`, "llm_ec2_configs[%d].llm_model key"),
    },
  },
  {
    id: "model-spelling-unique",
    problem: 'names the same Ollama model as an earlier entry, spelled with or without ":latest" (both would match the same requests)',
    fix: 'list the model once, e.g. "llama3" or "llama3:latest"',
    find: (inputs) => {
      const configs = inputs.llm_ec2_configs;
      return configs.flatMap(
        (c, i): Array<[string, unknown]> =>
          isOllama(c) &&
          configs.some((d, j) => j < i && isOllama(d) && d.llm_model !== c.llm_model && taggedModelName(d.llm_model) === taggedModelName(c.llm_model))
            ? [[`llm_ec2_configs[${i}].llm_model`, c.llm_model]]
            : []
      );
    },
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for i, c in var.llm_ec2_configs : ${sameModelEarlier("i", "c")} == 0])`,
      offenders: `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].llm_model = %s", i, jsonencode(c.llm_model)) if ${sameModelEarlier(
        "i",
        "c"
      )} > 0]`,
    },
  },
  eachModel(
    "instance-type",
    "instance_type",
    "is not an EC2 instance type of the form family.size",
    'write it as AWS does, e.g. "g5.xlarge"',
    (c) => matches(INSTANCE_TYPE_PATTERN, c.instance_type),
    hclMatches(INSTANCE_TYPE_PATTERN, "c.instance_type")
  ),
  {
    ...eachModel(
      "instance-family",
      "instance_type",
      `is of a family with no known Deep Learning AMI architecture (known: ${Object.keys(INSTANCE_FAMILIES).join(", ")})`,
      "use a GPU family from that list, or set ami_id to an AMI that runs Ollama on this instance type",
      (c) => c.ami_id !== "" || familyKnown(c),
      `c.ami_id != "" || contains(${hclList(Object.keys(INSTANCE_FAMILIES))}, split(".", c.instance_type)[0])`
    ),
    suggest: nearestInstanceType,
  },
  {
    id: "instance-size",
    problem: "is not a size EC2 offers in its instance family, so the apply would fail",
    fix: "pick one of the family's sizes, e.g. g5.xlarge or p4d.24xlarge",
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Finding[] => {
        if (!sizeUnknown(c)) return [];
        const family = instanceFamily(c.instance_type);
        return [[`llm_ec2_configs[${i}].instance_type`, c.instance_type, `${family} sizes: ${familySizes()[family].join(", ")}`]];
      }),
    suggest: nearestInstanceType,
    // The catalog is written into the validation, so `terraform validate` checks it without AWS.
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for c in var.llm_ec2_configs : ${hclSizeKnown("c")}])`,
      offenders:
        `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].instance_type = %s (%s sizes: %s)", i, jsonencode(c.instance_type), ` +
        `${hclFamily("c")}, join(", ", lookup(${hclFamilySizes()}, ${hclFamily("c")}, []))) if !${hclSizeKnown("c")}]`,
    },
  },
  eachModel(
    "ami-id",
    "ami_id",
    'is not an AMI id ("ami-" and 8 or 17 hex digits) nor empty',
    'give an AMI id such as "ami-0123456789abcdef0", or "" for the Deep Learning AMI',
    (c) => c.ami_id === "" || matches(AMI_PATTERN, c.ami_id),
    `c.ami_id == "" || ${hclMatches(AMI_PATTERN, "c.ami_id")}`
  ),
  eachModel(
    "ebs-volume",
    "ebs_volume_gb",
    "is not a gp3 volume size",
    "use a whole number of GiB from 1 to 16384",
    (c) => whole(c.ebs_volume_gb, 1, 16384),
    hclWhole("c.ebs_volume_gb", 1, 16384)
  ),
  eachModel(
    "app-port",
    "app_port",
    "is not a TCP port (a whole number from 1 to 65535)",
    "use a whole number from 1 to 65535, e.g. Ollama's 11434",
    (c) => whole(c.app_port, 1, 65535),
    hclWhole("c.app_port", 1, 65535)
  ),
];

/** The catalogued instance type nearest to a mistyped one, preferring its own family on a tie. */
export function nearestInstanceType(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const types = Object.entries(familySizes()).flatMap(([family, sizes]) => sizes.map((size) => `${family}.${size}`));
  return nearest(value, types, (candidate) => instanceFamily(candidate) === instanceFamily(value));
}
