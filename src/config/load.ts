import { readFileSync } from "fs";
import schema from "../../config/llm-service.schema.json";
import { SEED_USAGE } from "./defaults";
import { jsonErrorOffset } from "./json-error-offset";
import { findProblems, formatProblem } from "./rules";
import { checkSchema, SchemaNode } from "./schema-check";
import { LlmEc2Config, ServerMode, ServiceConfig, ServiceConfigFile, ServiceInputs } from "./types";
import { VARIABLES } from "./variables";

/** Region of the built-in default config (the seed's certificate lives there). */
export const DEFAULT_REGION = "ap-southeast-1";

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
 * The config of the `llm-service` stack: the JSON file at `file`, or the built-in default (the
 * seed's usage example) when none is named. Throws a ConfigError listing every problem at once.
 */
export function loadServiceConfig(file?: string): ServiceConfig {
  if (!file) return validateServiceConfig({ ...withDefaults(SEED_USAGE), region: DEFAULT_REGION }, "built-in default config");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(file, [`cannot read the config file (LLM_SERVICE_CONFIG): ${(error as Error).message}`]);
  }
  return parseServiceConfig(text, file);
}

/** Parses and validates config file text; `source` names the file in messages. */
export function parseServiceConfig(text: string, source: string): ServiceConfig {
  return validateServiceConfig(readServiceConfig(text, source), source);
}

/** Parses config file text, checks it against the schema and fills defaults; no rules run. */
export function readServiceConfig(text: string, source: string): ServiceConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(source, [`is not valid JSON: ${jsonErrorPlace(text, error as Error)}`]);
  }
  const mismatches = checkSchema(schema as SchemaNode, raw);
  if (mismatches.length > 0) {
    throw new ConfigError(
      source,
      mismatches.map((m) => `${m.path || "(top level)"} ${m.message} (schema: config/llm-service.schema.json)`),
    );
  }
  const file = raw as ServiceConfigFile;
  const { $schema: _schema, ...rest } = file;
  return { ...withDefaults(rest), ...(file.region === undefined ? { region: DEFAULT_REGION } : {}) };
}

/** Runs the rule table over a typed config. */
export function validateServiceConfig(config: ServiceConfig, source: string): ServiceConfig {
  const problems = findProblems(config);
  if (problems.length > 0) throw new ConfigError(source, problems.map(formatProblem));
  return config;
}

/** The optional fields of an llm_ec2_configs entry, as the module's variable type fills them. */
const MODEL_DEFAULTS = { min_size: 1, max_size: 1, desired_capacity: 1, spot: false, warm_pool: false } as const;

/** Fills the module's variable defaults (and each model's optional fields) into a config file's content. */
function withDefaults(file: Omit<ServiceConfigFile, "$schema">): ServiceConfig {
  const filled: Record<string, unknown> = { ...file };
  for (const spec of VARIABLES) {
    if (filled[spec.name] === undefined && spec.default !== undefined) filled[spec.name] = spec.default;
  }
  const serverMode = (filled.default_server_mode ?? "instance") as ServerMode;
  filled.llm_ec2_configs = file.llm_ec2_configs.map(
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
