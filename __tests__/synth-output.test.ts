// What `npm run synth` prints when its output goes to a file or a CI log: no spinner frames, no
// checkpoint call, each problem once, the config named and the next steps. Run in a copy of the
// project (node_modules linked), never in this checkout's cdktf.out/.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { runBounded } from "./helpers/processes";

const REPO_ROOT = path.resolve(__dirname, "..");
const PROJECT_FILES = ["main.ts", "cdktf.json", "package.json", "tsconfig.json", "src", "scripts", "config"];
const SYNTH_TIMEOUT_MS = 480_000;
/** Braille patterns: the frames of cdktf's spinner. */
const SPINNER = /[\u2800-\u28FF]/;

describe("npm run synth, output piped", () => {
  let project: string;
  let env: NodeJS.ProcessEnv;

  const synth = async (extra: NodeJS.ProcessEnv = {}) => {
    const result = await runBounded({ command: process.execPath, args: ["scripts/cdktf.js", "synth"], cwd: project, env: { ...env, ...extra }, timeoutMs: SYNTH_TIMEOUT_MS });
    return { ...result, printed: result.stdout + result.stderr };
  };

  beforeAll(() => {
    // GIVEN a copy of the project, and an environment without the switches the script sets itself
    project = mkdtempSync(path.join(tmpdir(), "synth-output-"));
    for (const file of PROJECT_FILES) cpSync(path.join(REPO_ROOT, file), path.join(project, file), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(project, "node_modules"), "dir");
    env = { ...process.env };
    for (const name of ["CHECKPOINT_DISABLE", "CI", "CDKTF_LOG_FILE_DIRECTORY", "CDKTF_LOG_LEVEL", "LLM_SERVICE_CONFIG", "CDKTF_OUTDIR", "TF_CLI_CONFIG_FILE"]) delete env[name];
  });

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  test("a successful synth: no spinner line, no checkpoint call, the config named, each INFO line once, the cost and the next steps", async () => {
    const { status, printed } = await synth();
    expect(status).toBe(0);
    expect(printed.split("\n").filter((line) => SPINNER.test(line))).toEqual([]);
    const log = readFileSync(path.join(project, ".build", "cdktf-log", "cdktf.log"), "utf8");
    expect(`${printed}\n${log}`).not.toMatch(/checkpoint/i);
    expect(printed).not.toContain("[ERROR]");
    expect(printed).toContain("Config: config/llm-service.example.json, built in (LLM_SERVICE_CONFIG is not set)");
    // Each INFO line once: the policy suppressions this config applies, each with its reason.
    const infos = printed.match(/^INFO .*$/gm) ?? [];
    expect(infos.length).toBeGreaterThan(0);
    expect(new Set(infos).size).toBe(infos.length);
    for (const line of infos) expect(line).toMatch(/^INFO \[llm-service\]: policy \[[a-z0-9-]+\] suppressed on \S+: \S/);
    expect(printed).toMatch(/^\s+total\s+\$[0-9,]+\.[0-9]{2}$/m);
    expect(printed).toMatch(/Next steps:\n {2}1\. cp config\/llm-service\.example\.json config\/llm-service\.json/);
  });

  test("GIVEN a config with a missing field and a typo THEN synth fails printing each problem exactly once", async () => {
    const file = path.join(project, "config", "broken.json");
    const example = JSON.parse(readFileSync(path.join(project, "config", "llm-service.example.json"), "utf8"));
    delete example.vpc_id;
    example.llm_ec2_configs[0].instance_type = "g5g.xlarg";
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(example));
    const { status, printed } = await synth({ LLM_SERVICE_CONFIG: file });
    expect(status).not.toBe(0);
    const count = (text: string) => printed.split(text).length - 1;
    expect(count("vpc_id is required but missing")).toBe(1);
    expect(count('llm_ec2_configs[0].instance_type = "g5g.xlarg"')).toBe(1);
    expect(printed).toContain('Did you mean "g5g.xlarge"?');
    expect(printed.split("\n").filter((line) => SPINNER.test(line))).toEqual([]);
  });
});
