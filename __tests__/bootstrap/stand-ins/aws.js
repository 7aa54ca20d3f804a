// Stand-in for the AWS CLI v2 against one S3 bucket, as the servers' role sees it (the harness
// writes node's path in the first line). It does what the real CLI and S3 do where the bootstrap
// depends on it (aws-cli v2: customizations/s3, s3transfer; S3's API):
// - `aws --version`; every command needs a region (--region), as the CLI does without IMDS;
// - `s3 cp s3://<bucket>/<key> <file>`: HeadObject first, so a key the role cannot read, or that is
//   not there (the role has no s3:ListBucket: S3 answers 403 for both), is
//   `fatal error: An error occurred (403) when calling the HeadObject operation: Forbidden`, exit 1;
//   the body goes to `<file>.<random>` and is renamed only when complete (a cut transfer leaves
//   nothing), and the file's modification time becomes the object's LastModified;
// - `s3 cp <file> s3://<bucket>/<key> [--no-overwrite]`: PutObject; the role may create objects only
//   with If-None-Match (--no-overwrite, CLI 2.33 and later; older ones answer `Unknown options`, exit
//   252), so an upload without it is AccessDenied (exit 1), and one onto an existing key is skipped
//   (412 Precondition Failed: exit 0, nothing printed);
// - `s3api head-object --bucket --key`: the object's metadata as JSON, or
//   `An error occurred (403) when calling the HeadObject operation: Forbidden`, exit 254;
// - the CRT transfer client (preferred_transfer_client = crt in AWS_CONFIG_FILE) fails requests sent
//   to another region than the bucket's (it follows no redirect); the classic one follows it.
// Objects live in /run/ollama-fleet-test/s3/<key> (mtime = LastModified). Configuration, from
// faults/s3.json: { bucket, region, readable: [key prefixes], writeOnce: [key prefixes], version,
// failAfterBytes: { <key>: n } (the transfer is cut after n bytes), appearsAfterHead (see there) }. Every call goes to calls.log
// with the transfer client; every S3 request to s3-requests.log (`GET <key>`, `HEAD <key>`, `PUT <key>`,
// `PUT-SKIPPED <key>`, `DENIED <operation> <key>`).
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const T = "/run/ollama-fleet-test";
const STORE = `${T}/s3`;
const config = JSON.parse(fs.readFileSync(`${T}/faults/s3.json`, "utf8"));
const version = config.version || "2.33.1";
const args = process.argv.slice(2);

const request = (line) => fs.appendFileSync(`${T}/s3-requests.log`, `${line}\n`);
const out = (text) => process.stdout.write(text);
const err = (text) => process.stderr.write(text);

/** The transfer client the CLI resolves for `aws s3` commands: preferred_transfer_client in the config file, else classic. */
function transferClient() {
  const file = process.env.AWS_CONFIG_FILE;
  const text = file && fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const match = /^\s*preferred_transfer_client\s*=\s*(\w+)\s*$/m.exec(text);
  return match && match[1] === "crt" ? "crt" : "classic";
}

/** target_bandwidth in the config file, or "auto" (the CLI derives it). */
function targetBandwidth() {
  const file = process.env.AWS_CONFIG_FILE;
  const text = file && fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const match = /^\s*target_bandwidth\s*=\s*(\S+)\s*$/m.exec(text);
  return match ? match[1] : "auto";
}

fs.appendFileSync(`${T}/calls.log`, `aws ${args.join(" ")} (client ${transferClient()}${transferClient() === "crt" ? `, target ${targetBandwidth()}` : ""})\n`);

const USAGE =
  "\nusage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\nTo see help text, you can run:\n\n  aws help\n  aws <command> help\n  aws <command> <subcommand> help\n\n";

// Global options, anywhere on the line, as the CLI's parser takes them.
let region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || "";
const flags = new Set();
const rest = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--region") region = args[++i] || "";
  else if (["--only-show-errors", "--no-progress", "--no-overwrite", "--quiet"].includes(a)) flags.add(a);
  else if (a === "--bucket" || a === "--key" || a === "--output") rest.push(a, args[++i]);
  else rest.push(a);
}

function exit(code) {
  process.exit(code);
}

if (rest[0] === "--version") {
  out(`aws-cli/${version} Python/3.12.6 Linux/6.1.0 exe/x86_64.amzn.2023\n`);
  exit(0);
}
const [major, minor] = version.split(".").map(Number);
if (flags.has("--no-overwrite") && (major < 2 || (major === 2 && minor < 33))) {
  err(`${USAGE}Unknown options: --no-overwrite\n`);
  exit(252);
}
if (!region) {
  err('You must specify a region. You can also configure your region by running "aws configure".\n');
  exit(253);
}

const under = (prefixes, key) => prefixes.some((p) => key.startsWith(p));
const objectFile = (key) => path.join(STORE, key);
const exists = (key) => fs.existsSync(objectFile(key)) && fs.statSync(objectFile(key)).isFile();

/**
 * Another server's upload completing right after this server's `s3api head-object` found no
 * object: faults `appearsAfterHead: { <key>: <content> }` (once).
 */
