import { execFileSync } from "child_process";
import { gunzipSync } from "zlib";
import { Testing } from "cdktf";
import {
  DataAwsIamPolicyDocument,
  IamInstanceProfile,
  IamRole,
  IamRolePolicyAttachment,
  Instance,
  SecurityGroup,
  SsmAssociation,
  SsmDocument,
  VpcSecurityGroupEgressRule,
} from "../src/aws";
import { generatedAsset, pullModelsDocument, USER_DATA_TEMPLATE, userDataTemplate } from "../src/userdata/templates";
import { block, synthModule, Synthesized } from "./helpers/synth";
import { describeWithTerraform, DLAMI_ARM, DLAMI_X86, planForEach } from "./helpers/terraform";
import { NETWORK_INPUTS } from "./helpers/network-inputs";

Testing.setupJest();

const EC2_SG = "${aws_security_group.llm_ec2_sg.id}";
const ALB_SG = "${aws_security_group.llm_alb_sg.id}";

// GIVEN three models, two sharing the Ollama port
const INPUTS = {
  prefix: "acme",
  ...NETWORK_INPUTS,
  llm_ec2_configs: [
    { llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
    {
      llm_model: "mistral-nemo:12b",
      instance_type: "g5.2xlarge",
      ami_id: "",
      ebs_volume_gb: 300,
      app_port: 11434,
      ...{ context_length: 16384, num_parallel: 4, kv_cache_type: "q8_0", keep_alive: "-1" },
    },
    { llm_model: "qwen2:7b", instance_type: "g4dn.xlarge", ami_id: "ami-0123456789abcdef0", ebs_volume_gb: 100, app_port: 11435 },
  ],
};
// Stand-in instance ids: `i-<key>`, to see which instance a per-model resource points at.
/** The association parameters that carry Ollama's settings. */
const FAKE_INSTANCES = { "aws_instance.llm[": "local.fake_instances[" };
const FAKE_INSTANCE_LOCALS = { fake_instances: '${{ for k, v in local.llm_models : k => { id = "i-${k}" } }}' };

let stack: Synthesized;
beforeAll(() => {
  // WHEN
  stack = synthModule();
});

describe("LlmServers: permissions", () => {
  test("the role trusts ec2.amazonaws.com through the assume-role document", () => {
    expect(stack.text).toHaveDataSourceWithProperties(DataAwsIamPolicyDocument, {
      statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }] }],
    });
    expect(stack.text).toHaveResourceWithProperties(IamRole, {
      name: "${var.prefix}-ec2-iamr",
      assume_role_policy: "${data.aws_iam_policy_document.llm_ec2_iamr_assume.json}",
    });
  });

  test("the instance profile carries that role", () => {
    expect(stack.text).toHaveResourceWithProperties(IamInstanceProfile, {
      name: "${var.prefix}-ec2-profile",
      role: "${aws_iam_role.llm_ec2_iamr.name}",
    });
  });

  test("the role's policy attachments are keyed by policy ARN", () => {
    expect(stack.text).toHaveResourceWithProperties(IamRolePolicyAttachment, {
      role: "${aws_iam_role.llm_ec2_iamr.name}",
      policy_arn: "${each.value}",
    });
  });
});

