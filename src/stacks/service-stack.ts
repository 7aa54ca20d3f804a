import { S3Backend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "../aws";
import { ServiceConfig, ServiceInputs } from "../config/types";
import { VARIABLES } from "../config/variables";
import { OllamaService } from "../constructs/ollama-service";
import { declareServiceVariables } from "../constructs/service-variables";

/**
 * Root configuration for `cdktf deploy` or `cdktf synth` + `terraform apply`: the AWS provider,
 * a backend, and the same service construct as the module, fed by the config's values.
 */
export class ServiceStack extends TerraformStack {
  public readonly service: OllamaService;

  constructor(scope: Construct, id: string, config: ServiceConfig) {
    super(scope, id);
    new AwsProvider(this, "aws", {
      ...(config.region ? { region: config.region } : {}),
      ...(config.tags && Object.keys(config.tags).length > 0 ? { defaultTags: [{ tags: { ...config.tags } }] } : {}),
    });
    if (config.backend?.s3) {
      const s3 = config.backend.s3;
      new S3Backend(this, {
        bucket: s3.bucket,
        key: s3.key,
        region: s3.region,
        encrypt: true,
        ...(s3.dynamodb_table ? { dynamodbTable: s3.dynamodb_table } : {}),
      });
    }
    this.service = new OllamaService(this, "service", { variables: declareServiceVariables(this, inputsOf(config)) });
  }
}

/** The module's inputs out of a config, defaults filled in. */
export function inputsOf(config: ServiceConfig): ServiceInputs {
  const inputs: Record<string, unknown> = {};
  for (const spec of VARIABLES) inputs[spec.name] = config[spec.name] ?? spec.default;
  return inputs as unknown as ServiceInputs;
}
