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
  hclWhole,
  INSTANCE_TYPE_PATTERN,
  keyOf,
  matches,
  MAX_MODEL_NAME_LENGTH,
  MAX_MODELS,
  MODEL_NAME_PATTERN,
  repeats,
  Rule,
  sameModelEarlier,
  sizeUnknown,
  valueRule,
  whole,
} from "./kit";

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
    `is not an Ollama model name (1-${MAX_MODEL_NAME_LENGTH} characters: letters, digits and . _ : / + -, starting with a letter or digit; no * or ?)`,
    'write the name as `ollama pull` takes it, e.g. "llama3:8b" or "hf.co/org/Model-GGUF:Q4_K_M"',
    (c) => matches(MODEL_NAME_PATTERN, c.llm_model) && c.llm_model.length <= MAX_MODEL_NAME_LENGTH,
    `${hclMatches(MODEL_NAME_PATTERN, "c.llm_model")} && length(c.llm_model) <= ${MAX_MODEL_NAME_LENGTH}`
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
          configs.some((d, j) => j < i && d.llm_model !== c.llm_model && taggedModelName(d.llm_model) === taggedModelName(c.llm_model))
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
