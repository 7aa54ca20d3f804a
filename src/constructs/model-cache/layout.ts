/**
 * Where things live under the weight cache's prefix (model_cache_prefix, e.g. `model-cache/`). One
 * sub-prefix per engine, so engines share the bucket, its lifecycle and its endpoint: Ollama's
 * objects mirror its models folder (`ollama/manifests/<host>/<namespace>/<model>/<tag>`,
 * `ollama/blobs/sha256-<hex>`, blobs named by their content's digest), and the pinned release
 * archives an operator seeds (`ollama/releases/<version>/<archive>`). vLLM's hold Hugging Face
 * snapshots: `vllm/<org>/<name>/<revision>/manifest` (the commit, each file's sha256 and size;
 * written last) and `vllm/<org>/<name>/<commit>/files/<path>`.
 */
export const OLLAMA_ENGINE_PREFIX = "ollama/";
/** The sub-prefixes the servers may create objects in, relative to the cache prefix: never overwrite, never delete. */
export const OLLAMA_WRITE_ONCE = ["ollama/manifests/", "ollama/blobs/"] as const;
/** The sub-prefixes the servers may read, relative to the cache prefix. */
export const OLLAMA_READABLE = ["ollama/manifests/", "ollama/blobs/", "ollama/releases/"] as const;
/**
 * vLLM's sub-prefix: the servers read it and create objects in it, never replacing one. Granted only
 * while a model uses vLLM.
 */
export const VLLM_ENGINE_PREFIX = "vllm/";

/**
 * Where removed objects wait before the lifecycle deletes them (relative to the cache prefix): an
 * operator moves blobs no manifest names here (docs/weight-cache.md), so no rule ever expires a
 * blob a manifest still names.
 */
export const TRASH_PREFIX = "trash/";
/** Days an object stays in the trash before the created bucket's lifecycle deletes it. */
export const TRASH_DAYS = 7;
/** Days before the created bucket's lifecycle aborts an unfinished multipart upload (a seeding server that died mid-upload). */
export const ABORT_UPLOADS_DAYS = 1;
