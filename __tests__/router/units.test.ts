// The router's small pure parts: model matching, header filtering, the query it sends, key checks,
// token sniffing, and the EMF line.
import { spawnSync } from "child_process";
import { bearerToken, findKey, parseKeyList, sha256Hex } from "../../src/router/auth";
import { putParameterCommand } from "../../src/router/keys-cli";
import { upstreamPath } from "../../src/router/core";
import { Broken, forward } from "../../src/router/forward";
import { downstreamResponseHeaders, upstreamRequestHeaders } from "../../src/router/headers";
import { logLine } from "../../src/router/log";
import { canonicalModelName, ModelTable } from "../../src/router/models";
import { parseModelList } from "../../src/router/config";
import { PassThrough, Writable } from "stream";
import { TailSniffer } from "../../src/router/tokens";
import { emfProblems } from "./helpers/emf";

describe("model names", () => {
  test("no tag means :latest; case does not matter; a registry port is not a tag", () => {
    expect(canonicalModelName("Llama3")).toBe("llama3:latest");
    expect(canonicalModelName("llama3:8B")).toBe("llama3:8b");
    expect(canonicalModelName("registry.local:5000/team/model")).toBe("registry.local:5000/team/model:latest");
    expect(canonicalModelName("hf.co/org/Repo-GGUF:Q4_K_M")).toBe("hf.co/org/repo-gguf:q4_k_m");
  });

  test("the table resolves to the served spelling both ways round, and refuses two names for one model", () => {
    const table = new ModelTable(["llama3:latest", "Qwen2", "hf.co/org/Repo:Q4"]);
    expect(table.resolve("LLAMA3")).toBe("llama3:latest");
    expect(table.resolve("qwen2:latest")).toBe("Qwen2");
    expect(table.resolve("hf.co/org/repo:q4")).toBe("hf.co/org/Repo:Q4");
    expect(table.resolve("qwen2:7b")).toBeUndefined();
    expect(() => new ModelTable(["llama3", "LLAMA3:latest"])).toThrow(/"llama3" and "LLAMA3:latest" are the same model/);
  });

  test("a vLLM model resolves only as it is served (vLLM compares names exactly), and its engine says which calls reach it", () => {
    const table = new ModelTable(["llama3", "mistral-7b"], { "mistral-7b": "vllm" });
    expect(table.resolve("mistral-7b")).toBe("mistral-7b");
    expect(table.resolve("Mistral-7B")).toBeUndefined();
    expect(table.resolve("mistral-7b:latest")).toBeUndefined();
    expect(table.resolve("LLAMA3:latest")).toBe("llama3");
    expect([table.engineOf("llama3").name, table.engineOf("mistral-7b").name]).toEqual(["ollama", "vllm"]);
    expect(table.servedFor("/v1/models")).toEqual(["llama3", "mistral-7b"]);
    expect(table.servedFor("/api/tags")).toEqual(["llama3"]);
    expect(table.servedFor("/v1/models/{model}")).toEqual(["llama3"]);
    // an Ollama name and a vLLM name the ALB would match alike are one model twice
    expect(() => new ModelTable(["llama3", "LLAMA3"], { LLAMA3: "vllm" })).toThrow(/are the same model/);
    expect(() => new ModelTable(["llama3"], { "mistral-7b": "vllm" })).toThrow(/"mistral-7b" has an engine but is not served/);
  });

  test("the model list names another engine than Ollama after =; a name with two = or an unknown engine is refused", () => {
    const table = parseModelList("llama3:8b, org/Model-7B=vllm");
    expect(table).toBeInstanceOf(ModelTable);
    expect((table as ModelTable).served).toEqual(["llama3:8b", "org/Model-7B"]);
    expect((table as ModelTable).engineOf("org/Model-7B").name).toBe("vllm");
    expect(parseModelList("llama3=ollama")).toBeInstanceOf(ModelTable);
    expect(parseModelList("m=vllm=x")).toBe('has an empty or invalid model name "m=vllm=x" (no spaces, * or ?)');
    expect(parseModelList("m=tgi")).toBe('names the engine "tgi" for "m"; engines: ollama, vllm');
    expect(parseModelList("=vllm")).toBe('has an empty or invalid model name "=vllm" (no spaces, * or ?)');
  });
});

