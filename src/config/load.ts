import { readFileSync } from "fs";
import { SEED_USAGE } from "./defaults";
import { ServiceConfig } from "./types";

/** Reads the service config file at `file`, or returns the built-in default when none is named. */
export function loadServiceConfig(file?: string): ServiceConfig {
  if (!file) return { ...SEED_USAGE, region: "ap-southeast-1" };
  return JSON.parse(readFileSync(file, "utf8")) as ServiceConfig;
}
