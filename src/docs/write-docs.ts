import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { CONFIGURATION_DOC, MODULE_REFERENCE_DOC, renderConfigurationDoc, renderModuleReference } from "./build-docs";

/** `npm run build:docs`: rewrites the generated part of docs/configuration.md and docs/module-reference.md. */
const root = process.cwd();
writeFileSync(path.join(root, CONFIGURATION_DOC), renderConfigurationDoc(readFileSync(path.join(root, CONFIGURATION_DOC), "utf8")));
writeFileSync(path.join(root, MODULE_REFERENCE_DOC), renderModuleReference(root));
console.log(`wrote ${CONFIGURATION_DOC} (its generated part) and ${MODULE_REFERENCE_DOC}`);
