import { mkdirSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import { MODULE_DIR, renderModuleFiles } from "./module-files";

/** `npm run build:module`: rewrites the committed module from a fresh synth. */
const root = process.cwd();
const target = path.join(root, MODULE_DIR);
const files = renderModuleFiles();
rmSync(target, { recursive: true, force: true });
for (const [file, content] of files) {
  mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
  writeFileSync(path.join(target, file), content);
}
console.log(`wrote ${files.size} files to ${MODULE_DIR}`);
