// Entry of a fresh Node process that plays Lambda: installs the runtime stand-in's `awslambda`
// global, loads the deployment package's index.js (argv[2]) as the runtime would, and serves its
// `handler` behind the function URL stand-in. Bundled by the test into a directory with no node_modules.
import { awslambdaStandIn, startFunctionUrl } from "./lambda-runtime-standin";

(globalThis as { awslambda?: unknown }).awslambda = awslambdaStandIn;
const file = process.argv[2];
const bundle = require(file) as { handler: unknown };
void startFunctionUrl(bundle.handler).then((url) => process.stdout.write(`listening on ${url.url}\n`));
process.once("SIGTERM", () => process.exit(0));