describe("LlmServers: security group", () => {
  test("the group", () => {
    expect(stack.text).toHaveResourceWithProperties(SecurityGroup, {
      name: "${var.prefix}-ec2-sg",
      description: "Security group for llm ec2",
      vpc_id: "${var.vpc_id}",
    });
  });

  test("egress: all tcp out (installs, model pulls, SSM and CloudWatch endpoints)", () => {
    expect(stack.text).toHaveResourceWithProperties(VpcSecurityGroupEgressRule, {
      security_group_id: EC2_SG,
      ip_protocol: "tcp",
      from_port: 0,
      to_port: 65535,
      cidr_ipv4: "0.0.0.0/0",
      description: "Allow all tcp outbound",
    });
  });

  test("the group's rules: one egress, and ingress on the app ports alone (no 80, 443 or NFS from the VPC)", () => {
    expect(rulesOf("aws_vpc_security_group_egress_rule", EC2_SG)).toEqual(["llm_ec2_egress_1"]);
    expect(rulesOf("aws_vpc_security_group_ingress_rule", EC2_SG)).toEqual(["llm_ec2_ingress_app_port"]);
  });

  test("ingress on the app ports from the ALB's security group, one rule per port, no CIDR", () => {
    const rule = block(stack.json, "aws_vpc_security_group_ingress_rule", "llm_ec2_ingress_app_port");
    expect(rule).toMatchObject({
      security_group_id: EC2_SG,
      ip_protocol: "tcp",
      referenced_security_group_id: ALB_SG,
      description: "Traffic over Application (ollama) Port from the internal ALB",
      lifecycle: { create_before_destroy: true },
    });
    expect(rule).not.toHaveProperty("cidr_ipv4");
    expect(rule).toHaveProperty("for_each");
  });
});

describe("LlmServers: instances", () => {
  test("IMDSv2, encrypted gp3 root volume, no public IP, the ec2 SG, the profile, System tag", () => {
    expect(stack.text).toHaveResourceWithProperties(Instance, {
      iam_instance_profile: "${aws_iam_instance_profile.llm_ec2_iam_profile.id}",
      associate_public_ip_address: false,
      vpc_security_group_ids: [EC2_SG],
      user_data_replace_on_change: false,
      metadata_options: {
        http_endpoint: "enabled",
        http_put_response_hop_limit: 1,
        http_tokens: "required",
        instance_metadata_tags: "disabled",
      },
      root_block_device: expect.objectContaining({
        volume_type: "gp3",
        encrypted: true,
        delete_on_termination: true,
        throughput: "${var.ebs_throughput_mibps}",
        iops: "${var.ebs_iops}",
      }),
    });
    // the release rollout's tag on Ollama's servers only: a vLLM server runs no Ollama release
    expect(block(stack.json, "aws_instance", "llm").tags).toBe(
      '${merge({ System = var.prefix, Name = each.value.name }, each.value.engine == "ollama" ? { OllamaReleaseRollout = var.prefix } : {})}',
    );
  });

  test("a changed user data script does not replace a running server", () => {
    const instance = block(stack.json, "aws_instance", "llm");
    expect(instance.user_data_replace_on_change).toBe(false);
    expect((instance.lifecycle as { ignore_changes: string[] }).ignore_changes).toEqual(expect.arrayContaining(["user_data", "user_data_base64"]));
  });

  test("user data: the template asset rendered once per model (port, Ollama's settings, release, the server's model, time limit, log group, namespace, weight cache), gzip-compressed for EC2", () => {
    expect(block(stack.json, "aws_instance", "llm").user_data_base64).toBe("${base64gzip(local.server_user_data[each.key])}");
    expect(block(stack.json, "aws_instance", "llm").user_data).toBeUndefined();
    // Ollama's models' template (a vLLM model's is its engine's: __tests__/mixed-engines-plan.test.ts)
    const match = /: \(templatefile\("\$\{path\.module\}\/assets\/[^"]+\/user-data\.sh\.tftpl", \{(.*?)\}\)\)\) \}\}$/.exec(
      stack.json.locals?.server_user_data as string,
    );
    expect(match?.[1]).toBe(
      ' app_port = m.app_port, context_length = (m.context_length == null ? "default" : tostring(m.context_length)), ' +
        'num_parallel = (m.num_parallel == null ? "default" : tostring(m.num_parallel)), kv_cache_type = (m.kv_cache_type == null ? "default" : tostring(m.kv_cache_type)), ' +
        'keep_alive = m.keep_alive, ollama_version = var.ollama_version, models = m.llm_model, ' +
        "timeout_seconds = (max(3600, var.pull_models_wait_seconds)), log_group = aws_cloudwatch_log_group.servers.name, " +
        'metrics_namespace = (format("OllamaFleet/Servers/%s", var.prefix)), ' +
        'model_cache_bucket = ((var.model_cache_bucket == "create" ? one(aws_s3_bucket.model_cache[*].bucket) : var.model_cache_bucket)), ' +
        'model_cache_prefix = ((var.model_cache_bucket != "") ? var.model_cache_prefix : ""), ' +
        'model_cache_region = (((var.model_cache_bucket != "") ? data.aws_region.model_cache[0].id : "")), ' +
        'transfer_gbps = try(tostring(local.instance_network_gbps[m.instance_type]), "") ',
    );
  });

  test("the servers' log group: /ollama-fleet/<prefix>/servers, kept server_log_retention_days", () => {
    expect(block(stack.json, "aws_cloudwatch_log_group", "servers")).toEqual({
      name: "/ollama-fleet/${var.prefix}/servers",
      retention_in_days: "${var.server_log_retention_days}",
    });
  });
});

