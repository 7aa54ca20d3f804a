import { createHash } from "crypto";

/**
 * TypeScript twins of the module's per-model expressions in `ModelTable`. Validation and the
 * synth report need them before Terraform runs; a test runs one corpus through both.
 */

/** The original's key: the model name without `-`, `_`, `.` and `:` (`llama3:8b` -> `llama38b`). */
export function modelKey(llmModel: string): string {
  return llmModel.replace(/[-_.:]/g, "");
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
