import * as path from "path";
import { ServiceConfig } from "../config/types";
import { localStatePath } from "./state-location";

/** The line naming the config a synth used and where it came from. */
export function configSourceLine(file: string | undefined): string {
  return file
    ? `Config: ${file} (LLM_SERVICE_CONFIG).`
    : "Config: config/llm-service.example.json, built in (LLM_SERVICE_CONFIG is not set): placeholder VPC, subnets and zones, " +
        "so this synth shows what would be deployed but cannot be applied.";
}

/** What to do after a successful synth, for this config. */
export function nextSteps(config: ServiceConfig, file: string | undefined, projectRoot: string, stackDir: string): string {
  const stack = path.relative(projectRoot, stackDir) || ".";
  if (!file) {
    return [
      "Next steps:",
      "  1. cp config/llm-service.example.json config/llm-service.json, and set your region, VPC, its CIDR, two private subnets and their zones",
      "  2. LLM_SERVICE_CONFIG=config/llm-service.json npm run synth",
    ].join("\n");
  }
  const state = config.backend?.s3
    ? `state: s3://${config.backend.s3.bucket}/${config.backend.s3.key}`
    : `state: ${path.relative(projectRoot, localStatePath(stackDir))} (local; keep it, or set backend.s3)`;
  return [
    "Next steps:",
    `  1. cd ${stack} && terraform init && terraform plan      (${state})`,
    "  2. terraform apply; servers pull their models in the next minutes (output dashboard_url shows them)",
    ...(config.router_enabled && config.router_auth === "API_KEY"
      ? [
          `  3. npm run keys -- add <name> --parameter "$(terraform output -raw router_keys_parameter)" --region ${config.region}      (prints the key once; AWS credentials in the environment)`,
          '  4. curl -N "$(terraform output -raw router_url)api/chat" -H "Authorization: Bearer <key>" -d \'{"model": "' +
            config.llm_ec2_configs[0].llm_model +
            '", "messages": [{"role": "user", "content": "Hi"}]}\'',
        ]
      : []),
  ].join("\n");
}
