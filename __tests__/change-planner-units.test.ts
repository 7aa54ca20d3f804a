// The change planner's pure parts, without terraform: how a plan's changes are summarised, and how
// a state is made from a plan (made-up ids, references between resources resolved).
import { stateFromPlan, ResourceSchemas } from "./helpers/fake-state";
import { changedPaths, PlanJson, summarise } from "./helpers/plan-json";
import { SchemaBlock } from "./helpers/provider-schema";

const ALARM: SchemaBlock = {
  attributes: { id: { type: "string", computed: true }, alarm_name: { type: "string", required: true } },
  block_types: {
    metric_query: {
      nesting_mode: "set",
      block: { attributes: { id: { type: "string", required: true }, stat: { type: "string", optional: true }, account_id: { type: "string", optional: true } } },
    },
    step: { nesting_mode: "list", block: { attributes: { name: { type: "string", required: true } } } },
  },
};
const SCHEMAS: ResourceSchemas = {
  aws_cloudwatch_metric_alarm: { block: ALARM },
  aws_lb_target_group: { block: { attributes: { id: { type: "string", computed: true }, arn: { type: "string", computed: true }, port: { type: "number", required: true } } } },
  aws_lb_listener_rule: {
    block: {
      attributes: { id: { type: "string", computed: true }, priority: { type: "number", optional: true } },
      block_types: { action: { nesting_mode: "list", block: { attributes: { target_group_arn: { type: "string", optional: true } } } } },
    },
  },
  aws_instance: { block: { attributes: { id: { type: "string", computed: true }, instance_type: { type: "string", required: true } } } },
};

const update = (type: string, before: object, after: object, unknown: object = {}, actions = ["update"], more: { replace_paths?: string[][]; module?: string } = {}): PlanJson => ({
  terraform_version: "1.11.4",
  resource_changes: [
    {
      address: `${more.module ? `${more.module}.` : ""}${type}.x`,
      ...(more.module ? { module_address: more.module } : {}),
      mode: "managed",
      type,
      name: "x",
      change: { actions, before, after, after_unknown: unknown, replace_paths: more.replace_paths },
    },
  ],
});

describe("summarise", () => {
  test("a set whose elements only moved is no change; a changed element is named [*]", () => {
    // GIVEN an alarm whose metric queries come back in another order, one with another stat
    const a = { id: "a", stat: "Sum", account_id: null };
    const b = { id: "b", stat: "Maximum", account_id: null };
    const plan = update("aws_cloudwatch_metric_alarm", { alarm_name: "n", metric_query: [a, b], step: [] }, { alarm_name: "n", metric_query: [{ ...b, stat: "Minimum" }, a], step: [] });
    // WHEN summarised THEN only that stat changes
    expect(summarise(plan, undefined, SCHEMAS)["aws_cloudwatch_metric_alarm.x"]).toEqual({ actions: ["update"], replacedBy: [], changed: ["metric_query[*].stat"] });
  });

  test("a list whose elements moved is a change of each moved element", () => {
    const plan = update("aws_cloudwatch_metric_alarm", { alarm_name: "n", metric_query: [], step: [{ name: "a" }, { name: "b" }] }, { alarm_name: "n", metric_query: [], step: [{ name: "b" }, { name: "a" }] });
    expect(summarise(plan, undefined, SCHEMAS)["aws_cloudwatch_metric_alarm.x"].changed).toEqual(["step[0].name", "step[1].name"]);
  });

  test("an unset value and its zero value are the same; a value known only at apply is a change", () => {
    expect(changedPaths({ a: null, b: 0, c: [] }, { a: "", b: null, c: null }, {})).toEqual([]);
    expect(changedPaths({ a: "x" }, { a: "" }, {})).toEqual(["a"]);
    expect(changedPaths({ a: "x" }, {}, { a: true })).toEqual(["a"]);
  });

  test("a replacement names what forces it and what the configuration changes, not the new resource's computed values", () => {
    const plan = update("aws_lb_target_group", { id: "arn:1", arn: "arn:1", port: 80 }, { port: 81 }, { id: true, arn: true }, ["create", "delete"], { replace_paths: [["port"]] });
    expect(summarise(plan, undefined, SCHEMAS)["aws_lb_target_group.x"]).toEqual({ actions: ["create", "delete"], replacedBy: ["port"], changed: ["port"] });
  });

  test("resources the plan leaves alone and resources of other module calls are left out", () => {
    const plan = update("aws_instance", { instance_type: "a" }, { instance_type: "a" }, {}, ["no-op"]);
    expect(summarise(plan, undefined, SCHEMAS)).toEqual({});
    const other = update("aws_instance", { instance_type: "a" }, { instance_type: "b" }, {}, ["update"], { module: "module.row_1" });
    expect(summarise(other, "module.row_0", SCHEMAS)).toEqual({});
    expect(Object.keys(summarise(other, "module.row_1", SCHEMAS))).toEqual(["aws_instance.x"]);
  });
});

