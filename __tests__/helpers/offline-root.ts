// The committed module as a root configuration the real AWS provider (5.100.0) plans offline:
// placeholder credentials, the provider's account and metadata look-ups skipped, and the data
// sources that would call AWS (the AMI, availability zone and instance type offering look-ups, a
// quota) turned into locals of the same shape (a list under `count`, a map under `for_each`). Data
// sources the provider answers without AWS stay as they are; any other one fails here, naming
// itself, instead of hanging a plan on the network.
import { readFileSync } from "fs";
import * as path from "path";

export const OFFLINE_REGION = "ap-southeast-1";

/** The Deep Learning AMIs' ids in an offline plan. */
export const FAKE_AMIS = {
  fake_ami_arm: { id: "ami-0a4a4a4a4a4a4a4a4", root_device_name: "/dev/xvda" },
  fake_ami_x86: { id: "ami-0b8b8b8b8b8b8b8b8", root_device_name: "/dev/xvda" },
};

/** An AMI id for tests to pass as a model's `ami_id`: the custom AMI look-up answers any id (root device /dev/sda1). */
export const CUSTOM_AMI = "ami-0c0ffee0c0ffee000";

/** Data sources the provider computes itself, without calling AWS. */
const LOCAL_DATA_SOURCES = new Set(["aws_iam_policy_document", "aws_partition", "aws_region"]);

/**
 * What each data source that calls AWS answers offline, as an HCL object given the instance's key
 * (an HCL operand: `each.key` for a for_each look-up). By type and name, or by type ("*").
 */
const ANSWERS: Record<string, Record<string, (key: string) => string>> = {
  aws_ami: {
    dlami_arm: () => ami(JSON.stringify(FAKE_AMIS.fake_ami_arm.id), FAKE_AMIS.fake_ami_arm.root_device_name, "Deep Learning ARM64 AMI OSS Nvidia Driver GPU PyTorch 2.7 (Amazon Linux 2023) 20250101"),
    dlami_x86: () => ami(JSON.stringify(FAKE_AMIS.fake_ami_x86.id), FAKE_AMIS.fake_ami_x86.root_device_name, "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.7 (Amazon Linux 2023) 20250101"),
    custom: (key) => ami(key, "/dev/sda1", "custom-image"),
  },
  aws_availability_zones: {
    "*": () => `{ names = ${JSON.stringify(["a", "b", "c"].map((zone) => `${OFFLINE_REGION}${zone}`))} }`,
  },
  // Every instance type is offered in every zone of the region (its postcondition goes with the data source).
  aws_ec2_instance_type_offerings: {
    "*": (key) =>
      `{ instance_types = [${key}], locations = ${JSON.stringify(["a", "b", "c"].map((zone) => `${OFFLINE_REGION}${zone}`))}, location_types = ["availability-zone", "availability-zone", "availability-zone"] }`,
  },
  aws_servicequotas_service_quota: {
    "*": () => `{ value = 1000, default_value = 1000, adjustable = true }`,
  },
  aws_caller_identity: {
    "*": () => `{ account_id = "123456789012", arn = "arn:aws:iam::123456789012:user/offline-plan", user_id = "AIDAOFFLINEPLAN000000", id = "123456789012" }`,
  },
};

/** An AMI look-up's answer; `id` is an HCL operand. */
function ami(id: string, rootDeviceName: string, name: string): string {
  return `{ id = ${id}, image_id = ${id}, name = "${name}", description = "", root_device_name = "${rootDeviceName}", block_device_mappings = [] }`;
}

/** A provider block that asks AWS nothing at plan time. */
export const OFFLINE_PROVIDER = {
  region: OFFLINE_REGION,
  access_key: "AKIAPLANONLY0000000",
  secret_key: "plan-only",
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
};

/** The module in `source` (its `main.tf.json`) as an offline root. */
export function offlineRoot(source: string): Record<string, unknown> {
  return { ...offlineModule(source), provider: { aws: [OFFLINE_PROVIDER] } };
}

/**
 * The module in `source` with its AWS look-ups answered as locals and hashicorp/aws pinned to the
 * mirror's release; a root that calls it configures the provider with OFFLINE_PROVIDER.
 */
export function offlineModule(source: string): Record<string, unknown> {
  const config = JSON.parse(readFileSync(path.join(source, "main.tf.json"), "utf8"));
  const locals: Record<string, unknown> = {};
  const renames: Array<[RegExp, string]> = [];
  for (const [type, byName] of Object.entries((config.data ?? {}) as Record<string, Record<string, DataBlock>>)) {
    if (LOCAL_DATA_SOURCES.has(type)) continue;
    for (const [name, block] of Object.entries(byName)) {
      const answer = ANSWERS[type]?.[name] ?? ANSWERS[type]?.["*"];
      if (!answer) {
        throw new Error(
          `data.${type}.${name} would call AWS at plan time, and the offline root has no answer for it. ` +
            `Fix: add one to ANSWERS in ${path.relative(process.cwd(), __filename)}.`,
        );
      }
      const local = `offline_${type}_${name}`;
      renames.push([new RegExp(`data\\.${type}\\.${name}(?![A-Za-z0-9_-])`, "g"), `local.${local}`]);
      locals[local] = `\${${answerFor(block, answer)}}`;
      delete byName[name];
    }
    if (Object.keys(byName).length === 0) delete config.data[type];
  }
  if (config.data && Object.keys(config.data).length === 0) delete config.data;
  const text = renames.reduce((acc, [from, to]) => acc.replace(from, to), JSON.stringify(config));
  const module = JSON.parse(text);
  module.locals = { ...module.locals, ...locals };
  module.terraform = { required_providers: { aws: { source: "hashicorp/aws", version: "5.100.0" } } };
  return module;
}

interface DataBlock {
  readonly count?: unknown;
  readonly for_each?: unknown;
}

/** The answer in the data source's shape: one object, a list of `count`, or a map over `for_each` (a set of strings). */
function answerFor(block: DataBlock, answer: (key: string) => string): string {
  const operand = (value: unknown) => (typeof value === "string" ? value.replace(/^\$\{([\s\S]*)\}$/, "$1") : JSON.stringify(value));
  if (block.count !== undefined) return `[for i in range(${operand(block.count)}) : ${answer("i")}]`;
  if (block.for_each !== undefined) return `{ for k in ${operand(block.for_each)} : k => ${answer("k")} }`;
  return answer("null");
}

/** A root that configures the offline provider and calls the module in `source` (a path relative to the root) once per entry of `calls`, with those inputs. */
export function offlineCalls(source: string, calls: Record<string, object>): Record<string, unknown> {
  return {
    terraform: { required_providers: { aws: { source: "hashicorp/aws", version: "5.100.0" } } },
    provider: { aws: [OFFLINE_PROVIDER] },
    module: Object.fromEntries(Object.entries(calls).map(([call, inputs]) => [call, { source, ...inputs }])),
  };
}
