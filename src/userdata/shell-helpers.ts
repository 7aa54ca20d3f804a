// The helpers every engine's bootstrap shares, taken verbatim from the Ollama bootstrap (bootstrap.sh)
// at synth: the bare-environment preamble, the log and its last line, bounded retries, the run's
// lock, waiting for cloud-init and the CloudWatch agent's configuration. One text for all engines,
// and the Ollama bootstrap itself unchanged by what another engine takes from it.

/** The lines from the first to the last of these, inclusive: the PATH a bare environment lacks. */
const PREAMBLE = { first: "set -u -o pipefail", last: "export PATH" } as const;

/** The variables the shared functions read, each with the comment lines just above it. */
export const SHARED_VARIABLES = [
  "LOG_FILE",
  "LOCK_FILE",
  "STAGING",
  "BOOT_FINISHED",
  "CWA_DIR",
  "CWA_CTL",
  "CWA_CONFIG",
  "CWA_APPLIED",
  "MARGIN",
  "PERMANENT",
  "FLEET_LIB",
  "START",
] as const;

/** The shared functions, each with its comment (and the lines between the comment and the function). */
export const SHARED_FUNCTIONS = [
  "log",
  "finish",
  "remaining",
  "readable",
  "retry",
  "wait_for_cloud_init",
  "take_lock",
  "agent_config",
  "ensure_log_shipping",
  "write_file",
  // the weight cache's transfers, checks and log lines
  "ensure_aws_configs",
  "aws_s3",
  "cache_get",
  "cache_put",
  "sha256_of",
  "cache_event",
] as const;

/** The preamble, the variables and the functions above, in the order they have in `body`. */
export function sharedHelpers(body: string): string {
  const lines = body.split("\n");
  const preamble = lineRange(lines, (l) => l === PREAMBLE.first, (l) => l === PREAMBLE.last, "the preamble");
  const variables = SHARED_VARIABLES.map((name) => withComment(lines, lineRange(lines, (l) => l.startsWith(`${name}=`), () => true, `variable ${name}`).first));
  const functions = SHARED_FUNCTIONS.map((name) => {
    const start = lines.findIndex((l) => l.startsWith(`${name}() {`));
    if (start < 0) throw new Error(`bootstrap.sh has no function ${name}()`);
    // a one-line function closes on its own line
    const end = lines[start].trimEnd().endsWith("}") ? start : functionEnd(lines, start);
    if (end < 0) throw new Error(`bootstrap.sh: function ${name}() does not end with a line "}"`);
    return { first: leadingBlock(lines, start), last: end };
  });
  const blocks = [
    { ...preamble, variable: false },
    ...variables.map((v) => ({ ...v, variable: true })),
    ...functions.map((f) => ({ ...f, variable: false })),
  ].sort((a, b) => a.first - b.first);
  // Variables one after another, as in bootstrap.sh; a blank line between the other blocks.
  return blocks.map((b, i) => `${i === 0 ? "" : b.variable && blocks[i - 1].variable ? "\n" : "\n\n"}${lines.slice(b.first, b.last + 1).join("\n")}`).join("") + "\n";
}

/** The line "}" that closes the function opened at `start`, skipping here-documents (a JSON body has its own "}" lines). */
function functionEnd(lines: readonly string[], start: number): number {
  let terminator: string | undefined;
  for (let i = start + 1; i < lines.length; i++) {
    if (terminator !== undefined) {
      if (lines[i] === terminator) terminator = undefined;
      continue;
    }
    if (lines[i] === "}") return i;
    terminator = /(?<!<)<<(?!<)-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?/.exec(lines[i])?.[1];
  }
  return -1;
}

function lineRange(lines: readonly string[], isFirst: (l: string) => boolean, isLast: (l: string) => boolean, what: string): { first: number; last: number } {
  const first = lines.findIndex(isFirst);
  if (first < 0) throw new Error(`bootstrap.sh has no ${what}`);
  const last = lines.findIndex((l, i) => i >= first && isLast(l));
  if (last < 0) throw new Error(`bootstrap.sh: ${what} does not end`);
  return { first, last };
}

/** A variable's line with the comment lines right above it. */
function withComment(lines: readonly string[], line: number): { first: number; last: number } {
  let first = line;
  while (first > 0 && lines[first - 1].startsWith("#")) first--;
  return { first, last: line };
}

/** Where the block of a function starts: after the blank line above it (its comment, and any lines it declares with it). */
function leadingBlock(lines: readonly string[], start: number): number {
  let first = start;
  while (first > 0 && lines[first - 1].trim() !== "" && !lines[first - 1].startsWith("}")) first--;
  return first;
}

/**
 * A script without its comment lines (shellcheck's directives kept), here-documents left whole: EC2
 * takes at most 16 KB of user data, compressed, and a script's comments are a third of it.
 */
export function withoutComments(text: string): string {
  const kept: string[] = [];
  let terminator: string | undefined;
  for (const line of text.split("\n")) {
    if (terminator !== undefined) {
      kept.push(line);
      if (line.trim() === terminator) terminator = undefined;
      continue;
    }
    if (/^\s*#/.test(line) && !/^\s*# shellcheck /.test(line)) continue;
    kept.push(line);
    terminator = /(?<!<)<<(?!<)-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?/.exec(line)?.[1];
  }
  return kept.join("\n");
}
