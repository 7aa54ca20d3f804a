import { readFileSync } from "fs";
import * as path from "path";
import { ConfigError, parseServiceConfig } from "../src/config/load";
import { MODULE_DIR } from "../src/module/module-files";
import { describeWithTerraform, evaluate } from "./helpers/terraform";

// Rules whose TypeScript side reads more than the corpus shows: the stack's region, and the
// values the messages carry. The corpus runs the same rules through the module at plan.

const minimal = {
  azs: ["ap-southeast-1a", "ap-southeast-1b"],
  vpc_id: "vpc-0a1b2c3d4e5f67890",
  vpc_cidr_block: "172.31.0.0/16",
  subnet_ids: ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"],
  llm_ec2_configs: [{ llm_model: "llama3:8b", instance_type: "g5.xlarge", ebs_volume_gb: 100, app_port: 11434 }],
};

/** The problems of a config file (minimal, with `changes`), or [] when it loads. */
function problemsOf(changes: Record<string, unknown>): string[] {
  try {
    parseServiceConfig(JSON.stringify({ ...minimal, ...changes }), "my.json");
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe("az-in-region: the stack's zones belong to its region", () => {
  test.each([
    ["us-east-1", ["us-east-1a", "us-east-1b"]],
    ["ap-southeast-1", ["ap-southeast-1a", "ap-southeast-1c"]],
    ["eu-central-2", ["eu-central-2b", "eu-central-2c"]],
  ])("region %s with %j loads", (region, azs) => {
    expect(problemsOf({ region, azs })).toEqual([]);
  });

  test("GIVEN the default region ap-southeast-1 WHEN azs name us-east-1 zones THEN each is refused, naming the region", () => {
    expect(problemsOf({ azs: ["us-east-1a", "ap-southeast-1b"] })).toEqual([
      expect.stringMatching(/^azs\[0\] = "us-east-1a": is not an availability zone of the region .*\(region ap-southeast-1\)\. Fix: .*\[az-in-region\]$/),
    ]);
  });

  test("a Local Zone name is refused by the az rule alone, not twice", () => {
    const problems = problemsOf({ region: "us-west-2", azs: ["us-west-2a", "us-west-2-lax-1a"] });
    expect(problems).toEqual([expect.stringMatching(/^azs\[1\] = "us-west-2-lax-1a": is not an availability zone name.*\[az\]$/)]);
  });
});

describe("instance-size: the message lists the family's sizes", () => {
  test("g5.xlarg names g5's sizes, smallest first", () => {
    const configs = [{ ...minimal.llm_ec2_configs[0], instance_type: "g5.xlarg" }];
    expect(problemsOf({ llm_ec2_configs: configs })).toEqual([
      'llm_ec2_configs[0].instance_type = "g5.xlarg": is not a size EC2 offers in its instance family, so the apply would fail ' +
        '(g5 sizes: xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 48xlarge). Did you mean "g5.xlarge"? ' +
        "Fix: pick one of the family's sizes, e.g. g5.xlarge or p4d.24xlarge. [instance-size]",
    ]);
  });

  test("an uncatalogued family with its own AMI is not checked for sizes", () => {
    const configs = [{ ...minimal.llm_ec2_configs[0], instance_type: "c7i.huge", ami_id: "ami-0123456789abcdef0" }];
    expect(problemsOf({ llm_ec2_configs: configs })).toEqual([]);
  });

  test("a malformed type is the instance-type rule's alone", () => {
    const configs = [{ ...minimal.llm_ec2_configs[0], instance_type: "g5" }];
    expect(problemsOf({ llm_ec2_configs: configs }).map((p) => p.replace(/^.*\[(.+)\]$/, "$1"))).toEqual(["instance-type"]);
  });
});

// GIVEN issuers as identity providers put them in tokens' iss claim, and near misses of them
const ISSUERS_THAT_MATCH = [
  "https://cognito-idp.ap-southeast-1.amazonaws.com/ap-southeast-1_AbCdEfGhI",
  "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_AbCdEfGhI",
  "https://tenant.auth0.com/",
  "https://tenant.eu.auth0.com/",
  "https://login.microsoftonline.com/0b1c2d3e-0000-4000-8000-000000000000/v2.0",
  "https://accounts.google.com",
  "https://keycloak.example.com/realms/llm",
];
const ISSUERS_THAT_NEVER_MATCH = [
  "https://cognito-idp.ap-southeast-1.amazonaws.com/ap-southeast-1_AbCdEfGhI/",
  "https://cognito-idp.ap-southeast-1.amazonaws.com/us-east-1_AbCdEfGhI",
  "https://cognito-idp.ap-southeast-1.amazonaws.com/ap-southeast-1_AbCdEfGhI/.well-known/openid-configuration",
  "https://cognito-idp.ap-southeast-1.amazonaws.com",
  "https://tenant.auth0.com",
  "https://issuer.example.com/.well-known/openid-configuration",
  "https://issuer.example.com/?tenant=1",
  "https://issuer.example.com/#top",
];
const jwt = (issuer: string) => ({ api_gw_authorization: "JWT", api_gw_jwt_issuer: issuer, api_gw_jwt_audiences: ["client"] });

describe("jwt-issuer: an issuer that no token can carry is refused", () => {
  test.each(ISSUERS_THAT_MATCH)("%s loads", (issuer) => {
    expect(problemsOf(jwt(issuer))).toEqual([]);
  });

  test.each(ISSUERS_THAT_NEVER_MATCH)("%s is refused, naming the field and the value", (issuer) => {
    const problems = problemsOf(jwt(issuer));
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`api_gw_jwt_issuer = ${JSON.stringify(issuer)}: can never equal a token's iss claim`)).toBe(true);
    expect(problems[0]).toMatch(/\[jwt-issuer\]$/);
  });

  test("an issuer that is not https is jwt-settings' to report, and any issuer is ignored without JWT", () => {
    expect(problemsOf(jwt("http://issuer.example.com/")).map((p) => p.replace(/^.*\[(.+)\]$/, "$1"))).toEqual(["jwt-settings"]);
    expect(problemsOf({ ...jwt(ISSUERS_THAT_NEVER_MATCH[0]), api_gw_authorization: "NONE" })).toEqual([]);
    expect(problemsOf({ ...jwt(ISSUERS_THAT_NEVER_MATCH[0]), create_api_gw: false })).toEqual([]);
  });
});

