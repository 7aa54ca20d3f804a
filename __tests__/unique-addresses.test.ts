import { App, TerraformElement, TerraformLocal, Testing } from "cdktf";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { Instance } from "../src/aws";
import { loadServiceConfig } from "../src/config/load";
import { ModuleStack } from "../src/stacks/module-stack";
import { ServiceStack } from "../src/stacks/service-stack";
import { addressOf, duplicateAddresses } from "../src/stacks/unique-addresses";

// Two constructs that pin the same (type, logical id) would be merged by cdktf into one block.
describe("every address is claimed by one construct", () => {
  let outdir: string;
  beforeEach(() => (outdir = mkdtempSync(path.join(tmpdir(), "unique-addresses-"))));
  afterEach(() => rmSync(outdir, { recursive: true, force: true }));

  test("the module stack and the llm-service stack have no duplicated address", () => {
    const app = Testing.app();
    expect([...duplicateAddresses(new ModuleStack(app))]).toEqual([]);
    expect([...duplicateAddresses(new ServiceStack(app, "llm-service", loadServiceConfig(undefined)))]).toEqual([]);
  });

  test("GIVEN a second construct pinning aws_instance.llm WHEN the stack synthesizes THEN it fails naming the address and both constructs", () => {
    // GIVEN
    const app = new App({ outdir });
    const stack = new ModuleStack(app);
    new Instance(stack, "another", { ami: "ami-0123456789abcdef0", instanceType: "t3.micro" }).overrideLogicalId("llm");

    // WHEN / THEN: without the check, the two bodies merge into one block silently
    expect(Object.keys((stack.toTerraform() as { resource: Record<string, object> }).resource.aws_instance)).toEqual(["llm"]);
    expect(() => app.synth()).toThrow(
      /aws_instance\.llm: ollama-service-multi-servers\/service\/instances\/llm, ollama-service-multi-servers\/another[\s\S]*overrideLogicalId/,
    );
  });

  test("addresses are written as Terraform writes them: data., local., var., output. and resource type", () => {
    const stack = new ModuleStack(Testing.app());
    const addresses = stack.node.findAll().flatMap((c) => (c instanceof TerraformElement ? [addressOf(c)] : []));
    for (const address of ["data.aws_ami.dlami_arm", "local.llm_models", "var.prefix", "output.ec2", "aws_instance.llm"]) {
      expect(addresses).toContain(address);
    }
  });

  test("GIVEN a second local pinned to llm_models THEN it is a duplicate", () => {
    const stack = new ModuleStack(Testing.app());
    new TerraformLocal(stack, "shadow", "{}").overrideLogicalId("llm_models");
    expect(duplicateAddresses(stack).get("local.llm_models")).toEqual([
      "ollama-service-multi-servers/service/models/llm_models",
      "ollama-service-multi-servers/shadow",
    ]);
  });
});
