// Errors in the caller's dialect, in the shapes Ollama's own compatibility layers write them:
// OpenAI clients (`/v1/*`) read `{"error": {"message", "type", "param", "code"}}`, Anthropic
// clients (`/v1/messages`) `{"type": "error", "error": {"type", "message"}}`, Ollama clients
// `{"error": "..."}`.

export type Dialect = "openai" | "anthropic" | "ollama";

export function dialectOf(pathname: string): Dialect {
  if (pathname === "/v1/messages" || pathname.startsWith("/v1/messages/")) return "anthropic";
  return pathname === "/v1" || pathname.startsWith("/v1/") ? "openai" : "ollama";
}

/** OpenAI's error `type` for a status, as Ollama's OpenAI-compatible routes choose it. */
function openAiType(status: number): string {
  if (status === 404) return "not_found_error";
  if (status >= 400 && status < 500) return "invalid_request_error";
  return "api_error";
}

/** Anthropic's error `type` for a status, as Ollama's Anthropic-compatible route chooses it. */
function anthropicType(status: number): string {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 429:
      return "rate_limit_error";
    case 503:
      return "overloaded_error";
    default:
      return "api_error";
  }
}

/**
 * @param code a short machine-readable reason (`model_not_found`, `invalid_api_key`, ...), sent as
 * OpenAI's `code`; the other shapes have no place for it.
 */
export function errorBody(dialect: Dialect, status: number, message: string, code: string): string {
  if (dialect === "openai") return JSON.stringify({ error: { message, type: openAiType(status), param: null, code } });
  if (dialect === "anthropic") return JSON.stringify({ type: "error", error: { type: anthropicType(status), message } });
  return JSON.stringify({ error: message });
}
