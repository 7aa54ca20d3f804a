import { App, TerraformStack, TerraformVariable } from "cdktf";
import { hclText } from "../src/constructs/hcl";
import { synthModule, Synthesized } from "./helpers/synth";
import { describeWithTerraform, evaluate } from "./helpers/terraform";
import { NETWORK_INPUTS } from "./helpers/network-inputs";

const INPUTS = {
  prefix: "acme",
  ...NETWORK_INPUTS,
  llm_ec2_configs: [
    { llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
    { llm_model: "qwen2:7b", instance_type: "g5.xlarge", ami_id: "ami-0123456789abcdef0", ebs_volume_gb: 200, app_port: 11434, server_mode: "instance" },
  ],
};

let stack: Synthesized;
beforeAll(() => {
  stack = synthModule();
});

describeWithTerraform("ModelTable: server modes, evaluated by terraform", () => {
  const rows = (variables: Record<string, unknown>) =>
    evaluate(stack.json, { variables, expressions: { models: "local.llm_models" } }).models as Record<string, Record<string, unknown>>;

  test("a model without server_mode takes default_server_mode; its own server_mode wins", () => {
    // WHEN every model defaults to asg but the second says instance
    const models = rows({ ...INPUTS, default_server_mode: "asg" });
    // THEN
    expect(models.llama38b.server_mode).toBe("asg");
    expect(models.qwen27b.server_mode).toBe("instance");
    expect(rows(INPUTS).llama38b.server_mode).toBe("instance");
  });

  test("Auto Scaling fields: names, sizes and switches with the type's defaults, the AMI's look-up key", () => {
    const models = rows(INPUTS);
    expect(models.llama38b).toMatchObject({ group_name: "acme-llama38b", min_size: 1, max_size: 1, desired_capacity: 1, spot: false, warm_pool: false, scheduled: false, ami_key: "arm64" });
    expect(models.qwen27b.ami_key).toBe("ami-0123456789abcdef0");
  });

  test("the iterators per kind split the table by server_mode, keyed as the table", () => {
    const inputs = { ...INPUTS, default_server_mode: "asg" };
    const body = (mode: string) => `keys({ for k, m in local.llm_models : k => m if m.server_mode == "${mode}" })`;
    const { asg, instance } = evaluate(stack.json, { variables: inputs, expressions: { asg: body("asg"), instance: body("instance") } });
    expect(asg).toEqual(["llama38b"]);
    expect(instance).toEqual(["qwen27b"]);
    // The resources iterate over exactly these expressions.
    expect(stack.json.resource?.aws_instance.llm.for_each).toBe(`\${{ for k, m in local.llm_models : k => m if m.server_mode == "instance" }}`);
    expect(stack.json.resource?.aws_autoscaling_group.llm.for_each).toBe(`\${{ for k, m in local.llm_models : k => m if m.server_mode == "asg" }}`);
  });
});

describe("hclText", () => {
  const stackWith = () => {
    const scope = new TerraformStack(new App(), "x");
    return { scope, prefix: new TerraformVariable(scope, "prefix", { type: "string" }) };
  };

  test("a token becomes the text of its expression; a literal its HCL literal", () => {
    const { scope, prefix } = stackWith();
    expect(hclText(scope, prefix.stringValue)).toBe("var.prefix");
    expect(hclText(scope, "llm")).toBe('"llm"');
    expect(hclText(scope, 3)).toBe("3");
  });

  test("a larger expression is parenthesized, so it stays one operand", () => {
    const { scope, prefix } = stackWith();
    expect(hclText(scope, `\${upper(${prefix.stringValue})}`)).toBe("(upper(var.prefix))");
  });
});
