import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { LOCAL_STATE_FILE } from "../src/stacks/service-stack";
import { misplacedStateWarning } from "../src/stacks/state-location";

describe("a local state left where an earlier release kept it", () => {
  let root: string;
  let stackDir: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), "state-location-"));
    stackDir = path.join(root, "cdktf.out", "stacks", "llm-service");
    mkdirSync(stackDir, { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("GIVEN a state in the project root and none in the stack folder THEN synth warns with the move", () => {
    writeFileSync(path.join(root, LOCAL_STATE_FILE), "{}");
    const warning = misplacedStateWarning(root, stackDir, true);
    expect(warning).toContain("proposes to create everything again");
    expect(warning).toContain(`mv ${path.join(root, LOCAL_STATE_FILE)}* ${stackDir}/`);
  });

  test("no warning once the state is in the stack folder, with no old state, or with an S3 backend", () => {
    expect(misplacedStateWarning(root, stackDir, true)).toBeUndefined();
    writeFileSync(path.join(root, LOCAL_STATE_FILE), "{}");
    expect(misplacedStateWarning(root, stackDir, false)).toBeUndefined();
    writeFileSync(path.join(stackDir, LOCAL_STATE_FILE), "{}");
    expect(misplacedStateWarning(root, stackDir, true)).toBeUndefined();
  });
});
