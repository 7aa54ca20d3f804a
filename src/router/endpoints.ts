// What the doors let through: the one allowlist of endpoints, read by the router (local and Lambda)
// and by the API Gateway door's routes, so both doors open exactly the same calls. Anything not
// listed here is refused by the door; Ollama itself has no authentication, so a call that reaches
// a server is a call it will carry out.

/** HTTP methods a door forwards, each only on the paths below that list it. */
export type EndpointMethod = "GET" | "HEAD" | "POST" | "DELETE";

/**
 * - `inference`: a model answers (chat, generate, embeddings, ...), routed to that model's servers;
 * - `read`: reads a model's or the server's description, routed like inference when it names a model;
 * - `list`: a list of models, which the router merges over every model's servers;
 * - `index`: `GET`/`HEAD /` ("Ollama is running"), answered by the router itself;
 * - `management`: pulls, deletes, creates, copies or pushes models: closed unless the door's
 *   model-management flag is set.
 */
export type EndpointKind = "inference" | "read" | "list" | "index" | "management";

/** Where a request names its model: the JSON body (see `bodyFields`), the last path segment, or nowhere. */
export type ModelSource = "body" | "path" | "none";

/**
 * Whether the answer streams: `unless-false` (Ollama's native calls: unless the body says
 * `"stream": false`), `if-true` (the OpenAI- and Anthropic-compatible calls: only with
 * `"stream": true`); absent: never.
 */
export type StreamDefault = "unless-false" | "if-true";

export interface Endpoint {
  readonly method: EndpointMethod;
  /**
   * The canonical path. A last segment in braces (`{model}`, `{digest}`) stands for exactly one
   * path segment, as in an API Gateway route key.
   */
  readonly path: string;
  readonly kind: EndpointKind;
  readonly model: ModelSource;
  /**
   * With `model: "body"`: the JSON fields naming the model, in the order the server reads them (the
   * first that is a non-empty string wins), as its request types declare them. @default ["model"]
   */
  readonly bodyFields?: readonly string[];
  readonly stream?: StreamDefault;
}

const e = (method: EndpointMethod, path: string, kind: EndpointKind, model: ModelSource = "none", more: Partial<Endpoint> = {}): Endpoint => ({
  method,
  path,
  kind,
  model,
  ...more,
});

/** Ollama's management and show calls still read the older `name` when `model` is empty. */
const MODEL_OR_NAME = { bodyFields: ["model", "name"] } as const;

/** Every endpoint either door forwards, in the order of Ollama's own route table. */
export const ENDPOINTS: readonly Endpoint[] = [
  e("GET", "/", "index"),
  e("HEAD", "/", "index"),
  e("GET", "/api/version", "read"),
  e("HEAD", "/api/version", "read"),
  e("GET", "/api/tags", "list"),
  e("HEAD", "/api/tags", "list"),
  e("GET", "/api/ps", "list"),
  e("POST", "/api/show", "read", "body", MODEL_OR_NAME),
  e("POST", "/api/generate", "inference", "body", { stream: "unless-false" }),
  e("POST", "/api/chat", "inference", "body", { stream: "unless-false" }),
  e("POST", "/api/embed", "inference", "body"),
  e("POST", "/api/embeddings", "inference", "body"),
  // Ollama's OpenAI-compatible routes.
  e("POST", "/v1/chat/completions", "inference", "body", { stream: "if-true" }),
  e("POST", "/v1/completions", "inference", "body", { stream: "if-true" }),
  e("POST", "/v1/embeddings", "inference", "body"),
  e("POST", "/v1/responses", "inference", "body", { stream: "if-true" }),
  e("GET", "/v1/models", "list"),
  e("GET", "/v1/models/{model}", "read", "path"),
  // Ollama's Anthropic-compatible route.
  e("POST", "/v1/messages", "inference", "body", { stream: "if-true" }),
  // Model management: closed unless allowed.
  e("POST", "/api/pull", "management", "body", { ...MODEL_OR_NAME, stream: "unless-false" }),
  e("POST", "/api/push", "management", "body", { ...MODEL_OR_NAME, stream: "unless-false" }),
  e("POST", "/api/create", "management", "body", { ...MODEL_OR_NAME, stream: "unless-false" }),
  e("POST", "/api/copy", "management", "body", { bodyFields: ["source"] }),
  e("DELETE", "/api/delete", "management", "body", MODEL_OR_NAME),
  e("POST", "/api/blobs/{digest}", "management"),
  e("HEAD", "/api/blobs/{digest}", "management"),
];

/**
 * The header the doors set to the model a request names, and the ALB's listener rules route on.
 * Each door sets it itself and drops any copy a client sends, so a client can name a model only in
 * its request, the way the server reads it, and cannot steer the request anywhere else.
 */
export const ROUTING_HEADER = "x-ollama-fleet-model";

/** The endpoints open with the model-management flag off (`false`) or on (`true`). */
export function openEndpoints(allowModelManagement: boolean): readonly Endpoint[] {
  return ENDPOINTS.filter((endpoint) => allowModelManagement || endpoint.kind !== "management");
}

/** The endpoint as an API Gateway route key: `POST /api/chat`, `GET /v1/models/{model}`. */
export function routeKey(endpoint: Endpoint): string {
  return `${endpoint.method} ${endpoint.path}`;
}

/** The name of the path parameter in braces (`model` of `/v1/models/{model}`), or undefined without one. */
export function pathParameter(endpoint: Endpoint): string | undefined {
  return /\/\{([A-Za-z]+)\}$/.exec(endpoint.path)?.[1];
}
