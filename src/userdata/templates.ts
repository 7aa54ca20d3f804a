import { createHash } from "crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { MAX_MODELS, MODEL_NAME_PARTS, RELEASE_PATTERN } from "../config/rules";
import { KEEP_ALIVE_PATTERN, KV_CACHE_TYPES, OLLAMA_DEFAULT_SETTING, OLLAMA_KEEP_ALIVE } from "../config/ollama-settings";

// The user data template and the pull-models SSM document are generated at synth from one shell
// body (bootstrap.sh), each with its own header: what runs at first boot and what State Manager
// runs later are the same script, so they cannot drift apart.

/** Asset file names, as they appear under the module's `assets/`. */
export const USER_DATA_TEMPLATE = "user-data.sh.tftpl";
export const PULL_MODELS_DOCUMENT = "pull-models.ssm.json";
const BODY = "bootstrap.sh";

/** The variables `templatefile()` passes to the user data template. */
export const USER_DATA_VARIABLES = [
  "ollama_version",
  "app_port",
  "models",
  "context_length",
  "num_parallel",
  "kv_cache_type",
  "keep_alive",
  "timeout_seconds",
  "log_group",
  "metrics_namespace",
  "model_cache_bucket",
  "model_cache_prefix",
  "model_cache_region",
  "transfer_gbps",
] as const;

/** The variables `templatefile()` passes to the pull-models document. */
export const DOCUMENT_VARIABLES = ["log_group", "metrics_namespace", "model_cache_bucket", "model_cache_prefix", "model_cache_region"] as const;

/** The header lines that tell the bootstrap where the weight cache is ("" for none), both callers alike. */
const CACHE_HEADER = [
  "MODEL_CACHE_BUCKET='${model_cache_bucket}'",
  "MODEL_CACHE_PREFIX='${model_cache_prefix}'",
  "MODEL_CACHE_REGION='${model_cache_region}'",
];

/**
 * A name as Ollama's parser accepts it, `[host/][namespace/]model[:tag]`, without anchors. The
 * module's rules also keep a name within 128 characters (an ALB condition value); the script
 * and this pattern check what Ollama checks.
 */
const { host, namespace, model, tag } = MODEL_NAME_PARTS;
const MODEL_NAME = `((${host}/)?${namespace}/)?${model}(:${tag})?`;

/**
 * The `AppPort` that keeps the port a server's Ollama listens on. A word, not an empty string: the
 * AWS provider (its SDK) reads an empty string in `parameters` as no value, and the parameter map
 * keeps its previous value then.
 */
export const UNCHANGED_PORT = "unchanged";

/**
 * The SSM document's parameters. Each value is pasted into the script by the SSM agent, so each
 * has an `allowedPattern` that admits no quote, space or shell metacharacter.
 */
export const SSM_PARAMETERS = {
  Models: {
    type: "String",
    description:
      "Comma-separated Ollama models to pull (up to 100 names [host/][namespace/]model[:tag] as Ollama reads them), e.g. llama3:8b,qwen2:7b; empty (the default): pull nothing (the release rollout)",
    default: "",
    allowedPattern: `^(${MODEL_NAME}(,${MODEL_NAME}){0,${MAX_MODELS - 1}})?$`,
  },
  AppPort: {
    type: "String",
    description:
      "TCP port Ollama listens on (1-65535), or unchanged: the port the server's Ollama already listens on (the release rollout, and an Auto Scaling group's servers, which take a new port through an instance refresh)",
    allowedPattern: `^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]|${UNCHANGED_PORT})$`,
  },
  OllamaVersion: {
    type: "String",
    description: "Ollama release to install when it is missing or another one is installed, e.g. 0.13.0 (no release candidates)",
    allowedPattern: RELEASE_PATTERN,
  },
  TimeoutSeconds: {
    type: "String",
    default: "3600",
    description: "How long the run may take, in seconds (120-172800); the script reports and stops a minute before",
    // 120 to 999999 (aws:runShellScript itself stops at 172800)
    allowedPattern: "^(1[2-9][0-9]|[2-9][0-9]{2}|[1-9][0-9]{3,5})$",
  },
  ContextLength: {
    type: "String",
    default: OLLAMA_DEFAULT_SETTING,
    description: `Tokens of context Ollama gives each request (OLLAMA_CONTEXT_LENGTH, 512-1048576), or ${OLLAMA_DEFAULT_SETTING} for Ollama's own`,
    allowedPattern: `^([1-9][0-9]{2,6}|${OLLAMA_DEFAULT_SETTING})$`,
  },
  NumParallel: {
    type: "String",
    default: OLLAMA_DEFAULT_SETTING,
    description: `Requests Ollama answers at once (OLLAMA_NUM_PARALLEL, 1-64), or ${OLLAMA_DEFAULT_SETTING} for Ollama's own`,
    allowedPattern: `^([1-9][0-9]?|${OLLAMA_DEFAULT_SETTING})$`,
  },
  KvCacheType: {
    type: "String",
    default: OLLAMA_DEFAULT_SETTING,
    description: `Precision of Ollama's KV cache (OLLAMA_KV_CACHE_TYPE: ${KV_CACHE_TYPES.join(", ")}), or ${OLLAMA_DEFAULT_SETTING} for Ollama's own`,
    allowedPattern: `^(${KV_CACHE_TYPES.join("|")}|${OLLAMA_DEFAULT_SETTING})$`,
  },
  KeepAlive: {
    type: "String",
    default: OLLAMA_KEEP_ALIVE,
    description: 'How long Ollama keeps a model loaded after its last request (OLLAMA_KEEP_ALIVE): -1, whole seconds, or a number and one unit s, m or h, e.g. 6h',
    allowedPattern: KEEP_ALIVE_PATTERN,
  },
  UpgradeInPlace: {
    type: "String",
    default: "true",
    description:
      "true: install OllamaVersion where another release runs, rewrite the unit where its settings differ, and restart Ollama after either (first boot, and the release rollout, one server at a time); false: keep the release and settings a server runs, set up only what is missing, and move Ollama to AppPort when it listens on another port (the per-model pulls)",
    allowedPattern: "^(true|false)$",
  },
} as const;

