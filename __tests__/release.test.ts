// Releases stay in step: package.json's version, a CHANGELOG section per version, a git tag per
// release, and the version the docs tell callers to pin.
import { execFileSync } from "child_process";
import { readdirSync, readFileSync } from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const changelog = readFileSync(path.join(ROOT, "CHANGELOG.md"), "utf8");
const sections = [...changelog.matchAll(/^## (\d+\.\d+\.\d+)\b/gm)].map((m) => m[1]);
const version = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;

describe("releases", () => {
  test("package.json's version is the newest release section, below Unreleased", () => {
    expect(sections[0]).toBe(version);
    expect(changelog.indexOf("## Unreleased")).toBeGreaterThan(0);
    expect(changelog.indexOf("## Unreleased")).toBeLessThan(changelog.indexOf(`## ${version}`));
  });

  test("every ?ref=vX.Y.Z in README.md and docs/ names a released version", () => {
    const docs = ["README.md", ...readdirSync(path.join(ROOT, "docs")).map((f) => path.join("docs", f))].map((f) => readFileSync(path.join(ROOT, f), "utf8"));
    const refs = docs.flatMap((text) => [...text.matchAll(/\?ref=v([0-9A-Za-z.]+)/g)].map((m) => m[1]));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(sections).toContain(ref);
  });

  test("every release tag of this repository has its section, and its package.json says its version", () => {
    let tags: string[] = [];
    try {
      tags = execFileSync("git", ["tag", "--list", "v*"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
    } catch {
      return; // not a git checkout (an unpacked release): nothing to compare
    }
    for (const tag of tags) {
      expect(sections).toContain(tag.slice(1));
      const tagged = JSON.parse(execFileSync("git", ["show", `${tag}:package.json`], { cwd: ROOT, encoding: "utf8" })) as { version: string };
      expect({ tag, version: tagged.version }).toEqual({ tag, version: tag.slice(1) });
    }
  });
});
