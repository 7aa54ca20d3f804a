// The rendered scripts themselves: shellcheck, size limits, one shared body, and the SSM
// document's parameter patterns against the rule table's model names.
import { spawnSync } from "child_process";
import { readdirSync, readFileSync } from "fs";
import * as path from "path";
import { MAX_MODEL_NAME_LENGTH, MODEL_NAME_PATTERN } from "../../src/config/rules";
import { SSM_PARAMETERS } from "../../src/userdata/templates";
import { commandFromDocument, InvalidParameters } from "./harness/ssm-agent";
import { inputs, renderFromModule } from "./harness/render";

const CORPUS = path.join(__dirname, "..", "corpus");
const configsOf = (kind: "good" | "bad") =>
  readdirSync(path.join(CORPUS, kind))
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({ name: f, config: JSON.parse(readFileSync(path.join(CORPUS, kind, f), "utf8")) }));

/** Runs shellcheck on `script`; throws, saying how to get it, when it is missing. */
function shellcheck(script: string): { status: number | null; output: string } {
  const found = spawnSync("shellcheck", ["--version"]);
  if (found.error || found.status !== 0) {
    throw new Error("shellcheck is not on the PATH: apt-get install -y shellcheck (`bash .ci/run` installs it on CI machines)");
  }
  const run = spawnSync("shellcheck", ["-"], { input: script, encoding: "utf8" });
  return { status: run.status, output: run.stdout + run.stderr };
}

const bodyAfterHeader = (script: string) => script.slice(script.indexOf("\nCALLER=") + 1).replace(/^CALLER=\S+\n/, "");

describe("rendered scripts", () => {
  // GIVEN the scripts rendered from the committed module
  const rendered = renderFromModule(inputs());
  const userData = rendered.userData.llama38b;
  const ssmScript = commandFromDocument(rendered.document, rendered.associations.llama38b.parameters).script;

  test("shellcheck passes the user data and the SSM document's script, at every severity", () => {
    expect(shellcheck(userData)).toEqual({ status: 0, output: "" });
    expect(shellcheck(rendered.userData.qwen27b)).toEqual({ status: 0, output: "" });
    expect(shellcheck(ssmScript)).toEqual({ status: 0, output: "" });
  });

  test("user data and the SSM document run one body; only their headers differ", () => {
    expect(bodyAfterHeader(userData)).toBe(bodyAfterHeader(ssmScript));
    expect(userData).toMatch(/\nCALLER=user-data\n/);
    expect(ssmScript).toMatch(/\nCALLER=ssm\n/);
    expect(bodyAfterHeader(userData).length).toBeGreaterThan(5000);
  });

  test("the user data stays under EC2's 16 KB even for a 128-character model name and the longest run", () => {
    const longest = `${"a".repeat(MAX_MODEL_NAME_LENGTH - 4)}:q4b`;
    const big = renderFromModule(
      inputs({
        pull_models_wait_seconds: 172800,
        llm_ec2_configs: [{ llm_model: longest, instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 65535 }],
      }),
    );
    const script = Object.values(big.userData)[0];
    expect(script).toContain(`MODELS='${longest}'`);
    expect(Buffer.byteLength(script)).toBeLessThan(16 * 1024);
    // and the document under SSM's 64 KB
    expect(Buffer.byteLength(rendered.document)).toBeLessThan(64 * 1024);
  });

  test("associations: the main server's full list, each server's port, the release, a time limit following pull_models_wait_seconds, every 30 minutes", () => {
    expect(rendered.associations).toEqual({
      llama38b: {
        parameters: { Models: "llama3:8b,qwen2:7b", AppPort: "11434", OllamaVersion: "0.13.0", TimeoutSeconds: "3600" },
        schedule: "rate(30 minutes)",
      },
      qwen27b: { parameters: { Models: "qwen2:7b", AppPort: "11435", OllamaVersion: "0.13.0", TimeoutSeconds: "3600" }, schedule: "rate(30 minutes)" },
    });
    const longer = renderFromModule(inputs({ pull_models_wait_seconds: 7200, pull_models_schedule: "" }));
    expect(longer.associations.qwen27b).toEqual({ parameters: expect.objectContaining({ TimeoutSeconds: "7200" }), schedule: null });
    expect(longer.userData.qwen27b).toContain("RUN_TIMEOUT_SECONDS='7200'\n");
    expect(commandFromDocument(longer.document, longer.associations.qwen27b.parameters).timeoutSeconds).toBe(7200);
  });
});

