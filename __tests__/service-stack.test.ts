import { AnnotationMetadataEntryType, Testing } from "cdktf";
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
  // GIVEN the example config file, with an S3 backend added
  const text = JSON.stringify({
    ...JSON.parse(readFileSync(example, "utf8")),
    backend: { s3: { bucket: "my-terraform-state", key: "llm-service/terraform.tfstate", region: "ap-southeast-1" } },
  });
  const json = synthStack(text);
  const config = JSON.parse(text);

  test("the provider takes its region and default tags from the config", () => {
    expect(json.provider.aws).toEqual([{ region: "ap-southeast-1", default_tags: [{ tags: config.tags }] }]);
  });

  test("an S3 backend from the config, encrypted, locked by Terraform's lock file", () => {
    expect(json.terraform.backend).toEqual({
      s3: { bucket: "my-terraform-state", key: "llm-service/terraform.tfstate", region: "ap-southeast-1", use_lockfile: true, encrypt: true },
    });
  });

  describe("S3 backend settings", () => {
    const s3 = { bucket: "my-terraform-state", key: "llm-service/terraform.tfstate", region: "ap-southeast-1" };
    const withS3 = (settings: Record<string, unknown>) => {
      const stack = new ServiceStack(Testing.app(), "llm-service", parseServiceConfig(JSON.stringify({ ...config, backend: { s3: { ...s3, ...settings } } }), "test.json"));
      const warnings = stack.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));
      return { backend: (JSON.parse(Testing.synth(stack)) as { terraform: { backend: { s3: Block } } }).terraform.backend.s3, warnings };
    };

    test("the lock file is on by default; profile and role as Terraform 1.6+ reads them (assume_role block)", () => {
      const { backend, warnings } = withS3({ profile: "state-admin", role_arn: "arn:aws:iam::123456789012:role/terraform-state" });
      expect(backend).toEqual({
        ...s3,
        encrypt: true,
        use_lockfile: true,
        profile: "state-admin",
        assume_role: { role_arn: "arn:aws:iam::123456789012:role/terraform-state" },
      });
      expect(backend).not.toHaveProperty("role_arn");
      expect(warnings.filter((w) => w.startsWith("backend.s3"))).toEqual([]);
    });

    test("dynamodb_table is still written for states locked that way, with a deprecation warning; the lock file locks too", () => {
      const { backend, warnings } = withS3({ dynamodb_table: "terraform-locks" });
      expect(backend).toMatchObject({ dynamodb_table: "terraform-locks", use_lockfile: true });
      expect(warnings.filter((w) => w.startsWith("backend.s3"))).toEqual([
        expect.stringMatching(/^backend\.s3\.dynamodb_table = "terraform-locks": DynamoDB state locking is deprecated since Terraform 1\.11\. The lock file .* remove dynamodb_table/),
      ]);
    });

    test("use_lockfile false leaves it out; with no table either, a warning says the state is not locked", () => {
      const { backend, warnings } = withS3({ use_lockfile: false });
      expect(backend).not.toHaveProperty("use_lockfile");
      expect(warnings.filter((w) => w.startsWith("backend.s3"))).toEqual([expect.stringMatching(/the state is not locked/)]);
    });

    test("the config schema refuses an unknown backend setting, naming the known ones", () => {
      const text = JSON.stringify({ ...config, backend: { s3: { ...s3, lock_table: "x" } } });
      expect(() => parseServiceConfig(text, "test.json")).toThrow(/backend\.s3\.lock_table is not a known field \(known here: bucket, key, region, use_lockfile, dynamodb_table, profile, role_arn\)/);
    });
  });

  test("without a backend in the config, the state is local, in state/ beside the output folder, at a path relative to the stack folder", () => {
    const { backend: _backend, ...rest } = config;
    expect(synthStack(JSON.stringify(rest)).terraform?.backend).toEqual({ local: { path: "../../../state/terraform.llm-service.tfstate" } });
  });

  test("every module variable defaults to the config's value", () => {
    // The entries' optional fields filled as the module's type fills them; server_mode from default_server_mode.
    const filled = {
      ami_id: "",
      server_mode: "instance",
      min_size: 1,
      max_size: 1,
      desired_capacity: 1,
      spot: false,
      warm_pool: false,
      engine: "ollama",
      served_model_name: "",
      max_model_len: 0,
      tensor_parallel_size: 0,
      gpu_memory_utilization: 0.9,
      dtype: "",
      quantization: "",
      engine_args: {},
      keep_alive: "6h",
    };
    expect(json.variable.llm_ec2_configs.default).toEqual(config.llm_ec2_configs.map((c: object) => ({ ...filled, ...c })));
    expect(json.variable.prefix.default).toBe("llm");
    expect(json.variable.router_enabled.default).toBe(true);
    expect(json.variable.create_api_gw.default).toBe(false);
  });

  test("a moved block carries each resource over from the original root's module call", () => {
    const addresses = Object.entries(json.resource).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
    expect(json.moved.map((m) => m.to).sort()).toEqual(addresses.sort());
    for (const { from, to } of json.moved) expect(from).toBe(`${ORIGINAL_MODULE_CALL}.${to}`);
    expect(json.moved).toContainEqual({ from: "module.llm_service.aws_instance.llm", to: "aws_instance.llm" });
  });

  describe("warnings and INFO lines at synth: once, and only when they apply", () => {
    const messages = (overrides: object, level: string) => {
      const stack = new ServiceStack(Testing.app(), "llm-service", parseServiceConfig(JSON.stringify({ ...config, ...overrides }), "test.json"));
      Testing.synth(stack, true);
      return stack.node.metadata.filter((m) => m.type === level).map((m) => String(m.data));
    };

    test("a public API door without authorization earns one warning line; JWT, AWS_IAM or no door earn none", () => {
      expect(messages({ create_api_gw: true, api_gw_authorization: "NONE" }, AnnotationMetadataEntryType.WARN).filter((w) => w.includes("api_gw_authorization"))).toEqual([
        expect.stringMatching(/^api_gw_authorization = "NONE": the API Gateway door \(create_api_gw\) is public .* Set api_gw_authorization to JWT or AWS_IAM/),
      ]);
      for (const closed of [{ create_api_gw: false }, { create_api_gw: true, api_gw_authorization: "AWS_IAM" }]) {
        expect(messages(closed, AnnotationMetadataEntryType.WARN).filter((w) => w.includes("api_gw_authorization"))).toEqual([]);
      }
    });

    test("the router's public-URL suppressions are reported once each with the router on and API keys, never with it off or on IAM", () => {
      expect(messages({}, AnnotationMetadataEntryType.INFO)).toEqual([
        expect.stringMatching(/^policy \[lambda-url-auth\] suppressed on aws_lambda_function_url\.router: /),
        expect.stringMatching(/^policy \[lambda-permission-public\] suppressed on aws_lambda_permission\.router_url: /),
        expect.stringMatching(/^policy \[lambda-permission-public\] suppressed on aws_lambda_permission\.router_invoke: /),
      ]);
      expect(messages({ router_public_invoke_function: false }, AnnotationMetadataEntryType.INFO)).toEqual([
        expect.stringMatching(/^policy \[lambda-url-auth\] suppressed on aws_lambda_function_url\.router: /),
        expect.stringMatching(/^policy \[lambda-permission-public\] suppressed on aws_lambda_permission\.router_url: /),
      ]);
      expect(messages({ router_enabled: false }, AnnotationMetadataEntryType.INFO)).toEqual([]);
      expect(messages({ router_auth: "AWS_IAM" }, AnnotationMetadataEntryType.INFO)).toEqual([]);
    });
  });
});
