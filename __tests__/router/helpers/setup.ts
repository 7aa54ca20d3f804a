// The whole request path on loopback: fake Ollama servers, the ALB stand-in routing to them, and the
// router in front, either as the local server or as the Lambda handler behind the runtime stand-in.
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { createStreamingHandler } from "../../../src/router/lambda-handler";
import { settingsFromEnv } from "../../../src/router/lambda-env";
import { startLocalRouter } from "../../../src/router/local";
import { parseLocalArgs } from "../../../src/router/local-args";
import { AlbStandIn, RouteOn } from "./alb-standin";
import { FakeOllama, FakeOllamaOptions } from "./fake-ollama";
import { FakeSsm } from "./fake-ssm";
import { awslambdaStandIn, FunctionUrl, startFunctionUrl } from "./lambda-runtime-standin";

export interface Fleet {
  readonly fakes: FakeOllama[];
  readonly alb: AlbStandIn;
  fake(model: string): FakeOllama;
  close(): Promise<void>;
}

export async function startFleet(servers: readonly FakeOllamaOptions[], routeOn: RouteOn = "header"): Promise<Fleet> {
  const fakes = await Promise.all(servers.map((s) => FakeOllama.start(s)));
  const alb = await AlbStandIn.start(fakes.map((f) => ({ model: f.model, url: f.url })), routeOn);
  return {
    fakes,
    alb,
    fake: (model) => fakes.find((f) => f.model === model)!,
    close: async () => {
      await alb.close();
      await Promise.all(fakes.map((f) => f.close()));
    },
  };
}

export interface RouterSetup {
  readonly albUrl: string;
  readonly models: readonly string[];
  /** Key hashes to configure; undefined: no key checks (local: no --keys-file; Lambda: AWS_IAM). */
  readonly keys?: readonly { name: string; sha256: string }[];
  readonly allowModelManagement?: boolean;
  readonly upstreamTimeoutSeconds?: number;
  readonly idleTimeoutSeconds?: number;
  readonly listTimeoutSeconds?: number;
  /** Local mode only: the function URL hands the function whole bodies. */
  readonly bodyTimeoutSeconds?: number;
}

export interface RouterUnderTest {
  readonly mode: "local" | "lambda";
  readonly url: string;
  /** The request log lines, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Other lines (warnings). */
  readonly warnings: string[];
  /** Lambda: the runtime stand-in's view (settled invocations, handler errors). */
  readonly functionUrl?: FunctionUrl;
  readonly ssm?: FakeSsm;
  close(): Promise<void>;
}

export type StartRouter = (setup: RouterSetup) => Promise<RouterUnderTest>;

export const startLocal: StartRouter = async (setup) => {
  const dir = mkdtempSync(path.join(tmpdir(), "router-test-"));
  const args = ["--listen", "127.0.0.1:0", "--alb", setup.albUrl, "--models", setup.models.join(",")];
  if (setup.keys) {
    const file = path.join(dir, "keys.json");
    writeFileSync(file, JSON.stringify(setup.keys));
    args.push("--keys-file", file);
  }
  if (setup.allowModelManagement) args.push("--allow-model-management");
  if (setup.upstreamTimeoutSeconds !== undefined) args.push("--upstream-timeout", String(setup.upstreamTimeoutSeconds));
  if (setup.idleTimeoutSeconds !== undefined) args.push("--idle-timeout", String(setup.idleTimeoutSeconds));
  if (setup.listTimeoutSeconds !== undefined) args.push("--list-timeout", String(setup.listTimeoutSeconds));
  if (setup.bodyTimeoutSeconds !== undefined) args.push("--body-timeout", String(setup.bodyTimeoutSeconds));
  const logs: Record<string, unknown>[] = [];
  const local = await startLocalRouter(parseLocalArgs(args, {}), (line) => logs.push(JSON.parse(line)));
  return {
    mode: "local",
    url: local.url,
    logs,
    warnings: [],
    close: async () => {
      await local.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

export const KEYS_PARAMETER = "/llm/router/api-keys";

export const startLambda: StartRouter = async (setup) => {
  let ssm: FakeSsm | undefined;
  const env: NodeJS.ProcessEnv = {
    ROUTER_ALB_URL: setup.albUrl,
    ROUTER_MODELS: setup.models.join(","),
    ROUTER_ALLOW_MODEL_MANAGEMENT: setup.allowModelManagement ? "true" : "false",
    AWS_REGION: "us-east-1",
  };
  if (setup.upstreamTimeoutSeconds !== undefined) env.ROUTER_UPSTREAM_TIMEOUT_SECONDS = String(setup.upstreamTimeoutSeconds);
  if (setup.idleTimeoutSeconds !== undefined) env.ROUTER_IDLE_TIMEOUT_SECONDS = String(setup.idleTimeoutSeconds);
  if (setup.listTimeoutSeconds !== undefined) env.ROUTER_LIST_TIMEOUT_SECONDS = String(setup.listTimeoutSeconds);
  if (setup.keys) {
    ssm = await FakeSsm.start();
    ssm.parameters.set(KEYS_PARAMETER, JSON.stringify(setup.keys));
    Object.assign(env, {
      ROUTER_AUTH_MODE: "API_KEY",
      ROUTER_KEYS_PARAMETER: KEYS_PARAMETER,
      ROUTER_SSM_TIMEOUT_SECONDS: "1",
      AWS_ENDPOINT_URL_SSM: ssm.url,
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      AWS_SESSION_TOKEN: "session-token-example",
    });
  } else {
    env.ROUTER_AUTH_MODE = "AWS_IAM";
  }
  const logs: Record<string, unknown>[] = [];
  const warnings: string[] = [];
  const handler = awslambdaStandIn.streamifyResponse(
    createStreamingHandler(settingsFromEnv(env), awslambdaStandIn, {
      log: (line) => logs.push(JSON.parse(line)),
      warn: (line) => warnings.push(line),
    }),
  );
  // a payload limit above the router's own, so the router's 413 is what answers (the real front's is tested apart)
  const functionUrl = await startFunctionUrl(handler, { maxPayloadBytes: 16 * 1024 * 1024 });
  return {
    mode: "lambda",
    url: functionUrl.url,
    logs,
    warnings,
    functionUrl,
    ssm,
    close: async () => {
      await functionUrl.close();
      await ssm?.close();
    },
  };
};
