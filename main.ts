import { App } from "cdktf";
import * as path from "path";
import { coldStartTable } from "./src/catalog/cold-start";
import { costTable } from "./src/catalog/fleet-cost";
import { fitTable } from "./src/catalog/fit-report";
import { gracePeriodTable } from "./src/catalog/first-load";
import { vllmFitTable } from "./src/catalog/vllm-fit";
import { vllmColdStartTable } from "./src/catalog/vllm-cold-start";
import { ConfigError, loadServiceConfig } from "./src/config/load";
import { PolicyError } from "./src/policy/check";
import { ModuleStack } from "./src/stacks/module-stack";
import { ServiceStack } from "./src/stacks/service-stack";
import { misplacedStateWarning } from "./src/stacks/state-location";
import { configSourceLine, nextSteps } from "./src/stacks/synth-report";

try {
  const file = process.env.LLM_SERVICE_CONFIG || undefined;
  const config = loadServiceConfig(file);
  console.log(configSourceLine(file));
  const app = new App();
  // The module stack's policy suppressions are the module's (listed in its reference), not this deployment's.
  new ModuleStack(app, undefined, false);
  new ServiceStack(app, "llm-service", config);
  const ollama = config.llm_ec2_configs.filter((c) => c.engine === "ollama");
  const vllm = config.llm_ec2_configs.filter((c) => c.engine === "vllm");
  if (ollama.length > 0) console.log(`\nModels and their GPU memory, GiB (the estimate: docs/sizing.md):\n${fitTable(ollama)}`);
  if (vllm.length > 0) console.log(`\nvLLM models (GPU memory estimate, see src/catalog/vllm-fit.ts):\n${vllmFitTable(vllm)}`);
  if (vllm.length > 0) {
    console.log(
      `\nHealth check grace period of each vLLM model's Auto Scaling group (its first load: docs/engines.md):\n` +
        gracePeriodTable(vllm, config.ebs_throughput_mibps, config.asg_health_check_grace_period_seconds),
    );
  }
  if (ollama.length > 0) {
    const cache = config.model_cache_bucket !== "";
    console.log(
      `\nCold start of a new Ollama server, its weights ${cache ? `from the registry, and from the weight cache (model_cache_bucket)` : "from the registry (now), and from a weight cache (model_cache_bucket, off)"}:\n` +
        coldStartTable(ollama, { ebsThroughputMibps: config.ebs_throughput_mibps, region: config.region, cache }),
    );
  }
  if (vllm.length > 0) {
    const cache = config.model_cache_bucket !== "";
    console.log(
      `\nCold start of a new vLLM server, its weights from Hugging Face, and from the weight cache (model_cache_bucket${cache ? "" : ", off"}):\n` +
        vllmColdStartTable(vllm, { ebsThroughputMibps: config.ebs_throughput_mibps, region: config.region, cache }),
    );
  }
  console.log(`\nWhat it costs a month:\n${costTable(config)}`);
  app.synth();
  const stackDir = path.join(app.outdir, "stacks", "llm-service");
  const warning = misplacedStateWarning(process.cwd(), stackDir, !config.backend?.s3);
  if (warning) console.log(`\n${warning}`);
  console.log(`\n${nextSteps(config, file, process.cwd(), stackDir)}`);
} catch (error) {
  // Bad input and policy findings are the user's to fix: say what and where, without a stack trace.
  if (!(error instanceof ConfigError || error instanceof PolicyError)) throw error;
  console.error(error.message);
  process.exit(1);
}
