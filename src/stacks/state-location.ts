import { existsSync } from "fs";
import * as path from "path";
import { LOCAL_STATE_FILE } from "./service-stack";

/**
 * The llm-service stack keeps its local state in its own folder. A state left in the project root
 * by an earlier release would make the next plan start from nothing and propose to create every
 * resource again: say so, with the move, before anyone runs it.
 */
export function misplacedStateWarning(projectRoot: string, stackDir: string, usesLocalBackend: boolean): string | undefined {
  const old = path.join(projectRoot, LOCAL_STATE_FILE);
  const current = path.join(stackDir, LOCAL_STATE_FILE);
  if (!usesLocalBackend || !existsSync(old) || existsSync(current)) return undefined;
  return (
    `warning: ${old} holds the state of an earlier release, and ${current} does not exist: the stack now keeps its ` +
    `state in its own folder. Move it before any plan, or Terraform proposes to create everything again:\n` +
    `  mv ${path.join(projectRoot, LOCAL_STATE_FILE)}* ${stackDir}/`
  );
}
