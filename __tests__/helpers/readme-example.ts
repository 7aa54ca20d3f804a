// The original module's README example (two models on g5g.xlarge, Open WebUI on 8080, a full custom
// domain; placeholder ids shaped like real ones): the one copy of it that tests start from. It is
// also a good case of the rule corpus, and the built-in default config must equal it.
import { readFileSync } from "fs";
import * as path from "path";
import type { ServiceConfigFile } from "../../src/config/types";

export const README_EXAMPLE_FILE = path.join(__dirname, "..", "fixtures", "readme-example.json");

/** A fresh copy of the README example's inputs, free to modify. */
export function readmeExampleInputs(): ServiceConfigFile {
  return JSON.parse(readFileSync(README_EXAMPLE_FILE, "utf8")) as ServiceConfigFile;
}

/** The README example as the `variables { ... }` block of a .tftest.hcl file (JSON values are HCL values). */
export function readmeExampleVariablesBlock(): string {
  const lines = Object.entries(readmeExampleInputs()).map(([name, value]) => `  ${name} = ${JSON.stringify(value)}`);
  return `variables {\n${lines.join("\n")}\n}\n`;
}
