import { App } from "cdktf";
import { ConfigError, loadServiceConfig } from "./src/config/load";
import { ModuleStack } from "./src/stacks/module-stack";
import { ServiceStack } from "./src/stacks/service-stack";

try {
  const config = loadServiceConfig(process.env.LLM_SERVICE_CONFIG);
  const app = new App();
  new ModuleStack(app);
  new ServiceStack(app, "llm-service", config);
  app.synth();
} catch (error) {
  // Bad input is the user's to fix: say what and where, without a JavaScript stack trace.
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
