import { VLLM_ARG_FLAGS } from "../../src/engines/vllm-args";

// What the engine_args checks (TypeScript, HCL, the bootstrap's bash) are compared on.

/** Values every flag is tried with: good and bad of every kind, and what an attacker would send. */
export const PROBES = [
  "", "0", "1", "8", "16", "128", "256", "1024", "1024.0", "1024.001", "1023.999", "2.5", "0.5", ".5", "5.", "01", "-1", "1e3", "0x10",
  "65536", "65537", "16777216", "16777217", "4294967295", "4294967296", "99999999999", "true", "false", "True", "yes", "1; rm -rf /",
  "$(id)", "`id`", "auto", "fp8", "fp8_e4m3", "fp8_e5m2", "fp4", "fcfs", "priority", "vllm", "hermes", "granite-20b-fc", "qwen3", "deepseek_r1",
  "hermes ", " 8", "8\n", "/etc/passwd",
];

/** Every allowed flag and a few refused spellings, with every probe value. */
export const ENGINE_ARG_CASES: ReadonlyArray<{ readonly flag: string; readonly value: string }> = [...VLLM_ARG_FLAGS, "trust-remote-code", "max_num_seqs", "--seed"].flatMap(
  (flag) => PROBES.map((value) => ({ flag, value })),
);