describe("stateFromPlan", () => {
  // GIVEN a plan that creates a target group and a listener rule forwarding to it
  const plan: PlanJson = {
    terraform_version: "1.11.4",
    resource_changes: [
      { address: 'aws_lb_target_group.g["m"]', mode: "managed", type: "aws_lb_target_group", name: "g", index: "m", change: { actions: ["create"], before: null, after: { port: 80 }, after_unknown: { id: true, arn: true } } },
      {
        address: 'aws_lb_listener_rule.r["m"]',
        mode: "managed",
        type: "aws_lb_listener_rule",
        name: "r",
        index: "m",
        change: { actions: ["create"], before: null, after: { priority: 7, action: [{}] }, after_unknown: { id: true, action: [{ target_group_arn: true }] } },
      },
    ],
    planned_values: { root_module: { resources: [{ address: 'aws_lb_target_group.g["m"]', schema_version: 0 }, { address: 'aws_lb_listener_rule.r["m"]', schema_version: 0 }] } },
    configuration: {
      root_module: {
        resources: [
          { address: "aws_lb_target_group.g", mode: "managed", type: "aws_lb_target_group", name: "g", expressions: { port: { constant_value: 80 } } },
          {
            address: "aws_lb_listener_rule.r",
            mode: "managed",
            type: "aws_lb_listener_rule",
            name: "r",
            expressions: { action: [{ target_group_arn: { constant_value: "${aws_lb_target_group.g[each.key].arn}", references: ["aws_lb_target_group.g", "each.key"] } }] },
          },
        ],
      },
    },
  };

  test("computed ids look like AWS's, and a reference to another resource's ARN is that resource's ARN in the state", () => {
    // WHEN a state is made from it
    const state = stateFromPlan(plan, SCHEMAS);
    const [group, rule] = state.resources.map((r) => r.instances[0].attributes);
    // THEN the group's id is its ARN, and the rule forwards to exactly that ARN
    expect(group.arn).toMatch(/^arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:lb_target_group\/[0-9a-f]{16}$/);
    expect(group.id).toBe(group.arn);
    expect(rule.action).toEqual([{ target_group_arn: group.arn }]);
    expect(rule.priority).toBe(7);
    expect(state.resources.map((r) => [r.type, r.each, r.instances[0].index_key, r.instances[0].dependencies])).toEqual([
      ["aws_lb_target_group", "map", "m", []],
      ["aws_lb_listener_rule", "map", "m", ["aws_lb_target_group.g"]],
    ]);
  });

  test("the same plan makes the same ids", () => {
    const ids = () => stateFromPlan(plan, SCHEMAS).resources.map((r) => r.instances[0].attributes.id);
    expect(ids()).toEqual(ids());
  });

  test("a plan that does more than create is refused", () => {
    const replacing = { ...plan, resource_changes: [{ ...plan.resource_changes![0], change: { ...plan.resource_changes![0].change, actions: ["delete", "create"] } }] };
    expect(() => stateFromPlan(replacing, SCHEMAS)).toThrow(/only creates, and this one plans delete, create/);
  });
});
