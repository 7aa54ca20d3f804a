// The Lambda deployment package: byte-stable, a valid zip by independent tools, and a handler that
// loads and answers in a fresh Node process with no node_modules anywhere on its path.
import { spawnSync } from "child_process";
import { builtinModules } from "module";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { sha256Hex } from "../../src/router/auth";
import { buildRouterBundle, buildRouterZip, LAMBDA_HANDLER } from "../../src/router/bundle";
import { ROUTER_SOURCES } from "../../src/constructs/router/router-package";
import { call, eventually, postJson } from "./helpers/http-client";
import { FakeSsm } from "./helpers/fake-ssm";
import { Fleet, startFleet } from "./helpers/setup";
import { nodeModulesAround, RunningPackage, startUnpackedPackage } from "./helpers/unpacked-package";

describe("the deployment package", () => {
  let zip: Buffer;
  let dir: string;
  beforeAll(() => {
    zip = buildRouterZip();
    dir = mkdtempSync(path.join(tmpdir(), "router-bundle-"));
    writeFileSync(path.join(dir, "router.zip"), zip);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("two builds are byte-identical", () => {
    expect(Buffer.compare(buildRouterZip(), zip)).toBe(0);
  });

  test("unzip and Python's zipfile both test it clean; one entry, index.js, 0644, 1980-01-01, no extra fields", () => {
    const unzip = spawnSync("unzip", ["-t", path.join(dir, "router.zip")], { encoding: "utf8" });
    expect(unzip.status).toBe(0);
    expect(unzip.stdout).toMatch(/No errors detected/);
    const py = spawnSync(
      "python3",
      [
        "-c",
        "import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\n" +
          "print(json.dumps([[i.filename,list(i.date_time),oct(i.external_attr>>16),i.create_system,len(i.extra),i.compress_type,len(z.read(i))] for i in z.infolist()]))",
        path.join(dir, "router.zip"),
      ],
      { encoding: "utf8" },
    );
    expect(py.stderr).toBe("");
    const code = buildRouterBundle().code;
    expect(JSON.parse(py.stdout)).toEqual([["index.js", [1980, 1, 1, 0, 0, 0], "0o100644", 3, 0, 8, Buffer.byteLength(code)]]);
  });

  test("only the router's own sources (and the engines' facts) go in, and it requires nothing but Node's built-in modules", () => {
    const { code, metafile } = buildRouterBundle();
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.length).toBeGreaterThan(5);
    expect(inputs.filter((p) => !ROUTER_SOURCES.some((source) => p.startsWith(source)))).toEqual([]);
    expect(inputs).toEqual(expect.arrayContaining(["src/engines/vllm.ts", "src/engines/ollama.ts"]));
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((m) => !builtinModules.includes(m.replace(/^node:/, "")))).toEqual([]);
    expect(LAMBDA_HANDLER).toBe("index.handler");
    expect(code).toMatch(/exports, \{\s*handler: /);
  });

  describe("run from the zip in a fresh Node process with no node_modules", () => {
    let fleet: Fleet;
    let ssm: FakeSsm;
    let running: RunningPackage;
    let url: string;
    let lines: string[];

    beforeAll(async () => {
      fleet = await startFleet([{ model: "llama3:latest", chunkDelayMs: 10 }]);
      ssm = await FakeSsm.start();
      ssm.parameters.set("/llm/router/api-keys", JSON.stringify([{ name: "ci", sha256: sha256Hex("sk-ci") }]));
      running = await startUnpackedPackage(path.join(dir, "router.zip"), dir, {
        ROUTER_ALB_URL: fleet.alb.url,
        ROUTER_MODELS: "llama3:latest",
        ROUTER_KEYS_PARAMETER: "/llm/router/api-keys",
        AWS_REGION: "us-east-1",
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
    });

    test("the directory holds no node_modules and the package has index.js alone", () => {
      expect(nodeModulesAround(dir)).toEqual([]);
      expect(readFileSync(path.join(dir, "task", "index.js"), "utf8")).toBe(buildRouterBundle().code);
    });

    test("it answers: keys checked against SSM, a streamed chat routed and logged with tokens", async () => {
      expect((await call(url, "/")).status).toBe(401);
      const ok = await call(url, "/", { headers: { authorization: "Bearer sk-ci" } });
      expect(ok.body).toBe("Ollama is running");
      const chat = await postJson(url, "/api/chat", { model: "LLAMA3", messages: [{ role: "user", content: "hi" }] }, { authorization: "Bearer sk-ci" });
      expect(chat.status).toBe(200);
      expect(chat.headers["content-type"]).toBe("application/x-ndjson");
      expect(chat.body.trim().split("\n").at(-1)).toContain('"done":true');
      expect(fleet.alb.received.at(-1)!.url).toBe("/api/chat?redirect_model=llama3%3Alatest");
      await eventually(() => lines.some((l) => l.includes('"path":"/api/chat"')), 10_000, "the log line");
      const log = JSON.parse(lines.find((l) => l.includes('"path":"/api/chat"'))!);
      expect(log).toMatchObject({ key: "ci", status: 200, outputTokens: 5, Model: "llama3:latest" });
      expect(ssm.requests).toHaveLength(1);
    });
  });
});
