// The engine_args allowlist (src/engines/vllm-args.ts) and what is made of it: the argv vLLM gets,
// the encoding the bootstrap reads, the bootstrap's own check (generated bash, run here against the
// same values as the TypeScript check), and the docs' tables.
import { spawnSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import { ENGINES_DOC, withEngineArgsTables } from "../src/docs/engine-args-table";
import {
  ENGINE_ARGS_ENCODED_PATTERN,
  MAX_ENGINE_ARG_VALUE_LENGTH,
  VLLM_ARG_FLAGS,
  VLLM_ARGS,
  VLLM_REFUSED_ARGS,
  vllmArg,
  vllmArgsShell,
  vllmArgValueOk,
} from "../src/engines/vllm-args";
import { ENGINE_ARG_CASES } from "./helpers/engine-arg-probes";

describe("the engine_args allowlist", () => {
  test("every flag is spelled as vLLM spells it (lower case, -), none is also refused, and each value fits the encoding", () => {
    for (const a of VLLM_ARGS) {
      expect(a.flag).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(VLLM_REFUSED_ARGS[a.flag]).toBeUndefined();
      if (a.requires !== undefined) expect(VLLM_ARG_FLAGS).toContain(a.requires);
      if (a.value.kind === "enum") for (const v of a.value.values) expect(v.length).toBeLessThanOrEqual(MAX_ENGINE_ARG_VALUE_LENGTH);
    }
    expect(new Set(VLLM_ARG_FLAGS).size).toBe(VLLM_ARGS.length);
  });

  test("the flags we set ourselves, and the dangerous ones, are off the allowlist", () => {
    for (const flag of ["model", "served-model-name", "host", "port", "max-model-len", "dtype", "quantization", "tensor-parallel-size", "gpu-memory-utilization", "download-dir", "trust-remote-code", "api-key", "chat-template"]) {
      expect(vllmArg(flag)).toBeUndefined();
      expect(VLLM_REFUSED_ARGS[flag]).toMatch(/\w/);
    }
  });

  test("the SSM parameter's pattern takes flag=value pairs and nothing a shell would read", () => {
    for (const good of ["", "block-size=16,seed=7", "tool-call-parser=granite-20b-fc", "cpu-offload-gb=2.5"]) expect(good).toMatch(new RegExp(ENGINE_ARGS_ENCODED_PATTERN));
    for (const bad of ["max-num-seqs=1;id", "max-num-seqs=$(id)", "max-num-seqs=1 2", "--seed=1", "seed=", "seed=1,", "=1"]) {
      expect(bad).not.toMatch(new RegExp(ENGINE_ARGS_ENCODED_PATTERN));
    }
  });

  test("the bootstrap's generated check accepts exactly what the TypeScript check accepts, for every flag and probe value", () => {
    const cases = ENGINE_ARG_CASES;
    const script = `${vllmArgsShell()}\nwhile IFS= read -r -d '' flag && IFS= read -r -d '' value; do if engine_arg_ok "$flag" "$value"; then echo 1; else echo 0; fi; done`;
    const run = spawnSync("bash", ["--norc", "--noprofile", "-c", script], { input: cases.map((c) => `${c.flag}\0${c.value}\0`).join(""), encoding: "utf8", env: {} });
    expect(run.stderr).toBe("");
    const bash = run.stdout.trim().split("\n");
    const ts = cases.map((c) => {
      const arg = vllmArg(c.flag);
      return arg !== undefined && vllmArgValueOk(arg, c.value) ? "1" : "0";
    });
    expect(bash.map((ok, i) => `${cases[i].flag}=${JSON.stringify(cases[i].value)}: ${ok}`)).toEqual(ts.map((ok, i) => `${cases[i].flag}=${JSON.stringify(cases[i].value)}: ${ok}`));
    // and the probes do hold values of each kind both accept
    expect(ts.filter((ok) => ok === "1").length).toBeGreaterThan(VLLM_ARGS.length);
  });

  test("docs/engines.md holds the tables as generated from the allowlist (npm run build:docs)", () => {
    const doc = readFileSync(path.join(__dirname, "..", ENGINES_DOC), "utf8");
    expect(withEngineArgsTables(doc)).toBe(doc);
    for (const flag of VLLM_ARG_FLAGS) expect(doc).toContain(`| \`${flag}\` |`);
  });
});
