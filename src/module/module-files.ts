import { App } from "cdktf";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { MODULE_NAME, ModuleStack } from "../stacks/module-stack";
import { moduleReadme } from "./module-readme";

/** Where the committed module lives, relative to the project root. */
export const MODULE_DIR = path.join("modules", MODULE_NAME);

/**
 * Synthesizes the module stack and returns the module's files (relative path -> bytes):
 * `main.tf.json` (cdktf's output without its `//` metadata), the assets as they are (templates,
 * archives), and a README.
 */
export function renderModuleFiles(): Map<string, Buffer> {
  const outdir = mkdtempSync(path.join(tmpdir(), "ollama-module-"));
  try {
    const app = new App({ outdir, skipBackendValidation: true });
    new ModuleStack(app);
    app.synth();
    const stackDir = path.join(outdir, "stacks", MODULE_NAME);
    const config = withoutMetadata(JSON.parse(readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")));
    const files = new Map<string, Buffer>();
    files.set("main.tf.json", Buffer.from(JSON.stringify(config, null, 2) + "\n"));
    for (const file of listFiles(path.join(stackDir, "assets"))) {
      files.set(path.posix.join("assets", ...path.relative(path.join(stackDir, "assets"), file).split(path.sep)), readFileSync(file));
    }
    files.set("README.md", Buffer.from(moduleReadme(config)));
    return files;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Every file below `dir`, sorted. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? listFiles(full) : [full];
    });
}

// cdktf's `//` keys carry construct paths for its own tooling; Terraform ignores them, readers need not see them.
function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== "//")
        .map(([key, inner]) => [key, withoutMetadata(inner)]),
    );
  }
  return value;
}
