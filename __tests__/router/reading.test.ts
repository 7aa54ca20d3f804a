// How the router reads a request before it forwards anything: the target (canonical or not, and
// what it means to a lenient hop), the allowlist's answer, and a JSON body read as Go's
// encoding/json reads it into Ollama's request types.
import { Allowlist } from "../../src/router/allowlist";
import { readBodyFields } from "../../src/router/core";
import { ENDPOINTS } from "../../src/router/endpoints";
import { foldName, goFields } from "../../src/router/go-json";
import { scanObject } from "../../src/router/json-scan";
import { readTarget } from "../../src/router/target";

const endpoint = (method: string, path: string) => ENDPOINTS.find((e) => e.method === method && e.path === path)!;

describe("the request target", () => {
  test.each(["/", "/api/chat", "/api/chat?x=1&redirect_model=y", "/v1/models/llama3:8b", "/api/blobs/sha256-0a1b", "/api/chat?%00"])("%s is canonical, its path as written", (target) => {
    const read = readTarget(target);
    expect(read.problem).toBeUndefined();
    expect(read.path).toBe(target.split("?")[0]);
    expect(read.written).toBe(read.path);
  });

  test.each([
    ["/api/%64elete", "/api/delete", /percent-escapes/],
    ["/%61pi/delete", "/api/delete", /percent-escapes/],
    ["/api%2Fdelete", "/api/delete", /percent-escapes/],
    ["/api/%2564elete", "/api/delete", /percent-escapes/],
    ["/api/chat%3F/../pull", "/api/chat", /percent-escapes/],
    ["/api//delete", "/api/delete", /empty segment/],
    ["//api/delete", "/api/delete", /empty segment/],
    ["/api/delete/", "/api/delete", /ends with \//],
    ["/api/x/../delete", "/api/delete", /dot segment/],
    ["/api/./delete", "/api/delete", /dot segment/],
    ["/api/%2e%2e/api/delete", "/api/delete", /percent-escapes/],
    ["/api\\delete", "/api/delete", /backslash/],
    ["/api/delete;x=1", "/api/delete", /path parameters/],
    ["/api;/delete", "/api/delete", /path parameters/],
    ["/api/delete%00", "/api/delete\u0000", /percent-escapes/],
    ["http://x/api/delete", "/api/delete", /absolute form/],
    ["HTTP://x:80/api/delete?y", "/api/delete", /absolute form/],
    ["api/delete", "/api/delete", /does not start with \//],
    ["*", "/*", /does not start with \//],
    ["/api/delete#x", "/api/delete", /fragment/],
    ["/api/del\u00e9te", "/api/del\u00e9te", /non-ASCII/],
    ["/api/del\tete", "/api/del\tete", /control character/],
  ])("%j is refused; a lenient hop would read %j", (target, lenient, problem) => {
    const read = readTarget(target);
    expect(read.problem).toMatch(problem);
    expect(read.path).toBe(lenient);
  });
});

describe("the allowlist", () => {
  const closed = new Allowlist(false);
  const open = new Allowlist(true);

  test("an open endpoint with its method, the model of a {model} path", () => {
    expect(closed.lookup("POST", "/api/chat")).toEqual({ endpoint: endpoint("POST", "/api/chat") });
    expect(closed.lookup("GET", "/v1/models/qwen2:7b")).toEqual({ endpoint: endpoint("GET", "/v1/models/{model}"), model: "qwen2:7b" });
    expect(closed.lookup("HEAD", "/")).toEqual({ endpoint: endpoint("HEAD", "/") });
  });

  test("404 for a path no endpoint has, 405 with the open methods for another method", () => {
    for (const path of ["/api/status", "/API/chat", "/api/chat/x", "/v1/models/a/b", "/v1/models/..", "/v1/models/a%2Fb", "/v1", "/api"]) {
      expect([path, closed.lookup("GET", path)]).toEqual([path, { refused: 404 }]);
    }
    expect(closed.lookup("GET", "/api/chat")).toEqual({ refused: 405, allow: ["POST"] });
    expect(closed.lookup("post", "/api/chat")).toEqual({ refused: 405, allow: ["POST"] });
    expect(closed.lookup("DELETE", "/api/tags")).toEqual({ refused: 405, allow: ["GET", "HEAD"] });
  });

  test("management: 403 while closed, whatever the method; open with the flag, with its method", () => {
    for (const [method, path] of [["POST", "/api/pull"], ["GET", "/api/pull"], ["DELETE", "/api/delete"], ["HEAD", "/api/blobs/sha256-1"], ["POST", "/api/blobs/sha256-1"]]) {
      expect(closed.lookup(method, path)).toEqual({ refused: 403 });
    }
    expect(open.lookup("DELETE", "/api/delete")).toEqual({ endpoint: endpoint("DELETE", "/api/delete") });
    expect(open.lookup("POST", "/api/delete")).toEqual({ refused: 405, allow: ["DELETE"] });
  });
});

describe("Go's case folding of JSON keys", () => {
  test("ASCII letters fold to upper case; U+017F (long s) with S and U+212A (Kelvin) with K, as Unicode simple folding has it", () => {
    expect(foldName("Model")).toBe("MODEL");
    expect(foldName("\u017fource")).toBe(foldName("source"));
    expect(foldName("\u212a")).toBe("K");
    // other non-ASCII letters stay themselves: they fold with no ASCII letter
    expect(foldName("mod\u00e9l")).not.toBe(foldName("model"));
    expect(foldName("\u0131")).not.toBe(foldName("i")); // dotless i: no simple folding with i
  });
});

describe("a JSON body, read as Ollama's server decodes it", () => {
  const chat = endpoint("POST", "/api/chat");
  const read = (text: string, e = chat) => readBodyFields(Buffer.from(text, "utf8"), e);

  test.each([
    ['{"model":"a"}', "a"],
    ['{"Model":"a"}', "a"],
    ['{"MODEL":"a","model":"b"}', "b"],
    ['{"model":"b","MODEL":"a"}', "a"],
    ['{"model":"a","model":null}', "a"],
    ['{"\\u006Dodel":"a"}', "a"],
    ['{"m\\u006fdel":"a","x":{"model":"b"},"y":[{"model":"c"}]}', "a"],
    ['{"messages":[{"content":"\\"model\\": \\"b\\"}"}],"model":"a"}', "a"],
    ['  {"model" : "a" }  \n', "a"],
    ['{"model":""}', undefined],
    ['{"name":"a"}', undefined],
    ["{}", undefined],
  ])("%s names %j", (text, model) => {
    expect(read(text)).toMatchObject({ model });
    expect(read(text).problem).toBeUndefined();
  });

  test("show and management calls fall back to `name` as the server does; copy reads `source` (also ſource)", () => {
    expect(read('{"model":"","name":"a"}', endpoint("POST", "/api/show")).model).toBe("a");
    expect(read('{"Name":"a"}', endpoint("DELETE", "/api/delete")).model).toBe("a");
    expect(read('{"model":"b","name":"a"}', endpoint("POST", "/api/pull")).model).toBe("b");
    expect(read('{"\u017fource":"a","destination":"b"}', endpoint("POST", "/api/copy")).model).toBe("a");
  });

  test("what the server would refuse is refused: a wrong type anywhere among the keys, text that is not one JSON object", () => {
    expect(read('{"model":5}').problem?.message).toMatch(/"model" must be a string naming a model, got number/);
    expect(read('{"model":"a","MODEL":{}}').problem?.message).toMatch(/got object/);
    expect(read('{"model":true,"model":"a"}').problem?.message).toMatch(/got boolean/);
    expect(read('{"name":["a"],"model":"b"}', endpoint("POST", "/api/show")).problem?.message).toMatch(/"name" must be a string.*got array/);
    for (const text of ['{"model":"a"} {"model":"b"}', '{"model":"a",}', '{"model":"a"', '{model:"a"}', '{"model":"a"}x', "", '{"a":01}', '{"a":[1,]}', '{"a":tru}']) {
      expect([text, read(text).problem?.code]).toEqual([text, "invalid_json"]);
    }
    expect(read('["model","a"]').problem?.message).toBe("the request body must be a JSON object");
  });

  test("stream: Ollama's calls stream unless false, the compatible ones only when true, in any case of the key", () => {
    expect(read('{"model":"a"}').streams).toBe(true);
    expect(read('{"model":"a","Stream":false}').streams).toBe(false);
    expect(read('{"model":"a","stream":false,"stream":null}').streams).toBe(false);
    const openai = endpoint("POST", "/v1/chat/completions");
    expect(read('{"model":"a"}', openai).streams).toBe(false);
    expect(read('{"model":"a","STREAM":true}', openai).streams).toBe(true);
    expect(read('{"model":"a","stream":true}', endpoint("POST", "/api/embed")).streams).toBe(false);
  });

  test("the scanner keeps every member in order with duplicates, and decodes only what is asked", () => {
    const scan = scanObject(Buffer.from('{"a":1,"b":{"c":[true,null,"x\\\\"]},"a":"2"}'));
    expect(scan.ok).toBe(true);
    if (!scan.ok) return;
    expect(scan.members.map((m) => [m.key, m.first])).toEqual([["a", "1"], ["b", "{"], ["a", '"']]);
    expect(scan.members[1].text()).toBe('{"c":[true,null,"x\\\\"]}');
    expect(goFields(scan.members, ["a"], "string").get("a")).toEqual({ kind: "mismatch", type: "number" });
  });

  test("deep nesting is followed without recursion, to Go's limit", () => {
    const deep = (n: number) => `{"x":${"[".repeat(n)}${"]".repeat(n)},"model":"a"}`;
    expect(read(deep(9_000)).model).toBe("a");
    expect(read(deep(20_000)).problem?.message).toMatch(/nesting deeper than 10000/);
  });
});
