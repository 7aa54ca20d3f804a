import { createHash } from "crypto";

/**
 * TypeScript twins of the module's per-model expressions in `ModelTable`. Validation and the
 * synth report need them before Terraform runs; a test runs one corpus through both. Where the
 * HCL is generated here too, it sits beside its twin.
 */

/** The original's key: the model name without `-`, `_`, `.` and `:` (`llama3:8b` -> `llama38b`). */
export function modelKey(llmModel: string): string {
  return llmModel.replace(/[-_.:]/g, "");
}

/** The tag Ollama reads when a name has none: `llama3` is `llama3:latest`. */
export const DEFAULT_TAG = ":latest";

/** The longest value an ALB listener rule condition compares (the routing header; and so the longest model name). */
export const MAX_CONDITION_VALUE_LENGTH = 128;

/**
 * The other spelling of the same model, which a request may use: a name without a tag gets
 * `:latest` (`llama3` -> `llama3:latest`), a name with `:latest` loses it. Undefined for any other
 * tag, and when the longer spelling would not fit an ALB condition value. The tag is what follows
 * the last `:` after the last `/` (`registry:5000/llama3` has none).
 */
export function alternateModelName(llmModel: string): string | undefined {
  if (llmModel.endsWith(DEFAULT_TAG)) return llmModel.slice(0, -DEFAULT_TAG.length);
  const lastSegment = llmModel.slice(llmModel.lastIndexOf("/") + 1);
  if (lastSegment.includes(":")) return undefined;
  const withTag = `${llmModel}${DEFAULT_TAG}`;
  return withTag.length <= MAX_CONDITION_VALUE_LENGTH ? withTag : undefined;
}

/** The name with its tag spelled out: two configs with the same one are the same Ollama model. */
export function taggedModelName(llmModel: string): string {
  const alternate = alternateModelName(llmModel);
  return alternate !== undefined && alternate.endsWith(DEFAULT_TAG) ? alternate : llmModel;
}

/** alternateModelName in HCL, over the model name expression `m`: null where TypeScript gives undefined. */
export function hclAlternateModelName(m: string): string {
  const tag = JSON.stringify(DEFAULT_TAG);
  return (
    `(endswith(${m}, ${tag}) ? trimsuffix(${m}, ${tag}) : ` +
    `(!strcontains(reverse(split("/", ${m}))[0], ":") && length(${m}) <= ${MAX_CONDITION_VALUE_LENGTH - DEFAULT_TAG.length} ? format("%s${DEFAULT_TAG}", ${m}) : null))`
  );
}

/** taggedModelName in HCL, over the model name expression `m`. */
export function hclTaggedModelName(m: string): string {
  const tag = JSON.stringify(DEFAULT_TAG);
  return (
    `(!endswith(${m}, ${tag}) && !strcontains(reverse(split("/", ${m}))[0], ":") && length(${m}) <= ${MAX_CONDITION_VALUE_LENGTH - DEFAULT_TAG.length} ` +
    `? format("%s${DEFAULT_TAG}", ${m}) : ${m})`
  );
}

/** A load balancer / target group name: 1-32 letters, digits and hyphens, no hyphen at either end. */
export const ELB_NAME_PATTERN = "^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$";

/** Characters kept of a key that is not a valid name, before the hash suffix. */
export const TARGET_GROUP_STEM_LENGTH = 23;

/**
 * The target group name of a model: its key when that is a valid name (the original's name, so
 * state stays put); otherwise the key lower-cased, runs of other characters turned into one
 * hyphen, cut to 23 characters, plus `-` and the first 8 hex digits of the model name's SHA-1.
 */
export function targetGroupName(llmModel: string): string {
  const key = modelKey(llmModel);
  if (new RegExp(ELB_NAME_PATTERN).test(key)) return key;
  const stem = trimHyphens(trimHyphens(key.toLowerCase().replace(/[^a-z0-9]+/g, "-")).slice(0, TARGET_GROUP_STEM_LENGTH));
  const hash = createHash("sha1").update(llmModel).digest("hex").slice(0, 8);
  return `${stem === "" ? "model" : stem}-${hash}`;
}

function trimHyphens(text: string): string {
  return text.replace(/^-+|-+$/g, "");
}

