// `npm run fit -- ...` (scripts/run-ts.js runs this file: its own arguments follow the entry point's path).
import { main } from "./fit-cli";

process.exitCode = main(process.argv.slice(3));
