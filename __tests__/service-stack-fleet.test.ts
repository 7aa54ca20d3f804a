import { Testing } from "cdktf";
import { readFileSync } from "fs";
import * as path from "path";
import { parseServiceConfig } from "../src/config/load";
import { ServiceStack } from "../src/stacks/service-stack";

// The llm-service stack built from a config with every fleet option: the policy rules and the
// duplicate-address check run as aspects at synth and pass; the groups land at their addresses.
describe("ServiceStack (llm-service) with Auto Scaling servers, schedules and monitoring", () => {
  const file = path.join(__dirname, "corpus", "good", "asg-spot-warm-pool-schedules.json");
  const config = parseServiceConfig(readFileSync(file, "utf8"), file);

  test("GIVEN every model in asg mode WHEN the stack synthesizes THEN the policy rules pass and it plans groups, not instances", () => {
    // WHEN
    const json = JSON.parse(Testing.synth(new ServiceStack(Testing.app(), "llm-service", config), true));
    // THEN
    expect(json.resource.aws_autoscaling_group.llm.health_check_type).toBe("ELB");
    expect(json.resource.aws_launch_template.llm.metadata_options.http_tokens).toBe("required");
    expect(json.variable.default_server_mode.default).toBe("asg");
    expect(json.variable.llm_ec2_configs.default.map((c: { server_mode: string }) => c.server_mode)).toEqual(["asg", "asg"]);
    expect(json.moved).toContainEqual({ from: "module.llm_service.aws_autoscaling_group.llm", to: "aws_autoscaling_group.llm" });
  });
});
