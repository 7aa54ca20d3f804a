import { App, Aspects } from "cdktf";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { Instance, LaunchTemplate, Lb, SsmAssociation } from "../src/aws";
import { loadServiceConfig } from "../src/config/load";
import { PolicyError } from "../src/policy/check";
import { ModuleStack } from "../src/stacks/module-stack";
import { ServiceStack } from "../src/stacks/service-stack";

// The policy rules run on both stacks at synth, after every other aspect.
describe("PolicyAspect on the stacks", () => {
  let outdir: string;
  beforeEach(() => (outdir = mkdtempSync(path.join(tmpdir(), "policy-aspect-"))));
  afterEach(() => rmSync(outdir, { recursive: true, force: true }));

  test("the module stack and the llm-service stack synthesize with no finding", () => {
    const app = new App({ outdir });
    new ModuleStack(app);
    new ServiceStack(app, "llm-service", loadServiceConfig(undefined));
    expect(() => app.synth()).not.toThrow();
  });

  test("a violation fails the synth with the rule id, the address and the fix", () => {
    // GIVEN the module stack plus a public load balancer and an association without compliance
    const app = new App({ outdir });
    const stack = new ModuleStack(app);
    new Lb(stack, "public", { name: "public", internal: false, dropInvalidHeaderFields: true });
    new SsmAssociation(stack, "untracked", { name: "doc" });
    // WHEN it is synthesized THEN the synth fails naming both rules
    let error: unknown;
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    const message = (error as PolicyError).message;
    expect(message).toMatch(/\[alb-internal\] aws_lb\.public: .*Fix: .+/);
    expect(message).toMatch(/\[ssm-association-compliance\] aws_ssm_association\.untracked: .*Fix: .+/);
    expect((error as PolicyError).findings).toHaveLength(2);
  });

  test("a change made by another aspect, on the servers after the stack was visited, is checked too", () => {
    // GIVEN the module stack and an aspect of the caller's, added after the stack's own, that opens IMDSv1 on every server
    const app = new App({ outdir });
    const stack = new ModuleStack(app);
    Aspects.of(stack).add({
      visit: (node) => {
        if (node instanceof Instance || node instanceof LaunchTemplate) node.addOverride("metadata_options.http_tokens", "optional");
      },
    });
    // WHEN it is synthesized THEN both kinds of server fail the IMDSv2 rule
    let error: unknown;
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).findings.map((f) => `${f.rule} ${f.address}`)).toEqual([
      "imdsv2-required aws_instance.llm",
      "imdsv2-required aws_launch_template.llm",
    ]);
  });
});
