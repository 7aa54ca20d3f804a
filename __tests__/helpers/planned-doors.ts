// The API Gateway door and the load balancer's listener as a plan of the module has them, read into
// the configuration of the loopback stand-ins (http-api-standin.ts, router/helpers/alb-standin.ts).
// Known values come from the plan itself. The few it cannot know (ids and ARNs of resources not yet
// created) are followed through the module's own expressions, never filled in by hand:
// - a route's `target` is `integrations/<id of an integration>`: the module's expression is
//   evaluated with each integration's id standing for its name;
// - every integration's `integration_uri` is the listener's ARN (`aws_lb_listener.llm_http.arn`): the
//   stand-in is given the ALB stand-in's URL for that reference, and the rules checked to sit on it;
// - a listener rule forwards to `aws_lb_target_group.llm_http[each.key]` (its own key's group), and
//   the listener's default action to the group of `local.main_model_key`, evaluated for the inputs.
import { ROUTING_HEADER } from "../../src/router/endpoints";
import type { ModulePlan, PlannedInstance } from "./offline-plan";
import type { StandInIntegration, StandInRoute } from "./http-api-standin";
import type { TerraformJson } from "./synth";
import { evaluate, planForEach } from "./terraform";

/** What the plan's integrations call: the listener, by the module's reference to its ARN. */
export const LISTENER_ARN = "aws_lb_listener.llm_http.arn";

export interface PlannedRule {
  /** The rule's key, the model's key (`aws_lb_listener_rule.llm_http["<key>"]`): also its target group's. */
  readonly key: string;
  readonly priority: number;
  readonly values: readonly string[];
}

export interface PlannedDoors {
  readonly routes: readonly StandInRoute[];
  readonly integrations: readonly StandInIntegration[];
  readonly rules: readonly PlannedRule[];
  /** The target group key of the listener's default action. */
  readonly defaultTargetGroup: string;
  /** Target group key -> the port its targets are called on. */
  readonly targetGroupPorts: Readonly<Record<string, number>>;
}

const keyOf = (instance: PlannedInstance) => JSON.parse(instance.key)[0] as string;

