import { App } from "cdktf";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parseServiceConfig } from "../src/config/load";
import { ServiceStack } from "../src/stacks/service-stack";
import { MOCK_PROVIDER, SHARED_MOCKS, TerraformWorkspace } from "./helpers/terraform-workspace";

// The llm-service stack of the example config, which turns the router on: synthesized, initialised
// and planned offline (mock provider), with the router at root addresses.
const EXAMPLE = path.join(__dirname, "..", "config", "llm-service.example.json");

describe("the llm-service stack with the router (config/llm-service.example.json)", () => {
  let outdir: string;
  let workspace: TerraformWorkspace;

  beforeAll(() => {
    // GIVEN the example config, which enables the router with API keys
    const config = parseServiceConfig(readFileSync(EXAMPLE, "utf8"), EXAMPLE);
    expect(config).toMatchObject({ router_enabled: true, router_auth: "API_KEY" });
    outdir = mkdtempSync(path.join(tmpdir(), "llm-service-router-"));
    const app = new App({ outdir });
    new ServiceStack(app, "llm-service", config);
    app.synth();
    workspace = TerraformWorkspace.create();
    workspace.copy(path.join(outdir, "stacks", "llm-service"), "stack");
    // Its S3 backend stays unused: the plan's state is local to the workspace.
    writeFileSync(path.join(workspace.root, "stack", "override.tf.json"), JSON.stringify({ terraform: { backend: { local: { path: "test.tfstate" } } } }));
    workspace.copy(SHARED_MOCKS, path.join("stack", "tests", "mocks"));
    writeFileSync(
      path.join(workspace.root, "stack", "tests", "router.tftest.hcl"),
      `${MOCK_PROVIDER}
run "example_config_router" {
  command = plan
  assert {
    condition     = aws_lambda_function.router[0].function_name == "llm-router" && aws_lambda_function.router[0].runtime == "nodejs22.x" && aws_lambda_function.router[0].reserved_concurrent_executions == 20
    error_message = "the stack plans the router's function from the config"
  }
  assert {
    condition     = aws_lambda_function_url.router[0].invoke_mode == "RESPONSE_STREAM" && aws_lambda_function_url.router[0].authorization_type == "NONE"
    error_message = "the stack plans the streaming URL"
  }
  assert {
    condition     = aws_lambda_function.router[0].environment[0].variables["ROUTER_ALB_URL"] == format("http://%s", aws_lb.llm.dns_name)
    error_message = "the function calls the stack's ALB"
  }
  assert {
    condition     = length(aws_iam_role.router) + length(aws_iam_role_policy.router) + length(aws_security_group.router) + length(aws_cloudwatch_log_group.router) + length(aws_ssm_parameter.router_keys) + length(aws_lambda_permission.router_url) + length(aws_lambda_permission.router_invoke) == 7
    error_message = "role, policy, security group, log group, keys parameter and both permissions"
  }
  assert {
    condition     = output.router_keys_parameter == "/llm/router/api-keys" && startswith(output.router_url, "https://")
    error_message = "the stack's outputs name the URL and the keys parameter"
  }
}
`,
    );
  });

  afterAll(() => {
    workspace?.dispose();
    rmSync(outdir, { recursive: true, force: true });
  });

  test("GIVEN the synthesized stack WHEN terraform plans it offline THEN the router is planned at root addresses", async () => {
    await workspace.init("stack", []);
    expect((await workspace.test("stack")).stdout).toMatch(/1 passed, 0 failed/);
  });
});
