// Token counts from the end of a response, without parsing the stream: Ollama puts `eval_count` and
// `prompt_eval_count` (and `eval_duration`, ns) in its final object, OpenAI-style APIs put `usage` in
// the body or in the last server-sent event. Only a bounded tail of the bytes is kept.

export interface TokenCounts {
  readonly promptTokens?: number;
  readonly outputTokens?: number;
  /** Generation time the server reported (Ollama's eval_duration), in seconds. */
  readonly evalSeconds?: number;
}

const TAIL_BYTES = 16 * 1024;

export class TailSniffer {
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly eventStream: boolean) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    // drop whole chunks from the front while what stays still covers the tail
    while (this.chunks.length > 1 && this.bytes - this.chunks[0].length >= TAIL_BYTES) {
      this.bytes -= this.chunks[0].length;
      this.chunks.shift();
    }
  }

  counts(): TokenCounts | undefined {
    if (this.bytes === 0) return undefined;
    let text = Buffer.concat(this.chunks).toString("utf8");
    if (text.length > TAIL_BYTES) text = text.slice(text.length - TAIL_BYTES);
    return fromLastDocument(text, this.eventStream) ?? fromFields(text);
  }
}

function fromObject(obj: unknown): TokenCounts | undefined {
  if (typeof obj !== "object" || obj === null) return undefined;
  const o = obj as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  if (typeof o.usage === "object" && o.usage !== null) {
    const u = o.usage as Record<string, unknown>;
    const counts = { promptTokens: num(u.prompt_tokens ?? u.input_tokens), outputTokens: num(u.completion_tokens ?? u.output_tokens) };
    if (counts.promptTokens !== undefined || counts.outputTokens !== undefined) return counts;
  }
  if (num(o.eval_count) !== undefined || num(o.prompt_eval_count) !== undefined) {
    const ns = num(o.eval_duration);
    return {
      promptTokens: num(o.prompt_eval_count),
      outputTokens: num(o.eval_count),
      evalSeconds: ns !== undefined && ns > 0 ? ns / 1e9 : undefined,
    };
  }
  return undefined;
}

/** The last NDJSON line, the last `data:` event (not `[DONE]`), or a whole JSON body. */
function fromLastDocument(text: string, eventStream: boolean): TokenCounts | undefined {
  const lines = text.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    let line = lines[i].trim();
    if (line === "") continue;
    if (eventStream) {
      if (!line.startsWith("data:")) continue;
      line = line.slice(5).trim();
      if (line === "[DONE]") continue;
    }
    try {
      return fromObject(JSON.parse(line));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A body longer than the tail: the fields still sit near its end. */
function fromFields(text: string): TokenCounts | undefined {
  const last = (name: string) => {
    const re = new RegExp(`"${name}"\\s*:\\s*(\\d+)`, "g");
    let value: number | undefined;
    for (let m = re.exec(text); m; m = re.exec(text)) value = Number(m[1]);
    return value;
  };
  const outputTokens = last("completion_tokens") ?? last("eval_count");
  const promptTokens = last("prompt_tokens") ?? last("prompt_eval_count");
  if (outputTokens === undefined && promptTokens === undefined) return undefined;
  return { promptTokens, outputTokens };
}