describe("the Models pattern admits exactly the names the model-name rule admits", () => {
  const models = new RegExp(SSM_PARAMETERS.Models.allowedPattern);
  const rule = (name: string) => new RegExp(MODEL_NAME_PATTERN).test(name) && name.length <= MAX_MODEL_NAME_LENGTH;

  test("every model of the good corpus, alone and as each main server's list", () => {
    for (const { name, config } of configsOf("good")) {
      const names: string[] = config.llm_ec2_configs.map((c: { llm_model: string }) => c.llm_model);
      for (const model of names) expect({ name, model, ok: models.test(model) }).toEqual({ name, model, ok: true });
      expect({ name, ok: models.test(names.join(",")) }).toEqual({ name, ok: true });
    }
  });

  test("no model the rule refuses in the bad corpus", () => {
    const refused = configsOf("bad")
      .flatMap(({ config }) => (Array.isArray(config.llm_ec2_configs) ? config.llm_ec2_configs : []))
      .map((c: { llm_model: string }) => c.llm_model)
      .filter((model: string) => !rule(model));
    expect(refused.length).toBeGreaterThanOrEqual(5);
    for (const model of refused) expect({ model, ok: models.test(model) }).toEqual({ model, ok: false });
  });

  test("names of every length and character the rule allows, and none it does not", () => {
    const alphabet = "abcXYZ019._:/+-";
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let length = 1; length <= MAX_MODEL_NAME_LENGTH + 1; length++) {
      const name = Array.from({ length }, (_, i) => (i === 0 ? "aZ9"[length % 3] : alphabet[Math.floor(random() * alphabet.length)])).join("");
      expect({ name, pattern: models.test(name) }).toEqual({ name, pattern: rule(name) });
    }
    for (const bad of ["-llama", ".llama", "llama 3", "llama*", "llama?", "llama;id", "llama$x", "llama'", 'llama"', "llama`", "llama\\", "llama\n"]) {
      expect({ bad, pattern: models.test(bad), rule: rule(bad) }).toEqual({ bad, pattern: false, rule: false });
    }
  });

  test("1 to 100 models, as the model-count rule", () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `model${i}:7b`).join(",");
    expect(models.test(names(1))).toBe(true);
    expect(models.test(names(100))).toBe(true);
    expect(models.test(names(101))).toBe(false);
    expect(models.test("")).toBe(false);
    expect(models.test("llama3:8b,")).toBe(false);
  });

  test("AppPort is exactly 1-65535, OllamaVersion a release, TimeoutSeconds a number", () => {
    const port = new RegExp(SSM_PARAMETERS.AppPort.allowedPattern);
    for (let p = 0; p <= 65536; p += p < 100 || p > 65430 ? 1 : 97) expect({ p, ok: port.test(String(p)) }).toEqual({ p, ok: p >= 1 && p <= 65535 });
    expect(port.test("011434")).toBe(false);
    const version = new RegExp(SSM_PARAMETERS.OllamaVersion.allowedPattern);
    expect(["0.13.0", "0.14.0-rc2", "1.2.3"].every((v) => version.test(v))).toBe(true);
    expect(["latest", "0.13", "v0.13.0", "0.13.0;id"].some((v) => version.test(v))).toBe(false);
    const timeout = new RegExp(SSM_PARAMETERS.TimeoutSeconds.allowedPattern);
    expect(["120", "199", "200", "999", "3600", "172800"].every((t) => timeout.test(t))).toBe(true);
    expect(["0", "60", "100", "119", "3600s", "-1", "1e5"].some((t) => timeout.test(t))).toBe(false);
  });

  test("the SSM emulation refuses an unknown parameter and a missing required one", () => {
    const rendered = renderFromModule(inputs());
    expect(() => commandFromDocument(rendered.document, { ...rendered.associations.qwen27b.parameters, Extra: "x" })).toThrow(InvalidParameters);
    const { AppPort: _omitted, ...withoutPort } = rendered.associations.qwen27b.parameters;
    expect(() => commandFromDocument(rendered.document, withoutPort)).toThrow(/AppPort is required/);
  });
});