function anotherServerWrites(key) {
  const content = (config.appearsAfterHead || {})[key];
  if (content === undefined || exists(key)) return;
  fs.mkdirSync(path.dirname(objectFile(key)), { recursive: true });
  fs.writeFileSync(objectFile(key), content);
  request(`PUT ${key} (another server)`);
}

/** HeadObject as the role sees it: the object's stat, or null for 403 (not readable, or absent without s3:ListBucket). */
function headObject(bucket, key, check = false) {
  if (bucket !== config.bucket || !under(config.readable, key) || !exists(key)) {
    request(`DENIED HeadObject ${key}`);
    if (check) anotherServerWrites(key);
    return null;
  }
  request(`HEAD ${key}`);
  return fs.statSync(objectFile(key));
}

function s3Url(url) {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  return match ? { bucket: match[1], key: match[2] } : null;
}

function wrongRegionForCrt(client) {
  return client === "crt" && region !== config.region;
}

function download(source, dest, client) {
  if (wrongRegionForCrt(client)) {
    err(`fatal error: An error occurred (301) when calling the HeadObject operation: Moved Permanently\n`);
    exit(1);
  }
  const stat = headObject(source.bucket, source.key);
  if (!stat) {
    err("fatal error: An error occurred (403) when calling the HeadObject operation: Forbidden\n");
    exit(1);
  }
  const target = dest.endsWith("/") || (fs.existsSync(dest) && fs.statSync(dest).isDirectory()) ? path.join(dest, path.basename(source.key)) : dest;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = `${target}.${crypto.randomBytes(4).toString("hex")}`;
  const body = fs.readFileSync(objectFile(source.key));
  request(`GET ${source.key}`);
  const cut = (config.failAfterBytes || {})[source.key];
  if (cut !== undefined) {
    fs.writeFileSync(temp, body.subarray(0, cut));
    fs.rmSync(temp, { force: true });
    err(
      `download failed: s3://${source.bucket}/${source.key} to ${dest} Connection was closed before we received a valid response from endpoint URL: ` +
        `"https://${source.bucket}.s3.${region}.amazonaws.com/${source.key}".\n`,
    );
    exit(1);
  }
  fs.writeFileSync(temp, body);
  fs.renameSync(temp, target);
  fs.utimesSync(target, stat.mtime, stat.mtime);
  if (!flags.has("--only-show-errors")) out(`download: s3://${source.bucket}/${source.key} to ${dest}\n`);
  exit(0);
}

function upload(file, target) {
  if (!fs.existsSync(file)) {
    err(`\nThe user-provided path ${file} does not exist.\n`);
    exit(255);
  }
  const denied = () => {
    request(`DENIED PutObject ${target.key}`);
    err(`upload failed: ${file} to s3://${target.bucket}/${target.key} An error occurred (AccessDenied) when calling the PutObject operation: Access Denied\n`);
    exit(1);
  };
  // The role creates objects under its write-once prefixes only, and only with If-None-Match.
  if (target.bucket !== config.bucket || !under(config.writeOnce, target.key) || !flags.has("--no-overwrite")) denied();
  if (exists(target.key)) {
    request(`PUT-SKIPPED ${target.key}`);
    exit(0);
  }
  fs.mkdirSync(path.dirname(objectFile(target.key)), { recursive: true });
  const temp = `${objectFile(target.key)}.upload-${process.pid}`;
  fs.copyFileSync(file, temp);
  fs.renameSync(temp, objectFile(target.key));
  request(`PUT ${target.key}`);
  if (!flags.has("--only-show-errors")) out(`upload: ${file} to s3://${target.bucket}/${target.key}\n`);
  exit(0);
}

const [service, command, ...operands] = rest;
if (service === "s3" && command === "cp") {
  const [from, to] = operands;
  const client = transferClient();
  const source = s3Url(from);
  const target = s3Url(to);
  if (source && !target) download(source, to, client);
  if (target && !source) upload(from, target);
  err(`${USAGE}aws: error: cp takes one local path and one s3:// URL here\n`);
  exit(252);
}
if (service === "s3api" && command === "head-object") {
  const bucket = operands[operands.indexOf("--bucket") + 1];
  const key = operands[operands.indexOf("--key") + 1];
  const stat = headObject(bucket, key, true);
  if (!stat) {
    err("\nAn error occurred (403) when calling the HeadObject operation: Forbidden\n");
    exit(254);
  }
  const etag = crypto.createHash("md5").update(fs.readFileSync(objectFile(key))).digest("hex");
  out(
    JSON.stringify(
      { AcceptRanges: "bytes", LastModified: stat.mtime.toISOString(), ContentLength: stat.size, ETag: `"${etag}"`, ContentType: "binary/octet-stream", ServerSideEncryption: "AES256", Metadata: {} },
      null,
      4,
    ) + "\n",
  );
  exit(0);
}
err(`${USAGE}aws: error: the stand-in does not know ${rest.join(" ")}\n`);
exit(252);
