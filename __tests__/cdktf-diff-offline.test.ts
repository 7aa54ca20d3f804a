// The `cdktf deploy` path, offline: `cdktf synth`, `terraform init` of the stack against the
// provider mirror (which writes the lock file, so cdktf skips `terraform providers lock`), then
// `cdktf diff llm-service`, with the provider's AWS calls answered by a local stand-in of the EC2,
// STS and Service Quotas APIs. All of it in a temporary copy of the project, never in this checkout.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "fs";
import * as path from "path";
import { TerraformJson } from "./helpers/synth";
import { evaluate } from "./helpers/terraform";
import { canIsolateNetwork, offlineAwsEnv, OfflineRun, runAgainstStandIn } from "./helpers/offline-aws";
import { runBounded } from "./helpers/processes";
import { TerraformWorkspace } from "./helpers/terraform-workspace";

const REPO_ROOT = path.resolve(__dirname, "..");
const CDKTF = path.join(REPO_ROOT, "node_modules", ".bin", "cdktf");
const PROJECT_FILES = ["main.ts", "cdktf.json", "package.json", "tsconfig.json", "src", "scripts", "config"];
const STACK_DIR = path.join("project", "cdktf.out", "stacks", "llm-service");
const STATE_FILE = "terraform.llm-service.tfstate";
const CDKTF_TIMEOUT_MS = 480_000;

/** How many resource instances a first plan of `json` creates: count, for_each or one each. */
function instancesToCreate(json: TerraformJson): number {
  const expressions: Record<string, string> = {};
  let single = 0;
  for (const [type, byName] of Object.entries(json.resource ?? {})) {
    for (const [name, body] of Object.entries(byName)) {
      // Wrapped whole: an expression with a template inside (an ARN with its partition) is still one expression.
      if (typeof body.for_each === "string") expressions[`${type}.${name}`] = `\${length(${body.for_each.slice(2, -1)})}`;
      else if (typeof body.count === "string") expressions[`${type}.${name}`] = body.count;
      else if (typeof body.count === "number") single += body.count;
      else single += 1;
    }
  }
  const counts = evaluate(json, { variables: {}, expressions });
  return single + Object.values(counts).reduce<number>((sum, n) => sum + Number(n), 0);
}