export function plannedDoors(plan: ModulePlan, module: TerraformJson, variables: Record<string, unknown>): PlannedDoors {
  const instances = [...plan.instances.values()];
  const of = (type: string) => instances.filter((i) => i.resource.startsWith(`${type}.`));
  const resources = module.resource as Record<string, Record<string, Record<string, unknown>>>;

  // Integrations: every one a private HTTP proxy to the listener, its mapping and timeout as planned.
  const integrations = of("aws_apigatewayv2_integration").map((i): StandInIntegration => {
    const name = i.resource.split(".")[1];
    const { after, afterUnknown } = i;
    if (after.integration_type !== "HTTP_PROXY" || after.connection_type !== "VPC_LINK") {
      throw new Error(`${i.resource}: ${after.integration_type} over ${after.connection_type} is not modelled (HTTP_PROXY over VPC_LINK only)`);
    }
    const uri = resources.aws_apigatewayv2_integration[name].integration_uri;
    if (uri !== `\${${LISTENER_ARN}}` || afterUnknown.integration_uri !== true) throw new Error(`${i.resource}: integration_uri is ${JSON.stringify(uri)}, not the listener's ARN`);
    // Not set in the module: unknown at plan, AWS's default applies (30 s for HTTP APIs).
    const timeout = after.timeout_milliseconds;
    if (timeout === undefined || timeout === null) {
      if (afterUnknown.timeout_milliseconds !== true || "timeout_milliseconds" in resources.aws_apigatewayv2_integration[name]) {
        throw new Error(`${i.resource}: timeout_milliseconds is neither planned nor left to AWS's default`);
      }
    }
    return {
      name,
      method: after.integration_method as string,
      uri: LISTENER_ARN,
      requestParameters: (after.request_parameters ?? {}) as Record<string, string>,
      ...(typeof timeout === "number" ? { timeoutMs: timeout } : {}),
    };
  });

  const stages = of("aws_apigatewayv2_stage").map((i) => i.after.name);
  if (stages.join() !== "$default") throw new Error(`the API's stages ${JSON.stringify(stages)}: only the one $default stage is modelled`);

  // Routes: the planned route keys, each's target followed through the module's expression.
  // An integration the plan does not create (count 0) has no id: `one([])` is null.
  const ids: Record<string, string> = {};
  for (const name of Object.keys(resources.aws_apigatewayv2_integration)) {
    const planned = integrations.some((i) => i.name === name);
    ids[`one(aws_apigatewayv2_integration.${name}[*].id)`] = planned ? JSON.stringify(name) : "null";
    if (planned) ids[`aws_apigatewayv2_integration.${name}[0].id`] = JSON.stringify(name);
  }
  const targets = new Map<string, string>();
  const single: Record<string, string> = {};
  for (const [name, body] of Object.entries(resources.aws_apigatewayv2_route)) {
    if (body.for_each !== undefined) {
      const planned = planForEach(module, { variables, resource: { type: "aws_apigatewayv2_route", name }, attributes: ["route_key", "target"], replace: ids });
      for (const value of Object.values(planned)) targets.set(`${name} ${value.route_key}`, value.target as string);
    } else single[`${name} ${body.route_key}`] = body.target as string;
  }
  // The routes of one instance each, and the listener's default target group, in one evaluation.
  const listener = resources.aws_lb_listener.llm_http as { default_action: Array<{ type: string; target_group_arn: string }> };
  const defaultTarget = /^\$\{aws_lb_target_group\.llm_http\[(local\.\w+)\]\.arn\}$/.exec(listener.default_action[0]?.target_group_arn ?? "");
  if (listener.default_action.length !== 1 || listener.default_action[0].type !== "forward" || !defaultTarget) {
    throw new Error(`the listener's default action ${JSON.stringify(listener.default_action)} is not a forward to one target group`);
  }
  const evaluated = evaluate(module, { variables, expressions: { ...single, "default target group": defaultTarget[1] }, replace: ids }) as Record<string, string>;
  for (const key of Object.keys(single)) targets.set(key, evaluated[key]);
  const defaultTargetGroup = evaluated["default target group"];

  const routes = of("aws_apigatewayv2_route").map((i): StandInRoute => {
    const { after, afterUnknown } = i;
    if (after.authorization_type !== "NONE") throw new Error(`${i.resource}${i.key}: authorization ${after.authorization_type} is not modelled`);
    if (afterUnknown.target !== true) throw new Error(`${i.resource}${i.key}: a planned target (${after.target}) was expected to be unknown`);
    const target = targets.get(`${i.resource.split(".")[1]} ${after.route_key}`);
    const integration = /^integrations\/(\w+)$/.exec(target ?? "")?.[1];
    if (!integration) throw new Error(`${i.resource}${i.key}: target ${target} names no integration`);
    return { routeKey: after.route_key as string, integration };
  });

  // The listener: rules on the routing header, each forwarding to its own key's target group.
  const rule = resources.aws_lb_listener_rule.llm_http as { listener_arn: string; action: Array<{ type: string; target_group_arn: string }> };
  if (rule.listener_arn !== `\${${LISTENER_ARN}}`) throw new Error(`the listener rules sit on ${rule.listener_arn}, not the listener the integrations call`);
  if (rule.action.length !== 1 || rule.action[0].target_group_arn !== "${aws_lb_target_group.llm_http[each.key].arn}") {
    throw new Error(`a listener rule's action is ${JSON.stringify(rule.action)}, not a forward to its own key's target group`);
  }
  const rules = of("aws_lb_listener_rule").map((i): PlannedRule => {
    const conditions = i.after.condition as Array<Record<string, unknown[]>>;
    const [condition] = conditions;
    const used = Object.entries(condition).filter(([, v]) => Array.isArray(v) && v.length > 0).map(([k]) => k);
    if (conditions.length !== 1 || used.join() !== "http_header") throw new Error(`${i.resource}${i.key}: conditions ${JSON.stringify(conditions)} are not modelled (one http_header only)`);
    const [header] = condition.http_header as Array<{ http_header_name: string; values: string[] }>;
    if (header.http_header_name.toLowerCase() !== ROUTING_HEADER) throw new Error(`${i.resource}${i.key}: routes on ${header.http_header_name}, not ${ROUTING_HEADER}`);
    const actions = i.after.action as Array<{ type: string }>;
    if (actions.length !== 1 || actions[0].type !== "forward") throw new Error(`${i.resource}${i.key}: actions ${JSON.stringify(actions)}`);
    return { key: keyOf(i), priority: i.after.priority as number, values: header.values };
  });

  const targetGroupPorts = Object.fromEntries(of("aws_lb_target_group").map((i) => [keyOf(i), i.after.port as number]));
  for (const key of [defaultTargetGroup, ...rules.map((r) => r.key)]) {
    if (targetGroupPorts[key] === undefined) throw new Error(`the listener forwards to the target group ${key}, which the plan does not have`);
  }
  return { routes, integrations, rules, defaultTargetGroup, targetGroupPorts };
}
