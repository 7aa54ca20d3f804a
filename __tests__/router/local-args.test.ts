// Local mode's flags, parsed without starting anything (the processes are tested in cli.test.ts).
import { parseLocalArgs, UsageError } from "../../src/router/local-args";

const base = ["--alb", "http://alb.internal", "--models", "llama3:8b,qwen2"];

describe("local mode flags", () => {
  test("HOST:PORT with an IPv6 host keeps the brackets for the URL and drops them for binding", () => {
    const o = parseLocalArgs(["--listen", "[::1]:8080", ...base]);
    expect(o).toMatchObject({ host: "::1", hostAsGiven: "[::1]", port: 8080 });
  });

  test("--flag=value works like --flag value; defaults: no keys, management closed, 300 s, OllamaFleet/Router", () => {
    const o = parseLocalArgs(["--listen=0.0.0.0:0", "--alb=https://alb.internal:8443", "--models=llama3"]);
    expect(o.port).toBe(0);
    expect(o.config.albUrl.href).toBe("https://alb.internal:8443/");
    expect(o.config).toMatchObject({ authMode: "NONE", allowModelManagement: false, upstreamTimeoutMs: 300_000, metricsNamespace: "OllamaFleet/Router" });
    expect(o.keysFile).toBeUndefined();
  });

  test("the upstream timeout comes from the flag, else ROUTER_UPSTREAM_TIMEOUT_SECONDS; fractions allowed", () => {
    expect(parseLocalArgs(["--listen", "127.0.0.1:1", ...base, "--upstream-timeout", "0.25"]).config.upstreamTimeoutMs).toBe(250);
    expect(parseLocalArgs(["--listen", "127.0.0.1:1", ...base], { ROUTER_UPSTREAM_TIMEOUT_SECONDS: "600" }).config.upstreamTimeoutMs).toBe(600_000);
    expect(() => parseLocalArgs(["--listen", "127.0.0.1:1", ...base], { ROUTER_UPSTREAM_TIMEOUT_SECONDS: "0" })).toThrow(/ROUTER_UPSTREAM_TIMEOUT_SECONDS "0" is not a number of seconds above 0/);
  });

  test("the bounds in time and memory: defaults, flags, and the environment's variables", () => {
    const defaults = parseLocalArgs(["--listen", "127.0.0.1:1", ...base]).config;
    expect(defaults).toMatchObject({ idleTimeoutMs: 300_000, bodyTimeoutMs: 60_000, bodyBufferBytes: 24 * 1024 * 1024, listTimeoutMs: 5_000 });
    const flags = parseLocalArgs(["--listen", "127.0.0.1:1", ...base, "--idle-timeout", "90", "--body-timeout=5", "--body-buffer-mb", "64", "--list-timeout", "0.5"]).config;
    expect(flags).toMatchObject({ idleTimeoutMs: 90_000, bodyTimeoutMs: 5_000, bodyBufferBytes: 64 * 1024 * 1024, listTimeoutMs: 500 });
    const env = parseLocalArgs(["--listen", "127.0.0.1:1", ...base], { ROUTER_IDLE_TIMEOUT_SECONDS: "120", ROUTER_BODY_BUFFER_MB: "12" }).config;
    expect(env).toMatchObject({ idleTimeoutMs: 120_000, bodyBufferBytes: 12 * 1024 * 1024 });
    expect(() => parseLocalArgs(["--listen", "127.0.0.1:1", ...base], { ROUTER_LIST_TIMEOUT_SECONDS: "soon" })).toThrow(/ROUTER_LIST_TIMEOUT_SECONDS "soon" is not a number of seconds above 0; use e\.g\. --list-timeout 5/);
  });

  test("--keys-file turns key checks on, resolved from where npm was started", () => {
    const o = parseLocalArgs(["--listen", "127.0.0.1:1", ...base, "--keys-file", "k.json", "--allow-model-management"], { INIT_CWD: "/srv/app" });
    expect(o.keysFile).toBe("/srv/app/k.json");
    expect(o.config).toMatchObject({ authMode: "API_KEY", allowModelManagement: true });
  });

  test("a flag given twice is refused", () => {
    expect(() => parseLocalArgs(["--listen", "127.0.0.1:1", ...base, "--models", "x"])).toThrow(UsageError);
    expect(() => parseLocalArgs(["--listen", "127.0.0.1:1", ...base, "--models", "x"])).toThrow(/--models is given twice/);
  });
});