export type SsmParameterName = keyof typeof SSM_PARAMETERS;

/** Finds a file of src/userdata from the project root, so bundled and test runs agree. */
export function sourcePath(file: string): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, "cdktf.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the project root (cdktf.json) above ${__dirname}`);
    dir = parent;
  }
  return path.join(dir, "src", "userdata", file);
}

/**
 * The body as the servers get it: without its comment lines (shellcheck's directives kept), as EC2
 * takes at most 16 KB of user data, compressed, and the source's comments are a third of it.
 */
function body(): string {
  const text = readFileSync(sourcePath(BODY), "utf8");
  // The SSM agent would read `{{` as a parameter reference.
  if (text.includes("{{")) throw new Error(`${BODY} must not contain "{{" (SSM document parameter syntax)`);
  return text
    .split("\n")
    .filter((line) => !/^\s*#/.test(line) || /^\s*# shellcheck /.test(line))
    .join("\n");
}

/** `${` and `%{` escaped for templatefile(); a function replacement, as "$$" in a replacement string means one "$". */
export const escapeTemplate = (text: string): string => text.replace(/[$%]\{/g, (match) => `${match[0]}${match}`);

/** The user data: a header of template variables, then the body with `${` and `%{` escaped for templatefile(). */
export function userDataTemplate(): string {
  const header = [
    "#!/bin/bash",
    "# ollama-fleet model server bootstrap, run once by cloud-init at first boot. The SSM document",
    "# <prefix>-pull-models runs the same script at creation and on a schedule. Its comments are in",
    "# src/userdata/bootstrap.sh of ollama-fleet (the servers get it without them).",
    "OLLAMA_VERSION='${ollama_version}'",
    "APP_PORT='${app_port}'",
    "MODELS='${models}'",
    "CONTEXT_LENGTH='${context_length}'",
    "NUM_PARALLEL='${num_parallel}'",
    "KV_CACHE_TYPE='${kv_cache_type}'",
    "KEEP_ALIVE='${keep_alive}'",
    "RUN_TIMEOUT_SECONDS='${timeout_seconds}'",
    // First boot sets the server up whatever its kind.
    "UPGRADE_IN_PLACE=true",
    "LOG_GROUP='${log_group}'",
    "METRICS_NAMESPACE='${metrics_namespace}'",
    ...CACHE_HEADER,
    "TRANSFER_GBPS='${transfer_gbps}'",
    "CALLER=user-data",
  ];
  return `${header.join("\n")}\n${escapeTemplate(body())}`;
}

/**
 * The pull-models Command document, a template for templatefile() (the log group and metrics
 * namespace follow the prefix): the same body, its header filled from the document's parameters.
 */
export function pullModelsDocument(): string {
  const header = [
    "#!/bin/bash",
    "# ollama-fleet model server bootstrap, run by State Manager (document <prefix>-pull-models). Its",
    "# comments are in src/userdata/bootstrap.sh of ollama-fleet (the servers get it without them).",
    "OLLAMA_VERSION='{{ OllamaVersion }}'",
    "APP_PORT='{{ AppPort }}'",
    "MODELS='{{ Models }}'",
    "CONTEXT_LENGTH='{{ ContextLength }}'",
    "NUM_PARALLEL='{{ NumParallel }}'",
    "KV_CACHE_TYPE='{{ KvCacheType }}'",
    "KEEP_ALIVE='{{ KeepAlive }}'",
    "RUN_TIMEOUT_SECONDS='{{ TimeoutSeconds }}'",
    "UPGRADE_IN_PLACE='{{ UpgradeInPlace }}'",
    "LOG_GROUP='${log_group}'",
    "METRICS_NAMESPACE='${metrics_namespace}'",
    ...CACHE_HEADER,
    // The document serves every model: the user data's figure stays in the CLI's configuration.
    "TRANSFER_GBPS=''",
    "CALLER=ssm",
  ];
  const document = {
    schemaVersion: "2.2",
    description:
      "Install Ollama when it is missing, start it on the model's port and pull the models, each retried; " +
      "fails naming the models it could not pull. Safe to run again. UpgradeInPlace=true also moves a server to OllamaVersion; " +
      "false keeps the release a server runs.",
    parameters: SSM_PARAMETERS,
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "pullModels",
        inputs: {
          timeoutSeconds: "{{ TimeoutSeconds }}",
          runCommand: [...header, ...escapeTemplate(body()).replace(/\n$/, "").split("\n")],
        },
      },
    ],
  };
  return JSON.stringify(document, null, 2) + "\n";
}

/**
 * Writes a generated asset where cdktf can copy it from: a directory named after the content, so
 * concurrent synths (jest workers) write identical files side by side, never half a file.
 */
export function generatedAsset(file: string, content: string): string {
  const digest = createHash("sha256").update(content).digest("hex").slice(0, 16);
  const dir = path.join(tmpdir(), "ollama-fleet-generated", digest);
  const target = path.join(dir, file);
  if (existsSync(target) && readFileSync(target, "utf8") === content) return target;
  mkdirSync(dir, { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  writeFileSync(partial, content);
  renameSync(partial, target);
  return target;
}
