import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { SsmAssociation, SsmDocument } from "../../aws";
import { hcl } from "../hcl";
import { ModelTable } from "../model-table";
import { ModelServers } from "./model-servers";

export interface ModelPullsProps {
  /** The Run Command document that pulls models on a server. */
  readonly document: SsmDocument;
  /** One association per model of this table, with its pull list. */
  readonly models: ModelTable;
  /** Where each model's servers are. */
  readonly servers: ModelServers;
  /** Seconds `terraform apply` waits for the pulls to succeed; 0 does not wait. */
  readonly waitSeconds: number;
}

/** One State Manager association per model: pulls its models onto its servers and records compliance. */
export class ModelPulls extends Construct {
  public readonly associations: SsmAssociation;

  constructor(scope: Construct, id: string, props: ModelPullsProps) {
    super(scope, id);
    const models = props.models.iterator;
    const wait = hcl(props.waitSeconds);
    this.associations = new SsmAssociation(this, "pull_models", {
      forEach: models,
      name: props.document.name,
      parameters: { Models: Fn.join(",", Token.asList(models.getList("pull_models"))) },
      // State Manager records whether each server has its models; apply may wait for it.
      syncCompliance: "AUTO",
      waitForSuccessTimeoutSeconds: Token.asNumber(`\${${wait} > 0 ? ${wait} : null}`),
      targets: [props.servers.pullTarget],
    });
    this.associations.overrideLogicalId("pull_models");
  }
}
