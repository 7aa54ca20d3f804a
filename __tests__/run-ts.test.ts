// scripts/run-ts.js, the synth path's transpiler: a run reuses the last output only while every
// source it was built from, and every folder holding one, is as it was.
import { spawnSync } from "child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const RUN_TS = path.join(ROOT, "scripts", "run-ts.js");

describe("run-ts.js", () => {
  let dir: string;
  let outfile: string;
  beforeEach(() => {
    // inside the checkout, as every entry point run-ts.js serves is
    mkdirSync(path.join(ROOT, ".build"), { recursive: true });
    dir = mkdtempSync(path.join(ROOT, ".build", "run-ts-test-"));
    outfile = path.join(ROOT, ".build", path.relative(ROOT, dir), "main.js");
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.dirname(outfile), { recursive: true, force: true });
  });

  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  /** Moves a file's modification time forward, as a later save does. */
  const touchLater = (file: string, seconds: number) => {
    const later = new Date(Date.now() + seconds * 1000);
    utimesSync(path.join(dir, file), later, later);
  };
  const run = (): string => {
    const result = spawnSync(process.execPath, [RUN_TS, path.join(dir, "main.ts")], { encoding: "utf8", timeout: 60_000 });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    return result.stdout.trim();
  };
  const builtAt = () => statSync(outfile).mtimeMs;

  test("an unchanged tree runs the kept output without building; an edited import rebuilds", () => {
    write("main.ts", 'import { value } from "./lib/value";\nconsole.log(`value ${value}`);\n');
    write("lib/value.ts", "export const value: number = 1;\n");
    expect(run()).toBe("value 1");
    const first = builtAt();

    expect(run()).toBe("value 1");
    expect(builtAt()).toBe(first);

    write("lib/value.ts", "export const value: number = 2;\n");
    touchLater("lib/value.ts", 5);
    expect(run()).toBe("value 2");
    expect(builtAt()).not.toBe(first);
  });

  test("a file added beside a source, which esbuild would resolve instead, rebuilds", () => {
    // GIVEN ./shape resolving to shape/index.ts
    write("main.ts", 'import { shape } from "./shape";\nconsole.log(shape);\n');
    write("shape/index.ts", 'export const shape = "folder";\n');
    expect(run()).toBe("folder");
    // WHEN shape.ts appears next to main.ts (esbuild prefers it) THEN the next run uses it
    write("shape.ts", 'export const shape = "file";\n');
    expect(run()).toBe("file");
  });

  test("a deleted source is not served from the kept output", () => {
    write("main.ts", 'import { gone } from "./gone";\nconsole.log(gone);\n');
    write("gone.ts", 'export const gone = "here";\n');
    expect(run()).toBe("here");
    rmSync(path.join(dir, "gone.ts"));
    const result = spawnSync(process.execPath, [RUN_TS, path.join(dir, "main.ts")], { encoding: "utf8", timeout: 60_000 });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/Could not resolve "\.\/gone"/);
  });
});
