import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ConfigError, loadServiceConfig, parseServiceConfig } from "../src/config/load";
import { readmeExampleInputs } from "./helpers/readme-example";

function problemsOf(text: string): readonly string[] {
  try {
    parseServiceConfig(text, "my.json");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const example = readmeExampleInputs();
/** The README example's network with one model, and nothing else: the module's defaults fill the rest. */
const minimal = {
  azs: example.azs,
  vpc_id: example.vpc_id,
  vpc_cidr_block: example.vpc_cidr_block,
  subnet_ids: example.subnet_ids,
  llm_ec2_configs: [{ llm_model: example.llm_ec2_configs[0].llm_model, instance_type: "g5.xlarge", ebs_volume_gb: 100, app_port: 11434 }],
};

describe("loading the config file", () => {
  test("without LLM_SERVICE_CONFIG the built-in config is the example file: the router with API keys, no API door", () => {
    const example = JSON.parse(readFileSync(path.join(__dirname, "..", "config", "llm-service.example.json"), "utf8"));
    const { $schema: _schema, ...fields } = example;
    expect(loadServiceConfig(undefined)).toMatchObject({ ...fields, create_api_gw: false, router_enabled: true, router_auth: "API_KEY" });
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

  test("GIVEN a missing required field and a typo elsewhere THEN both are reported, once each, with the nearest valid values", () => {
    // GIVEN vpc_id left out, a mistyped size, a mistyped enum value and a mistyped field name
    const problems = problemsOf(
      JSON.stringify({
        ...minimal,
        vpc_id: undefined,
        api_gw_authorization: "jwt",
        llm_ec2_configs: [{ ...minimal.llm_ec2_configs[0], instance_type: "g5g.xlarg" }, { ...minimal.llm_ec2_configs[0], llm_model: "b:1b", instance_type: "p4d.xlarge", ebs_volum_gb: 1 }],
      }),
    );
    // THEN each is named once, the schema's and the rules' together
    expect(problems).toHaveLength(5);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^vpc_id is required but missing\. \[schema/),
      expect.stringMatching(/^api_gw_authorization expected one of "NONE", "JWT", "AWS_IAM", found string "jwt"\. Did you mean "JWT"\? \[schema/),
      expect.stringMatching(/^llm_ec2_configs\[1\]\.ebs_volum_gb is not a known field .*Did you mean "ebs_volume_gb"\? \[schema/),
      expect.stringMatching(/^llm_ec2_configs\[0\]\.instance_type = "g5g\.xlarg": is not a size .*\(g5g sizes: xlarge, 2xlarge, .*\)\. Did you mean "g5g\.xlarge"\? Fix: .*\[instance-size\]$/),
      expect.stringMatching(/^llm_ec2_configs\[1\]\.instance_type = "p4d\.xlarge": .*\(p4d sizes: 24xlarge\)\. Did you mean "p4d\.24xlarge"\? /),
    ]));
  });

  test("a value far from every valid one gets no suggestion; an unknown family gets the nearest catalogued type", () => {
    const far = problemsOf(JSON.stringify({ ...minimal, llm_ec2_configs: [{ ...minimal.llm_ec2_configs[0], instance_type: "zz9.colossal" }] }));
    expect(far).toEqual([expect.not.stringContaining("Did you mean")]);
    const near = problemsOf(JSON.stringify({ ...minimal, llm_ec2_configs: [{ ...minimal.llm_ec2_configs[0], instance_type: "g4dnn.xlarge" }] }));
    expect(near).toEqual([expect.stringMatching(/\[instance-family\]$/)]);
    expect(near[0]).toMatch(/Did you mean "g4dn\.xlarge"\?/);
    // Two equally near families (g5.xlarge, g5g.xlarge): no guess.
    expect(problemsOf(JSON.stringify({ ...minimal, llm_ec2_configs: [{ ...minimal.llm_ec2_configs[0], instance_type: "g5x.xlarge" }] }))[0]).not.toContain("Did you mean");
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
