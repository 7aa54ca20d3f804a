// The HTTP API stand-in (helpers/http-api-standin.ts) against what AWS documents, on cases a plan of
// the module does not have (greedy routes, ANY, $default): the developer guide's own routing table
// ("Create routes for HTTP APIs", routing API requests), the parameter mapping's keys and values, and
// the configurations AWS refuses. The door as planned is exercised in mixed-engines-plan.test.ts.
import * as http from "http";
import type { AddressInfo } from "net";
import { HttpApiStandIn, NOT_FOUND_BODY, StandInIntegration, StandInRoute } from "./helpers/http-api-standin";

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: string[];
}

let upstream: http.Server;
const seen: Seen[] = [];
const upstreamUrl = () => `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, rawHeaders: req.rawHeaders });
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("upstream");
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

const proxy = (name: string, method: string, requestParameters: Record<string, string> = {}): StandInIntegration => ({ name, method, uri: "backend", requestParameters });

async function withApi(routes: StandInRoute[], integrations: StandInIntegration[], body: (api: HttpApiStandIn) => Promise<void>): Promise<void> {
  const api = await HttpApiStandIn.start({ routes, integrations, upstreams: { backend: upstreamUrl() } });
  try {
    await body(api);
    expect(api.errors).toEqual([]);
  } finally {
    await api.close();
  }
}

test("route selection follows the developer guide's table: a static route, then a path variable, then a greedy variable of the request's method, then ANY; nothing matching: 404 {\"message\":\"Not Found\"}", async () => {
  const keys = ["GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}"];
  await withApi(
    keys.map((routeKey, i) => ({ routeKey, integration: `i${i}` })),
    keys.map((_, i) => proxy(`i${i}`, "GET")),
    async (api) => {
      for (const [method, path, route] of [
        ["GET", "/pets/dog/1", "GET /pets/dog/1"],
        ["GET", "/pets/dog/2", "GET /pets/dog/{id}"],
        ["GET", "/pets/cat/1", "GET /pets/{proxy+}"],
        ["POST", "/test/5", "ANY /{proxy+}"],
      ]) {
        await fetch(`${api.url}${path}`, { method });
        expect([method, path, api.received.at(-1)?.routeKey]).toEqual([method, path, route]);
      }
    },
  );
  await withApi([{ routeKey: "GET /pets/dog/{id}", integration: "i" }, { routeKey: "$default", integration: "d" }], [proxy("i", "GET"), proxy("d", "POST")], async (api) => {
    await fetch(`${api.url}/pets/dog/2`, { method: "DELETE" });
    expect(api.received.at(-1)?.routeKey).toBe("$default");
    expect(seen.at(-1)?.method).toBe("POST"); // an HTTP proxy calls with its integration's method
  });
  await withApi([{ routeKey: "POST /api/chat", integration: "p" }], [proxy("p", "POST")], async (api) => {
    const before = seen.length;
    for (const [method, path] of [["GET", "/api/chat"], ["POST", "/api/chat/x"], ["POST", "/api"], ["POST", "/"]]) {
      const res = await fetch(`${api.url}${path}`, { method });
      expect([method, path, res.status, await res.text()]).toEqual([method, path, 404, NOT_FOUND_BODY]);
    }
    expect(seen.length).toBe(before);
  });
});

test("header mappings: overwrite and remove replace every copy the client sent (names case-insensitive), append adds after them; values from the body's JSON path, a path parameter, a header, or a static string", async () => {
  await withApi(
    [{ routeKey: "POST /chat", integration: "body" }, { routeKey: "GET /models/{model}", integration: "path" }],
    [
      proxy("body", "POST", {
        "overwrite:header.X-Fleet-Model": "$request.body.options.model",
        "remove:header.x-drop": "''",
        "append:header.x-trace": "$request.header.x-request",
        "overwrite:header.x-static": "door",
      }),
      proxy("path", "GET", { "overwrite:header.x-fleet-model": "$request.path.model" }),
    ],
    async (api) => {
      await fetch(`${api.url}/chat?q=1`, {
        method: "POST",
        headers: { "x-fleet-model": "client", "X-Drop": "1", "x-trace": "first", "x-request": "r1" },
        body: JSON.stringify({ options: { model: "qwen2.5-7b" } }),
      });
      const post = seen.at(-1)!;
      expect(post.url).toBe("/chat?q=1");
      expect([post.headers["x-fleet-model"], post.headers["x-drop"], post.headers["x-trace"], post.headers["x-static"]]).toEqual(["qwen2.5-7b", undefined, "first, r1", "door"]);
      expect(post.rawHeaders.filter((h) => h.toLowerCase() === "x-fleet-model")).toHaveLength(1);
      await fetch(`${api.url}/models/llama3:8b`, { headers: { "x-fleet-model": "client" } });
      expect(seen.at(-1)?.headers["x-fleet-model"]).toBe("llama3:8b");
    },
  );
});

test("configurations AWS refuses are refused: a mapping of a reserved header, a recursive or filtered JSON path, a timeout outside 50-30000 ms", async () => {
  const start = (integration: StandInIntegration) => HttpApiStandIn.start({ routes: [{ routeKey: "POST /x", integration: "i" }], integrations: [integration], upstreams: { backend: upstreamUrl() } });
  await expect(start(proxy("i", "POST", { "overwrite:header.Authorization": "x" }))).rejects.toThrow(/reserved header/);
  await expect(start(proxy("i", "POST", { "overwrite:header.x-amz-date": "x" }))).rejects.toThrow(/reserved header/);
  await expect(start(proxy("i", "POST", { "overwrite:header.x-m": "$request.body..model" }))).rejects.toThrow(/recursive descent/);
  await expect(start(proxy("i", "POST", { "overwrite:header.x-m": "$request.body.items[?(@.a)]" }))).rejects.toThrow(/filter expressions/);
  await expect(start({ ...proxy("i", "POST"), timeoutMs: 30_001 })).rejects.toThrow(/outside 50-30000/);
});
