/**
 * What the bootstrap logs about the weight cache, one line per model and event, as
 * `weight-cache: <event> <model> ...`, and the CloudWatch metric each event counts (a metric filter on
 * the servers' log group, in the servers' metrics namespace).
 */
export const CACHE_EVENTS = {
  /** A model copied from the cache and verified. */
  hit: "WeightCacheHits",
  /** A model the cache did not have (or could not be read): the server pulls it from the registry. */
  miss: "WeightCacheMisses",
  /** A cached file whose content does not match its digest, or a manifest naming files the cache lacks: a miss too, and an operator's job (docs/weight-cache.md). */
  corrupt: "WeightCacheCorrupt",
  /** A model a server uploaded after pulling it from the registry. */
  seeded: "WeightCacheSeeds",
} as const;

export type CacheEvent = keyof typeof CACHE_EVENTS;

/** The words a log line of `event` starts with (after the bootstrap's own prefix). */
export const cacheLogMarker = (event: CacheEvent): string => `weight-cache: ${event}`;