describe("headers", () => {
  test("to the ALB: no hop-by-hop, no Connection-listed, no Authorization or Expect; host and length set", () => {
    const out = upstreamRequestHeaders(
      {
        connection: "keep-alive, X-Custom",
        "x-custom": "1",
        upgrade: "websocket",
        "proxy-connection": "keep-alive",
        authorization: "Bearer k",
        expect: "100-continue",
        "content-length": "999",
        host: "router.example",
        accept: "application/json",
      },
      "alb.internal:80",
      12,
      undefined,
    );
    expect(out).toEqual({ accept: "application/json", host: "alb.internal:80", "content-length": "12" });
  });

  test("to the client: the server's headers less hop-by-hop ones", () => {
    expect(
      downstreamResponseHeaders({ connection: "close, x-h", "x-h": "1", "transfer-encoding": "chunked", "content-type": "text/event-stream", "set-cookie": ["a=1"] }),
    ).toEqual({ "content-type": "text/event-stream", "set-cookie": ["a=1"] });
  });

  test("the path to the ALB: the canonical path, and the router's own redirect_model, URL-encoded", () => {
    expect(upstreamPath("/api/chat", "hf.co/org/m:Q4 x")).toBe("/api/chat?redirect_model=hf.co%2Forg%2Fm%3AQ4%20x");
    expect(upstreamPath("/api/version", undefined)).toBe("/api/version");
  });
});

