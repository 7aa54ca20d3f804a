// The seed document's usage example (two models on g5g.xlarge, Open WebUI on 8080, a full custom
// domain; placeholder ids shaped like real ones): the one copy of it that tests start from. It is
// also a good case of the rule corpus, and the built-in default config must equal it.
import { readFileSync } from "fs";
import * as path from "path";
import type { ServiceConfigFile } from "../../src/config/types";

export const SEED_FILE = path.join(__dirname, "..", "fixtures", "seed-usage.json");

/** A fresh copy of the seed's inputs, free to modify. */
export function seedInputs(): ServiceConfigFile {
  return JSON.parse(readFileSync(SEED_FILE, "utf8")) as ServiceConfigFile;
}

/** The seed as the `variables { ... }` block of a .tftest.hcl file (JSON values are HCL values). */
export function seedVariablesBlock(): string {
  const lines = Object.entries(seedInputs()).map(([name, value]) => `  ${name} = ${JSON.stringify(value)}`);
  return `variables {\n${lines.join("\n")}\n}\n`;
}
