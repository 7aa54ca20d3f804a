// A Lambda deployment package run as the runtime would run it: unzipped by an independent tool
// (Python's zipfile) into a fresh directory, next to a bundled stand-in for the streaming runtime,
// in a Node process that gets only the environment it is given.
import { ChildProcess, spawn, spawnSync } from "child_process";
import { buildSync } from "esbuild";
import { existsSync } from "fs";
import * as path from "path";
import { createInterface } from "readline";
import { eventually } from "./http-client";

export interface RunningPackage {
  readonly url: string;
  /** Every line the function printed on stdout (its request log), as it arrives. */
  readonly lines: string[];
  stop(): Promise<void>;
}

/** Unpacks `zipFile` into `dir/task` and serves its `index.handler`; resolves once it listens. */
export async function startUnpackedPackage(zipFile: string, dir: string, environment: Record<string, string>): Promise<RunningPackage> {
  const unzip = spawnSync("python3", ["-m", "zipfile", "-e", zipFile, path.join(dir, "task")], { encoding: "utf8" });
  if (unzip.status !== 0) throw new Error(`python3 -m zipfile could not unpack ${zipFile}: ${unzip.stderr}`);
  buildSync({
    entryPoints: [path.join(__dirname, "lambda-child.ts")],
    outfile: path.join(dir, "runtime", "bootstrap.js"),
    bundle: true,
    platform: "node",
    target: "node20",
    logLevel: "error",
  });
  const child: ChildProcess = spawn(process.execPath, [path.join(dir, "runtime", "bootstrap.js"), path.join(dir, "task", "index.js")], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", ...environment },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (l) => lines.push(l));
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  };
  try {
    await eventually(() => lines.some((l) => l.startsWith("listening on ")) || child.exitCode !== null, 20_000, "the function to start");
  } catch (error) {
    await stop();
    throw error;
  }
  if (child.exitCode !== null) throw new Error(`the package did not start (exit ${child.exitCode}): ${stderr}`);
  const url = lines.find((l) => l.startsWith("listening on "))!.slice("listening on ".length);
  return { url, lines, stop };
}

/** `node_modules` folders in `dir` or beside any folder above it: what Node could resolve a require from. */
export function nodeModulesAround(dir: string): string[] {
  const inside = spawnSync("find", [dir, "-name", "node_modules"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  const above: string[] = [];
  for (let up = dir; path.dirname(up) !== up; up = path.dirname(up)) {
    const candidate = path.join(path.dirname(up), "node_modules");
    if (existsSync(candidate)) above.push(candidate);
  }
  return [...inside, ...above];
}
