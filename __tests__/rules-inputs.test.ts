import { ConfigError, parseServiceConfig } from "../src/config/load";

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
      expect.stringMatching(/^azs\[0\] = "us-east-1a \(region ap-southeast-1\)": is not an availability zone of the region .*\[az-in-region\]$/),
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
      'llm_ec2_configs[0].instance_type = "g5.xlarg (g5 sizes: xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 48xlarge)": ' +
        "is not a size EC2 offers in its instance family (the apply would fail). Fix: pick one of the family's sizes given with the value, " +
        "e.g. g5.xlarge or p4d.24xlarge. [instance-size]",
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
