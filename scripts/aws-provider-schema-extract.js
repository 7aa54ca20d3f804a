#!/usr/bin/env node
// Regenerates __tests__/fixtures/aws-provider-6-schema.json: the part of the hashicorp/aws 6.x
// schema that the committed module uses (its resource and data source types, every argument and
// nested block of each), read from the prebuilt CDK Terrain bindings, which are generated from the
// provider's schema. hashicorp/aws 6.x itself cannot be installed on our offline machines; the
// bindings come from the npm registry. Nothing is added to the project: the package is installed
// into a temporary directory and removed afterwards.
//
//   node scripts/aws-provider-schema-extract.js [--package @cdktn/provider-aws@25.7.0] [--from DIR]
//
// --from reads an already unpacked package (its lib/ folder) instead of installing one.
// The extract has the shape of `terraform providers schema -json` (block.attributes with
// required/optional/computed, block.block_types with nesting_mode and min_items), so one walker
// checks the module against it and against the 5.100.0 provider's own schema. `changes_from_5`
// lists, per type, the names that @cdktf/provider-aws (the project's bindings of 5.100.0, same
// generator) has and 6.x has not ("removed") and the reverse ("added"); a rename shows as both.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { execFileSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const MODULE_FILE = path.join(root, "modules", "ollama-service-multi-servers", "main.tf.json");
const OUTPUT = path.join(root, "__tests__", "fixtures", "aws-provider-6-schema.json");
const BINDINGS_5 = path.join(root, "node_modules", "@cdktf", "provider-aws");

function parseArgs(argv) {
  const opts = { package: "@cdktn/provider-aws@25.7.0", from: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--package") opts.package = argv[++i];
    else if (argv[i] === "--from") opts.from = path.resolve(argv[++i]);
    else throw new Error(`unknown option ${argv[i]}\nusage: node scripts/aws-provider-schema-extract.js [--package NAME@VERSION] [--from DIR]`);
  }
  return opts;
}

/** `aws_lb_listener_rule` -> `lb-listener-rule`; data sources -> `data-aws-ami`. */
const libDir = (type, kind) => (kind === "data" ? `data-${type}` : type.replace(/^aws_/, "")).replace(/_/g, "-");