describe("API keys", () => {
  const keys = parseKeyList(JSON.stringify([{ name: "alice", sha256: sha256Hex("sk-1") }, { name: "bob", sha256: sha256Hex("sk-2").toUpperCase() }]), "keys.json");

  test("a key matches its own hash only", () => {
    expect(findKey(keys, "sk-1")?.name).toBe("alice");
    expect(findKey(keys, "sk-2")?.name).toBe("bob");
    expect(findKey(keys, "sk-3")).toBeUndefined();
    expect(findKey([], "sk-1")).toBeUndefined();
  });

  test("Bearer tokens only, any case of the scheme", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer  abc ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken("Bearer a b")).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  test("bad lists are refused with the entry and the fix; empty text is an empty list", () => {
    expect(parseKeyList("  ", "p")).toEqual([]);
    expect(() => parseKeyList("{", "p")).toThrow(/p is not valid JSON/);
    expect(() => parseKeyList('[{"name":"a","sha256":"xyz"}]', "p")).toThrow(/p\[0\]\.sha256 must be the key's SHA-256 as 64 hex digits/);
    expect(() => parseKeyList('[{"sha256":"x"}]', "p")).toThrow(/p\[0\]\.name/);
    expect(() => parseKeyList(JSON.stringify([{ name: "a\nb", sha256: sha256Hex("k") }]), "p")).toThrow(/p\[0\]\.name must be a name of 1 to 128 characters/);
    expect(parseKeyList(JSON.stringify([{ name: "CI bot (Ann's)", sha256: sha256Hex("k"), created: "2025-01-01" }]), "p")[0].name).toBe("CI bot (Ann's)");
    const h = sha256Hex("k");
    expect(() => parseKeyList(JSON.stringify([{ name: "a", sha256: h }, { name: "a", sha256: h }]), "p")).toThrow(/"a" appears twice/);
  });
});

describe("the put-parameter command", () => {
  test("is one shell word for the value, even with a quote in a hand-written name", () => {
    const list = [{ name: "Ann's key", sha256: sha256Hex("k") }];
    const command = putParameterCommand("/p", list);
    // the shell gives the value back unchanged: echo the arguments one per line
    const echoed = spawnSync("sh", ["-c", `printf '%s\\n' ${command.replace(/^aws /, "")}`], { encoding: "utf8" }).stdout.split("\n");
    expect(echoed.slice(0, 7)).toEqual(["ssm", "put-parameter", "--name", "/p", "--type", "SecureString", "--overwrite"]);
    expect(JSON.parse(echoed[8])).toEqual(list);
  });
});

describe("token counts from the end of a response", () => {
  const sniff = (text: string, sse = false, chunk = 7) => {
    const s = new TailSniffer(sse);
    for (let i = 0; i < text.length; i += chunk) s.push(Buffer.from(text.slice(i, i + chunk)));
    return s.counts();
  };

  test("Ollama's final NDJSON object", () => {
    const lines = [{ response: "a", done: false }, { response: "", done: true, eval_count: 42, prompt_eval_count: 7, eval_duration: 2_000_000_000 }];
    expect(sniff(lines.map((l) => JSON.stringify(l)).join("\n") + "\n")).toEqual({ promptTokens: 7, outputTokens: 42, evalSeconds: 2 });
  });

  test("OpenAI's usage in the last data event before [DONE], and in a whole body", () => {
    const events = `data: {"choices":[{"delta":{"content":"x"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":9,"total_tokens":12}}\n\ndata: [DONE]\n\n`;
    expect(sniff(events, true)).toEqual({ promptTokens: 3, outputTokens: 9 });
    expect(sniff('{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}')).toEqual({ promptTokens: 1, outputTokens: 2 });
  });

  test("no counts when the stream carries none", () => {
    expect(sniff('{"response":"x","done":false}\n')).toBeUndefined();
    expect(sniff("data: [DONE]\n\n", true)).toBeUndefined();
  });

  test("only a bounded tail is kept: a long body still yields the counts at its end", () => {
    const long = `{"choices":[{"message":{"content":"${"y".repeat(200_000)}"}}],"usage":{"prompt_tokens":5,"completion_tokens":6}}`;
    const s = new TailSniffer(false);
    for (let i = 0; i < long.length; i += 1000) s.push(Buffer.from(long.slice(i, i + 1000)));
    expect(s.counts()).toEqual({ promptTokens: 5, outputTokens: 6 });
    expect((s as unknown as { bytes: number }).bytes).toBeLessThan(20 * 1024);
  });
});

describe("the log line", () => {
  const base = { key: "alice", model: "Llama3", servedModel: "llama3:latest", method: "POST", path: "/api/chat", status: 200, durationMs: 120.456, bytesOut: 10, failed: false };

  test("is valid EMF with a metric for each value it has", () => {
    const full = JSON.parse(logLine({ ...base, ttfbMs: 12.3, outputTokens: 5, promptTokens: 3, tokensPerSecond: 10 }, "NS", 1_700_000_000_000));
    expect(emfProblems(JSON.stringify(full))).toEqual([]);
    expect(full._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).toEqual(["Requests", "Errors", "TimeToFirstByte", "OutputTokens", "TokensPerSecond"]);
    const bare = JSON.parse(logLine({ ...base, status: 502, failed: true }, "NS", 1_700_000_000_000));
    expect(emfProblems(JSON.stringify(bare))).toEqual([]);
    expect(bare._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).toEqual(["Requests", "Errors"]);
    expect(bare.Errors).toBe(1);
  });

  test("the EMF checker catches what the specification forbids", () => {
    const line = JSON.parse(logLine(base, "NS", 1_700_000_000_000));
    expect(emfProblems(JSON.stringify({ ...line, Model: 3 }))).toEqual(["dimension Model is not a string member of the root"]);
    expect(emfProblems(JSON.stringify({ ...line, Requests: "1" }))).toEqual(["metric Requests has no numeric member on the root"]);
    const badUnit = JSON.parse(JSON.stringify(line));
    badUnit._aws.CloudWatchMetrics[0].Metrics[0].Unit = "Tokens";
    expect(emfProblems(JSON.stringify(badUnit))).toEqual(["metric Requests has unit Tokens, not a CloudWatch unit"]);
  });
});

describe("forward (server body to client)", () => {

  test("a complete body reports no break and ends the client's side", async () => {
    const source = new PassThrough();
    const destination = new PassThrough();
    const got: Buffer[] = [];
    destination.on("data", (c: Buffer) => got.push(c));
    const result = new Promise((resolve) => forward(source, destination, resolve));
    source.end("hello");
    expect(await result).toBeUndefined();
    expect(Buffer.concat(got).toString()).toBe("hello");
  });

  test("a server that breaks off cuts the client's side with its error", async () => {
    const source = new PassThrough();
    const destination = new PassThrough();
    destination.on("error", () => undefined);
    const result = new Promise<Broken | undefined>((resolve) => forward(source, destination, resolve));
    source.destroy(new Error("socket hang up"));
    expect(await result).toEqual({ side: "source", error: new Error("socket hang up") });
    expect(destination.destroyed).toBe(true);
    expect(destination.errored?.message).toBe("socket hang up");
  });

  test("a client that goes away ends the server's side", async () => {
    const source = new PassThrough();
    const destination = new PassThrough();
    const result = new Promise<Broken | undefined>((resolve) => forward(source, destination, resolve));
    destination.destroy();
    expect((await result)?.side).toBe("destination");
    expect(source.destroyed).toBe(true);
  });

  test("a slow client holds the server's side back (back-pressure)", async () => {
    const source = new PassThrough({ highWaterMark: 16 });
    let release: () => void = () => undefined;
    const destination = new Writable({
      highWaterMark: 16,
      write(_chunk, _enc, cb) {
        release = cb; // hold every write until released
      },
    });
    forward(source, destination, () => undefined);
    for (let i = 0; i < 10; i++) source.write(Buffer.alloc(16));
    await new Promise((r) => setImmediate(r));
    expect(source.readableFlowing).toBe(false);
    release();
    source.destroy();
  });
});
