import { writeFileSync } from "fs";
import { CONFIG_SCHEMA_FILE, generateConfigSchema } from "./schema";

/** `npm run build:schema`: rewrites the committed JSON Schema of the config file. */
writeFileSync(CONFIG_SCHEMA_FILE, generateConfigSchema());
console.log(`wrote ${CONFIG_SCHEMA_FILE}`);