/** Splits generated JavaScript into its top-level functions and classes, by name. */
function topLevel(source) {
  const chunks = new Map();
  const starts = [...source.matchAll(/^(?:function (\w+)\(|class (\w+) extends)/gm)];
  starts.forEach((match, i) => {
    const end = i + 1 < starts.length ? starts[i + 1].index : source.length;
    chunks.set(match[1] ?? match[2], source.slice(match.index, end));
  });
  return chunks;
}

/** `// name - computed: true, optional: false, required: false` comments above each getter. */
function flags(chunk) {
  const result = new Map();
  for (const m of chunk.matchAll(/\/\/ (\w+) - computed: (true|false), optional: (true|false), required: (true|false)/g)) {
    result.set(m[1], { computed: m[2] === "true", optional: m[3] === "true", required: m[4] === "true" });
  }
  return result;
}

/** The entries of an HCL attrs object: name -> whether a block, its nesting, the struct function it nests. */
function hclEntries(chunk) {
  const entries = new Map();
  const pattern = /^\s+(\w+): \{\s*value: (.*),\s*isBlock: (true|false),\s*type: "(\w+)",\s*storageClassType: "(\w+)",\s*\}/gm;
  for (const m of chunk.matchAll(pattern)) {
    const nested = /\b([a-z]\w*)ToHclTerraform\b/.exec(m[2].replace(/\bcdkt[fn]\.\w+ToHclTerraform/g, ""));
    entries.set(m[1], { isBlock: m[3] === "true", type: m[4], nested: nested ? nested[1] : undefined });
  }
  return entries;
}

const pascal = (name) => name[0].toUpperCase() + name.slice(1);

/** One block of the schema: attributes with flags, nested blocks recursively. */
function block(chunks, hclChunk, flagChunk) {
  const result = { attributes: {}, block_types: {} };
  const f = flags(flagChunk);
  const entries = hclEntries(hclChunk);
  for (const [name, entry] of entries) {
    const flag = f.get(name) ?? { computed: false, optional: true, required: false };
    if (entry.isBlock) {
      const fn = chunks.get(`${entry.nested}ToHclTerraform`);
      const reference = chunks.get(`${pascal(entry.nested)}OutputReference`);
      if (!fn || !reference) throw new Error(`block ${name}: no ${entry.nested}ToHclTerraform / ${pascal(entry.nested)}OutputReference`);
      result.block_types[name] = { nesting_mode: entry.type, block: block(chunks, fn, reference), ...(flag.required ? { min_items: 1 } : {}) };
    } else {
      result.attributes[name] = attributeFlags(flag);
    }
  }
  // Read-only attributes have a getter (and its comment) but are no argument.
  for (const [name, flag] of f) {
    if (!entries.has(name) && flag.computed) result.attributes[name] = { computed: true };
  }
  result.attributes = sorted(result.attributes);
  result.block_types = sorted(result.block_types);
  return result;
}

function attributeFlags(flag) {
  const out = {};
  if (flag.required) out.required = true;
  if (flag.optional) out.optional = true;
  if (flag.computed) out.computed = true;
  return out;
}

const sorted = (object) => Object.fromEntries(Object.entries(object).sort(([a], [b]) => a.localeCompare(b)));

/** Schema of one resource or data source type out of a bindings package's lib/ folder. */
function typeSchema(lib, type, kind) {
  const file = path.join(lib, libDir(type, kind), "index.js");
  if (!fs.existsSync(file)) throw new Error(`${type}: no ${path.relative(lib, file)} in the bindings`);
  const source = fs.readFileSync(file, "utf8");
  const declared = /(?:static |\.)tfResourceType = "(\w+)"/.exec(source)?.[1];
  if (declared !== type) throw new Error(`${file} declares ${declared}, expected ${type}`);
  const chunks = topLevel(source);
  const base = kind === "data" ? "TerraformDataSource" : "TerraformResource";
  const resourceClass = [...chunks.entries()].find(([, chunk]) => new RegExp(`^class \\w+ extends cdkt[fn]\\.${base}\\b`).test(chunk));
  if (!resourceClass) throw new Error(`${file}: no class extending ${base}`);
  const hcl = /synthesizeHclAttributes\(\) \{[\s\S]*$/.exec(resourceClass[1])[0];
  return { block: block(chunks, hcl, resourceClass[1]) };
}

/** hashicorp/aws version the bindings were generated from (their doc links name it). */
function providerVersion(lib, type) {
  const dts = fs.readFileSync(path.join(lib, libDir(type, "resource"), "index.d.ts"), "utf8");
  const version = /registry\.terraform\.io\/providers\/hashicorp\/aws\/(\d+\.\d+\.\d+)\//.exec(dts)?.[1];
  if (!version) throw new Error(`no provider version in the doc links of ${type}`);
  return version;
}

/** Dotted names of every attribute and block of a schema block. */
function names(schemaBlock, prefix = "") {
  return [
    ...Object.keys(schemaBlock.attributes).map((n) => prefix + n),
    ...Object.entries(schemaBlock.block_types).flatMap(([n, b]) => [prefix + n, ...names(b.block, `${prefix}${n}.`)]),
  ];
}

function install(spec) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-bindings-"));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ private: true }));
  process.stderr.write(`installing ${spec} into ${dir} (temporary) ...\n`);
  execFileSync("npm", ["install", "--no-save", "--ignore-scripts", "--legacy-peer-deps", "--no-audit", "--no-fund", spec], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const name = spec.replace(/@[^@/]+$/, "");
  return { dir, packageDir: path.join(dir, "node_modules", ...name.split("/")) };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const module = JSON.parse(fs.readFileSync(MODULE_FILE, "utf8"));
  const resourceTypes = Object.keys(module.resource ?? {}).sort();
  const dataTypes = Object.keys(module.data ?? {}).sort();
  const installed = opts.from ? undefined : install(opts.package);
  try {
    const packageDir = opts.from ?? installed.packageDir;
    const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8"));
    const lib = path.join(packageDir, "lib");
    const lib5 = path.join(BINDINGS_5, "lib");
    const version = providerVersion(lib, resourceTypes[0]);
    const version5 = providerVersion(lib5, resourceTypes[0]);
    const extract = {
      "//": `Generated by scripts/aws-provider-schema-extract.js from ${pkg.name}@${pkg.version}; do not edit.`,
      provider: "registry.terraform.io/hashicorp/aws",
      version,
      source_package: `${pkg.name}@${pkg.version}`,
      resource_schemas: {},
      data_source_schemas: {},
      [`changes_from_${version5}`]: {},
    };
    for (const [kind, types, key] of [
      ["resource", resourceTypes, "resource_schemas"],
      ["data", dataTypes, "data_source_schemas"],
    ]) {
      for (const type of types) {
        const schema = typeSchema(lib, type, kind);
        extract[key][type] = schema;
        const before = new Set(names(typeSchema(lib5, type, kind).block));
        const after = new Set(names(schema.block));
        const removed = [...before].filter((n) => !after.has(n)).sort();
        const added = [...after].filter((n) => !before.has(n)).sort();
        if (removed.length + added.length > 0) {
          extract[`changes_from_${version5}`][`${kind === "data" ? "data." : ""}${type}`] = { removed, added };
        }
      }
    }
    fs.mkdirSync(path.dirname(OUTPUT), { recursive: true });
    fs.writeFileSync(OUTPUT, JSON.stringify(extract, null, 1) + "\n");
    process.stderr.write(
      `wrote ${path.relative(root, OUTPUT)}: hashicorp/aws ${version}, ${resourceTypes.length} resource and ${dataTypes.length} data source types\n`,
    );
  } finally {
    if (installed) fs.rmSync(installed.dir, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
}
