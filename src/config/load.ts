import { readFileSync } from "fs";
import schema from "../../config/llm-service.schema.json";
import example from "../../config/llm-service.example.json";
import { jsonErrorOffset } from "./json-error-offset";
import { findProblems, formatProblem } from "./rules";
import { checkSchema, SchemaMismatch, SchemaNode } from "./schema-check";
import { LlmEc2Config, ServerMode, ServiceConfig, ServiceConfigFile, ServiceInputs } from "./types";
import { OLLAMA_KEEP_ALIVE } from "./ollama-settings";
import { VARIABLES } from "./variables";

/** Region of a config that names none (the original module's example deploys there). */
export const DEFAULT_REGION = "ap-southeast-1";

/** What names the built-in config in messages: the example file, which a synth without LLM_SERVICE_CONFIG uses. */
export const BUILT_IN_CONFIG = "config/llm-service.example.json (built in)";

/** Bad input: every problem found, one line each. Shown without a stack trace. */
export class ConfigError extends Error {
  constructor(
    public readonly source: string,
    public readonly problems: readonly string[],
  ) {
    super(`${source}: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * The config of the `llm-service` stack: the JSON file at `file`, or, when none is named, the example
 * config (a new deployment's shape: the streaming router with API keys, no public API door; placeholder
 * network ids). Throws a ConfigError listing every problem at once.
 */
export function loadServiceConfig(file?: string): ServiceConfig {
  if (!file) return parseServiceConfig(JSON.stringify(example), BUILT_IN_CONFIG);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(file, [`cannot read the config file (LLM_SERVICE_CONFIG): ${(error as Error).message}`]);
  }
  return parseServiceConfig(text, file);
}

/**
 * Parses and validates config file text; `source` names the file in messages. Schema and rule
 * problems are reported together: a missing or mistyped field does not hide a bad value elsewhere.
 */
export function parseServiceConfig(text: string, source: string): ServiceConfig {
  const { config, mismatches } = readConfigText(text, source);
  const problems = [
    ...mismatches.map((m) => `${m.path || "(top level)"} ${m.message}.${m.suggestion === undefined ? "" : ` Did you mean ${JSON.stringify(m.suggestion)}?`} [schema: config/llm-service.schema.json]`),
    ...findProblems(config, mismatches.length > 0)
      .filter((p) => !mismatches.some((m) => within(p.path, m.path)))
      .map(formatProblem),
  ];
  if (problems.length > 0) throw new ConfigError(source, problems);
  return config;
}

/** Parses config file text, checks it against the schema and fills defaults; no rules run. Throws on any schema mismatch. */
export function readServiceConfig(text: string, source: string): ServiceConfig {
  const { config, mismatches } = readConfigText(text, source);
  if (mismatches.length > 0) throw new ConfigError(source, mismatches.map((m) => `${m.path || "(top level)"} ${m.message} [schema: config/llm-service.schema.json]`));
  return config;
}

function readConfigText(text: string, source: string): { config: ServiceConfig; mismatches: SchemaMismatch[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(source, [`is not valid JSON: ${jsonErrorPlace(text, error as Error)}`]);
  }
  const mismatches = checkSchema(schema as SchemaNode, raw);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new ConfigError(source, mismatches.map((m) => `(top level) ${m.message} [schema: config/llm-service.schema.json]`));
  const file = raw as ServiceConfigFile;
  const { $schema: _schema, ...rest } = file;
  return { config: { ...withDefaults(rest), ...(file.region === undefined ? { region: DEFAULT_REGION } : {}) }, mismatches };
}

/** `path` is `parent` or lies inside it (`a.b`, `a[0]` are inside `a`). */
function within(path: string, parent: string): boolean {
  return parent === "" || path === parent || path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);
}

/** Runs the rule table over a typed config. */
export function validateServiceConfig(config: ServiceConfig, source: string): ServiceConfig {
  const problems = findProblems(config);
  if (problems.length > 0) throw new ConfigError(source, problems.map(formatProblem));
  return config;
}

/** The optional fields of an llm_ec2_configs entry, as the module's variable type fills them. */
export const MODEL_DEFAULTS = {
  min_size: 1,
  max_size: 1,
  desired_capacity: 1,
  spot: false,
  warm_pool: false,
  engine: "ollama",
  served_model_name: "",
  max_model_len: 0,
  tensor_parallel_size: 0,
  gpu_memory_utilization: 0.9,
  dtype: "",
  quantization: "",
  engine_args: {},
  keep_alive: OLLAMA_KEEP_ALIVE,
  scaling: null,
} as const;

/** Fills the module's variable defaults (and each model's optional fields) into a config file's content. */
function withDefaults(file: Omit<ServiceConfigFile, "$schema">): ServiceConfig {
  const filled: Record<string, unknown> = { ...file };
  for (const spec of VARIABLES) {
    if (filled[spec.name] === undefined && spec.default !== undefined) filled[spec.name] = spec.default;
  }
  const serverMode = (filled.default_server_mode ?? "instance") as ServerMode;
  // A file the schema refused may hold anything here: fill what has the expected shape, keep the rest.
  filled.llm_ec2_configs = !Array.isArray(file.llm_ec2_configs) ? file.llm_ec2_configs : file.llm_ec2_configs.map(
    (c): LlmEc2Config => ({ ...MODEL_DEFAULTS, ...c, ami_id: c.ami_id ?? "", server_mode: c.server_mode ?? serverMode }),
  );
  return filled as unknown as ServiceInputs & ServiceConfig;
}

/** `line L, column C: <parser message>` for a JSON.parse error. */
function jsonErrorPlace(text: string, error: Error): string {
  const offset = jsonErrorOffset(text);
  if (offset < 0) return error.message;
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `line ${line}, column ${column}: ${error.message}`;
}
