import { App } from "cdktf";
import * as path from "path";
import { costTable } from "./src/catalog/fleet-cost";
import { fitTable } from "./src/catalog/model-fit";
import { ConfigError, loadServiceConfig } from "./src/config/load";
import { PolicyError } from "./src/policy/check";
import { ModuleStack } from "./src/stacks/module-stack";
import { ServiceStack } from "./src/stacks/service-stack";
import { misplacedStateWarning } from "./src/stacks/state-location";

try {
  const config = loadServiceConfig(process.env.LLM_SERVICE_CONFIG);
  const app = new App();
  new ModuleStack(app);
  new ServiceStack(app, "llm-service", config);
  console.log(`Models of llm-service (GPU memory estimate, see src/catalog/model-fit.ts):\n${fitTable(config.llm_ec2_configs)}`);
  console.log(`\nWhat the servers cost (see src/catalog/prices.ts):\n${costTable(config)}`);
  app.synth();
  const warning = misplacedStateWarning(process.cwd(), path.join(app.outdir, "stacks", "llm-service"), !config.backend?.s3);
  if (warning) console.error(warning);
} catch (error) {
  // Bad input and policy findings are the user's to fix: say what and where, without a stack trace.
  if (!(error instanceof ConfigError || error instanceof PolicyError)) throw error;
  console.error(error.message);
  process.exit(1);
}
