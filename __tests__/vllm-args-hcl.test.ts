// The module's engine_args checks (HCL, generated from src/engines/vllm-args.ts) accept exactly what
// the TypeScript checks accept, for every allowed flag and the probe values, as terraform evaluates them.
import { readFileSync } from "fs";
import * as path from "path";
import { hclVllmArgOk, VLLM_ARG_FLAGS, vllmArg, vllmArgValueOk } from "../src/engines/vllm-args";
import { MODULE_DIR } from "../src/module/module-files";
import { ENGINE_ARG_CASES } from "./helpers/engine-arg-probes";
import { evaluate } from "./helpers/terraform";

const MODULE = path.resolve(__dirname, "..", MODULE_DIR);

test("terraform's verdict on each flag and value is TypeScript's", () => {
  const json = JSON.parse(readFileSync(path.join(MODULE, "main.tf.json"), "utf8"));
  const variables = JSON.parse(readFileSync(path.join(__dirname, "corpus", "good", "vllm-engine-args.json"), "utf8"));
  const cases = JSON.stringify(ENGINE_ARG_CASES.map((c) => ({ k: c.flag, v: c.value })));
  const { verdicts } = evaluate(json, {
    variables,
    expressions: {
      verdicts: `[for p in jsondecode(${JSON.stringify(cases)}) : contains(${JSON.stringify(VLLM_ARG_FLAGS)}, p.k) && ${hclVllmArgOk("p.k", "p.v")}]`,
    },
  });
  const ts = ENGINE_ARG_CASES.map((c) => {
    const arg = vllmArg(c.flag);
    return arg !== undefined && vllmArgValueOk(arg, c.value);
  });
  const label = (ok: unknown, i: number) => `${ENGINE_ARG_CASES[i].flag}=${JSON.stringify(ENGINE_ARG_CASES[i].value)}: ${ok}`;
  expect((verdicts as boolean[]).map(label)).toEqual(ts.map(label));
});
