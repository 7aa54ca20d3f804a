// `npm run test:unit`: the fast layer for everyday edits. Every test file that starts terraform, the
// cdktf CLI, the AWS stand-in or the bootstrap sandbox (namespaces) is left to the full suite
// (`npm test`, which CI runs): a file is left out when it, or a helper it imports, imports one of the
// helpers that do.
const fs = require("fs");
const path = require("path");
const base = require("./jest.config");

const TESTS = path.join(__dirname, "__tests__");
const SLOW_HELPERS = ["helpers/terraform-workspace", "helpers/terraform", "helpers/corpus-plan", "helpers/offline-aws", "helpers/processes", "bootstrap/harness/sandbox"];

function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** The relative imports of a file, resolved to files. */
function imports(file) {
  const text = fs.readFileSync(file, "utf8");
  return [...text.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)]
    .map((m) => path.resolve(path.dirname(file), m[1]))
    .flatMap((p) => [`${p}.ts`, `${p}.js`, path.join(p, "index.ts")].filter((f) => fs.existsSync(f)).slice(0, 1));
}

const slowHelpers = new Set(SLOW_HELPERS.flatMap((h) => [`${path.join(TESTS, h)}.ts`, `${path.join(TESTS, h)}.js`]));
function isSlow(file, seen = new Set()) {
  if (slowHelpers.has(file)) return true;
  if (seen.has(file) || !file.startsWith(TESTS)) return false;
  seen.add(file);
  return imports(file).some((f) => isSlow(f, seen));
}

const slow = files(TESTS).filter((f) => f.endsWith(".test.ts") && isSlow(f));
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

module.exports = { ...base, testPathIgnorePatterns: ["/node_modules/", ...slow.map((f) => `^${escape(f)}$`)] };
