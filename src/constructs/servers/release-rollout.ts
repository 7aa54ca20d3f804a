import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { SsmAssociation } from "../../aws";
import { hcl } from "../hcl";
import { ModelTable } from "../model-table";
import { PullTarget } from "./model-servers";
import { ServerFoundation } from "./server-foundation";
import { UNCHANGED_PORT } from "../../userdata/templates";

/** The tag every instance server carries (its value the prefix), by which the release rollout finds them. */
export const RELEASE_ROLLOUT_TAG = "OllamaReleaseRollout";

export interface ReleaseRolloutProps {
  /** The bootstrap document, and the Ollama release and time limit the rollout passes it. */
  readonly foundation: ServerFoundation;
  /** The models: the rollout exists while an Ollama model runs on an instance. */
  readonly models: ModelTable;
  /** The instance servers, by their rollout tag. */
  readonly target: PullTarget;
  /** The association is named `<prefix>-ollama-release`. */
  readonly prefix: string;
  /** State Manager schedule of the runs after the first (`rate(...)` or `cron(...)`); `""` for none. @default "" */
  readonly schedule?: string;
  /** Instance servers that upgrade at once: a number or a percentage. @default "1" */
  readonly maxConcurrency?: string;
  /** Failed servers after which the rollout starts no more: a number or a percentage. @default "0" */
  readonly maxErrors?: string;
}

/**
 * One State Manager association over every instance server of the fleet (by tag) that brings them
 * to `ollama_version`, one server at a time by default, and stops at the first failure: each
 * instance model has one server and an association of its own, so the per-model associations
 * (which keep the release a server runs) could not pace a new release across models. It pulls
 * nothing and keeps each server's port (no `Models`, `AppPort` unchanged). State Manager runs it when
 * it is created or its release changes, then on the pulls' schedule, so a failed upgrade is tried
 * again. Auto Scaling groups take a new release through their instance refresh instead.
 */
export class ReleaseRollout extends Construct {
  /** The association, counted: 1 while a model runs on an instance, else 0. */
  public readonly association: SsmAssociation;
  /** Whether the association exists, as an HCL boolean operand known at plan (from the inputs alone). */
  public readonly exists: string;

  constructor(scope: Construct, id: string, props: ReleaseRolloutProps) {
    super(scope, id);
    const schedule = hcl(props.schedule ?? "");
    const foundation = props.foundation;
    // Ollama's instance servers only: a server of another engine runs no Ollama release.
    this.exists = `(length([for k, m in ${props.models.modelsOfOperand("instance")} : k if m.engine == "ollama"]) > 0)`;
    this.association = new SsmAssociation(this, "release_rollout", {
      count: Token.asNumber(`\${${this.exists} ? 1 : 0}`),
      name: foundation.pullModelsDocument.name,
      associationName: `${props.prefix}-ollama-release`,
      // No Models: the document's default, none.
      parameters: {
        AppPort: UNCHANGED_PORT,
        OllamaVersion: foundation.ollamaVersion,
        TimeoutSeconds: Fn.tostring(foundation.runTimeoutSeconds),
        UpgradeInPlace: "true",
      },
      maxConcurrency: props.maxConcurrency ?? "1",
      maxErrors: props.maxErrors ?? "0",
      scheduleExpression: `\${${schedule} != "" ? ${schedule} : null}`,
      syncCompliance: "AUTO",
      targets: [{ key: props.target.key, values: props.target.values }],
    });
    this.association.overrideLogicalId("release_rollout");
  }
}

