import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { CONFIGURATION_DOC, MODULE_REFERENCE_DOC, renderConfigurationDoc, renderModuleReference } from "./build-docs";
import { ENGINES_DOC, withEngineArgsTables } from "./engine-args-table";
import { SECURITY_DOC, withEndpointTable } from "./endpoint-table";
import { renderSizingDoc, SIZING_DOC } from "./sizing-tables";

/**
 * `npm run build:docs`: rewrites the generated parts of docs/configuration.md, docs/security.md
 * (the endpoint table), docs/sizing.md (the fit tables) and docs/engines.md (the engine_args
 * tables), and docs/module-reference.md.
 */
const root = process.cwd();
const rewrite = (file: string, render: (current: string) => string) =>
  writeFileSync(path.join(root, file), render(readFileSync(path.join(root, file), "utf8")));
rewrite(CONFIGURATION_DOC, renderConfigurationDoc);
rewrite(SECURITY_DOC, withEndpointTable);
rewrite(SIZING_DOC, renderSizingDoc);
rewrite(ENGINES_DOC, withEngineArgsTables);
writeFileSync(path.join(root, MODULE_REFERENCE_DOC), renderModuleReference(root));
console.log(`wrote ${CONFIGURATION_DOC}, ${SECURITY_DOC}, ${SIZING_DOC} and ${ENGINES_DOC} (their generated parts) and ${MODULE_REFERENCE_DOC}`);
