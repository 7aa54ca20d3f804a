// The router's deployment package as the module ships it: the committed asset is the build of the
// current sources, the build is cached by what decides its bytes, and the committed zip loads and
// answers in a fresh Node process with no node_modules, given the environment the module computes.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { routerKeysParameterName } from "../src/config/router-environment";
import { ROUTER_SOURCES, ROUTER_ZIP, routerSourcesDigest, routerZipFile } from "../src/constructs/router/router-package";
import { MODULE_DIR } from "../src/module/module-files";
import { sha256Hex } from "../src/router/auth";
import { buildRouterZip } from "../src/router/bundle";
import { block, TerraformJson, unwrap } from "./helpers/synth";
import { describeWithTerraform, evaluate } from "./helpers/terraform";
import { FakeSsm } from "./router/helpers/fake-ssm";
import { call, eventually, postJson } from "./router/helpers/http-client";
import { Fleet, startFleet } from "./router/helpers/setup";
import { nodeModulesAround, RunningPackage, startUnpackedPackage } from "./router/helpers/unpacked-package";
import { NETWORK_INPUTS } from "./helpers/network-inputs";

const ROOT = path.resolve(__dirname, "..");
const MODULE = path.join(ROOT, MODULE_DIR);
const moduleJson = (): TerraformJson => JSON.parse(readFileSync(path.join(MODULE, "main.tf.json"), "utf8"));

/** The committed package: the file the module's function names (`${path.module}/assets/.../router.zip`). */
function committedZip(): string {
  const filename = block(moduleJson(), "aws_lambda_function", "router").filename as string;
  const relative = /^\$\{path\.module\}\/(.+)$/.exec(filename)?.[1];
  if (!relative) throw new Error(`the function's filename is not a file of the module: ${filename}`);
  return path.join(MODULE, relative);
}

describe("the committed deployment package", () => {
  test("GIVEN the module WHEN its function's zip is read THEN it is router.zip, byte for byte a fresh build of src/router", () => {
    const file = committedZip();
    expect(path.basename(file)).toBe(ROUTER_ZIP);
    expect(Buffer.compare(readFileSync(file), buildRouterZip())).toBe(0);
  });
});

