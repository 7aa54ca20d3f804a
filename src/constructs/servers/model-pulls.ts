import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { SsmAssociation } from "../../aws";
import { hcl } from "../hcl";
import { ModelTable } from "../model-table";
import { ServerMode } from "../../config/types";
import { ModelServers, PullTarget } from "./model-servers";
import { ollamaSettings, ServerFoundation } from "./server-foundation";
import { UNCHANGED_PORT } from "../../userdata/templates";

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
 * The `UpgradeInPlace` parameter of each kind's per-model association: `false` for both. An
 * association runs on all its servers as soon as it changes, and each instance model has its own,
 * so a new release carried by them would restart every instance server at once: the release
 * rollout (release-rollout.ts) brings it, one server at a time. An Auto Scaling group's servers
 * take it through the instance refresh of a new launch template. Either way a model's own
 * association keeps the release a server runs, and installs one only where none is.
 */
export const UPGRADE_IN_PLACE: Record<ServerMode, "true" | "false"> = { instance: "false", asg: "false" };

/**
 * The `AppPort` each kind's association passes: an instance moves to its model's new port and Ollama
 * settings when its association runs (one server, restarted once); an Auto Scaling group's servers
 * keep theirs (`unchanged`) until its instance refresh replaces them with servers on the new ones.
 */
const APP_PORT: Record<ServerMode, string> = { instance: "tostring(each.value.app_port)", asg: JSON.stringify(UNCHANGED_PORT) };

/** One State Manager association per model: pulls its models onto its servers and records compliance. */
export class ModelPulls extends Construct {
  public readonly associations: SsmAssociation;

  constructor(scope: Construct, id: string, props: ModelPullsProps) {
    super(scope, id);
    const models = props.models.iterator;
    const wait = hcl(props.waitSeconds ?? 0);
    const schedule = hcl(props.schedule ?? "");
    const foundation = props.foundation;
    const settings = ollamaSettings("each.value");
    this.associations = new SsmAssociation(this, "pull_models", {
      forEach: models,
      name: foundation.pullModelsDocument.name,
      parameters: {
        Models: Fn.join(",", Token.asList(models.getList("pull_models"))),
        AppPort: Token.asString(`\${each.value.server_mode == "asg" ? ${APP_PORT.asg} : ${APP_PORT.instance}}`),
        OllamaVersion: foundation.ollamaVersion,
        TimeoutSeconds: Fn.tostring(foundation.runTimeoutSeconds),
        UpgradeInPlace: Token.asString(`\${each.value.server_mode == "asg" ? "${UPGRADE_IN_PLACE.asg}" : "${UPGRADE_IN_PLACE.instance}"}`),
        // A changed setting changes the parameters and State Manager runs the association again: an
        // instance's script rewrites the unit and restarts Ollama once; a group's servers keep theirs
        // (AppPort unchanged) until the instance refresh of the new launch template replaces them.
        ContextLength: settings.context_length,
        NumParallel: settings.num_parallel,
        KvCacheType: settings.kv_cache_type,
        KeepAlive: settings.keep_alive,
      },
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
