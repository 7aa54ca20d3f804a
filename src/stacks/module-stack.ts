import { Aspects, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { PolicyAspect } from "../policy/policy-aspect";
import { UniqueAddressesAspect } from "./unique-addresses";
import { AwsProvider } from "../aws";
import { OllamaService } from "../constructs/ollama-service";
import { declareServiceVariables } from "../constructs/service-variables";

/** Name of the module stack, and of the committed module's folder under `modules/`. */
export const MODULE_NAME = "ollama-service-multi-servers";

/**
 * The oldest Terraform the module runs on: the newest language feature it uses is `strcontains`
 * (Terraform 1.5); preconditions and error messages built from values need 1.2.
 */
export const TERRAFORM_REQUIRED_VERSION = ">= 1.5.0";

/**
 * The reusable child module: the original module's variables and outputs, `required_providers`
 * only. No provider block and no backend: the caller owns both.
 */
export class ModuleStack extends TerraformStack {
  public readonly service: OllamaService;

  /**
   * @param reportSuppressions print the module's policy suppressions at synth (the `cdktf synth` of the
   * llm-service stack passes false: they are the module's, listed in its reference, not the deployment's).
   */
  constructor(scope: Construct, id: string = MODULE_NAME, reportSuppressions = true) {
    super(scope, id);
    // The provider construct only declares the requirement; its configuration block is the
    // caller's, so it is removed below along with the backend cdktf adds by default.
    new AwsProvider(this, "aws", {});
    this.service = new OllamaService(this, "service", { variables: declareServiceVariables(this) });
    Aspects.of(this).add(new UniqueAddressesAspect());
    Aspects.of(this).add(new PolicyAspect(undefined, () => reportSuppressions));
    this.addOverride("provider", undefined);
    this.addOverride("terraform.backend", undefined);
    this.addOverride("terraform.required_providers.aws", { source: "hashicorp/aws", version: ">= 5.0" });
    this.addOverride("terraform.required_version", TERRAFORM_REQUIRED_VERSION);
  }
}
