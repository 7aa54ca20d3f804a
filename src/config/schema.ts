import { createGenerator } from "ts-json-schema-generator";
import * as path from "path";

/** The committed schema, relative to the project root. */
export const CONFIG_SCHEMA_FILE = path.join("config", "llm-service.schema.json");

/** The JSON Schema of `ServiceConfigFile`, generated from the TypeScript type (dev-time only). */
export function generateConfigSchema(): string {
  const schema = createGenerator({
    path: path.join("src", "config", "types.ts"),
    tsconfig: "tsconfig.json",
    type: "ServiceConfigFile",
    additionalProperties: false,
    skipTypeCheck: true,
  }).createSchema("ServiceConfigFile");
  schema.$id = "https://github.com/ollama-fleet/ollama-fleet/config/llm-service.schema.json";
  return JSON.stringify(schema, null, 2) + "\n";
}
