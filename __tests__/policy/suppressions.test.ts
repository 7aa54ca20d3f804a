import { App, Aspects, TerraformStack } from "cdktf";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { AwsProvider, Lb } from "../../src/aws";
import { PolicyAspect } from "../../src/policy/policy-aspect";
import { PolicyError } from "../../src/policy/check";
import { suppressionsOf, suppressPolicy } from "../../src/policy/suppressions";

const REASON = "a public entry point on purpose: this test stands for a reviewed exception";

describe("policy suppressions", () => {
  let outdir: string;
  beforeEach(() => (outdir = mkdtempSync(path.join(tmpdir(), "policy-suppressions-"))));
  afterEach(() => rmSync(outdir, { recursive: true, force: true }));

  function stackWithPublicLb(): { app: App; stack: TerraformStack; lb: Lb } {
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "s");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    Aspects.of(stack).add(new PolicyAspect());
    const lb = new Lb(stack, "public", { name: "public", internal: false, dropInvalidHeaderFields: true });
    return { app, stack, lb };
  }

  test("GIVEN a finding suppressed with a reason WHEN the stack synthesizes THEN it passes and says so", () => {
    const { app, stack, lb } = stackWithPublicLb();
    suppressPolicy(lb, "alb-internal", REASON);
    expect(() => app.synth()).not.toThrow();
    const infos = stack.node.metadata.filter((m) => m.type === "@cdktf/info").map((m) => m.data);
    expect(infos).toEqual([`policy [alb-internal] suppressed on aws_lb.public: ${REASON}`]);
    expect(suppressionsOf(stack).get("aws_lb.public")).toEqual([{ rule: "alb-internal", reason: REASON }]);
  });

  test("a suppression of one rule leaves the others in force", () => {
    const { app, lb } = stackWithPublicLb();
    lb.dropInvalidHeaderFields = false;
    suppressPolicy(lb, "alb-internal", REASON);
    let error: unknown;
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    expect((error as PolicyError).findings.map((f) => f.rule)).toEqual(["alb-drop-invalid-headers"]);
  });

  test.each([
    ["no reason", ""],
    ["a reason that says nothing", "because"],
  ])("%s is refused", (_, reason) => {
    const { lb } = stackWithPublicLb();
    expect(() => suppressPolicy(lb, "alb-internal", reason)).toThrow(/needs a reason of at least 20 characters/);
  });

  test("an unknown rule id is refused", () => {
    const { lb } = stackWithPublicLb();
    expect(() => suppressPolicy(lb, "alb-internl", REASON)).toThrow(/no policy rule "alb-internl" \(known: .*alb-internal/);
  });
});
