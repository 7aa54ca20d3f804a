import { asgLaunchTemplate } from "../../src/policy/rules/asg-launch-template";
import { stack, UNRELATED } from "./fixtures";

describe("asg-launch-template", () => {
  test.each([
    ["a launch_template block", { launch_template: { id: "${aws_launch_template.llm[each.key].id}", version: "$Latest" } }],
    [
      "a mixed instances policy (spot)",
      {
        mixed_instances_policy: {
          launch_template: { launch_template_specification: { launch_template_id: "${aws_launch_template.llm[each.key].id}" } },
        },
      },
    ],
  ])("a group launching from %s complies", (_, body) => {
    expect(asgLaunchTemplate.check(stack({ aws_autoscaling_group: { llm: body } }))).toEqual([]);
  });

  test.each([
    ["a launch configuration", { launch_configuration: "${aws_launch_configuration.llm.name}" }, "launch_configuration is set; no launch template is given"],
    ["nothing to launch from", {}, "no launch template is given"],
    ["both", { launch_configuration: "old", launch_template: { name: "llm" } }, "launch_configuration is set"],
  ])("a group with %s is a finding", (_, body, message) => {
    // GIVEN
    const tf = stack({ aws_autoscaling_group: { llm: body } });
    // WHEN / THEN
    expect(asgLaunchTemplate.check(tf)).toEqual([expect.objectContaining({ rule: "asg-launch-template", address: "aws_autoscaling_group.llm", message })]);
  });

  test("not applicable without Auto Scaling groups", () => {
    expect(asgLaunchTemplate.check(UNRELATED)).toEqual([]);
  });
});

describe("asg-launch-template with dynamic blocks (one block or the other per model)", () => {
  test("a group whose launch template is a dynamic block complies", () => {
    // GIVEN the launch template and the mixed instances policy as dynamic blocks, as AsgServers writes them
    const body = {
      dynamic: {
        launch_template: { for_each: "${each.value.spot ? [] : [each.key]}", content: { id: "${aws_launch_template.llm[each.key].id}" } },
        mixed_instances_policy: {
          for_each: "${each.value.spot ? [each.key] : []}",
          content: { launch_template: { launch_template_specification: { launch_template_id: "${aws_launch_template.llm[each.key].id}" } } },
        },
      },
    };
    // WHEN / THEN
    expect(asgLaunchTemplate.check(stack({ aws_autoscaling_group: { llm: body } }))).toEqual([]);
  });

  test("a dynamic block of another name is no launch template", () => {
    const body = { dynamic: { warm_pool: { for_each: "${[1]}", content: { pool_state: "Stopped" } } } };
    expect(asgLaunchTemplate.check(stack({ aws_autoscaling_group: { llm: body } }))).toEqual([
      expect.objectContaining({ message: "no launch template is given" }),
    ]);
  });
});
