import { TerraformOutput, Token } from "cdktf";
import { terraformChecks } from "../config/rules";
import { Construct } from "constructs";
import { DeepLearningAmis } from "./deep-learning-amis";
import { HttpApi } from "./http-api";
import { InternalAlb } from "./internal-alb";
import { LlmServers } from "./llm-servers";
import { ModelTable } from "./model-table";
import { ServiceVariables } from "./service-variables";

export interface OllamaServiceProps {
  /** The module's inputs, declared by `declareServiceVariables`. */
  readonly variables: ServiceVariables;
}

/**
 * The whole service: model servers, the internal ALB that routes to them by model, and the API
 * Gateway in front, with the original module's outputs. Resource addresses are pinned to the
 * original's (`aws_instance.llm["llama38b"]`, ...): they key users' Terraform state.
 */
export class OllamaService extends Construct {
  public readonly amis: DeepLearningAmis;
  public readonly models: ModelTable;
  public readonly servers: LlmServers;
  public readonly alb: InternalAlb;
  public readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: OllamaServiceProps) {
    super(scope, id);
    const variables = props.variables;
    this.amis = new DeepLearningAmis(this, "amis");
    this.models = new ModelTable(this, "models", { variables, amis: this.amis });
    this.servers = new LlmServers(this, "servers", { variables, models: this.models });
    this.alb = new InternalAlb(this, "alb", {
      variables,
      models: this.models,
      instances: this.servers.instances,
      serverSecurityGroup: this.servers.securityGroup,
    });
    this.api = new HttpApi(this, "api", {
      variables,
      listener: this.alb.listener,
      albSecurityGroup: this.alb.securityGroup,
    });
    // Rules that read several variables cannot be one variable's validation: check them before
    // the load balancer, which every plan has.
    this.alb.loadBalancer.lifecycle = {
      precondition: terraformChecks()
        .filter((check) => check.variable === undefined)
        .map(({ condition, errorMessage }) => ({ condition: Token.asAny(condition), errorMessage })),
    };
    this.addOutputs(variables);
  }

  private addOutputs(variables: ServiceVariables): void {
    const createApi = variables.create_api_gw.value;
    const api = this.api.api.fqn;
    const customDomain = `${createApi} && ${this.api.customDomainSet.expression}`;
    const outputs: Record<string, { value: unknown; description: string }> = {
      ec2: { value: this.servers.instances.fqn, description: "The model servers: aws_instance objects keyed by model key." },
      alb: { value: this.alb.loadBalancer.fqn, description: "The internal application load balancer (aws_lb object)." },
      api_gw: {
        value: `\${${createApi} ? ${api}[0] : null}`,
        description: "The API Gateway HTTP API (aws_apigatewayv2_api object), or null when create_api_gw is false.",
      },
      service_endpoint: {
        value:
          `\${${customDomain} ? format("https://%s", ${variables.api_gw_domain.value}) : ` +
          `(${createApi} ? ${api}[0].api_endpoint : ${this.alb.loadBalancer.dnsName})}`,
        description:
          "URL of the Ollama service: https://<api_gw_domain> with the custom domain, else the API's endpoint, else the ALB's DNS name.",
      },
      dlami_arm: { value: this.amis.arm64.id, description: "Id of the most recent arm64 Deep Learning AMI." },
      dlami_x86: { value: this.amis.x86.id, description: "Id of the most recent x86_64 Deep Learning AMI." },
    };
    for (const [name, output] of Object.entries(outputs)) {
      new TerraformOutput(this, `${name}_output`, output).overrideLogicalId(name);
    }
  }
}
