// A fake vLLM OpenAI-compatible server for one served model, on loopback, answering as vLLM's does:
// GET /health (200, empty), GET /v1/models, POST /v1/chat/completions and /v1/completions (server-sent
// events chunk by chunk; with `stream_options.include_usage` a last chunk with empty `choices` and
// the `usage`, then `data: [DONE]`), the model compared exactly as vLLM compares it (404 otherwise),
// and FastAPI's `{"detail":"Not Found"}` for any other path (Ollama's /api/* among them).
import * as http from "http";
import type { AddressInfo } from "net";
import { RecordedRequest } from "./fake-ollama";

export const VLLM_PROMPT_TOKENS = 17;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

export interface FakeVllmOptions {
  /** The served model name (`--served-model-name`). */
  readonly served: string;
  /** The repository it serves (`root` in /v1/models). */
  readonly repo: string;
  readonly words?: readonly string[];
  readonly chunkDelayMs?: number;
}

export class FakeVllm {
  readonly requests: RecordedRequest[] = [];
  private readonly sockets = new Set<import("net").Socket>();

  private constructor(
    readonly server: http.Server,
    readonly options: FakeVllmOptions,
  ) {}

  static async start(options: FakeVllmOptions): Promise<FakeVllm> {
    let fake!: FakeVllm;
    const server = http.createServer((req, res) => void fake.handle(req, res));
    fake = new FakeVllm(server, options);
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

  get words(): readonly string[] {
    return this.options.words ?? ["Paged", " attention", " says", " hi"];
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    this.requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, rawHeaders: req.rawHeaders, body });
    const path = new URL(req.url ?? "/", "http://vllm").pathname;
    const served = this.options.served;
    if (req.method === "GET" && path === "/health") {
      res.writeHead(200, { "content-length": 0 });
      res.end();
      return;
    }
    if (req.method === "GET" && path === "/v1/models") {
      return this.json(res, 200, {
        object: "list",
        data: [{ id: served, object: "model", created: 1733356800, owned_by: "vllm", root: this.options.repo, parent: null, max_model_len: 8192 }],
      });
    }
    if (req.method === "POST" && (path === "/v1/chat/completions" || path === "/v1/completions")) {
      const request = JSON.parse(body) as { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
      if (request.model !== served) {
        return this.json(res, 404, { error: { message: `The model \`${request.model}\` does not exist.`, type: "NotFoundError", param: "model", code: 404 } });
      }
      const chat = path === "/v1/chat/completions";
      const id = chat ? "chatcmpl-fake" : "cmpl-fake";
      const object = chat ? "chat.completion" : "text_completion";
      const usage = { prompt_tokens: VLLM_PROMPT_TOKENS, total_tokens: VLLM_PROMPT_TOKENS + this.words.length, completion_tokens: this.words.length };
      const choice = (word: string, finish: string | null) =>
        chat ? { index: 0, delta: { content: word }, logprobs: null, finish_reason: finish } : { index: 0, text: word, logprobs: null, finish_reason: finish };
      if (!request.stream) {
        const message = chat ? { message: { role: "assistant", content: this.words.join("") } } : { text: this.words.join("") };
        return this.json(res, 200, { id, object, created: 1733356800, model: served, choices: [{ index: 0, ...message, finish_reason: "stop" }], usage });
      }
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
      const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
      for (const [i, word] of this.words.entries()) {
        await sleep(this.options.chunkDelayMs ?? 10);
        if (res.destroyed) return;
        send({ id, object: `${object}.chunk`, created: 1733356800, model: served, choices: [choice(word, i === this.words.length - 1 ? "stop" : null)] });
      }
      if (request.stream_options?.include_usage) send({ id, object: `${object}.chunk`, created: 1733356800, model: served, choices: [], usage });
      res.end("data: [DONE]\n\n");
      return;
    }
    this.json(res, 404, { detail: "Not Found" });
  }
}