describe("the package cache", () => {
  let root: string;
  beforeAll(() => {
    // GIVEN a copy of the router's sources, as a checkout of its own
    root = mkdtempSync(path.join(tmpdir(), "router-package-"));
    for (const source of ROUTER_SOURCES) cpSync(path.join(ROOT, source), path.join(root, source), { recursive: true });
    cpSync(path.join(ROOT, "tsconfig.json"), path.join(root, "tsconfig.json"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("the same sources give the same digest and the same file, the build of those sources", () => {
    expect(routerSourcesDigest(root)).toBe(routerSourcesDigest(ROOT));
    const file = routerZipFile(root);
    expect(routerZipFile(root)).toBe(file);
    expect(Buffer.compare(readFileSync(file), buildRouterZip(root))).toBe(0);
  });

  test("GIVEN a changed source WHEN the package is asked for THEN it has a new digest, and is built from the change", () => {
    const before = routerSourcesDigest(root);
    const file = path.join(root, "src", "router", "config.ts");
    const source = readFileSync(file, "utf8");
    expect(source).toContain('metricsNamespace: "OllamaFleet/Router"');
    writeFileSync(file, source.replace('metricsNamespace: "OllamaFleet/Router"', 'metricsNamespace: "OllamaFleet/RouterChanged"'));
    expect(routerSourcesDigest(root)).not.toBe(before);
    const zip = readFileSync(routerZipFile(root));
    expect(Buffer.compare(zip, buildRouterZip(ROOT))).not.toBe(0);
    expect(Buffer.compare(zip, buildRouterZip(root))).toBe(0);
  });

  test("a new file under src/router changes the digest too (the bundle may import it)", () => {
    const before = routerSourcesDigest(root);
    mkdirSync(path.join(root, "src", "router", "extra"), { recursive: true });
    writeFileSync(path.join(root, "src", "router", "extra", "new.ts"), "export {};\n");
    expect(routerSourcesDigest(root)).not.toBe(before);
  });

  test("a changed engine (what the router refuses for its models) changes the digest too", () => {
    const before = routerSourcesDigest(root);
    const file = path.join(root, "src", "engines", "vllm.ts");
    writeFileSync(file, `${readFileSync(file, "utf8")}\n// changed\n`);
    expect(routerSourcesDigest(root)).not.toBe(before);
  });
});

describeWithTerraform("the committed zip, run with the module's environment", () => {
  let fleet: Fleet;
  let ssm: FakeSsm;
  let dir: string;
  let running: RunningPackage;
  let url: string;
  let lines: string[];
  let environment: Record<string, string>;
  const parameter = routerKeysParameterName("llm");

  beforeAll(async () => {
    // GIVEN a fleet behind an ALB stand-in, SSM holding one key's hash under the module's parameter name
    fleet = await startFleet([
      { model: "llama3:8b", chunkDelayMs: 5 },
      { model: "qwen2.5:7b", chunkDelayMs: 5 },
    ]);
    ssm = await FakeSsm.start();
    ssm.parameters.set(parameter, JSON.stringify([{ name: "ci", sha256: sha256Hex("sk-module") }]));
    // AND the function's environment as the module computes it, the ALB's DNS name standing for the stand-in's address
    const json = moduleJson();
    const variables = block(json, "aws_lambda_function", "router").environment as { variables: string };
    ({ environment } = evaluate(json, {
      variables: {
        ...NETWORK_INPUTS,
        llm_ec2_configs: [
          { llm_model: "llama3:8b", instance_type: "g5g.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
          { llm_model: "qwen2.5:7b", instance_type: "g5.xlarge", ami_id: "", ebs_volume_gb: 200, app_port: 11434 },
        ],
        router_enabled: true,
      },
      expressions: { environment: unwrap(variables.variables) },
      replace: { "aws_lb.llm.dns_name": JSON.stringify(new URL(fleet.alb.url).host), "aws_ssm_parameter.router_keys": "local.fake_keys" },
      locals: { fake_keys: `\${[{ name = ${JSON.stringify(parameter)} }]}` },
    }) as { environment: Record<string, string> });
    // AND the committed zip unpacked by an independent tool, beside a bundled runtime stand-in, far from any node_modules
    dir = mkdtempSync(path.join(tmpdir(), "router-committed-"));
    // WHEN a fresh Node process loads index.js as the runtime would, with only that environment and Lambda's own variables
    running = await startUnpackedPackage(committedZip(), dir, {
      ...environment,
      AWS_REGION: "ap-southeast-1",
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_SESSION_TOKEN: "token",
      AWS_ENDPOINT_URL_SSM: ssm.url,
    });
    ({ url, lines } = running);
  });

  afterAll(async () => {
    await running?.stop();
    await ssm?.close();
    await fleet?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the environment names the ALB, both models, API_KEY and the keys parameter; nothing of it is empty", () => {
    expect(environment).toMatchObject({ ROUTER_ALB_URL: fleet.alb.url, ROUTER_AUTH_MODE: "API_KEY", ROUTER_KEYS_PARAMETER: parameter });
    expect(environment.ROUTER_MODELS.split(",").sort()).toEqual(["llama3:8b", "qwen2.5:7b"]);
    for (const value of Object.values(environment)) expect(value).not.toBe("");
  });

  test("no node_modules beside or above the unpacked package", () => {
    expect(nodeModulesAround(dir)).toEqual([]);
  });

  test("THEN it refuses a caller without a key, streams a chat for a key from SSM, routed by model, and logs it in the module's namespace", async () => {
    expect((await call(url, "/api/tags")).status).toBe(401);
    const chat = await postJson(url, "/api/chat", { model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }] }, { authorization: "Bearer sk-module" });
    expect(chat.status).toBe(200);
    expect(chat.body.trim().split("\n").at(-1)).toContain('"done":true');
    expect(fleet.alb.received.at(-1)!.url).toBe("/api/chat?redirect_model=qwen2.5%3A7b");
    await eventually(() => lines.some((l) => l.includes('"path":"/api/chat"')), 10_000, "the log line");
    const log = JSON.parse(lines.find((l) => l.includes('"path":"/api/chat"'))!);
    expect(log).toMatchObject({ key: "ci", status: 200, Model: "qwen2.5:7b" });
    expect(log._aws.CloudWatchMetrics[0].Namespace).toBe(environment.ROUTER_METRICS_NAMESPACE);
    expect(ssm.requests.map((r) => JSON.parse(r.body).Name)).toEqual([parameter]);
  });
});
