// The committed module against the schemas of the AWS provider versions its callers run: 5.100.0
// (the provider itself, offline through the mirror) and 6.x (an extract of the bindings generated
// from hashicorp/aws 6.66.0, refreshed by scripts/aws-provider-schema-extract.js).
import { Testing } from "cdktf";
import { readFileSync } from "fs";
import * as path from "path";
import { loadServiceConfig } from "../src/config/load";
import { MODULE_DIR } from "../src/module/module-files";
import { ServiceStack, STACK_AWS_PROVIDER_VERSIONS } from "../src/stacks/service-stack";
import { fromTerraformSchemaJson, ProviderSchema, schemaProblems } from "./helpers/provider-schema";
import { TerraformJson } from "./helpers/synth";
import { TerraformWorkspace } from "./helpers/terraform-workspace";

const MODULE_FILE = path.resolve(__dirname, "..", MODULE_DIR, "main.tf.json");
const moduleJson = (): TerraformJson => JSON.parse(readFileSync(MODULE_FILE, "utf8"));

const extract6 = JSON.parse(readFileSync(path.join(__dirname, "fixtures", "aws-provider-6-schema.json"), "utf8"));
const schema6: ProviderSchema = extract6;

const types = (json: { resource?: object; data?: object }) => ({
  resources: Object.keys(json.resource ?? {}).sort(),
  data: Object.keys(json.data ?? {}).sort(),
});

describe("hashicorp/aws 6.x", () => {
  test("the extract is of 6.x and covers exactly the module's resource and data source types", () => {
    expect(extract6.version).toMatch(/^6\./);
    expect({ resources: Object.keys(extract6.resource_schemas).sort(), data: Object.keys(extract6.data_source_schemas).sort() }).toEqual(
      types(moduleJson()),
    );
  });

  test("every type, argument, nested block and referenced attribute of the module exists", () => {
    expect(schemaProblems(moduleJson(), schema6)).toEqual([]);
  });

  test("the llm-service stack accepts hashicorp/aws from its binding's 5.100.0 up to the 6.x release this schema is", () => {
    expect(STACK_AWS_PROVIDER_VERSIONS).toBe(`>= 5.100.0, <= ${extract6.version}`);
    const stack = JSON.parse(Testing.synth(new ServiceStack(Testing.app(), "llm-service", loadServiceConfig()))) as { terraform: { required_providers: { aws: { version: string } } } };
    expect(stack.terraform.required_providers.aws.version).toBe(STACK_AWS_PROVIDER_VERSIONS);
  });

  test("GIVEN an argument 6.x removed WHEN checked THEN the problem names the address, the argument and the version", () => {
    // aws_instance.cpu_core_count is gone in 6.x (cpu_options replaces it)
    expect(extract6["changes_from_5.100.0"].aws_instance.removed).toContain("cpu_core_count");
    const json = moduleJson();
    const instance = json.resource!.aws_instance.llm as Record<string, unknown>;
    instance.cpu_core_count = 4;
    const rootDevice = instance.root_block_device as Record<string, unknown> | Array<Record<string, unknown>>;
    (Array.isArray(rootDevice) ? rootDevice[0] : rootDevice).volume_sizes = 10;
    expect(schemaProblems(json, schema6)).toEqual([
      "aws_instance.llm: root_block_device.volume_sizes: no such argument or block in hashicorp/aws 6.66.0",
      "aws_instance.llm: cpu_core_count: no such argument or block in hashicorp/aws 6.66.0",
    ]);
  });

  test("GIVEN a missing required argument, an unknown type and a bad reference THEN each is reported", () => {
    const json = moduleJson();
    delete (json.resource!.aws_lb_listener.llm_http as Record<string, unknown>).default_action;
    (json.resource as Record<string, unknown>).aws_no_such_thing = { x: {} };
    (json.output as Record<string, unknown>).broken = { value: "${aws_lb.llm.dns_names}" };
    expect(schemaProblems(json, schema6)).toEqual([
      "aws_lb_listener.llm_http: default_action: required block is missing in hashicorp/aws 6.66.0",
      "aws_no_such_thing.x: hashicorp/aws 6.66.0 has no resource type aws_no_such_thing",
      "aws_lb.llm: dns_names: referenced, but no such attribute in hashicorp/aws 6.66.0",
    ]);
  });
});

describe("hashicorp/aws 5.100.0 (the provider's own schema)", () => {
  let workspace: TerraformWorkspace;
  let schema5: ProviderSchema;

  beforeAll(async () => {
    // GIVEN the module initialised against the provider (the mirror, offline)
    workspace = TerraformWorkspace.create();
    workspace.copy(path.dirname(MODULE_FILE), "module");
    await workspace.init("module");
    await workspace.shareProvider("module");
    // WHEN terraform prints the schema of the provider it installed
    const printed = await workspace.runOrThrow("module", ["providers", "schema", "-json"]);
    const lock = readFileSync(path.join(workspace.root, "module", ".terraform.lock.hcl"), "utf8");
    const version = /provider "registry\.terraform\.io\/hashicorp\/aws" \{\s*version\s*=\s*"([^"]+)"/.exec(lock)?.[1];
    schema5 = fromTerraformSchemaJson(JSON.parse(printed.stdout), version ?? "unknown");
  });

  afterAll(() => workspace?.dispose());

  test("the installed provider is 5.x, the oldest the module allows", () => {
    expect(schema5.version).toMatch(/^5\./);
    expect(moduleJson().terraform?.required_providers).toMatchObject({ aws: { version: ">= 5.0" } });
  });

  test("every type, argument, nested block and referenced attribute of the module exists", () => {
    expect(schemaProblems(moduleJson(), schema5)).toEqual([]);
  });

  test("GIVEN region, an argument new in 6.x, WHEN checked against 5.100.0 THEN it is reported", () => {
    const json = moduleJson();
    (json.resource!.aws_lb.llm as Record<string, unknown>).region = "ap-southeast-1";
    expect(schemaProblems(json, schema5)).toEqual([`aws_lb.llm: region: no such argument or block in hashicorp/aws ${schema5.version}`]);
    expect(schemaProblems(json, schema6)).toEqual([]);
  });

  test("GIVEN the router's lambda:InvokeFunction grant limited to its URL (invoked_via_function_url) WHEN checked THEN 6.x takes it and 5.100.0 does not: why the module grants it unconditioned", () => {
    const json = moduleJson();
    (json.resource!.aws_lambda_permission.router_invoke as Record<string, unknown>).invoked_via_function_url = true;
    expect(schemaProblems(json, schema6)).toEqual([]);
    expect(schemaProblems(json, schema5)).toEqual([
      `aws_lambda_permission.router_invoke: invoked_via_function_url: no such argument or block in hashicorp/aws ${schema5.version}`,
    ]);
  });

  test("the 6.x extract agrees with the provider on what 5.100.0 has: nothing it lists as added in 6.x is in 5.100.0", () => {
    const changes = extract6["changes_from_5.100.0"] as Record<string, { added: string[] }>;
    const inFive: string[] = [];
    for (const [key, { added }] of Object.entries(changes)) {
      const [kind, type] = key.startsWith("data.") ? (["data", key.slice(5)] as const) : (["resource", key] as const);
      const block = (kind === "data" ? schema5.data_source_schemas : schema5.resource_schemas)[type].block;
      for (const name of added.filter((n) => !n.includes("."))) {
        if (name in (block.attributes ?? {}) || name in (block.block_types ?? {})) inFive.push(`${key}.${name}`);
      }
    }
    expect(inFive).toEqual([]);
  });
});
