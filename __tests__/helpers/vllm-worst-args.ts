import { VLLM_ARGS } from "../../src/engines/vllm-args";

/** Every allowlisted vLLM flag at its longest value: the largest user data engine_args can make. */
export const WORST_ENGINE_ARGS: Readonly<Record<string, string>> = Object.fromEntries(
  VLLM_ARGS.map((a) => {
    const v = a.value;
    if (v.kind === "whole") return [a.flag, String(v.max)];
    if (v.kind === "number") return [a.flag, `${v.max - 1}.999`];
    if (v.kind === "boolean") return [a.flag, "false"];
    return [a.flag, [...v.values].sort((x, y) => y.length - x.length)[0]];
  }),
);
