#!/usr/bin/env node
// The project's way to run the cdktf CLI (npm run synth / diff / deploy / cdktf -- <args>), quieter
// than `npx cdktf`: no HashiCorp checkpoint call (CHECKPOINT_DISABLE, which Terraform honours too),
// no spinner frames when the output is not a terminal (ink draws only the final frame in CI mode),
// and, for synth, the app's error list once (cdktf otherwise logs the app's stderr as it comes and
// prints it again under "Command output on stderr"). A variable already set is left as it is.
const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");
const readline = require("readline");

const HELP = `Usage: npm run synth | npm run diff | npm run deploy | npm run cdktf -- <cdktf arguments>

Runs the project's cdktf CLI (node_modules/.bin/cdktf) with:
  CHECKPOINT_DISABLE=1       no version check call to checkpoint-api.hashicorp.com (cdktf and terraform)
  CI=1                       when stdout is not a terminal: no spinner frames in logs and files
  CDKTF_LOG_FILE_DIRECTORY   synth only: cdktf's own log goes to .build/cdktf-log/cdktf.log instead of
                             the screen, so a config error is printed once, not twice
Any of them already set in the environment is left alone.

  LLM_SERVICE_CONFIG=config/llm-service.json npm run synth   synthesize from your config (none: the built-in example)
  npm run diff                                               plan the llm-service stack
  npm run deploy                                             apply it

cdktf's own options follow.
`;

const args = process.argv.slice(2);
const env = { ...process.env };
const setDefault = (name, value) => {
  if (env[name] === undefined) env[name] = value;
};
setDefault("CHECKPOINT_DISABLE", "1");
if (!process.stdout.isTTY) setDefault("CI", "1");
if (args[0] === "synth" && env.CDKTF_LOG_FILE_DIRECTORY === undefined) {
  const logDir = path.join(__dirname, "..", ".build", "cdktf-log");
  fs.mkdirSync(logDir, { recursive: true });
  fs.rmSync(path.join(logDir, "cdktf.log"), { force: true });
  env.CDKTF_LOG_FILE_DIRECTORY = logDir;
}
if (args.includes("--help") || args.includes("-h")) process.stdout.write(HELP + "\n");

const cli = path.join(__dirname, "..", "node_modules", "cdktf-cli", "bundle", "bin", "cdktf");
// On a terminal cdktf draws as usual; otherwise ink (in CI mode) still prints its last frame, the
// spinner of the step it ended in: those lines are dropped, everything else is passed on.
const child = spawn(process.execPath, [cli, ...args], { stdio: ["inherit", process.stdout.isTTY ? "inherit" : "pipe", "inherit"], env });
if (child.stdout) {
  readline.createInterface({ input: child.stdout, crlfDelay: Infinity }).on("line", (line) => {
    if (!/^\s*[\u2800-\u28FF]\s+\S.*$/.test(line)) process.stdout.write(`${line}\n`);
  });
}
child.on("error", (error) => {
  console.error(`cannot run ${cli}: ${error.message} (run npm ci first)`);
  process.exit(1);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("close", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
