// The matrix can fail: a router built from the same sources, less the canonical-target check (its
// targets still read leniently, their problems dropped), runs the same matrix, and the ALB stand-in
// then receives targets outside the allowlist. Were the check's refusals not what keeps them out,
// this would pass and the matrix would prove nothing about it.
import { ChildProcess, spawn } from "child_process";
import { build, Plugin } from "esbuild";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { createInterface } from "readline";
import { matrixCases, runMatrix, violation } from "./helpers/bypass-matrix";
import { SERVED } from "./helpers/bypass-suite";
import { eventually } from "./helpers/http-client";
import { Fleet, startFleet } from "./helpers/setup";

const ROOT = path.resolve(__dirname, "..", "..");
/** The line of target.ts that refuses a target with problems. */
const REFUSAL = "if (problems.length > 0) return { path: lenient, written, problem: [...new Set(problems)].join(\"; \") };";

/** Builds local mode with target.ts's refusal removed; returns the bundle's file. */
async function buildMutant(dir: string): Promise<string> {
  let mutated = 0;
  const dropCheck: Plugin = {
    name: "drop-canonical-check",
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]router[\\/]target\.ts$/ }, (args) => {
        const source = readFileSync(args.path, "utf8");
        mutated = source.split(REFUSAL).length - 1;
        return { contents: source.replace(REFUSAL, "if (problems.length > 0) return { path: lenient, written };"), loader: "ts" };
      });
    },
  };
  const outfile = path.join(dir, "mutant-router.js");
  await build({
    entryPoints: [path.join(ROOT, "src", "router", "local.ts")],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile,
    footer: { js: "module.exports.main(process.argv.slice(2));" },
    plugins: [dropCheck],
    logLevel: "error",
  });
  // the mutation must have taken: exactly the one refusal, removed
  expect(mutated).toBe(1);
  return outfile;
}

describe("the matrix against a router without the canonical-target check", () => {
  let fleet: Fleet;
  let dir: string;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    fleet = await startFleet(SERVED.map((model) => ({ model, chunkDelayMs: 0 })));
    dir = mkdtempSync(path.join(tmpdir(), "router-mutant-"));
  });
  afterAll(async () => {
    child?.kill("SIGKILL");
    await fleet?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("goes red: targets outside the allowlist reach the ALB", async () => {
    // GIVEN the mutant, run as local mode in its own process
    const bundle = await buildMutant(dir);
    child = spawn(process.execPath, [bundle, "--listen", "127.0.0.1:0", "--alb", fleet.alb.url, "--models", SERVED.join(",")], { stdio: ["ignore", "pipe", "ignore"] });
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on("line", (l) => lines.push(l));
    await eventually(() => lines.some((l) => l.startsWith("listening on ")), 20_000, "the mutant to listen");
    const url = lines.find((l) => l.startsWith("listening on "))!.slice("listening on ".length);
    // WHEN the matrix runs against it
    await runMatrix(url, matrixCases("all"));
    // THEN the ALB received what the matrix forbids: targets a lenient reading takes for open calls
    const violations = fleet.alb.received.map((r) => violation(r, SERVED, false)).filter((v) => v !== undefined);
    expect(violations.length).toBeGreaterThan(50);
    expect(violations.every((v) => /is not canonical/.test(v!))).toBe(true);
    const urls = fleet.alb.received.map((r) => r.url.split("?")[0]);
    expect(urls).toEqual(expect.arrayContaining(["/api/%63hat", "/api/chat%3F/../pull", "/api/delete/../chat"]));
  });
});
