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
