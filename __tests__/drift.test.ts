import { createHash } from "crypto";
import { readFileSync } from "fs";
import * as path from "path";
import { CONFIG_SCHEMA_FILE, generateConfigSchema } from "../src/config/schema";
import { listFiles, MODULE_DIR, renderModuleFiles } from "../src/module/module-files";

const root = path.resolve(__dirname, "..");

/** Bytes as a diff can show them: text as text, a binary file (an archive) as its SHA-256. */
function readable(bytes: Buffer | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  return bytes.includes(0) ? `sha256:${createHash("sha256").update(bytes).digest("hex")}` : bytes.toString("utf8");
}

describe("committed generated files equal a fresh generation", () => {
  test("modules/ollama-service-multi-servers is byte-identical to a fresh module synth", () => {
    // GIVEN the committed module and a fresh synth of the module stack
    const committedDir = path.join(root, MODULE_DIR);
    const committed = new Map(
      listFiles(committedDir).map((file) => [path.relative(committedDir, file).split(path.sep).join("/"), readFileSync(file)]),
    );
    // WHEN the module is rendered again
    const fresh = renderModuleFiles();
    // THEN the same files exist with the same bytes (run `npm run build:module` after changing src/)
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [file, content] of fresh) {
      expect({ file, content: readable(committed.get(file)) }).toEqual({ file, content: readable(content) });
    }
  });

  test("config/llm-service.schema.json equals the schema generated from the TypeScript types", () => {
    const committed = readFileSync(path.join(root, CONFIG_SCHEMA_FILE), "utf8");
    // Run `npm run build:schema` after changing src/config/types.ts.
    expect(committed).toEqual(generateConfigSchema());
  });
});
