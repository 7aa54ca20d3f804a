// A fleet of both engines, planned as a caller plans it: the committed module called with an Ollama
// model (the main server) and three vLLM models (on instances and in an Auto Scaling group, on a T4,
// an A10G and an L4), by the real AWS provider, offline (helpers/offline-plan.ts).
import { readFileSync } from "fs";
import * as path from "path";
import { gunzipSync } from "zlib";
import { modelKey } from "../src/config/derive";
import { MODULE_DIR } from "../src/module/module-files";
import { ROUTING_HEADER } from "../src/router/endpoints";
import { ModulePlan, planModules } from "./helpers/offline-plan";
import { readmeExampleInputs } from "./helpers/readme-example";
import { evaluate } from "./helpers/terraform";
import { TerraformWorkspace } from "./helpers/terraform-workspace";

const OURS = path.resolve(__dirname, "..", MODULE_DIR);
const mixed = JSON.parse(readFileSync(path.join(__dirname, "corpus", "good", "mixed-engines.json"), "utf8"));
const [OLLAMA, QWEN_T4, LLAMA_ASG, MISTRAL_L4] = mixed.llm_ec2_configs.map((c: { llm_model: string }) => modelKey(c.llm_model));
const INPUTS = {
  ...readmeExampleInputs(),
  prefix: "acme",
  // the Auto Scaling group with a warm pool: its servers get the model-ready hook, and cache on the root volume
  llm_ec2_configs: mixed.llm_ec2_configs.map((c: { server_mode?: string }) => (c.server_mode === "asg" ? { ...c, warm_pool: true } : c)),
  vllm_image: mixed.vllm_image,
  hf_token_parameter: mixed.hf_token_parameter,
  router_enabled: true,
  api_gw_acknowledge_no_authorization: true,
};

let workspace: TerraformWorkspace;
let plan: ModulePlan;

beforeAll(async () => {
  // GIVEN the committed module WHEN a caller plans it with a mixed fleet
  workspace = TerraformWorkspace.create();
  [plan] = await planModules(workspace, [{ source: OURS, inputs: INPUTS }]);
});

afterAll(() => workspace?.dispose());

const after = (address: string): Record<string, unknown> => {
  const planned = plan.instances.get(address);
  if (!planned) throw new Error(`the plan has no ${address}; it has ${[...plan.instances.keys()].join(", ")}`);
  return planned.after;
};
const keys = (resource: string) => [...plan.instances.values()].filter((i) => i.resource === resource).map((i) => JSON.parse(i.key)[0] as string).sort();

