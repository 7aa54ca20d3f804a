import { App } from "cdktf";
import { loadServiceConfig } from "./src/config/load";
import { ModuleStack } from "./src/stacks/module-stack";
import { ServiceStack } from "./src/stacks/service-stack";

const app = new App();
new ModuleStack(app);
new ServiceStack(app, "llm-service", loadServiceConfig(process.env.LLM_SERVICE_CONFIG));
app.synth();
