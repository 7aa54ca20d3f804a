import { nearest } from "../nearest";
import {
  hclVllmArgOk,
  VLLM_ARG_FLAGS,
  VLLM_ARGS,
  VLLM_REFUSED_ARGS,
  vllmArg,
  vllmArgValueOk,
  vllmArgValueText,
} from "../../engines/vllm-args";
import { LlmEc2Config } from "../types";
import { Finding, hclString, Rule } from "./kit";

// A vLLM model's extra engine arguments (engine_args): vLLM flags from an allowlist, each value
// checked (src/engines/vllm-args.ts). An Ollama model has none: Ollama would not read them.

const isVllm = (c: Pick<LlmEc2Config, "engine">): boolean => c.engine === "vllm";
const argsOf = (c: LlmEc2Config): Record<string, string> => (c.engine_args ?? {}) as Record<string, string>;
const HCL_VLLM = (c: string) => `(${c}.engine == "vllm")`;

/** Why a flag is refused: its own reason, or that it is not on the allowlist. */
const whyRefused = (flag: string): string => `refused: ${VLLM_REFUSED_ARGS[flag] ?? "not on the allowlist of engine_args"}`;
const hclRefusedReasons = (): string =>
  `{ ${Object.entries(VLLM_REFUSED_ARGS)
    .map(([flag, why]) => `${hclString(flag)} = ${hclString(`refused: ${why}`)}`)
    .join(", ")} }`;
const hclAllowed = (k: string): string => `contains(${JSON.stringify(VLLM_ARG_FLAGS)}, ${k})`;

export const engineArgsRules: readonly Rule[] = [
  {
    id: "engine-args-vllm-only",
    problem: "is vLLM's command line on a model served by Ollama, which would not read it",
    fix: 'set engine = "vllm" for a Hugging Face model, or remove engine_args (Ollama\'s settings are context_length, num_parallel, kv_cache_type and keep_alive)',
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Finding[] =>
        isVllm(c) || Object.keys(argsOf(c)).length === 0 ? [] : [[`llm_ec2_configs[${i}].engine_args`, argsOf(c)]],
      ),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for c in var.llm_ec2_configs : ${HCL_VLLM("c")} || length(c.engine_args) == 0])`,
      offenders: `[for i, c in var.llm_ec2_configs : format("llm_ec2_configs[%d].engine_args = %s", i, jsonencode(c.engine_args)) if !${HCL_VLLM("c")} && length(c.engine_args) > 0]`,
    },
  },
  {
    id: "engine-args-flag",
    problem: "is not a vLLM flag engine_args may set",
    fix: `use one of ${VLLM_ARG_FLAGS.join(", ")}, written without the leading -- (docs/engines.md, "Engine arguments"); a setting with its own field goes there`,
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Finding[] =>
        !isVllm(c) ? [] : Object.entries(argsOf(c)).flatMap(([flag, value]): Finding[] => (vllmArg(flag) ? [] : [[`llm_ec2_configs[${i}].engine_args`, { [flag]: value }, whyRefused(flag)]])),
      ),
    // the offending pair, { flag: value }: the allowed flag nearest to its flag
    suggest: (pair) => (pair !== null && typeof pair === "object" ? nearest(Object.keys(pair)[0] ?? "", VLLM_ARG_FLAGS) : undefined),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue(flatten([for c in var.llm_ec2_configs : [for k, v in c.engine_args : !${HCL_VLLM("c")} || ${hclAllowed("k")}]]))`,
      offenders:
        `flatten([for i, c in var.llm_ec2_configs : [for k, v in c.engine_args : format("llm_ec2_configs[%d].engine_args = %s (%s)", i, jsonencode({ (k) = v }), ` +
        `lookup(${hclRefusedReasons()}, k, "refused: not on the allowlist of engine_args")) if !${hclAllowed("k")}] if ${HCL_VLLM("c")}])`,
    },
  },
  {
    id: "engine-args-value",
    problem: "is not a value this vLLM flag takes",
    fix: 'write the value as a string of the kind the flag takes, e.g. "256", "0.5", "true" or "fp8" (docs/engines.md, "Engine arguments")',
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Finding[] => {
        if (!isVllm(c)) return [];
        const args = argsOf(c);
        return Object.keys(args).flatMap((flag): Finding[] => {
          const arg = vllmArg(flag);
          return arg === undefined || vllmArgValueOk(arg, args[flag])
            ? []
            : [[`llm_ec2_configs[${i}].engine_args`, { [flag]: args[flag] }, `${flag} takes ${vllmArgValueText(arg)}`]];
        });
      }),
    hcl: {
      variable: "llm_ec2_configs",
      // a flag off the allowlist is the flag rule's to report
      condition: `alltrue(flatten([for c in var.llm_ec2_configs : [for k, v in c.engine_args : !${HCL_VLLM("c")} || !${hclAllowed("k")} || ${hclVllmArgOk("k", "v")}]]))`,
      offenders:
        `flatten([for i, c in var.llm_ec2_configs : [for k, v in c.engine_args : format("llm_ec2_configs[%d].engine_args = %s (%s takes %s)", i, jsonencode({ (k) = v }), k, ` +
        `lookup(${hclValueTexts()}, k, "")) if ${hclAllowed("k")} && !${hclVllmArgOk("k", "v")}] if ${HCL_VLLM("c")}])`,
    },
  },
  {
    id: "engine-args-requires",
    problem: "is set without the flag vLLM needs with it",
    fix: 'add the flag named, e.g. "tool-call-parser" = "hermes" (the parser of the model\'s family) with "enable-auto-tool-choice" = "true"',
    find: (inputs) =>
      inputs.llm_ec2_configs.flatMap((c, i): Finding[] => {
        if (!isVllm(c)) return [];
        const args = argsOf(c);
        return VLLM_ARGS.filter((a) => a.requires !== undefined && args[a.flag] === "true" && args[a.requires] === undefined).map(
          (a): Finding => [`llm_ec2_configs[${i}].engine_args`, { [a.flag]: args[a.flag] }, `${a.flag} needs ${a.requires}`],
        );
      }),
    hcl: {
      variable: "llm_ec2_configs",
      condition: `alltrue([for c in var.llm_ec2_configs : !${HCL_VLLM("c")} || (${requiresOk("c")})])`,
      offenders:
        `flatten([for i, c in var.llm_ec2_configs : [for a in ${hclRequiring()} : format("llm_ec2_configs[%d].engine_args = %s (%s needs %s)", i, jsonencode({ (a.flag) = "true" }), a.flag, a.requires) ` +
        `if lookup(c.engine_args, a.flag, "") == "true" && !contains(keys(c.engine_args), a.requires)] if ${HCL_VLLM("c")}])`,
    },
  },
];

function hclValueTexts(): string {
  return `{ ${VLLM_ARGS.map((a) => `${hclString(a.flag)} = ${hclString(vllmArgValueText(a))}`).join(", ")} }`;
}

function requiresOk(c: string): string {
  return VLLM_ARGS.filter((a) => a.requires !== undefined)
    .map((a) => `(lookup(${c}.engine_args, ${hclString(a.flag)}, "") != "true" || contains(keys(${c}.engine_args), ${hclString(a.requires as string)}))`)
    .join(" && ");
}

function hclRequiring(): string {
  return `[${VLLM_ARGS.filter((a) => a.requires !== undefined)
    .map((a) => `{ flag = ${hclString(a.flag)}, requires = ${hclString(a.requires as string)} }`)
    .join(", ")}]`;
}
