// Values AWS gives a resource when it is created (ids, ARNs, versions), made up for a state made
// from a plan: of the type the provider's schema gives, in the shape AWS gives them (an instance
// id "i-...", an ARN "arn:aws:elasticloadbalancing:..."), and the same for the same address.
import { createHash } from "crypto";
import { OFFLINE_REGION } from "./offline-root";
import { CtyType } from "./provider-schema";

export const FAKE_ACCOUNT = "123456789012";

export interface Identity {
  readonly type: string;
  readonly address: string;
  readonly hash: string;
}

export function identityOf(type: string, address: string): Identity {
  return { type, address, hash: createHash("sha1").update(address).digest("hex") };
}

/** A value of `type` for the attribute `name`, known only after apply. */
export function madeValue(type: CtyType, name: string, identity: Identity): unknown {
  if (type === "string") return madeString(name, identity);
  if (type === "number") return /(^|_)version$/.test(name) ? 1 : 0;
  if (type === "bool") return false;
  const [kind, inner] = type as readonly [string, unknown];
  if (kind === "list" || kind === "set") return [];
  if (kind === "map") return {};
  if (kind === "object") {
    return Object.fromEntries(Object.entries(inner as Record<string, CtyType>).map(([key, member]) => [key, madeValue(member, key, identity)]));
  }
  return null;
}

/** Id formats of the types whose ids other resources or AWS read; other ids are "<kind>-<hash>". */
const ID_PREFIX: Record<string, string> = {
  aws_instance: "i-",
  aws_security_group: "sg-",
  aws_launch_template: "lt-",
  aws_vpc_security_group_ingress_rule: "sgr-",
  aws_vpc_security_group_egress_rule: "sgr-",
};

/** Types whose id is their ARN. */
const ID_IS_ARN = new Set(["aws_lb", "aws_lb_target_group", "aws_lb_listener", "aws_lb_listener_rule", "aws_sns_topic"]);

/** The service of an ARN, by resource type prefix. */
const SERVICES: Array<[RegExp, string]> = [
  [/^aws_lb/, "elasticloadbalancing"],
  [/^aws_(instance|security_group|launch_template|vpc_)/, "ec2"],
  [/^aws_iam_/, "iam"],
  [/^aws_ssm_/, "ssm"],
  [/^aws_sns_/, "sns"],
  [/^aws_cloudwatch_log_/, "logs"],
  [/^aws_cloudwatch_event_/, "events"],
  [/^aws_cloudwatch_/, "cloudwatch"],
  [/^aws_autoscaling_/, "autoscaling"],
  [/^aws_apigatewayv2_/, "apigateway"],
  [/^aws_lambda_/, "lambda"],
];

function madeString(name: string, identity: Identity): string {
  if (name === "id") {
    if (ID_IS_ARN.has(identity.type)) return madeArn(identity);
    const prefix = ID_PREFIX[identity.type];
    return prefix ? `${prefix}${identity.hash.slice(0, 17)}` : `${identity.type.replace(/^aws_/, "").replace(/_/g, "-")}-${identity.hash.slice(0, 12)}`;
  }
  if (name === "arn" || name.endsWith("_arn")) return madeArn(identity);
  if (name === "owner_id" || name === "owner") return FAKE_ACCOUNT;
  return `${name.replace(/_/g, "-")}-${identity.hash.slice(0, 8)}`;
}

function madeArn(identity: Identity): string {
  const service = SERVICES.find(([pattern]) => pattern.test(identity.type))?.[1] ?? identity.type.split("_")[1];
  const region = service === "iam" ? "" : OFFLINE_REGION;
  return `arn:aws:${service}:${region}:${FAKE_ACCOUNT}:${identity.type.replace(/^aws_/, "")}/${identity.hash.slice(0, 16)}`;
}
