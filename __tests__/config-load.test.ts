import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ConfigError, loadServiceConfig, parseServiceConfig } from "../src/config/load";
import { seedInputs } from "./helpers/seed";

function problemsOf(text: string): readonly string[] {
  try {
    parseServiceConfig(text, "my.json");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const seed = seedInputs();
/** The seed's network with one model, and nothing else: the module's defaults fill the rest. */
const minimal = {
  azs: seed.azs,
  vpc_id: seed.vpc_id,
  vpc_cidr_block: seed.vpc_cidr_block,
  subnet_ids: seed.subnet_ids,
  llm_ec2_configs: [{ llm_model: seed.llm_ec2_configs[0].llm_model, instance_type: "g5.xlarge", ebs_volume_gb: 100, app_port: 11434 }],
};

describe("loading the config file", () => {
  test("without LLM_SERVICE_CONFIG the built-in default is the seed's usage example", () => {
    expect(loadServiceConfig(undefined)).toMatchObject({ ...seedInputs(), region: "ap-southeast-1" });
  });

  test("module defaults fill what the file leaves out, ami_id included", () => {
    const config = parseServiceConfig(JSON.stringify(minimal), "my.json");
    expect(config).toMatchObject({ prefix: "llm", open_webui_port: 0, create_api_gw: true, api_gw_domain: "", region: "ap-southeast-1" });
    expect(config.llm_ec2_configs[0].ami_id).toBe("");
  });

  test("invalid JSON names the file and the line", () => {
    const [problem] = problemsOf('{\n  "azs": ["a",\n}');
    expect(problem).toMatch(/^is not valid JSON: line 3, column 1: /);
    expect(problemsOf('{"prefix": "llm" "azs": []}')[0]).toMatch(/line 1, column 18: /);
    expect(problemsOf('{"prefix": "llm",\n\n  "azs": [1, 2,]}')[0]).toMatch(/line 3, column 16: /);
    expect(() => parseServiceConfig("{", "my.json")).toThrow(/^my\.json: 1 problem/);
  });

  test("unknown fields, wrong types and missing fields are each named with their place", () => {
    const problems = problemsOf(
      JSON.stringify({ ...minimal, vpc_id: undefined, regoin: "eu-west-1", open_webui_port: "8080", llm_ec2_configs: [{ ...minimal.llm_ec2_configs[0], app_prot: 1 }] }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^vpc_id is required but missing/),
        expect.stringMatching(/^regoin is not a known field/),
        expect.stringMatching(/^open_webui_port expected number, found string "8080"/),
        expect.stringMatching(/^llm_ec2_configs\[0\]\.app_prot is not a known field/),
      ]),
    );
  });

  test("every rule problem is reported at once, not only the first", () => {
    const problems = problemsOf(JSON.stringify({ ...minimal, prefix: "-x", vpc_id: "vpc-zz", llm_ec2_configs: [{ ...minimal.llm_ec2_configs[0], app_port: 0 }] }));
    expect(problems.map((p) => /\[([a-z-]+)\]$/.exec(p)?.[1]).sort()).toEqual(["app-port", "prefix", "vpc-id"]);
  });

  test("a file that cannot be read is named", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "config-"));
    try {
      expect(() => loadServiceConfig(path.join(dir, "missing.json"))).toThrow(/missing\.json: 1 problem.*cannot read/s);
      writeFileSync(path.join(dir, "ok.json"), JSON.stringify(minimal));
      expect(loadServiceConfig(path.join(dir, "ok.json")).vpc_id).toBe(minimal.vpc_id);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
