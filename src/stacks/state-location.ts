import { existsSync } from "fs";
import * as path from "path";
import { LOCAL_STATE_FILE, LOCAL_STATE_PATH } from "./service-stack";

/** Where the stack's local state lives: resolved from its stack folder. */
export function localStatePath(stackDir: string): string {
  return path.resolve(stackDir, LOCAL_STATE_PATH);
}

/**
 * The llm-service stack keeps its local state in `state/` beside the output folder. A state left where
 * an earlier release kept it (the project root, then the stack folder inside `cdktf.out/`) would make
 * the next plan start from nothing and propose to create every resource again: say so, with the move,
 * before anyone runs it.
 */
export function misplacedStateWarning(projectRoot: string, stackDir: string, usesLocalBackend: boolean): string | undefined {
  const current = localStatePath(stackDir);
  if (!usesLocalBackend || existsSync(current)) return undefined;
  const old = [path.join(projectRoot, LOCAL_STATE_FILE), path.join(stackDir, LOCAL_STATE_FILE)].find((file) => existsSync(file));
  if (old === undefined) return undefined;
  return (
    `warning: ${old} holds the state of an earlier release, and ${current} does not exist: the stack now keeps its ` +
    `state in ${path.dirname(current)}/, which cleaning the build keeps. Move it before any plan, or Terraform proposes to create everything again:\n` +
    `  mkdir -p ${path.dirname(current)} && mv ${old}* ${path.dirname(current)}/`
  );
}
