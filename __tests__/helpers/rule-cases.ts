// The bad cases of the rule table, each with the rules it must trip: the config files of
// __tests__/corpus/bad (their rules in bad-expected-rules.json), and, for rules whose bad values a
// config file cannot even hold (the config schema stops an unknown enum value or a widget list that
// is not a list first), typed inputs spoiled from the README example, as a module caller or a
// TypeScript caller of the constructs could pass them.
import { readdirSync, readFileSync } from "fs";
import * as path from "path";
import { readServiceConfig } from "../../src/config/load";
import type { RuleInputs } from "../../src/config/rules";
import { inputsOf } from "../../src/stacks/service-stack";
import { README_EXAMPLE_FILE } from "./readme-example";

export const CORPUS_DIR = path.join(__dirname, "..", "corpus");

export interface BadCase {
  readonly name: string;
  /** The rules it trips, every one of them. */
  readonly rules: readonly string[];
  /** What the rules read in TypeScript (the stack's region included). */
  readonly inputs: RuleInputs;
  /** The module's inputs. */
  readonly moduleInputs: Record<string, unknown>;
  /** The config file, for cases that are one. */
  readonly file?: string;
}

/** Rules and their cases that no config file can reach: the schema refuses the value first. */
export const SCHEMA_STOPPED: ReadonlyArray<{
  readonly name: string;
  readonly rule: string;
  readonly spoil: (inputs: Record<string, any>) => Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly path: string;
  readonly value: unknown;
}> = [
  {
    name: "server-mode-upper-case",
    rule: "server-mode",
    spoil: (c) => ({ ...c, llm_ec2_configs: [{ ...c.llm_ec2_configs[0], server_mode: "ASG" }, ...c.llm_ec2_configs.slice(1)] }),
    path: "llm_ec2_configs[0].server_mode",
    value: "ASG",
  },
  {
    name: "kv-cache-type-upper-case",
    rule: "kv-cache-type",
    spoil: (c) => ({ ...c, llm_ec2_configs: [c.llm_ec2_configs[0], { ...c.llm_ec2_configs[1], kv_cache_type: "Q8_0" }, ...c.llm_ec2_configs.slice(2)] }),
    path: "llm_ec2_configs[1].kv_cache_type",
    value: "Q8_0",
  },
  { name: "default-server-mode-spot", rule: "default-server-mode", spoil: (c) => ({ ...c, default_server_mode: "spot" }), path: "default_server_mode", value: "spot" },
  { name: "dashboard-widgets-string", rule: "dashboard-widgets", spoil: (c) => ({ ...c, dashboard_extra_widgets: "router" }), path: "dashboard_extra_widgets", value: "router" },
  { name: "router-auth-none", rule: "router-auth", spoil: (c) => ({ ...c, router_enabled: true, router_auth: "NONE" }), path: "router_auth", value: "NONE" },
  {
    name: "engine-upper-case",
    rule: "engine",
    spoil: (c) => ({ ...c, llm_ec2_configs: [{ ...c.llm_ec2_configs[0], engine: "VLLM" }, ...c.llm_ec2_configs.slice(1)] }),
    path: "llm_ec2_configs[0].engine",
    value: "VLLM",
  },
  { name: "target-group-names-prefix", rule: "target-group-names", spoil: (c) => ({ ...c, target_group_names: "prefix" }), path: "target_group_names", value: "prefix" },
  { name: "api-authorization-cognito", rule: "api-authorization", spoil: (c) => ({ ...c, api_gw_authorization: "COGNITO" }), path: "api_gw_authorization", value: "COGNITO" },
];

export const expectedRules = (): Record<string, string[]> => JSON.parse(readFileSync(path.join(CORPUS_DIR, "bad-expected-rules.json"), "utf8"));

/** Every bad case: the corpus files, then the schema-stopped inputs. */
export function badCases(): BadCase[] {
  const expected = expectedRules();
  const files = readdirSync(path.join(CORPUS_DIR, "bad"))
    .filter((f) => f.endsWith(".json"))
    .map((f): BadCase => {
      const file = path.join(CORPUS_DIR, "bad", f);
      const name = f.replace(/\.json$/, "");
      const config = readServiceConfig(readFileSync(file, "utf8"), file);
      return { name, rules: expected[name] ?? [], inputs: config, moduleInputs: inputsOf(config) as unknown as Record<string, unknown>, file };
    });
  const readme = readServiceConfig(readFileSync(README_EXAMPLE_FILE, "utf8"), README_EXAMPLE_FILE);
  const typed = SCHEMA_STOPPED.map(
    ({ name, rule, spoil }): BadCase => ({
      name,
      rules: [rule],
      inputs: spoil(readme) as RuleInputs,
      moduleInputs: spoil(inputsOf(readme)),
    }),
  );
  return [...files, ...typed];
}
