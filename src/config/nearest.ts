/**
 * The valid value a mistyped one most probably meant: the candidate at the smallest edit distance
 * (insertions, deletions, substitutions; letter case ignored), when that distance is small for the
 * value's length. Nothing is suggested when nothing is close, or when two candidates tie and
 * `prefer` does not break the tie.
 */
export function nearest(value: string, candidates: readonly string[], prefer: (candidate: string) => boolean = () => false): string | undefined {
  const limit = Math.max(2, Math.floor(value.length / 4));
  let best: string[] = [];
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === value) return undefined;
    const distance = editDistance(value.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = [candidate];
      bestDistance = distance;
    } else if (distance === bestDistance) {
      best.push(candidate);
    }
  }
  if (bestDistance > limit) return undefined;
  if (best.length === 1) return best[0];
  const preferred = best.filter(prefer);
  return preferred.length === 1 ? preferred[0] : undefined;
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