/** The weight cache's template variables: its bucket (the created one's name, or the input), prefix and region, each "" without a cache. */
const CACHE_VARIABLES =
  '"model_cache_bucket" = (var.model_cache_bucket == "create" ? one(aws_s3_bucket.model_cache[*].bucket) : var.model_cache_bucket), "model_cache_prefix" = (var.model_cache_bucket != "") ? var.model_cache_prefix : "", "model_cache_region" = ((var.model_cache_bucket != "") ? data.aws_region.model_cache[0].id : "")';

describe("LlmServers: model pulls through SSM", () => {
  test("the document is a Command read from the pull-models asset", () => {
    expect(stack.text).toHaveResourceWithProperties(SsmDocument, {
      name: "${var.prefix}-pull-models",
      document_type: "Command",
      document_format: "JSON",
    });
    const match = /^\$\{templatefile\("\$\{path\.module\}\/assets\/[^"]+\/pull-models\.ssm\.json", \{(.*)\}\)\}$/.exec(block(stack.json, "aws_ssm_document", "pull_models").content as string);
    expect(match?.[1]).toBe(`"log_group" = aws_cloudwatch_log_group.servers.name, "metrics_namespace" = format("OllamaFleet/Servers/%s", var.prefix), ${CACHE_VARIABLES}`);
  });

  test("the document: schema 2.2, one shell step whose time limit is TimeoutSeconds, every parameter with an allowedPattern", () => {
    const doc = JSON.parse(pullModelsDocument());
    expect(doc.schemaVersion).toBe("2.2");
    expect(Object.keys(doc.parameters).sort()).toEqual([
      "AppPort", "ContextLength", "KeepAlive", "KvCacheType", "Models", "NumParallel", "OllamaVersion", "TimeoutSeconds", "UpgradeInPlace",
    ]);
    for (const parameter of Object.values(doc.parameters) as Array<{ type: string; allowedPattern: string }>) {
      expect(parameter.type).toBe("String");
      expect(parameter.allowedPattern).toMatch(/^\^.*\$$/);
    }
    expect(doc.parameters.TimeoutSeconds.default).toBe("3600");
    expect(doc.mainSteps).toHaveLength(1);
    expect(doc.mainSteps[0].action).toBe("aws:runShellScript");
    expect(doc.mainSteps[0].inputs.timeoutSeconds).toBe("{{ TimeoutSeconds }}");
    const script: string = doc.mainSteps[0].inputs.runCommand.join("\n");
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    expect(script).toContain(
      "MODELS='{{ Models }}'\nCONTEXT_LENGTH='{{ ContextLength }}'\nNUM_PARALLEL='{{ NumParallel }}'\nKV_CACHE_TYPE='{{ KvCacheType }}'\n" +
        "KEEP_ALIVE='{{ KeepAlive }}'\nRUN_TIMEOUT_SECONDS='{{ TimeoutSeconds }}'\nUPGRADE_IN_PLACE='{{ UpgradeInPlace }}'\n",
    );
    // Ollama's settings are optional: unset is the word default (Ollama's own); keep-alive defaults to the original's 6h
    expect([doc.parameters.ContextLength.default, doc.parameters.NumParallel.default, doc.parameters.KvCacheType.default, doc.parameters.KeepAlive.default]).toEqual([
      "default",
      "default",
      "default",
      "6h",
    ]);
    // a template for templatefile(): the log group and namespace follow the prefix
    expect(script).toContain(
      "LOG_GROUP='${log_group}'\nMETRICS_NAMESPACE='${metrics_namespace}'\n" +
        "MODEL_CACHE_BUCKET='${model_cache_bucket}'\nMODEL_CACHE_PREFIX='${model_cache_prefix}'\nMODEL_CACHE_REGION='${model_cache_region}'\nTRANSFER_GBPS=''\nCALLER=ssm\n",
    );
    // The script as SSM runs it (template and parameters filled in) is valid bash.
    const rendered = script
      .replace("${log_group}", "/ollama-fleet/acme/servers")
      .replace("${metrics_namespace}", "OllamaFleet/Servers/acme")
      .replace(/\$\{model_cache_\w+\}/g, "")
      .replace(/\$\$\{/g, "${")
      .replace(/%%\{/g, "%{")
      .replace(/\{\{ (\w+) \}\}/g, (_, name: string) => ({ Models: "llama3:8b", AppPort: "11434", OllamaVersion: "0.13.0", TimeoutSeconds: "3600", UpgradeInPlace: "true", KeepAlive: "6h" })[name] ?? "");
    expect(() => execFileSync("bash", ["-n"], { input: rendered, stdio: ["pipe", "ignore", "pipe"] })).not.toThrow();
  });

  test("one association per model: that document, targeted at the model's own servers (instance or group), reporting compliance", () => {
    expect(stack.text).toHaveResourceWithProperties(SsmAssociation, {
      name: '${(each.value.engine == "vllm" ? (aws_ssm_document.serve_vllm[0].name) : (aws_ssm_document.pull_models.name))}',
      targets: [
        {
          key: '${each.value.server_mode == "instance" ? "InstanceIds" : "tag:aws:autoscaling:groupName"}',
          values: '${each.value.server_mode == "instance" ? [aws_instance.llm[each.key].id] : [each.value.group_name]}',
        },
      ],
      sync_compliance: "AUTO",
    });
  });
});

describeWithTerraform("LlmServers, planned by terraform", () => {
  test("two managed policies, keyed by ARN: SSM core and the CloudWatch agent, no SSM full access", () => {
    const plan = planForEach(stack.json, {
      variables: INPUTS,
      resource: { type: "aws_iam_role_policy_attachment", name: "llm_ec2_iam_policy" },
      attributes: ["policy_arn"],
    });
    const arns = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"];
    expect(Object.keys(plan).sort()).toEqual(arns);
    for (const arn of arns) expect(plan[arn].policy_arn).toBe(arn);
  });

  test("one app-port ingress rule per distinct port, keyed by the port", () => {
    const plan = planForEach(stack.json, {
      variables: INPUTS,
      resource: { type: "aws_vpc_security_group_ingress_rule", name: "llm_ec2_ingress_app_port" },
      attributes: ["from_port", "to_port"],
    });
    expect(plan).toEqual({
      "11434": { from_port: 11434, to_port: 11434 },
      "11435": { from_port: 11435, to_port: 11435 },
    });
  });

  describe("instances", () => {
    let plan: Record<string, Record<string, unknown>>;
    beforeAll(() => {
      plan = planForEach(stack.json, {
        variables: INPUTS,
        resource: { type: "aws_instance", name: "llm" },
        attributes: [
          "ami",
          "availability_zone",
          "subnet_id",
          "instance_type",
          "root_block_device.volume_size",
          "tags",
          "user_data_base64",
        ],
        // templatefile() reads the asset from the module folder; the asset is this source file.
        replace: { [userDataAsset()]: generatedAsset(USER_DATA_TEMPLATE, userDataTemplate()) },
      });
    });

    test("one instance per model key, with its derived placement, type, AMI, size and tags", () => {
      expect(Object.keys(plan).sort()).toEqual(["llama38b", "mistralnemo12b", "qwen27b"]);
      const { user_data_base64: _ignored, ...llama } = plan.llama38b;
      expect(llama).toEqual({
        ami: DLAMI_ARM,
        availability_zone: "ap-southeast-1a",
        subnet_id: "subnet-aaaa",
        instance_type: "g5g.xlarge",
        "root_block_device.volume_size": 200,
        tags: { Name: "acme-main-llama3:8b", System: "acme", OllamaReleaseRollout: "acme" },
      });
      expect(plan.mistralnemo12b).toMatchObject({ ami: DLAMI_X86, subnet_id: "subnet-bbbb", tags: expect.objectContaining({ Name: "acme-mistral-nemo:12b" }) });
      expect(plan.qwen27b).toMatchObject({ ami: "ami-0123456789abcdef0", subnet_id: "subnet-aaaa", "root_block_device.volume_size": 100 });
    });

    test("user data: the shared bootstrap with this server's port, release, model and time limit (what it does: __tests__/bootstrap)", () => {
      const script = unzipped(plan.qwen27b.user_data_base64);
      expect(script.startsWith("#!/bin/bash\n")).toBe(true);
      expect(script).toContain(
        "OLLAMA_VERSION='0.13.0'\nAPP_PORT='11435'\nMODELS='qwen2:7b'\nCONTEXT_LENGTH='default'\nNUM_PARALLEL='default'\nKV_CACHE_TYPE='default'\nKEEP_ALIVE='6h'\n" +
          "RUN_TIMEOUT_SECONDS='3600'\nUPGRADE_IN_PLACE=true\n" +
          "LOG_GROUP='/ollama-fleet/acme/servers'\nMETRICS_NAMESPACE='OllamaFleet/Servers/acme'\n" +
          "MODEL_CACHE_BUCKET=''\nMODEL_CACHE_PREFIX=''\nMODEL_CACHE_REGION=''\nTRANSFER_GBPS='25'\nCALLER=user-data\n",
      );
      expect(unzipped(plan.llama38b.user_data_base64)).toContain("APP_PORT='11434'\nMODELS='llama3:8b'\n");
      // a model's own Ollama settings, Ollama's defaults (default) for the others
      expect(unzipped(plan.mistralnemo12b.user_data_base64)).toContain(
        "MODELS='mistral-nemo:12b'\nCONTEXT_LENGTH='16384'\nNUM_PARALLEL='4'\nKV_CACHE_TYPE='q8_0'\nKEEP_ALIVE='-1'\n",
      );
      // templatefile() left the shell's own ${...} alone
      expect(script).toContain('export HOME="${HOME:-/root}"');
      expect(() => execFileSync("bash", ["-n"], { input: script, stdio: ["pipe", "ignore", "pipe"] })).not.toThrow();
    });
  });

  test("associations: the main server pulls every model, the others their own, each on its instance", () => {
    const plan = planForEach(stack.json, {
      variables: INPUTS,
      resource: { type: "aws_ssm_association", name: "pull_models" },
      attributes: ["parameters", "targets.0.key", "targets.0.values"],
      replace: FAKE_INSTANCES,
      locals: FAKE_INSTANCE_LOCALS,
    });
    const picked = (row: Record<string, unknown>) => {
      const p = row.parameters as Record<string, string>;
      return {
        Models: p.Models,
        ContextLength: p.ContextLength,
        NumParallel: p.NumParallel,
        KvCacheType: p.KvCacheType,
        KeepAlive: p.KeepAlive,
        key: row["targets.0.key"],
        values: row["targets.0.values"],
      };
    };
    const models = Object.fromEntries(Object.entries(plan).map(([key, row]) => [key, picked(row)]));
    const onInstance = (id: string) => ({ key: "InstanceIds", values: [id] });
    const defaults = { ContextLength: "default", NumParallel: "default", KvCacheType: "default", KeepAlive: "6h" };
    expect(models).toEqual({
      llama38b: { Models: "llama3:8b,mistral-nemo:12b,qwen2:7b", ...onInstance("i-llama38b"), ...defaults },
      mistralnemo12b: { Models: "mistral-nemo:12b", ...onInstance("i-mistralnemo12b"), ContextLength: "16384", NumParallel: "4", KvCacheType: "q8_0", KeepAlive: "-1" },
      qwen27b: { Models: "qwen2:7b", ...onInstance("i-qwen27b"), ...defaults },
    });
  });

  test("associations of models in asg mode target their group's servers by its name tag, the others their instance", () => {
    // GIVEN the second model in asg mode
    const configs = INPUTS.llm_ec2_configs.map((c, i) => (i === 1 ? { ...c, server_mode: "asg" } : c));
    // WHEN
    const plan = planForEach(stack.json, {
      variables: { ...INPUTS, llm_ec2_configs: configs },
      resource: { type: "aws_ssm_association", name: "pull_models" },
      attributes: ["targets.0.key", "targets.0.values"],
      replace: FAKE_INSTANCES,
      locals: FAKE_INSTANCE_LOCALS,
    });
    // THEN
    expect(plan).toEqual({
      llama38b: { "targets.0.key": "InstanceIds", "targets.0.values": ["i-llama38b"] },
      mistralnemo12b: { "targets.0.key": "tag:aws:autoscaling:groupName", "targets.0.values": ["acme-mistralnemo12b"] },
      qwen27b: { "targets.0.key": "InstanceIds", "targets.0.values": ["i-qwen27b"] },
    });
  });

  test.each([
    [0, null],
    [3600, 3600],
  ])("pull_models_wait_seconds %i -> every association's wait_for_success_timeout_seconds is %p", (wait, expected) => {
    const plan = planForEach(stack.json, {
      variables: { ...INPUTS, pull_models_wait_seconds: wait },
      resource: { type: "aws_ssm_association", name: "pull_models" },
      attributes: ["wait_for_success_timeout_seconds"],
    });
    expect(plan).toEqual({
      llama38b: { wait_for_success_timeout_seconds: expected },
      mistralnemo12b: { wait_for_success_timeout_seconds: expected },
      qwen27b: { wait_for_success_timeout_seconds: expected },
    });
  });

  test("ollama_version picks the release every server installs", () => {
    const plan = planForEach(stack.json, {
      variables: { ...INPUTS, ollama_version: "0.12.3" },
      resource: { type: "aws_instance", name: "llm" },
      attributes: ["user_data_base64"],
      replace: { [userDataAsset()]: generatedAsset(USER_DATA_TEMPLATE, userDataTemplate()) },
    });
    for (const key of ["llama38b", "mistralnemo12b", "qwen27b"]) {
      expect(unzipped(plan[key].user_data_base64)).toContain("OLLAMA_VERSION='0.12.3'\n");
    }
  });
});

/** Names of the `type` rules (ingress or egress) of security group `group`, sorted. */
function rulesOf(type: string, group: string): string[] {
  return Object.entries(stack.json.resource?.[type] ?? {})
    .filter(([, body]) => body.security_group_id === group)
    .map(([name]) => name)
    .sort();
}

/** The user data as cloud-init unpacks it from the base64 of its gzip. */
function unzipped(base64: unknown): string {
  return gunzipSync(Buffer.from(base64 as string, "base64")).toString("utf8");
}

/** The `${path.module}/assets/.../user-data.sh.tftpl` path in the servers' user data. */
function userDataAsset(): string {
  const match = /"(\$\{path\.module\}\/assets\/[^"]+\/user-data\.sh\.tftpl)"/.exec(stack.json.locals?.server_user_data as string);
  if (!match) throw new Error("user data does not read a user-data.sh.tftpl asset");
  return match[1];
}