describe("cdktf synth + terraform init + cdktf diff, offline", () => {
  let workspace: TerraformWorkspace;
  let project: string;
  let env: NodeJS.ProcessEnv;
  let stack: TerraformJson;
  let lockBefore: string;

  beforeAll(async () => {
    // GIVEN a copy of the project (node_modules linked), synthesized by the cdktf CLI
    workspace = TerraformWorkspace.create();
    project = path.join(workspace.root, "project");
    mkdirSync(project);
    for (const file of PROJECT_FILES) cpSync(path.join(REPO_ROOT, file), path.join(project, file), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(project, "node_modules"), "dir");
    env = offlineAwsEnv(workspace.environment(), workspace.root);
    delete env.LLM_SERVICE_CONFIG;
    delete env.CDKTF_OUTDIR;
    const synth = await runBounded({ command: CDKTF, args: ["synth"], cwd: project, env, timeoutMs: CDKTF_TIMEOUT_MS });
    if (synth.status !== 0) throw new Error(`cdktf synth failed (${synth.status}):\n${synth.stdout}\n${synth.stderr}`);
    stack = JSON.parse(readFileSync(path.join(workspace.root, STACK_DIR, "cdk.tf.json"), "utf8"));
    // AND the stack folder initialised against the provider mirror
    await workspace.init(STACK_DIR, []);
    lockBefore = readFileSync(path.join(workspace.root, STACK_DIR, ".terraform.lock.hcl"), "utf8");
  });

  afterAll(() => workspace?.dispose());

  test("the synthesized stack keeps its local state in state/ beside cdktf.out/ and names no path of the checkout", () => {
    const text = readFileSync(path.join(workspace.root, STACK_DIR, "cdk.tf.json"), "utf8");
    expect(stack.terraform?.backend).toEqual({ local: { path: `../../../state/${STATE_FILE}` } });
    expect(text).not.toContain(project);
    expect(text).not.toContain(REPO_ROOT);
  });

  describe("cdktf diff llm-service", () => {
    let diff: OfflineRun;

    beforeAll(async () => {
      // WHEN cdktf diffs the stack with the stand-in as AWS (in a loopback-only network namespace when possible)
      diff = await runAgainstStandIn({
        command: [CDKTF, "diff", "llm-service"],
        cwd: project,
        env,
        scratch: workspace.root,
        timeoutMs: CDKTF_TIMEOUT_MS,
      });
    });

    test("plans every resource instance of the default config for creation", () => {
      // THEN the summary counts what the stack's count and for_each expressions expand to
      const printed = (diff.stdout + diff.stderr).replace(/\x1b\[[0-9;]*m/g, "");
      const summary = /Plan: (\d+) to add, (\d+) to change, (\d+) to destroy/.exec(printed);
      expect({ status: diff.status, summary: summary?.slice(1).map(Number) }).toEqual({
        status: 0,
        summary: [instancesToCreate(stack), 0, 0],
      });
    });

    test("the only AWS calls were the stand-in's: the credential check and the look-ups, only the AMI of the architecture in use, the router's Lambda quota", () => {
      expect(diff.requests.filter((r) => r.proxy)).toEqual([]);
      // The default config has the router on: its reserved concurrency is checked against the account's quota.
      expect([...new Set(diff.requests.map((r) => r.action))].sort()).toEqual(
        expect.arrayContaining(["DescribeImages", "GetAWSDefaultServiceQuota", "GetServiceQuota"]),
      );
      for (const request of diff.requests) {
        expect({ action: request.action, status: request.status }).toEqual({ action: expect.any(String), status: 200 });
        expect([
          "DescribeImages",
          "DescribeAvailabilityZones",
          "DescribeInstanceTypeOfferings",
          "GetCallerIdentity",
          "GetInstanceUefiData",
          "GetAWSDefaultServiceQuota",
          "GetServiceQuota",
        ]).toContain(request.action);
      }
      // The default config's models all run on g5g (arm64): the x86_64 Deep Learning AMI is not looked up.
      const architectures = diff.requests.filter((r) => r.action === "DescribeImages").map((r) => r.filters?.architecture?.join(","));
      expect([...new Set(architectures)].sort()).toEqual(["arm64"]);
      // the offering check: the default config's one instance type, by availability zone
      const offerings = diff.requests.filter((r) => r.action === "DescribeInstanceTypeOfferings");
      expect([...new Set(offerings.map((r) => `${r.filters?.["instance-type"]?.join(",")} ${r.params?.LocationType}`))]).toEqual(["g5g.xlarge availability-zone"]);
    });

    test("it reached no network beyond loopback", () => {
      // In a namespace whose only interface is loopback, any other connection would have failed the diff.
      expect({ isolated: diff.isolated, status: diff.status }).toEqual({ isolated: canIsolateNetwork, status: 0 });
      expect(diff.isolated).toBe(true);
    });

    test("cdktf kept the lock file terraform init wrote (no `terraform providers lock`)", () => {
      expect(readFileSync(path.join(workspace.root, STACK_DIR, ".terraform.lock.hcl"), "utf8")).toBe(lockBefore);
    });
  });

  test("GIVEN the look-ups applied WHEN cdktf.out/ is deleted and synthesized again THEN the state is still in state/ and the stack reads it", async () => {
    // GIVEN a state written by an apply in the stack folder
    const stackDir = path.join(workspace.root, STACK_DIR);
    const apply = await runAgainstStandIn({
      command: ["terraform", "apply", "-auto-approve", "-input=false", "-no-color", "-target=data.aws_ami.dlami_arm"],
      cwd: stackDir,
      env,
      scratch: workspace.root,
      timeoutMs: CDKTF_TIMEOUT_MS,
    });
    expect({ status: apply.status, stderr: apply.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    const statePath = path.join(project, "state", STATE_FILE);
    const state = JSON.parse(readFileSync(statePath, "utf8"));
    expect(state.resources.map((r: { mode: string; name: string }) => `${r.mode}.${r.name}`).sort()).toEqual(["data.dlami_arm"]);
    expect(existsSync(path.join(stackDir, STATE_FILE))).toBe(false);
    // WHEN the build output is deleted and the project synthesized again
    rmSync(path.join(project, "cdktf.out"), { recursive: true, force: true });
    const synth = await runBounded({ command: CDKTF, args: ["synth"], cwd: project, env, timeoutMs: CDKTF_TIMEOUT_MS });
    expect(synth.status).toBe(0);
    // THEN the state is where it was, and terraform in the new stack folder starts from it
    expect(existsSync(statePath)).toBe(true);
    await workspace.init(STACK_DIR, []);
    const list = await workspace.runOrThrow(STACK_DIR, ["state", "list"]);
    expect(list.stdout.split("\n").filter(Boolean).sort()).toEqual(["data.aws_ami.dlami_arm[0]"]);
  });
});
