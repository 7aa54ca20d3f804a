#!/usr/bin/env node
// Runs a TypeScript entry point of the router (`npm run router`, `npm run keys`, `npm run bench:router`)
// straight from memory: esbuild bundles it in tens of milliseconds and writes no file, so routers
// started side by side never race on a shared output file. The entry exports `main(argv)`.
//
//   node scripts/run-router.js src/router/local.ts [args...]
"use strict";
const path = require("path");
const Module = require("module");
const { buildSync } = require("esbuild");

const root = path.resolve(__dirname, "..");
const entry = path.resolve(root, process.argv[2]);
const result = buildSync({
  entryPoints: [entry],
  bundle: true,
  packages: "external",
  platform: "node",
  target: "node20",
  format: "cjs",
  write: false,
  logLevel: "warning",
  absWorkingDir: root,
});
const filename = entry.replace(/\.ts$/, ".js");
const entryModule = new Module(filename, module);
entryModule.filename = filename;
entryModule.paths = Module._nodeModulePaths(path.dirname(filename));
entryModule._compile(result.outputFiles[0].text, filename);
entryModule.exports.main(process.argv.slice(3));
