import { IResolvable, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { hclText } from "./hcl";

/** Name of the module's `check` block. */
export const OPEN_DOOR_CHECK = "api_door_authorized";

/** What the plan's warning and the synth's warning say. */
export const OPEN_DOOR_WARNING =
  "the API Gateway door (create_api_gw) is public and api_gw_authorization is NONE: anyone who finds its URL can use " +
  "the GPU servers behind it. Set api_gw_authorization to JWT or AWS_IAM, or create_api_gw to false and serve " +
  "callers through the router with API keys (router_enabled, router_auth API_KEY); or, if the door is open on purpose, " +
  "set api_gw_acknowledge_no_authorization to true";

export interface OpenDoorCheckProps {
  /** Whether the API Gateway door exists. */
  readonly apiEnabled: boolean | IResolvable;
  /** Its authorization: NONE, JWT or AWS_IAM. */
  readonly authorization: string;
  /** The caller knows the door is open and wants no warning. @default false */
  readonly acknowledged?: boolean | IResolvable;
}

/**
 * A warning at plan (a `check` block: the plan goes on) when the public API door has no
 * authorization. The original module's default, so callers that keep it see the warning on every
 * plan until they choose; nothing changes by itself.
 */
export class OpenDoorCheck extends Construct {
  constructor(scope: Construct, id: string, props: OpenDoorCheckProps) {
    super(scope, id);
    const open = `${hclText(this, props.apiEnabled)} && ${hclText(this, props.authorization)} == "NONE" && !${hclText(this, props.acknowledged ?? false)}`;
    // cdktf has no check block: written as the stack's JSON. The error message is a warning.
    TerraformStack.of(this).addOverride(`check.${OPEN_DOOR_CHECK}`, {
      assert: [{ condition: `\${!(${open})}`, error_message: `${OPEN_DOOR_WARNING}.` }],
    });
  }
}

/** The synth's one warning line for a config, or undefined when its door is closed or authorized. */
export function openDoorWarning(config: {
  readonly create_api_gw: boolean;
  readonly api_gw_authorization: string;
  readonly api_gw_acknowledge_no_authorization: boolean;
}): string | undefined {
  const open = config.create_api_gw && config.api_gw_authorization === "NONE" && !config.api_gw_acknowledge_no_authorization;
  return open ? `api_gw_authorization = "NONE": ${OPEN_DOOR_WARNING}.` : undefined;
}
