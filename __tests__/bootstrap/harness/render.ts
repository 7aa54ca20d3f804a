// Renders what runs on the servers from the committed module, as Terraform would: the instances'
// user_data_base64 (templatefile over the module's asset, gzip-compressed as EC2 receives it and
// cloud-init unpacks it), the SSM document's content and each
// association's parameters and schedule, evaluated by `terraform console` on the module's own
// variables and locals.
import { readFileSync } from "fs";
import * as path from "path";
import { gunzipSync } from "zlib";
import { MODULE_DIR } from "../../../src/module/module-files";
import { block, TerraformJson } from "../../helpers/synth";
import { evaluate, planForEach } from "../../helpers/terraform";

export const MODULE_PATH = path.resolve(__dirname, "..", "..", "..", MODULE_DIR);

export interface Association {
  readonly parameters: Record<string, string>;
  readonly schedule: string | null;
}

export interface Rendered {
  /** Model key -> the user data script cloud-init runs. */
  readonly userData: Record<string, string>;
  /** Model key -> the bytes of user data EC2 receives (compressed), which EC2 limits to 16 KB. */
  readonly userDataBytes: Record<string, number>;
  /** The pull-models document's content (JSON): the bootstrap of the Ollama models. */
  readonly document: string;
  /** The serve-vllm document's content (JSON): the bootstrap of the vLLM models. */
  readonly vllmDocument: string;
  /** Model key -> its association's parameters and schedule. */
  readonly associations: Record<string, Association>;
  /** The release rollout's parameters and schedule (the association over every instance server), or null when there is none. */
  readonly rollout: Association | null;
}

/** Module inputs of a small fleet, overridable. */
export function inputs(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    prefix: "acme",
    azs: ["ap-southeast-1a", "ap-southeast-1b"],
    subnet_ids: ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"],
    vpc_id: "vpc-0a1b2c3d4e5f67890",
    vpc_cidr_block: "10.0.0.0/16",
    llm_ec2_configs: [
      { llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
      { llm_model: "qwen2:7b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11435 },
    ],
    ...overrides,
  };
}

export function renderFromModule(variables: Record<string, unknown>): Rendered {
  const json = JSON.parse(readFileSync(path.join(MODULE_PATH, "main.tf.json"), "utf8")) as TerraformJson;
  // Terraform resolves path.module to the module's folder; the console runs elsewhere.
  const replace = { "${path.module}": MODULE_PATH };
  const instances = planForEach(json, { variables, resource: { type: "aws_instance", name: "llm" }, attributes: ["user_data_base64"], replace });
  const raw = (row: Record<string, unknown>) => Buffer.from(row.user_data_base64 as string, "base64");
  const associations = planForEach(json, {
    variables,
    resource: { type: "aws_ssm_association", name: "pull_models" },
    attributes: ["parameters", "schedule_expression"],
    replace,
  });
  const rollout = block(json, "aws_ssm_association", "release_rollout");
  // Literal parameters as they are; the others evaluated.
  const rolloutParameters = rollout.parameters as Record<string, string>;
  const literal = Object.fromEntries(Object.entries(rolloutParameters).filter(([, v]) => !v.includes("${")));
  const { document, vllmDocument, rolloutCount, rolloutSchedule, ...rolloutValues } = evaluate(json, {
    variables,
    expressions: {
      document: block(json, "aws_ssm_document", "pull_models").content as string,
      vllmDocument: block(json, "aws_ssm_document", "serve_vllm").content as string,
      rolloutCount: rollout.count as string,
      rolloutSchedule: rollout.schedule_expression as string,
      ...Object.fromEntries(Object.entries(rolloutParameters).filter(([name]) => !(name in literal))),
    },
    replace,
  });
  return {
    userData: Object.fromEntries(Object.entries(instances).map(([key, row]) => [key, gunzipSync(raw(row)).toString("utf8")])),
    userDataBytes: Object.fromEntries(Object.entries(instances).map(([key, row]) => [key, raw(row).length])),
    document: document as string,
    vllmDocument: vllmDocument as string,
    associations: Object.fromEntries(
      Object.entries(associations).map(([key, row]) => [
        key,
        { parameters: row.parameters as Record<string, string>, schedule: row.schedule_expression as string | null },
      ]),
    ),
    rollout:
      Number(rolloutCount) === 1
        ? { parameters: { ...literal, ...Object.fromEntries(Object.entries(rolloutValues).map(([name, value]) => [name, String(value)])) }, schedule: rolloutSchedule as string | null }
        : null,
  };
}