describe("a mixed fleet (Ollama and vLLM, instances and an Auto Scaling group), planned offline with the real provider", () => {
  test("each model gets its kind of server: an instance, or an Auto Scaling group, whatever its engine", () => {
    expect(keys("aws_instance.llm")).toEqual([OLLAMA, QWEN_T4, MISTRAL_L4].sort());
    expect(keys("aws_autoscaling_group.llm")).toEqual([LLAMA_ASG]);
    expect(keys("aws_lb_target_group.llm_http")).toEqual([OLLAMA, QWEN_T4, LLAMA_ASG, MISTRAL_L4].sort());
  });

  test("target group health: Ollama's model path, vLLM's /health, each on the model's own port", () => {
    const health = (key: string) => {
      const tg = after(`aws_lb_target_group.llm_http["${key}"]`);
      return [(tg.health_check as Array<{ path: string }>)[0].path, tg.port];
    };
    expect(health(OLLAMA)).toEqual(["/v1/models/llama3:8b", 11434]);
    expect(health(QWEN_T4)).toEqual(["/health", 8000]);
    expect(health(LLAMA_ASG)).toEqual(["/health", 8001]);
    expect(health(MISTRAL_L4)).toEqual(["/health", 8002]);
  });

  test("the listener routes on the served name (a vLLM model's served_model_name, else its repository without the revision)", () => {
    const values = (key: string) => {
      const rule = after(`aws_lb_listener_rule.llm_http["${key}"]`);
      const [condition] = rule.condition as Array<{ http_header: Array<{ http_header_name: string; values: string[] }> }>;
      expect(condition.http_header[0].http_header_name).toBe(ROUTING_HEADER);
      return condition.http_header[0].values;
    };
    expect(values(OLLAMA)).toEqual(["llama3:8b"]);
    expect(values(QWEN_T4)).toEqual(["qwen2.5-7b"]);
    expect(values(LLAMA_ASG)).toEqual(["llama-3.1-8b"]);
    expect(values(MISTRAL_L4)).toEqual(["mistralai/Mistral-7B-Instruct-v0.3"]);
  });

  test("the vLLM models' associations run the serve-vllm document with each model's settings; the main (Ollama) server pulls the Ollama model only", () => {
    expect(after("aws_ssm_document.serve_vllm[0]").name).toBe(`${INPUTS.prefix}-serve-vllm`);
    const association = (key: string) => after(`aws_ssm_association.pull_models["${key}"]`);
    expect(association(OLLAMA).name).toBe(`${INPUTS.prefix}-pull-models`);
    expect((association(OLLAMA).parameters as Record<string, string>).Models).toBe("llama3:8b");
    for (const key of [QWEN_T4, LLAMA_ASG, MISTRAL_L4]) expect(association(key).name).toBe(`${INPUTS.prefix}-serve-vllm`);
    // a T4 has no bfloat16: half; the instance's GPU count unless set; the warm-pool-free servers cache on the instance store
    expect(association(QWEN_T4).parameters).toMatchObject({
      Model: "Qwen/Qwen2.5-7B-Instruct-AWQ",
      ServedModelName: "qwen2.5-7b",
      AppPort: "8000",
      Image: "vllm/vllm-openai:v0.29.0",
      MaxModelLen: "16384",
      TensorParallelSize: "1",
      Dtype: "half",
      Quantization: "",
      HfTokenParameter: "/llm/hf-token",
      CacheOnInstanceStore: "true",
    });
    expect(association(LLAMA_ASG).parameters).toMatchObject({
      Model: "meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659",
      TensorParallelSize: "2",
      GpuMemoryUtilization: "0.85",
      Dtype: "bfloat16",
      CacheOnInstanceStore: "false",
    });
    expect(association(MISTRAL_L4).parameters).toMatchObject({ ServedModelName: "mistralai/Mistral-7B-Instruct-v0.3", Dtype: "auto", Quantization: "fp8" });
  });

  test("the servers' role may read the token parameter, by its ARN alone (GetParameter, no wildcard in the name)", () => {
    const policy = JSON.parse(after("aws_iam_role_policy.llm_ec2_hf_token[0]").policy as string);
    expect(policy.Statement).toEqual([expect.objectContaining({ Effect: "Allow", Action: "ssm:GetParameter", Resource: "arn:aws:ssm:*:*:parameter/llm/hf-token" })]);
  });

  test("the router knows each served name's engine (ROUTER_MODELS name=vllm)", () => {
    // The Lambda function's environment is unknown at plan (it names the ALB's DNS name): computed
    // from the module's own expression, the ALB's name and the keys parameter's filled in.
    const json = JSON.parse(readFileSync(path.join(OURS, "main.tf.json"), "utf8"));
    const { env } = evaluate(json, {
      variables: INPUTS,
      expressions: { env: json.resource.aws_lambda_function.router.environment.variables },
      replace: { "aws_lb.llm.dns_name": '"internal-acme.elb.amazonaws.com"', "aws_ssm_parameter.router_keys[0].name": '"/acme/router-keys"' },
    }) as { env: Record<string, string> };
    expect(env.ROUTER_MODELS.split(",").sort()).toEqual(
      ["llama3:8b", "qwen2.5-7b=vllm", "llama-3.1-8b=vllm", "mistralai/Mistral-7B-Instruct-v0.3=vllm"].sort(),
    );
  });

  test("the warm pool's launch template: the vLLM user data, and a model-ready hook that waits until vLLM lists the served name", () => {
    const text = gunzipSync(Buffer.from(after(`aws_launch_template.llm["${LLAMA_ASG}"]`).user_data as string, "base64")).toString("utf8");
    expect(text).toContain("SERVED_NAME='llama-3.1-8b'");
    expect(text).toContain("CACHE_ON_INSTANCE_STORE='false'");
    const hook = Buffer.from(/path: \/var\/lib\/cloud\/scripts\/per-boot\/model-ready\.sh\n.*\n.*\n    content: (\S+)/.exec(text)![1], "base64").toString("utf8");
    expect(hook).toContain('ready_url="http://127.0.0.1:8001/v1/models"');
    expect(hook).toContain(`grep -qF '"id":"llama-3.1-8b"'`);
  });
});
