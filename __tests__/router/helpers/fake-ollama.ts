// A fake Ollama server for one model, on loopback: the routes the router meets, with streaming
// NDJSON and server-sent events sent chunk by chunk with delays, the final chunk carrying token
// counts. It answers 404 for any other model, as a real server that never pulled it would, so a
// request that reached the wrong server fails visibly.
import * as http from "http";
import type { AddressInfo } from "net";

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly body: string;
}

export interface FakeOllamaOptions {
  readonly model: string;
  /** Words streamed one per chunk. @default 5 words */
  readonly words?: readonly string[];
  /** Pause before each chunk. @default 20 */
  readonly chunkDelayMs?: number;
  readonly version?: string;
}

export const PROMPT_TOKENS = 11;

function canonical(name: string): string {
  const lower = name.toLowerCase();
  return lower.slice(lower.lastIndexOf("/") + 1).includes(":") ? lower : `${lower}:latest`;
}

/** Unref'd: a delay still pending when the fake is closed (a slow list) does not hold the process. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

export class FakeOllama {
  readonly requests: RecordedRequest[] = [];
  /** Streaming requests whose client went away before the last chunk was written. */
  readonly abandoned: string[] = [];
  /** Streaming requests that ran to their last chunk. */
  readonly completed: string[] = [];
  /** Never answer (the headers never come): for upstream timeouts. */
  hang = false;
  /** Cut the connection after this many chunks of a stream. */
  breakAfterChunks?: number;
  /** Send the headers of an answer, then nothing more until the client goes. */
  stallAfterHeaders = false;
  /** Send this many chunks of a stream, then nothing more until the client goes. */
  stallAfterChunks?: number;
  /** Answer the list routes this much later. */
  listDelayMs = 0;
  /** Answer the list routes with this status instead. */
  listStatus?: number;
  /** Hold each stream before its final chunk until `release()`. */
  holdFinal = false;
  /** Other models this server also lists (a server with more than its own model pulled). */
  extraListed: string[] = [];
  /** Extra response headers (e.g. hop-by-hop ones the router must drop). */
  extraHeaders: Record<string, string> = {};
  /** Answer generations as a server whose queue is full: 503 and Ollama's ErrMaxQueue (server/sched.go). */
  busy = false;
  /** Answer every request as a server without the route (Go's "404 page not found"), as an older Ollama does for a newer endpoint. */
  routeMissing = false;
  /** Still pulling its model: it answers for it as for a model it does not have (404), and lists none. */
  pulling = false;
  private releases: (() => void)[] = [];
  private readonly sockets = new Set<import("net").Socket>();

  private constructor(
    readonly server: http.Server,
    readonly options: FakeOllamaOptions,
  ) {}

  static async start(options: FakeOllamaOptions): Promise<FakeOllama> {
    let fake!: FakeOllama;
    const server = http.createServer((req, res) => void fake.handle(req, res));
    fake = new FakeOllama(server, options);
    server.on("connection", (s) => {
      fake.sockets.add(s);
      s.on("close", () => fake.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get model(): string {
    return this.options.model;
  }

  get words(): readonly string[] {
    return this.options.words ?? ["Hello", " from", " the", " fake", " server"];
  }

  /** Streams waiting before their final chunk. */
  get held(): number {
    return this.releases.length;
  }

  /** Lets every held stream send its final chunk. */
  release(): void {
    const waiting = this.releases;
    this.releases = [];
    waiting.forEach((r) => r());
  }

  async close(): Promise<void> {
    this.release();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    this.requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, rawHeaders: req.rawHeaders, body });
    if (this.hang) return; // never answers; the socket stays open until close()
    if (this.stallAfterHeaders) {
      res.writeHead(200, { "content-type": "application/x-ndjson", "x-fake-server": this.model });
      res.flushHeaders();
      await new Promise((resolve) => res.on("close", resolve));
      this.abandoned.push(req.url ?? "");
      return;
    }

    const path = (req.url ?? "/").split("?")[0];
    if (this.routeMissing) {
      res.writeHead(404, { "content-type": "text/plain" });
      return void res.end("404 page not found");
    }
    const json = (status: number, data: unknown) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", "x-fake-server": this.model, ...this.extraHeaders });
      res.end(JSON.stringify(data));
    };
    const mine = (name: unknown) => !this.pulling && typeof name === "string" && canonical(name) === canonical(this.model);
    let parsed: Record<string, unknown> = {};
    try {
      parsed = body ? JSON.parse(body) : {};
    } catch {
      return json(400, { error: "invalid JSON" });
    }
    // Go's decoder matches keys case-insensitively: the last key spelled "model" in any case sets it
    for (const key of Object.keys(parsed)) if (key.toLowerCase() === "model" && typeof parsed[key] === "string") parsed.model = parsed[key];

    if (path === "/" && (req.method === "GET" || req.method === "HEAD")) {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      return void res.end("Ollama is running");
    }
    if (path === "/api/version") return json(200, { version: this.options.version ?? "0.13.0" });
    if (path === "/api/tags" || path === "/api/ps" || path === "/v1/models") {
      if (this.listDelayMs > 0) await sleep(this.listDelayMs);
      if (this.listStatus !== undefined) return json(this.listStatus, { error: "list failed on purpose" });
      const details = { format: "gguf", family: "llama", parameter_size: "8B", quantization_level: "Q4_0" };
      const names = this.pulling ? [...this.extraListed] : [this.model, ...this.extraListed];
      if (path === "/v1/models") {
        return json(200, { object: "list", data: names.map((id) => ({ id, object: "model", created: 1718000000, owned_by: "library" })) });
      }
      const entry = (name: string) => ({ name, model: name, size: 4_700_000_000, digest: `sha256-${name}`, details });
      return json(200, {
        models: names.map((n) =>
          path === "/api/ps" ? { ...entry(n), expires_at: "2030-01-01T00:00:00Z", size_vram: 4_700_000_000 } : { ...entry(n), modified_at: "2024-06-01T00:00:00Z" },
        ),
      });
    }
    if (path.startsWith("/v1/models/")) {
      const name = decodeURIComponent(path.slice("/v1/models/".length));
      if (!mine(name)) return json(404, { error: { message: `model "${name}" not found`, type: "not_found_error", param: null, code: null } });
      return json(200, { id: this.model, object: "model", created: 1718000000, owned_by: "library" });
    }
    if (["/api/pull", "/api/create", "/api/copy", "/api/push", "/api/delete"].includes(path)) return json(200, { status: "success" });
    if (path === "/api/show") {
      if (!mine(parsed.model ?? parsed.name)) return json(404, { error: `model '${String(parsed.model)}' not found` });
      return json(200, { modelfile: "", parameters: "", template: "", details: {}, model_info: {}, capabilities: ["completion"] });
    }
    if (path === "/api/chat" || path === "/api/generate" || path === "/v1/chat/completions" || path === "/api/embed") {
      if (!mine(parsed.model)) {
        const message = `model "${String(parsed.model)}" not found, try pulling it first`;
        return path.startsWith("/v1/")
          ? json(404, { error: { message, type: "not_found_error", param: null, code: null } })
          : json(404, { error: message });
      }
      if (this.busy) return json(503, { error: "server busy, please try again.  maximum pending requests exceeded" });
      if (path === "/api/embed") return json(200, { model: this.model, embeddings: [[0.1, 0.2]], prompt_eval_count: PROMPT_TOKENS });
      return path === "/v1/chat/completions" ? this.openAiChat(req, res, parsed) : this.ollamaStream(req, res, path, parsed);
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("404 page not found");
  }

  /** Writes the chunks one by one; false when the client went away (or the break was staged). */
  private async writeChunks(req: http.IncomingMessage, res: http.ServerResponse, chunks: string[], final: string): Promise<boolean> {
    let gone = false;
    res.on("close", () => {
      if (!res.writableFinished) gone = true;
    });
    for (let i = 0; i < chunks.length; i++) {
      await sleep(this.options.chunkDelayMs ?? 20);
      if (gone) break;
      if (this.breakAfterChunks !== undefined && i === this.breakAfterChunks) {
        req.socket.destroy();
        return false;
      }
      if (this.stallAfterChunks !== undefined && i === this.stallAfterChunks) {
        await new Promise((resolve) => res.on("close", resolve));
        this.abandoned.push(req.url ?? "");
        return false;
      }
      res.write(chunks[i]);
    }
    if (!gone && this.holdFinal) await new Promise<void>((r) => this.releases.push(r));
    if (gone) {
      this.abandoned.push(req.url ?? "");
      return false;
    }
    res.end(final);
    this.completed.push(req.url ?? "");
    return true;
  }

  private async ollamaStream(req: http.IncomingMessage, res: http.ServerResponse, path: string, body: Record<string, unknown>): Promise<void> {
    const chat = path === "/api/chat";
    const created_at = "2024-06-01T00:00:00Z";
    const piece = (text: string) => (chat ? { message: { role: "assistant", content: text } } : { response: text });
    const counts = {
      done: true,
      done_reason: "stop",
      total_duration: 900_000_000,
      load_duration: 100_000_000,
      prompt_eval_count: PROMPT_TOKENS,
      prompt_eval_duration: 50_000_000,
      eval_count: this.words.length,
      eval_duration: 500_000_000,
    };
    if (body.stream === false) {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "x-fake-server": this.model, ...this.extraHeaders });
      res.end(JSON.stringify({ model: this.model, created_at, ...piece(this.words.join("")), ...counts }));
      return;
    }
    res.writeHead(200, { "content-type": "application/x-ndjson", "x-fake-server": this.model, ...this.extraHeaders });
    const lines = this.words.map((w) => `${JSON.stringify({ model: this.model, created_at, ...piece(w), done: false })}\n`);
    await this.writeChunks(req, res, lines, `${JSON.stringify({ model: this.model, created_at, ...piece(""), ...counts })}\n`);
  }

  private async openAiChat(req: http.IncomingMessage, res: http.ServerResponse, body: Record<string, unknown>): Promise<void> {
    const base = { id: "chatcmpl-1", created: 1718000000, model: this.model, system_fingerprint: "fp_ollama" };
    const usage = { prompt_tokens: PROMPT_TOKENS, completion_tokens: this.words.length, total_tokens: PROMPT_TOKENS + this.words.length };
    if (!body.stream) {
      res.writeHead(200, { "content-type": "application/json", "x-fake-server": this.model, ...this.extraHeaders });
      res.end(
        JSON.stringify({
          ...base,
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: this.words.join("") }, finish_reason: "stop" }],
          usage,
        }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "x-fake-server": this.model, ...this.extraHeaders });
    const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
    const events = this.words.map((w) =>
      event({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: { role: "assistant", content: w }, finish_reason: null }] }),
    );
    events.push(event({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }));
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const final = (includeUsage ? event({ ...base, object: "chat.completion.chunk", choices: [], usage }) : "") + "data: [DONE]\n\n";
    await this.writeChunks(req, res, events, final);
  }
}
