// What synth prints after a successful run: the next steps for the config it used.
import { readFileSync } from "fs";
import * as path from "path";
import { parseServiceConfig } from "../src/config/load";
import { nextSteps } from "../src/stacks/synth-report";

const ROOT = path.resolve(__dirname, "..");
const EXAMPLE = path.join(ROOT, "config", "llm-service.example.json");
const STACK = path.join(ROOT, "cdktf.out", "stacks", "llm-service");

function config(changes: Record<string, unknown> = {}) {
  return parseServiceConfig(JSON.stringify({ ...JSON.parse(readFileSync(EXAMPLE, "utf8")), ...changes }), "my.json");
}

describe("the next steps after a synth", () => {
  test("GIVEN the router with API keys THEN the keys step names the config's region and the curl its first model", () => {
    const steps = nextSteps(config({ region: "eu-west-1", azs: ["eu-west-1a", "eu-west-1b"] }), "config/my.json", ROOT, STACK);
    expect(steps).toContain("1. cd cdktf.out/stacks/llm-service && terraform init && terraform plan");
    expect(steps).toContain("state: state/terraform.llm-service.tfstate");
    expect(steps).toContain('npm run keys -- add <name> --parameter "$(terraform output -raw router_keys_parameter)" --region eu-west-1');
    expect(steps).not.toContain("aws ssm");
    expect(steps).toContain('"model": "llama3:8b"');
  });

  test("GIVEN no router THEN there is no keys or curl step", () => {
    const steps = nextSteps(config({ router_enabled: false, create_api_gw: true, api_gw_authorization: "AWS_IAM" }), "config/my.json", ROOT, STACK);
    expect(steps).toContain("2. terraform apply");
    expect(steps).not.toContain("npm run keys");
    expect(steps).not.toContain("curl");
  });

  test("GIVEN an S3 backend THEN the first step names the bucket and key", () => {
    const backend = { s3: { bucket: "my-state", key: "llm/terraform.tfstate", region: "ap-southeast-1" } };
    expect(nextSteps(config({ backend }), "config/my.json", ROOT, STACK)).toContain("state: s3://my-state/llm/terraform.tfstate");
  });
});
