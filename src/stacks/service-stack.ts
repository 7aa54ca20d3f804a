import { Annotations, Aspects, LocalBackend, S3Backend, TerraformResource, TerraformStack } from "cdktf";
import { modelFit } from "../catalog/model-fit";
import { fitWarning } from "../catalog/fit-report";
import { unknownFirstLoadWarnings } from "../catalog/first-load";
import { vllmFitWarning } from "../catalog/vllm-fit";
import { rootVolumeFits } from "../catalog/weights-on-disk";
import { Construct } from "constructs";
import { PolicyAspect } from "../policy/policy-aspect";
import { UniqueAddressesAspect } from "./unique-addresses";
import { AwsProvider } from "../aws";
import { S3BackendConfig, ServiceConfig, ServiceInputs } from "../config/types";
import { VARIABLES } from "../config/variables";
import { OllamaService } from "../constructs/ollama-service";
import { openDoorWarning } from "../constructs/open-door-check";
import { declareServiceVariables } from "../constructs/service-variables";

/** The local backend's state file name. */
export const LOCAL_STATE_FILE = "terraform.llm-service.tfstate";
/** The folder of the local state, beside the synth output folder (`state/` beside `cdktf.out/`): cleaning the build keeps it. */
export const LOCAL_STATE_DIR = "state";
/**
 * The local state, relative to the stack folder `<output>/stacks/llm-service/`: three levels up is the
 * folder holding the output folder, the project root by default. Relative, so the synthesized stack
 * names no path of the machine that synthesized it.
 */
export const LOCAL_STATE_PATH = ["..", "..", "..", LOCAL_STATE_DIR, LOCAL_STATE_FILE].join("/");

/**
 * The hashicorp/aws releases the stack accepts: from the one its binding was generated for (5.100.0)
 * up to the newest 6.x whose schema the module is tested against (__tests__/fixtures/aws-provider-6-schema.json).
 * Widen the upper bound with a newer extract of that schema (scripts/aws-provider-schema-extract.js).
 */
export const STACK_AWS_PROVIDER_VERSIONS = ">= 5.100.0, <= 6.66.0";

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
    // The binding pins the version it was generated for; the stack takes the tested range.
    this.addOverride("terraform.required_providers.aws.version", STACK_AWS_PROVIDER_VERSIONS);
    if (config.backend?.s3) {
      this.useS3Backend(config.backend.s3);
    } else {
      // Relative, so Terraform resolves it from the stack folder it runs in (cdktf's default is an
      // absolute path into the checkout that synthesized it), and outside the output folder, so
      // `rm -rf cdktf.out` keeps it.
      new LocalBackend(this, { path: LOCAL_STATE_PATH });
    }
    this.service = new OllamaService(this, "service", { variables: declareServiceVariables(this, inputsOf(config)) });
    Aspects.of(this).add(new UniqueAddressesAspect());
    // The router's public URL and its grants carry suppressions: say so only when this config creates them.
    const publicRouterUrl = config.router_enabled && config.router_auth === "API_KEY";
    const created: Record<string, boolean> = {
      "aws_lambda_function_url.router": publicRouterUrl,
      "aws_lambda_permission.router_url": publicRouterUrl,
      "aws_lambda_permission.router_invoke": publicRouterUrl && config.router_public_invoke_function,
    };
    Aspects.of(this).add(new PolicyAspect(undefined, (address) => created[address] ?? true));
    const openDoor = openDoorWarning(config);
    if (openDoor) Annotations.of(this).addWarning(openDoor);
    this.addOverride("moved", movedFromModuleCall(this));
    for (const fit of config.llm_ec2_configs.filter((c) => c.engine === "ollama").map(modelFit).filter((f) => f.fits === false)) {
      Annotations.of(this).addWarning(fitWarning(fit, config.region));
    }
    for (const warning of config.llm_ec2_configs.filter((c) => c.engine === "vllm").map(vllmFitWarning)) {
      if (warning !== undefined) Annotations.of(this).addWarning(warning);
    }
    for (const warning of unknownFirstLoadWarnings(config)) Annotations.of(this).addWarning(warning);
    for (const fit of rootVolumeFits(config.llm_ec2_configs).filter((f) => !f.fits)) {
      Annotations.of(this).addWarning(
        `The server of ${fit.model} pulls about ${fit.weightsGiB} GiB of model weights (${fit.pulls.join(", ")}) onto a root volume of ` +
          `${fit.volumeGiB} GiB: they probably do not fit, and the volume also holds the AMI's system. Raise that entry's ebs_volume_gb.`,
      );
    }
  }

  /** Encrypted S3 state, locked by the lock file unless told otherwise. */
  private useS3Backend(s3: S3BackendConfig): void {
    const backend = new S3Backend(this, {
      bucket: s3.bucket,
      key: s3.key,
      region: s3.region,
      encrypt: true,
      ...(s3.dynamodb_table ? { dynamodbTable: s3.dynamodb_table } : {}),
      ...(s3.profile ? { profile: s3.profile } : {}),
      // Terraform 1.6+ reads the role from the assume_role block; a top-level role_arn is deprecated.
      ...(s3.role_arn ? { assumeRole: { roleArn: s3.role_arn } } : {}),
    });
    // cdktf 0.21's S3Backend predates use_lockfile (Terraform 1.10).
    if (s3.use_lockfile ?? true) backend.addOverride("use_lockfile", true);
    for (const warning of s3BackendWarnings(s3)) Annotations.of(this).addWarning(warning);
  }
}

/** Warnings the S3 backend's settings earn at synth. */
export function s3BackendWarnings(s3: S3BackendConfig): string[] {
  const lockfile = s3.use_lockfile ?? true;
  return [
    ...(s3.dynamodb_table
      ? [
          `backend.s3.dynamodb_table = ${JSON.stringify(s3.dynamodb_table)}: DynamoDB state locking is deprecated since Terraform 1.11. ` +
            (lockfile
              ? "The lock file (use_lockfile) locks this state too; remove dynamodb_table once nobody runs Terraform older than 1.10 on it."
              : "Set use_lockfile to true (Terraform 1.10+) and, once nobody runs an older Terraform on this state, remove dynamodb_table."),
        ]
      : []),
    ...(!lockfile && !s3.dynamodb_table
      ? ["backend.s3.use_lockfile = false without dynamodb_table: the state is not locked, and two applies at once can corrupt it. Set use_lockfile to true."]
      : []),
  ];
}

/**
 * The original repository's root calls the module as `module "llm_service"`. These `moved`
 * blocks carry a state applied that way over to this stack's root addresses, with no
 * replacement; on a fresh state they do nothing.
 */
export const ORIGINAL_MODULE_CALL = "module.llm_service";

function movedFromModuleCall(stack: TerraformStack): Array<{ from: string; to: string }> {
  return stack.node
    .findAll()
    .filter((c): c is TerraformResource => c instanceof TerraformResource)
    .map((r) => `${r.terraformResourceType}.${r.friendlyUniqueId}`)
    .sort()
    .map((address) => ({ from: `${ORIGINAL_MODULE_CALL}.${address}`, to: address }));
}

/** The module's inputs out of a config, defaults filled in. */
export function inputsOf(config: ServiceConfig): ServiceInputs {
  const inputs: Record<string, unknown> = {};
  for (const spec of VARIABLES) inputs[spec.name] = config[spec.name] ?? spec.default;
  return inputs as unknown as ServiceInputs;
}
