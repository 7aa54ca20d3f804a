// The router's Lambda deployment package: one esbuild bundle of src/router/lambda.ts, no external
// package (it loads with nothing beside it), in a deterministic zip. The Terraform resources commit
// `buildRouterZip()` and a drift test compares it byte for byte.
//
//   npm run build:router-zip -- [OUT.zip]     (default .build/router-lambda.zip)
import { buildSync, Metafile } from "esbuild";
import { createHash } from "crypto";
import { existsSync, mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import { deterministicZip } from "./zip";

/** The function's settings the bundle is built for. */
export const LAMBDA_RUNTIME = "nodejs22.x";
export const LAMBDA_ARCHITECTURE = "arm64";
export const LAMBDA_HANDLER = "index.handler";
export const LAMBDA_INVOKE_MODE = "RESPONSE_STREAM";

/** The checkout holding src/router (this file may run from a bundle elsewhere, e.g. under .build/). */
function findRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "src", "router", "lambda.ts"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no src/router/lambda.ts above ${__dirname}`);
  }
}

export interface RouterBundle {
  readonly code: string;
  /** esbuild's record of what went in (tests check that only src/router did). */
  readonly metafile: Metafile;
}

export function buildRouterBundle(root: string = findRoot()): RouterBundle {
  const result = buildSync({
    entryPoints: ["src/router/lambda.ts"],
    absWorkingDir: root, // paths in the output are relative to it, so the checkout's location does not show
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    outfile: "index.js",
    write: false,
    sourcemap: false,
    legalComments: "none",
    charset: "utf8",
    metafile: true,
    logLevel: "warning",
  });
  return { code: result.outputFiles[0].text, metafile: result.metafile! };
}

/** The deployment package: `index.js` alone, byte-identical for identical sources. */
export function buildRouterZip(root: string = findRoot()): Buffer {
  return deterministicZip([{ name: "index.js", data: Buffer.from(buildRouterBundle(root).code, "utf8") }]);
}

export function main(argv: readonly string[]): void {
  const out = path.resolve(process.env.INIT_CWD ?? process.cwd(), argv[0] ?? path.join(findRoot(), ".build", "router-lambda.zip"));
  const zip = buildRouterZip();
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, zip);
  process.stdout.write(`${out}: ${zip.length} bytes, sha256 ${createHash("sha256").update(zip).digest("hex")}\n`);
}
