// A fleet of both engines, planned as a caller plans it: the committed module called with an Ollama
// model (the main server) and three vLLM models (on instances and in an Auto Scaling group, on a T4,
// an A10G and an L4), by the real AWS provider, offline (helpers/offline-plan.ts). The last part
// sends requests through the API Gateway door as planned: an HTTP API stand-in built from the
// planned routes and integrations, an ALB stand-in from the planned listener rules, fake servers
// where the planned associations start them, and the real `openai` and `ollama` clients.
import { readFileSync } from "fs";
import * as http from "http";
import { Ollama } from "ollama";
import OpenAI from "openai";
import * as path from "path";
import { gunzipSync } from "zlib";
import { modelKey } from "../src/config/derive";
import { MODULE_DIR } from "../src/module/module-files";
import { openEndpoints, routeKey, ROUTING_HEADER } from "../src/router/endpoints";
import { HttpApiStandIn, NOT_FOUND_BODY, UNDOCUMENTED_STATUS } from "./helpers/http-api-standin";
import { ModulePlan, planModules } from "./helpers/offline-plan";
import { PlannedDoors, plannedDoors } from "./helpers/planned-doors";
import { readmeExampleInputs } from "./helpers/readme-example";
import { evaluate } from "./helpers/terraform";
import { TerraformWorkspace } from "./helpers/terraform-workspace";
import { AlbRule, AlbStandIn, AlbTarget } from "./router/helpers/alb-standin";
import { FakeOllama, RecordedRequest } from "./router/helpers/fake-ollama";
import { FakeVllm, VLLM_PROMPT_TOKENS } from "./router/helpers/fake-vllm";
import { RouterUnderTest, startLocal } from "./router/helpers/setup";
import { NO_VALUE } from "../src/userdata/vllm-templates";

const OURS = path.resolve(__dirname, "..", MODULE_DIR);
const mixed = JSON.parse(readFileSync(path.join(__dirname, "corpus", "good", "mixed-engines.json"), "utf8"));
const OLLAMA_NAME: string = mixed.llm_ec2_configs[0].llm_model;
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
const MODULE_JSON = JSON.parse(readFileSync(path.join(OURS, "main.tf.json"), "utf8"));
/** The router function's environment, unknown at plan (it names the ALB's DNS name): computed from the module's own expression. */
let routerEnv: Record<string, string> | undefined;
const routerEnvironment = () =>
  (routerEnv ??= (
    evaluate(MODULE_JSON, {
      variables: INPUTS,
      expressions: { env: MODULE_JSON.resource.aws_lambda_function.router.environment.variables },
      replace: { "aws_lb.llm.dns_name": '"internal-acme.elb.amazonaws.com"', "aws_ssm_parameter.router_keys[0].name": '"/acme/router-keys"' },
    }) as { env: Record<string, string> }
  ).env);
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
      Quantization: NO_VALUE,
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
    // the ALB's name and the keys parameter's filled in
    const env = routerEnvironment();
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

