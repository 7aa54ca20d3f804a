// Errors in the caller's dialect: OpenAI clients (`/v1/*`) read `{"error": {"message", "type", ...}}`,
// Ollama clients read `{"error": "..."}`.

export type Dialect = "openai" | "ollama";

export function dialectOf(pathname: string): Dialect {
  return pathname === "/v1" || pathname.startsWith("/v1/") ? "openai" : "ollama";
}

/** OpenAI's error `type` for a status, as Ollama's OpenAI-compatible routes choose it. */
function openAiType(status: number): string {
  if (status === 404) return "not_found_error";
  if (status >= 400 && status < 500) return "invalid_request_error";
  return "api_error";
}

/**
 * @param code a short machine-readable reason (`model_not_found`, `invalid_api_key`, ...), sent as
 * OpenAI's `code`; Ollama's shape has no place for it.
 */
export function errorBody(dialect: Dialect, status: number, message: string, code: string): string {
  if (dialect === "openai") {
    return JSON.stringify({ error: { message, type: openAiType(status), param: null, code } });
  }
  return JSON.stringify({ error: message });
}
