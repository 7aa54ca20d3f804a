#!/usr/bin/env node
// Runs a TypeScript entry point: esbuild transpiles it and its imports in tens of milliseconds,
// with no type-checking (`npm run typecheck` does that). The output is kept in .build/ with the
// list of sources it was built from; while none of them (nor the folders holding them, which
// change when a file is added or removed, nor tsconfig.json or esbuild's release) has changed,
// the next run reuses it without loading esbuild.
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const entry = path.resolve(process.argv[2]);
const outfile = path.join(root, ".build", path.relative(root, entry).replace(/\.ts$/, ".js"));
const sourcesFile = `${outfile}.sources.json`;
const OPTIONS = {
  bundle: true,
  packages: "external",
  platform: "node",
  target: "node20",
  sourcemap: "inline",
  logLevel: "warning",
};

/** What a source's stat says of its content; a file that is gone reads as null. */
function stamp(file) {
  try {
    const s = fs.statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return null;
  }
}

function recorded() {
  try {
    return JSON.parse(fs.readFileSync(sourcesFile, "utf8"));
  } catch {
    return undefined;
  }
}

function upToDate(record) {
  if (!record || record.entry !== entry || record.options !== JSON.stringify(OPTIONS) || stamp(outfile) !== record.output) return false;
  return Object.entries(record.stamps).every(([file, value]) => stamp(file) === value);
}

function build() {
  const { buildSync } = require("esbuild");
  // Built beside the output and renamed over it, so a concurrent run never reads half a file.
  const temporary = `${outfile}.${process.pid}.tmp`;
  const result = buildSync({ ...OPTIONS, entryPoints: [entry], outfile: temporary, metafile: true });
  fs.renameSync(temporary, outfile);
  const sources = Object.keys(result.metafile.inputs).map((input) => path.resolve(root, input));
  // Also what shapes the output besides the sources: the TypeScript settings esbuild reads, and esbuild's own release.
  const settings = [path.join(root, "tsconfig.json"), path.join(root, "package.json"), require.resolve("esbuild/package.json")];
  const watched = [...new Set([...sources, ...sources.map((file) => path.dirname(file)), ...settings])];
  const record = {
    entry,
    options: JSON.stringify(OPTIONS),
    output: stamp(outfile),
    stamps: Object.fromEntries(watched.map((file) => [file, stamp(file)])),
  };
  fs.writeFileSync(`${sourcesFile}.${process.pid}.tmp`, JSON.stringify(record));
  fs.renameSync(`${sourcesFile}.${process.pid}.tmp`, sourcesFile);
}

if (!upToDate(recorded())) build();
require(outfile);
