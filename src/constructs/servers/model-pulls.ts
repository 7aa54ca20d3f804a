import { Token } from "cdktf";
import { Construct } from "constructs";
import { SsmAssociation } from "../../aws";
import { hcl } from "../hcl";
import { ModelTable } from "../model-table";
import { ModelServers, PullTarget } from "./model-servers";
import { ServerFoundation } from "./server-foundation";

export interface ModelPullsProps {
  /** The pull document, and the Ollama release and time limit every run passes it. */
  readonly foundation: ServerFoundation;
  /** One association per model of this table, with its pull list. */
  readonly models: ModelTable;
  /** Where each model's servers are: one kind, or every kind (each model is reached through its own). */
  readonly servers: ModelServers | readonly ModelServers[];
  /** Seconds `terraform apply` waits for the pulls to succeed; 0 does not wait. @default 0 */
  readonly waitSeconds?: number;
  /** State Manager schedule of the runs after the first (`rate(...)` or `cron(...)`); `""` for none. @default "" */
  readonly schedule?: string;
  /** Servers of one model that run a pull at once: a number or a percentage. @default "1" */
  readonly maxConcurrency?: string;
  /** Failed servers of one model after which a run starts no more: a number or a percentage. @default "0" */
  readonly maxErrors?: string;
}

/**
 * One State Manager association per model: runs its engine's bootstrap on its servers (Ollama's
 * pulls its models) and records compliance.
 */
export class ModelPulls extends Construct {
  public readonly associations: SsmAssociation;

  constructor(scope: Construct, id: string, props: ModelPullsProps) {
    super(scope, id);
    const models = props.models.iterator;
    const wait = hcl(props.waitSeconds ?? 0);
    const schedule = hcl(props.schedule ?? "");
    const foundation = props.foundation;
    // Each model's servers run its engine's bootstrap document, with that engine's parameters.
    this.associations = new SsmAssociation(this, "pull_models", {
      forEach: models,
      name: Token.asString(`\${${foundation.documentNameOperand()}}`),
      parameters: Token.asStringMap(`\${${foundation.documentParametersOperand()}}`),
      // One server of a model at a time, stopping at the first failure: a bad pull or port reaches
      // one server, not a whole group (an instance model has one server anyway).
      maxConcurrency: props.maxConcurrency ?? "1",
      maxErrors: props.maxErrors ?? "0",
      // Runs again on this schedule, so a failed install or pull heals without Terraform.
      scheduleExpression: `\${${schedule} != "" ? ${schedule} : null}`,
      // State Manager records whether each server has its models; apply may wait for it.
      syncCompliance: "AUTO",
      waitForSuccessTimeoutSeconds: Token.asNumber(`\${${wait} > 0 ? ${wait} : null}`),
      targets: [pullTargetOf([props.servers].flat())],
    });
    this.associations.overrideLogicalId("pull_models");
  }
}

/**
 * The association target of each model: its own kind's. With several kinds, a conditional on the
 * row's `server_mode` picks it; Terraform evaluates only the chosen side, so an instance reference
 * is never looked up for a model served by a group.
 */
function pullTargetOf(kinds: readonly ModelServers[]): PullTarget {
  if (kinds.length === 0) throw new Error("ModelPulls: give at least one kind of servers");
  const [last, ...others] = [...kinds].reverse();
  if (others.length === 0) return last.pullTarget;
  const list = (values: readonly string[]) => `[${values.map(operand).join(", ")}]`;
  const pick = (of: (k: ModelServers) => string) =>
    others.reduce((otherwise, k) => `each.value.server_mode == "${k.serverMode}" ? ${of(k)} : ${otherwise}`, of(last));
  return {
    key: `\${${pick((k) => hcl(k.pullTarget.key))}}`,
    values: Token.asList(`\${${pick((k) => list(k.pullTarget.values))}}`),
  };
}

/** A value as an operand: an interpolation (`${aws_instance.llm[each.key].id}`) loses its outer `${}`. */
function operand(value: string): string {
  const match = /^\$\{([\s\S]*)\}$/.exec(value);
  if (match) return match[1];
  if (Token.isUnresolved(value)) throw new Error(`ModelPulls: a pull target value must be one interpolation, not ${value}`);
  return hcl(value);
}
