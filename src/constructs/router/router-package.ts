import { createHash } from "crypto";
import { version as esbuildVersion } from "esbuild";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { buildRouterZip } from "../../router/bundle";

/** The deployment package's file name, as it appears under the module's `assets/`. */
export const ROUTER_ZIP = "router.zip";

/** The checkout holding src/router (this file may run from a bundle under .build/). */
export function routerSourceRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "src", "router", "lambda.ts"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no src/router/lambda.ts above ${__dirname}`);
  }
}

function filesBelow(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? filesBelow(full) : [full];
    });
}

/**
 * The sources the router's bundle takes, relative to the project root: the router, the engines (what
 * each model's engine speaks) and the model-name twins they use. A test checks the bundle takes nothing else.
 */
export const ROUTER_SOURCES = ["src/router/", "src/engines/", "src/config/derive.ts"] as const;

/**
 * What decides the package's bytes: every file of ROUTER_SOURCES, tsconfig.json (esbuild reads it),
 * esbuild's version, and Node's zlib (the zip is deflated).
 */
export function routerSourcesDigest(root: string = routerSourceRoot()): string {
  const hash = createHash("sha256").update(`esbuild ${esbuildVersion}\0zlib ${process.versions.zlib}\0`);
  const files = [
    ...ROUTER_SOURCES.flatMap((source) => (source.endsWith("/") ? filesBelow(path.join(root, source)) : [path.join(root, source)])),
    path.join(root, "tsconfig.json"),
  ];
  for (const file of files) hash.update(`${path.relative(root, file).split(path.sep).join("/")}\0`).update(readFileSync(file)).update("\0");
  return hash.digest("hex");
}

/**
 * The router's deployment package (`buildRouterZip()`) as a file for a TerraformAsset. esbuild runs
 * only when the sources changed: the package is cached under the digest of what decides its bytes,
 * so the many synths of a test run (and concurrent jest workers) share one build. A file is written
 * under a temporary name and renamed, so no reader sees half of it.
 */
export function routerZipFile(root: string = routerSourceRoot()): string {
  const dir = path.join(tmpdir(), "ollama-fleet-generated", `router-${routerSourcesDigest(root).slice(0, 32)}`);
  const target = path.join(dir, ROUTER_ZIP);
  if (existsSync(target)) return target;
  const zip = buildRouterZip(root);
  mkdirSync(dir, { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  writeFileSync(partial, zip);
  renameSync(partial, target);
  return target;
}
