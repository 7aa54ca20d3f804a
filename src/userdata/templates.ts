import { existsSync } from "fs";
import * as path from "path";

/** Where the template files live, found from the project root so bundled and test runs agree. */
export function templatePath(file: string): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, "cdktf.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the project root (cdktf.json) above ${__dirname}`);
    dir = parent;
  }
  return path.join(dir, "src", "userdata", file);
}

export const USER_DATA_TEMPLATE = "user-data.sh.tftpl";
export const PULL_MODELS_DOCUMENT = "pull-models.ssm.json";