/**
 * Listener rule priorities the module derives or accepts: 1 to 999 are never used, so the original
 * module's priorities (1 to 100, by position) cannot collide with ours while a state made by it is
 * renumbered in place, and rules a caller adds to the listener may sit before the models'.
 */
export const LISTENER_PRIORITY = { min: 1000, max: 50000 } as const;

/** The first 8 hex digits of the SHA-256 of `text`, as a number (0 to 2^32 - 1). */
function hash32(text: string): number {
  return parseInt(createHash("sha256").update(text).digest("hex").slice(0, 8), 16);
}

/** hash32 in HCL, over the string expression `text`. */
function hclHash32(text: string): string {
  return `parseint(substr(sha256(${text}), 0, 8), 16)`;
}

/**
 * A model's listener rule priority when it sets no `listener_priority`: derived from its key alone
 * (1000 to 50000), so adding, removing or reordering other models never moves it.
 */
export function derivedListenerPriority(llmModel: string): number {
  return LISTENER_PRIORITY.min + (hash32(modelKey(llmModel)) % (LISTENER_PRIORITY.max - LISTENER_PRIORITY.min + 1));
}

/** derivedListenerPriority in HCL, over the model key expression `key`. */
export function hclDerivedListenerPriority(key: string): string {
  return `${LISTENER_PRIORITY.min} + ${hclHash32(key)} % ${LISTENER_PRIORITY.max - LISTENER_PRIORITY.min + 1}`;
}

/** The priority a model's rule gets: its `listener_priority`, else the derived one. */
export function listenerPriority(c: { llm_model: string; listener_priority?: number | null }): number {
  return c.listener_priority ?? derivedListenerPriority(c.llm_model);
}

/** How target groups are named: by model (the original's names) or with the prefix too. */
export type TargetGroupNames = "model" | "prefixed";
export const TARGET_GROUP_NAMES: readonly TargetGroupNames[] = ["model", "prefixed"];

/** Characters of `<prefix>-<model>` kept in a prefixed target group name, before `-` and the hash. */
export const PREFIXED_STEM_LENGTH = 23;

/**
 * A prefixed target group name: `<prefix>-<model stem>` (lower case, other characters as `-`, cut to
 * 23 characters) plus `-` and 8 hex digits of the SHA-256 of prefix, model and port. Unique per
 * deployment (the prefix), at most 32 characters, and new for a new port, so the group of the new
 * port can exist before the old one goes.
 */
export function prefixedTargetGroupName(prefix: string, llmModel: string, appPort: number): string {
  const stem = trimHyphens(trimHyphens(`${prefix}-${modelKey(llmModel)}`.toLowerCase().replace(/[^a-z0-9]+/g, "-")).slice(0, PREFIXED_STEM_LENGTH));
  const hash = createHash("sha256").update(`${prefix}/${llmModel}/${appPort}`).digest("hex").slice(0, 8);
  return `${stem}-${hash}`;
}

/** prefixedTargetGroupName in HCL, over the prefix, model name, key and port expressions. */
export function hclPrefixedTargetGroupName(prefix: string, model: string, key: string, port: string): string {
  const stem = `trim(substr(trim(replace(lower(format("%s-%s", ${prefix}, ${key})), "/[^a-z0-9]+/", "-"), "-"), 0, ${PREFIXED_STEM_LENGTH}), "-")`;
  return `format("%s-%s", ${stem}, substr(sha256(format("%s/%s/%d", ${prefix}, ${model}, ${port})), 0, 8))`;
}

/**
 * The target group name of a model under `target_group_names`. An Auto Scaling model's group is
 * always prefixed: its servers register on the group's port, so a new port needs a new group, and
 * so a new name (the original module had no such groups, so no state holds another name).
 */
export function targetGroupNameFor(
  names: TargetGroupNames,
  prefix: string,
  c: { llm_model: string; app_port: number; server_mode?: string | null },
  defaultServerMode: string = "instance",
): string {
  const asg = (c.server_mode ?? defaultServerMode) === "asg";
  return names === "prefixed" || asg ? prefixedTargetGroupName(prefix, c.llm_model, c.app_port) : targetGroupName(c.llm_model);
}
