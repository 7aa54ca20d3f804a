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