describe("through the API Gateway door, as planned: the planned routes and mappings, the planned listener rules, a server per model", () => {
  let doors: PlannedDoors;
  let api: HttpApiStandIn;
  let alb: AlbStandIn;
  let ollamaServer: FakeOllama;
  /** vLLM servers by served name. */
  const vllm = new Map<string, FakeVllm>();
  /** Each served name's model key (its target group's, its rule's). */
  const keyOfServed = new Map<string, string>();
  let router: RouterUnderTest;
  let openai: OpenAI;
  let ollama: Ollama;
  const all = () => [ollamaServer, ...vllm.values()];
  const counts = () => all().map((s) => s.requests.length);
  /** What each server received since `before`. */
  const since = (before: number[]) => all().map((s, i) => s.requests.slice(before[i]));
  const hi = [{ role: "user" as const, content: "Hi" }];
  const copiesOfRoutingHeader = (r: RecordedRequest) => r.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === ROUTING_HEADER).length;

  beforeAll(async () => {
    doors = plannedDoors(plan, MODULE_JSON, INPUTS);
    // A server per model, listening where the model's planned association starts it (AppPort), with
    // the name it serves: vLLM's --served-model-name, Ollama's pulled model.
    const byPort = new Map<number, string>();
    for (const [address, instance] of plan.instances) {
      if (instance.resource !== "aws_ssm_association.pull_models") continue;
      const p = instance.after.parameters as Record<string, string>;
      if (p.ServedModelName) {
        const server = await FakeVllm.start({ served: p.ServedModelName, repo: p.Model });
        vllm.set(p.ServedModelName, server);
        keyOfServed.set(p.ServedModelName, JSON.parse(instance.key)[0]);
        byPort.set(Number(p.AppPort), server.url);
      } else {
        if (ollamaServer) throw new Error(`a second Ollama association ${address}`);
        ollamaServer = await FakeOllama.start({ model: p.Models.split(",")[0] });
        byPort.set(Number(p.AppPort), ollamaServer.url);
      }
    }
    // The ALB: the planned rules and default action, each target group reached on its planned port.
    const targets = new Map<string, AlbTarget>();
    const target = (key: string): AlbTarget => {
      const url = byPort.get(doors.targetGroupPorts[key]);
      if (!url) throw new Error(`target group ${key} sends to port ${doors.targetGroupPorts[key]}, where no model's server listens`);
      if (!targets.has(key)) targets.set(key, { model: key, url });
      return targets.get(key)!;
    };
    const rules: AlbRule[] = doors.rules.map((r) => ({ priority: r.priority, values: r.values, target: target(r.key) }));
    alb = await AlbStandIn.startWithRules(rules, target(doors.defaultTargetGroup));
    // The API: the planned routes and integrations; the listener's ARN, unknown at plan, is the ALB stand-in.
    api = await HttpApiStandIn.start({ routes: doors.routes, integrations: doors.integrations, upstreams: { [doors.integrations[0].uri]: alb.url } });
    // A client that also sends the routing header itself, naming the Ollama model: the door must not pass it on.
    openai = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: "unused", maxRetries: 0, timeout: 20_000, defaultHeaders: { "X-Ollama-Fleet-Model": OLLAMA_NAME } });
    ollama = new Ollama({ host: api.url, headers: { [ROUTING_HEADER]: "llama-3.1-8b" } });
    // The router in front of the same ALB, with the planned function's model list, for comparison.
    router = await startLocal({ albUrl: alb.url, models: routerEnvironment().ROUTER_MODELS.split(",") });
  });

  afterAll(async () => {
    await router?.close();
    await api?.close();
    await alb?.close();
    await Promise.all(all().filter(Boolean).map((s) => s.close()));
  });

  afterEach(() => expect(api.errors).toEqual([]));

  test("the door opens one route per open endpoint; every OpenAI-compatible call (chat, completions, embeddings, responses, messages) maps the routing header from the body's model; AWS's 30 s timeout applies", () => {
    expect(doors.routes.map((r) => r.routeKey).sort()).toEqual(openEndpoints(false).map(routeKey).sort());
    const integrationOf = (key: string) => doors.integrations.find((i) => i.name === doors.routes.find((r) => r.routeKey === key)?.integration);
    for (const call of ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses", "/v1/messages"]) {
      expect(integrationOf(`POST ${call}`)).toMatchObject({ method: "POST", requestParameters: { [`overwrite:header.${ROUTING_HEADER}`]: "$request.body.model" } });
    }
    expect(integrationOf("GET /v1/models")?.requestParameters).toEqual({ [`remove:header.${ROUTING_HEADER}`]: "''" });
    // timeout_milliseconds is not set: AWS's default for HTTP APIs, 30 s, its maximum too
    expect(doors.integrations.map((i) => i.timeoutMs)).toEqual(doors.integrations.map(() => undefined));
  });

  test("a chat completion to each vLLM model, by its served name, reaches that model's server alone, with the routing header the door set (the client's own copy overwritten)", async () => {
    expect([...vllm.keys()].sort()).toEqual(["llama-3.1-8b", "mistralai/Mistral-7B-Instruct-v0.3", "qwen2.5-7b"]);
    for (const [served, server] of vllm) {
      const before = counts();
      const completion = await openai.chat.completions.create({ model: served, messages: hi });
      expect(completion.model).toBe(served);
      expect(completion.choices[0].message.content).toBe(server.words.join(""));
      const reached = since(before);
      expect(reached.map((r) => r.length)).toEqual(all().map((s) => (s === server ? 1 : 0)));
      const [request] = reached[all().indexOf(server)];
      expect([request.method, request.url, request.headers[ROUTING_HEADER], copiesOfRoutingHeader(request)]).toEqual(["POST", "/v1/chat/completions", served, 1]);
      expect(JSON.parse(request.body)).toMatchObject({ model: served, messages: hi });
      expect(alb.received.at(-1)?.routedTo).toBe(keyOfServed.get(served));
      expect(api.received.at(-1)).toMatchObject({ routeKey: "POST /v1/chat/completions", status: 200 });
    }
  });

  test("a streamed chat completion to each vLLM model arrives whole (an HTTP API buffers the answer) and still parses as server-sent events, the usage chunk last", async () => {
    for (const [served, server] of vllm) {
      const before = counts();
      const { data: stream, response } = await openai.chat.completions
        .create({ model: served, messages: hi, stream: true, stream_options: { include_usage: true } })
        .withResponse();
      expect([response.headers.get("content-type"), response.headers.has("content-length"), response.headers.has("transfer-encoding")]).toEqual([
        "text/event-stream; charset=utf-8",
        true,
        false,
      ]);
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe(server.words.join(""));
      expect(chunks.at(-1)).toMatchObject({
        choices: [],
        usage: { prompt_tokens: VLLM_PROMPT_TOKENS, completion_tokens: server.words.length, total_tokens: VLLM_PROMPT_TOKENS + server.words.length },
      });
      const reached = since(before);
      expect(reached.map((r) => r.length)).toEqual(all().map((s) => (s === server ? 1 : 0)));
      expect(reached[all().indexOf(server)][0].headers[ROUTING_HEADER]).toBe(served);
    }
  });

  test("/v1/responses and /v1/messages for a vLLM model reach that model's server, routed the same way", async () => {
    const server = vllm.get("llama-3.1-8b")!;
    for (const [call, body] of [
      ["/v1/responses", { model: "llama-3.1-8b", input: "Hi" }],
      ["/v1/messages", { model: "llama-3.1-8b", max_tokens: 16, messages: hi }],
    ] as const) {
      const before = counts();
      await fetch(`${api.url}${call}`, { method: "POST", headers: { "content-type": "application/json", [ROUTING_HEADER]: OLLAMA_NAME }, body: JSON.stringify(body) });
      const reached = since(before);
      expect(reached.map((r) => r.length)).toEqual(all().map((s) => (s === server ? 1 : 0)));
      const [request] = reached[all().indexOf(server)];
      expect([request.url, request.headers[ROUTING_HEADER]]).toEqual([call, "llama-3.1-8b"]);
    }
  });

  test("GET /v1/models through the door: the header is removed, the main (Ollama) server answers with its own list; the router merges every server's", async () => {
    const before = counts();
    const listed: string[] = [];
    for await (const model of openai.models.list()) listed.push(model.id);
    expect(listed).toEqual([OLLAMA_NAME]);
    const reached = since(before);
    expect(reached.map((r) => r.length)).toEqual(all().map((s) => (s === ollamaServer ? 1 : 0)));
    expect(reached[0][0].headers[ROUTING_HEADER]).toBeUndefined();
    expect(alb.received.at(-1)?.routedTo).toBe("default");

    const throughRouter: string[] = [];
    for await (const model of new OpenAI({ baseURL: `${router.url}/v1`, apiKey: "unused", maxRetries: 0 }).models.list()) throughRouter.push(model.id);
    expect(throughRouter.sort()).toEqual([OLLAMA_NAME, ...vllm.keys()].sort());
  });

  test("GET /v1/models/{model} for a vLLM model reaches its server, which has no such route (vLLM lists models only): 404", async () => {
    const before = counts();
    const err = await openai.models.retrieve("qwen2.5-7b").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    const reached = since(before);
    const server = vllm.get("qwen2.5-7b")!;
    expect(reached.map((r) => r.length)).toEqual(all().map((s) => (s === server ? 1 : 0)));
    expect([reached[all().indexOf(server)][0].url, reached[all().indexOf(server)][0].headers[ROUTING_HEADER]]).toEqual(["/v1/models/qwen2.5-7b", "qwen2.5-7b"]);
  });

  test("the Ollama model is still reached by the ollama client over /api/chat, whole or streamed (the client's own header naming a vLLM model overwritten)", async () => {
    const before = counts();
    const whole = await ollama.chat({ model: OLLAMA_NAME, messages: hi, stream: false });
    expect(whole.message.content).toBe(ollamaServer.words.join(""));
    let streamed = "";
    for await (const part of await ollama.chat({ model: OLLAMA_NAME, messages: hi, stream: true })) streamed += part.message.content;
    expect(streamed).toBe(ollamaServer.words.join(""));
    const reached = since(before);
    expect(reached.map((r) => r.length)).toEqual(all().map((s) => (s === ollamaServer ? 2 : 0)));
    expect(reached[0].map((r) => [r.url, r.headers[ROUTING_HEADER], copiesOfRoutingHeader(r)])).toEqual([
      ["/api/chat", OLLAMA_NAME, 1],
      ["/api/chat", OLLAMA_NAME, 1],
    ]);
  });

  test("a model nobody serves goes to the listener's default action: the main server, which answers that it does not have it", async () => {
    const before = counts();
    const err = await openai.chat.completions.create({ model: "gpt-4o-mini", messages: hi }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as Error).message).toContain('model "gpt-4o-mini" not found');
    const reached = since(before);
    expect(reached.map((r) => r.length)).toEqual(all().map((s) => (s === ollamaServer ? 1 : 0)));
    expect(reached[0][0].headers[ROUTING_HEADER]).toBe("gpt-4o-mini");
    expect(alb.received.at(-1)?.routedTo).toBe("default");
  });

  test("a vLLM model named in another case: the listener rule matches it (AWS compares header values case-insensitively), and vLLM, comparing names exactly, answers 404", async () => {
    const server = vllm.get("qwen2.5-7b")!;
    const before = counts();
    const err = await openai.chat.completions.create({ model: "QWEN2.5-7B", messages: hi }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as Error).message).toContain("The model `QWEN2.5-7B` does not exist.");
    const reached = since(before);
    expect(reached.map((r) => r.length)).toEqual(all().map((s) => (s === server ? 1 : 0)));
    expect(alb.received.at(-1)?.routedTo).toBe(keyOfServed.get("qwen2.5-7b"));
  });

  test("Ollama's /api/chat naming a vLLM model: the door forwards it to the vLLM server, which answers FastAPI's bare 404; the router refuses it itself, saying what to call", async () => {
    const server = vllm.get("qwen2.5-7b")!;
    const before = counts();
    const err = await ollama.chat({ model: "qwen2.5-7b", messages: hi, stream: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status_code: 404 });
    const reached = since(before);
    expect(reached.map((r) => r.length)).toEqual(all().map((s) => (s === server ? 1 : 0)));
    expect([reached[all().indexOf(server)][0].url, reached[all().indexOf(server)][0].headers[ROUTING_HEADER]]).toEqual(["/api/chat", "qwen2.5-7b"]);
    const raw = await fetch(`${api.url}/api/chat`, { method: "POST", body: JSON.stringify({ model: "qwen2.5-7b", messages: hi, stream: false }) });
    expect([raw.status, await raw.json()]).toEqual([404, { detail: "Not Found" }]);

    const beforeRouter = counts();
    const refused = await new Ollama({ host: router.url }).chat({ model: "qwen2.5-7b", messages: hi, stream: false }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status_code: 400, error: expect.stringMatching(/is served by vLLM.*call POST \/v1\/chat\/completions instead$/) });
    expect(since(beforeRouter).flat()).toEqual([]);
  });

  test("what the door refuses itself, reaching no server: a path or method it has no route for (API Gateway's own 404)", async () => {
    const before = alb.received.length;
    for (const [method, call] of [
      ["POST", "/v1/audio/transcriptions"], // vLLM serves it; the door opens only the listed calls
      ["POST", "/tokenize"],
      ["POST", "/v1/load_lora_adapter"], // vLLM's adapter loading, when enabled: never through the door
      ["GET", "/v1/chat/completions"],
      ["POST", "/api/pull"], // model management is closed in this plan
    ]) {
      const res = await fetch(`${api.url}${call}`, { method, ...(method === "POST" ? { body: JSON.stringify({ model: "qwen2.5-7b" }) } : {}) });
      expect([call, res.status, await res.text()]).toEqual([call, 404, NOT_FOUND_BODY]);
    }
    expect(alb.received.length).toBe(before);
  });

  test("bodies whose model the mapping cannot read, and payloads past AWS's limits: AWS documents no answer, so the stand-in fails them and says which case; none reaches the ALB", async () => {
    const before = alb.received.length;
    const post = (body: string | Buffer) => fetch(`${api.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const cases: Array<[string | Buffer, RegExp]> = [
      ['{"messages":[]}', /without that field/],
      ["model=qwen2.5-7b", /not JSON/],
      ['{"model":["qwen2.5-7b"]}', /not a string/],
      [JSON.stringify({ model: "qwen2.5-7b", messages: [{ role: "user", content: "x".repeat(100 * 1024) }] }), /cut at 100 KB/],
      [Buffer.alloc(10 * 1024 * 1024 + 1, 0x20), /over the 10 MB quota/],
    ];
    for (const [body, which] of cases) {
      const res = await post(body);
      expect(res.status).toBe(UNDOCUMENTED_STATUS);
      expect(res.headers.get("x-standin-undocumented")).toMatch(which);
    }
    expect(api.undocumented).toHaveLength(cases.length);
    expect(alb.received.length).toBe(before);
  });

  test("an integration that runs past its timeout: AWS documents the limit, not the answer; the stand-in fails the request after it", async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const [integration] = doors.integrations.filter((i) => i.name === "root_post");
    const short = await HttpApiStandIn.start({
      routes: [{ routeKey: "POST /v1/chat/completions", integration: "root_post" }],
      integrations: [{ ...integration, timeoutMs: 200 }],
      upstreams: { [integration.uri]: `http://127.0.0.1:${(silent.address() as import("net").AddressInfo).port}` },
    });
    try {
      const res = await fetch(`${short.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "qwen2.5-7b" }) });
      expect([res.status, res.headers.get("x-standin-undocumented")]).toEqual([UNDOCUMENTED_STATUS, "the integration ran past its timeout of 200 ms"]);
    } finally {
      await short.close();
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