describeWithTerraform("jwt-issuer at plan: the module's precondition agrees with TypeScript", () => {
  test("every issuer above gets the same verdict from the precondition's condition", () => {
    // GIVEN the committed module's jwt-issuer precondition
    const module = JSON.parse(readFileSync(path.join(__dirname, "..", MODULE_DIR, "main.tf.json"), "utf8"));
    const preconditions = module.resource.aws_lb.llm.lifecycle.precondition as Array<{ condition: string; error_message: string }>;
    const check = preconditions.find((p) => p.error_message.startsWith("[jwt-issuer]"))!;
    const all = [...ISSUERS_THAT_MATCH, ...ISSUERS_THAT_NEVER_MATCH];
    // WHEN terraform evaluates it for each issuer (the issuer swapped in for the variable)
    const expressions = Object.fromEntries(
      all.map((issuer, i) => [`i${i}`, check.condition.split("var.api_gw_jwt_issuer").join(JSON.stringify(issuer))]),
    );
    const variables = { ...minimal, llm_ec2_configs: [{ ...minimal.llm_ec2_configs[0], ami_id: "" }], ...jwt(ISSUERS_THAT_MATCH[0]) };
    const values = evaluate(module, { variables, expressions });
    // THEN
    expect(all.map((_, i) => values[`i${i}`])).toEqual(all.map((issuer) => ISSUERS_THAT_MATCH.includes(issuer)));
  });
});
