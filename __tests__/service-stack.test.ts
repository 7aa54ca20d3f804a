import { Testing } from "cdktf";
import { readFileSync } from "fs";
import * as path from "path";
import { parseServiceConfig } from "../src/config/load";
import { ORIGINAL_MODULE_CALL, ServiceStack } from "../src/stacks/service-stack";
import { Block } from "./helpers/synth";

const example = path.join(__dirname, "..", "config", "llm-service.example.json");

function synthStack(text: string) {
  const stack = new ServiceStack(Testing.app(), "llm-service", parseServiceConfig(text, "test.json"));
  return JSON.parse(Testing.synth(stack)) as {
    provider: { aws: Block[] };
    terraform: { backend: Record<string, Block> };
    moved: Array<{ from: string; to: string }>;
    resource: Record<string, Record<string, Block>>;
    variable: Record<string, { default?: unknown }>;
  };
}

describe("ServiceStack (llm-service)", () => {
  // GIVEN the example config file
  const text = readFileSync(example, "utf8");
  const json = synthStack(text);
  const config = JSON.parse(text);

  test("the provider takes its region and default tags from the config", () => {
    expect(json.provider.aws).toEqual([{ region: "ap-southeast-1", default_tags: [{ tags: config.tags }] }]);
  });

  test("an S3 backend from the config, encrypted, with its lock table", () => {
    expect(json.terraform.backend).toEqual({
      s3: { bucket: "my-terraform-state", key: "llm-service/terraform.tfstate", region: "ap-southeast-1", dynamodb_table: "terraform-locks", encrypt: true },
    });
  });

  test("without a backend in the config, the state is local, at a path relative to the stack folder", () => {
    const { backend: _backend, ...rest } = config;
    expect(synthStack(JSON.stringify(rest)).terraform?.backend).toEqual({ local: { path: "terraform.llm-service.tfstate" } });
  });

  test("every module variable defaults to the config's value", () => {
    expect(json.variable.llm_ec2_configs.default).toEqual(config.llm_ec2_configs);
    expect(json.variable.prefix.default).toBe("llm");
    expect(json.variable.open_webui_port.default).toBe(8080);
  });

  test("a moved block carries each resource over from the original root's module call", () => {
    const addresses = Object.entries(json.resource).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
    expect(json.moved.map((m) => m.to).sort()).toEqual(addresses.sort());
    for (const { from, to } of json.moved) expect(from).toBe(`${ORIGINAL_MODULE_CALL}.${to}`);
    expect(json.moved).toContainEqual({ from: "module.llm_service.aws_instance.llm", to: "aws_instance.llm" });
  });
});
