// The weight cache planned by the real AWS provider (5.100.0), offline: the module as a caller
// calls it, AWS answered by the local stand-in. The provider computes the region and the bucket
// policy's document itself, so the cache adds no AWS call to a plan.
import * as path from "path";
import { MODULE_DIR } from "../src/module/module-files";
import { ModulePlan, planModules, PLAN_REGION } from "./helpers/offline-plan";
import { readmeExampleInputs } from "./helpers/readme-example";
import { TerraformWorkspace } from "./helpers/terraform-workspace";

const OURS = path.resolve(__dirname, "..", MODULE_DIR);
const BASE = { ...readmeExampleInputs(), api_gw_acknowledge_no_authorization: true };
const ROUTE_TABLES = ["rtb-0a1b2c3d4e5f11111", "rtb-0a1b2c3d4e5f22222"];

let created: ModulePlan;
let existing: ModulePlan;
let none: ModulePlan;
let workspace: TerraformWorkspace;

beforeAll(async () => {
  // GIVEN the README example with a created cache and an endpoint, with an existing bucket, and without a cache
  workspace = TerraformWorkspace.create();
  [created, existing, none] = await planModules(workspace, [
    { source: OURS, inputs: { ...BASE, model_cache_bucket: "create", model_cache_gateway_endpoint_route_table_ids: ROUTE_TABLES } },
    { source: OURS, inputs: { ...BASE, model_cache_bucket: "acme-weights", model_cache_prefix: "teams/ml/" } },
    { source: OURS, inputs: BASE },
  ]);
}, 300_000);

afterAll(() => workspace?.dispose());

const of = (plan: ModulePlan, type: string) => [...plan.instances.entries()].filter(([, x]) => x.resource.startsWith(`${type}.`));

describe("the weight cache, planned by the real provider", () => {
  test("the cache asks AWS nothing more than a plan without it", () => {
    const actions = (plan: ModulePlan) => plan.requests.map((r) => r.action).sort();
    for (const plan of [created, existing]) {
      expect(plan.requests.filter((r) => r.proxy || r.status !== 200)).toEqual([]);
      expect(actions(plan)).toEqual(actions(none));
    }
  });

  test("a created bucket: named after the prefix, encrypted, private, its lifecycle, the endpoint in the plan's region", () => {
    const bucket = created.instances.get("aws_s3_bucket.model_cache[0]");
    expect(bucket?.actions).toEqual(["create"]);
    expect(bucket?.after).toMatchObject({ bucket_prefix: `${BASE.prefix ?? "llm"}-model-cache-`, force_destroy: true });
    expect(created.instances.get("aws_s3_bucket_server_side_encryption_configuration.model_cache[0]")?.after).toMatchObject({
      rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: "AES256", kms_master_key_id: "" }] }],
    });
    expect(created.instances.get("aws_s3_bucket_public_access_block.model_cache[0]")?.after).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const lifecycle = created.instances.get("aws_s3_bucket_lifecycle_configuration.model_cache[0]")?.after as { rule: Array<Record<string, unknown>> };
    expect(lifecycle.rule.map((r) => [r.id, (r.filter as Array<{ prefix: string }>)[0].prefix, r.status])).toEqual([
      ["abort-abandoned-uploads", "model-cache/", "Enabled"],
      ["empty-the-trash", "model-cache/trash/", "Enabled"],
    ]);
    const endpoint = created.instances.get("aws_vpc_endpoint.model_cache[0]")?.after;
    expect(endpoint).toMatchObject({ service_name: `com.amazonaws.${PLAN_REGION}.s3`, vpc_endpoint_type: "Gateway", route_table_ids: ROUTE_TABLES });
    expect(of(created, "aws_cloudwatch_log_metric_filter").map(([address]) => address).sort()).toEqual(
      ["corrupt", "hit", "miss", "seeded"].map((e) => `aws_cloudwatch_log_metric_filter.model_cache["${e}"]`),
    );
  });

  test("an existing bucket: no bucket of ours, the servers' policy, no endpoint without route tables", () => {
    expect(of(existing, "aws_s3_bucket")).toEqual([]);
    expect(of(existing, "aws_vpc_endpoint")).toEqual([]);
    expect(existing.instances.get("aws_iam_role_policy.llm_ec2_model_cache[0]")?.after).toMatchObject({ name: `${BASE.prefix ?? "llm"}-model-cache` });
  });

  test("without a cache none of it is planned", () => {
    for (const type of ["aws_s3_bucket", "aws_vpc_endpoint", "aws_cloudwatch_log_metric_filter", "aws_iam_role_policy.llm_ec2_model_cache"]) expect(of(none, type)).toEqual([]);
  });
});
