import { App } from "cdktf";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { loadServiceConfig } from "../src/config/load";
import { modelKey } from "../src/config/derive";
import { ServiceStack } from "../src/stacks/service-stack";
import { MOCK_PROVIDER, SHARED_MOCKS, TerraformWorkspace } from "./helpers/terraform-workspace";

// The deploy path offline: `cdktf synth` of llm-service, then terraform init, validate and a
// mocked plan of the synthesized root configuration.
describe("cdktf.out/stacks/llm-service with terraform", () => {
  let outdir: string;
  let workspace: TerraformWorkspace;

  beforeAll(() => {
    // GIVEN the stack synthesized from the built-in default config, in a workspace of its own
    outdir = mkdtempSync(path.join(tmpdir(), "llm-service-synth-"));
    const app = new App({ outdir });
    new ServiceStack(app, "llm-service", loadServiceConfig(undefined));
    app.synth();
    workspace = TerraformWorkspace.create();
    workspace.copy(path.join(outdir, "stacks", "llm-service"), "stack");
    // The state of this plan stays in the workspace.
    writeFileSync(path.join(workspace.root, "stack", "override.tf.json"), JSON.stringify({ terraform: { backend: { local: { path: "test.tfstate" } } } }));
    workspace.copy(SHARED_MOCKS, path.join("stack", "tests", "mocks"));
    // The built-in config is the example file: the router with API keys, no API door.
    const example = loadServiceConfig(undefined);
    const models = example.llm_ec2_configs.map((c) => c.llm_model);
    const keys = models.map(modelKey);
    writeFileSync(
      path.join(workspace.root, "stack", "tests", "default.tftest.hcl"),
      `${MOCK_PROVIDER}
run "default_config" {
  command = plan
  assert {
    condition     = toset(keys(aws_instance.llm)) == toset(${JSON.stringify(keys)})
    error_message = "the default config's servers are not planned at the root"
  }
  assert {
    condition     = aws_ssm_association.pull_models[${JSON.stringify(keys[0])}].parameters.Models == ${JSON.stringify(models.join(","))}
    error_message = "the main server does not pull every model"
  }
  assert {
    condition     = output.service_endpoint == aws_lb.llm.dns_name && length(aws_apigatewayv2_api.llm_apigw) == 0
    error_message = "without an API door, service_endpoint is the internal ALB's DNS name"
  }
  assert {
    condition     = length(aws_lambda_function.router) == 1 && aws_lambda_function_url.router[0].authorization_type == "NONE" && length(aws_ssm_parameter.router_keys) == 1
    error_message = "the router is planned with its keys parameter"
  }
}
`,
    );
  });

  afterAll(() => {
    workspace?.dispose();
    rmSync(outdir, { recursive: true, force: true });
  });

  test("terraform init and validate accept it (moved blocks included)", async () => {
    await workspace.init("stack", []);
    await workspace.shareProvider("stack");
    expect((await workspace.validate("stack")).stdout).toMatch(/The configuration is valid/);
  });

  test("a mocked plan has the default config's servers at root addresses", async () => {
    expect((await workspace.test("stack")).stdout).toMatch(/1 passed, 0 failed/);
  });
});
