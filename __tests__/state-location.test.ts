import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { LOCAL_STATE_FILE } from "../src/stacks/service-stack";
import { localStatePath, misplacedStateWarning } from "../src/stacks/state-location";

describe("where the llm-service stack keeps its local state", () => {
  let root: string;
  let stackDir: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), "state-location-"));
    stackDir = path.join(root, "cdktf.out", "stacks", "llm-service");
    mkdirSync(stackDir, { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("the default state path is outside cdktf.out/, in state/ beside it, and survives rm -rf cdktf.out", () => {
    const state = localStatePath(stackDir);
    expect(state).toBe(path.join(root, "state", LOCAL_STATE_FILE));
    expect(path.relative(path.join(root, "cdktf.out"), state).startsWith("..")).toBe(true);
    mkdirSync(path.dirname(state), { recursive: true });
    writeFileSync(state, "{}");
    rmSync(path.join(root, "cdktf.out"), { recursive: true, force: true });
    expect(existsSync(state)).toBe(true);
  });

  test.each([
    ["the project root (before the stack folder)", (r: string) => path.join(r, LOCAL_STATE_FILE)],
    ["the stack folder inside cdktf.out/ (before state/)", (_r: string, s: string) => path.join(s, LOCAL_STATE_FILE)],
  ])("GIVEN a state left in %s and none in state/ THEN synth warns with the move", (_where, oldPath) => {
    const old = oldPath(root, stackDir);
    writeFileSync(old, "{}");
    const warning = misplacedStateWarning(root, stackDir, true);
    expect(warning).toContain("proposes to create everything again");
    expect(warning).toContain(`mkdir -p ${path.join(root, "state")} && mv ${old}* ${path.join(root, "state")}/`);
  });

  test("no warning once the state is in state/, with no old state, or with an S3 backend", () => {
    expect(misplacedStateWarning(root, stackDir, true)).toBeUndefined();
    writeFileSync(path.join(stackDir, LOCAL_STATE_FILE), "{}");
    expect(misplacedStateWarning(root, stackDir, false)).toBeUndefined();
    mkdirSync(path.join(root, "state"));
    writeFileSync(path.join(root, "state", LOCAL_STATE_FILE), "{}");
    expect(misplacedStateWarning(root, stackDir, true)).toBeUndefined();
  });
});
