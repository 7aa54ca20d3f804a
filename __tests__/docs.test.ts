// The docs a user reads: the generated references equal a fresh generation, every relative link of
// README.md and docs/*.md reaches a file (and, with #anchor, a heading of it), and the example
// config's $schema works where the docs say to copy it.
import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";
import { CONFIGURATION_DOC, MODULE_REFERENCE_DOC, renderConfigurationDoc, renderModuleReference } from "../src/docs/build-docs";

const ROOT = path.resolve(__dirname, "..");
const DOCS = ["README.md", ...readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f))];

/** Markdown without fenced code blocks and inline code, where a bracket is not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
}

/** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of markdown.replace(/^```[\s\S]*?^```/gm, "").matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = match[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    result.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return result;
}

/** Every relative link of a file that does not resolve, as `file: target (why)`. */
function brokenLinks(file: string, text = readFileSync(path.join(ROOT, file), "utf8")): string[] {
  const problems: string[] = [];
  for (const match of prose(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1];
    if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
    const [pathPart, anchor] = target.split("#");
    const resolved = pathPart === "" ? path.join(ROOT, file) : path.resolve(path.dirname(path.join(ROOT, file)), decodeURIComponent(pathPart));
    if (!existsSync(resolved)) {
      problems.push(`${file}: ${target} (no such file)`);
      continue;
    }
    if (anchor !== undefined && !statSync(resolved).isDirectory() && !anchors(readFileSync(resolved, "utf8")).has(anchor)) {
      problems.push(`${file}: ${target} (no heading with that anchor)`);
    }
  }
  return problems;
}

describe("docs", () => {
  test("docs/configuration.md's generated part and docs/module-reference.md equal a fresh generation (npm run build:docs)", () => {
    const configuration = readFileSync(path.join(ROOT, CONFIGURATION_DOC), "utf8");
    expect(configuration).toEqual(renderConfigurationDoc(configuration));
    expect(readFileSync(path.join(ROOT, MODULE_REFERENCE_DOC), "utf8")).toEqual(renderModuleReference(ROOT));
  });

  test("every relative link of README.md and docs/*.md resolves, anchors included", () => {
    expect(DOCS.length).toBeGreaterThan(2);
    expect(DOCS.flatMap((file) => brokenLinks(file))).toEqual([]);
  });

  test("the link check finds a missing file and a missing anchor, and skips code", () => {
    const text = "[a](nope.md) [b](configuration.md#nope) [c](configuration.md#state) [d](#errors) `[e](gone.md)`";
    expect(brokenLinks("docs/x.md", text)).toEqual(["docs/x.md: nope.md (no such file)", "docs/x.md: configuration.md#nope (no heading with that anchor)", "docs/x.md: #errors (no such file)"]);
    expect(anchors("# A title\n## Using `x`, then y!\n## Using x then y\n```\n# not a heading\n```")).toEqual(new Set(["a-title", "using-x-then-y", "using-x-then-y-1"]));
  });

  test("the example config's $schema resolves where the docs copy it, and the copy is what synth is told to use", () => {
    const doc = readFileSync(path.join(ROOT, CONFIGURATION_DOC), "utf8");
    const copy = /cp config\/llm-service\.example\.json (\S+)/.exec(doc);
    expect(copy).not.toBeNull();
    const destination = copy![1];
    expect(doc).toContain(`LLM_SERVICE_CONFIG=${destination} npm run synth`);
    const example = JSON.parse(readFileSync(path.join(ROOT, "config", "llm-service.example.json"), "utf8")) as { $schema: string };
    for (const place of [path.join("config", "llm-service.example.json"), destination]) {
      expect(existsSync(path.resolve(ROOT, path.dirname(place), example.$schema))).toBe(true);
    }
  });
});
