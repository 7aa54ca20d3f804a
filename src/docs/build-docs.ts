import { readFileSync, writeFileSync } from "fs";
import { SECURITY_DOC, withEndpointTable } from "./endpoint-table";

/** `npm run build:docs` (from the project root): rewrites the generated endpoint table of docs/security.md. */
writeFileSync(SECURITY_DOC, withEndpointTable(readFileSync(SECURITY_DOC, "utf8")));
console.log(`wrote ${SECURITY_DOC}`);
