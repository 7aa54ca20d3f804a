// A JSON body checked and its top-level members found in place, on the bytes: no string of the
// whole body and no parsed copy of it (a 6 MB prompt would otherwise be held three times over while
// the router reads one field). String contents are skipped with indexOf; only the members a caller
// asks for are decoded. Duplicate keys stay, in order, as the server's decoder meets them.

/** One top-level member: its key (decoded) and its value, decoded on demand. */
export interface JsonMember {
  readonly key: string;
  /** The value's first character: `"`, `{`, `[`, `t`, `f`, `n`, or a number's. */
  readonly first: string;
  /** The value's JSON text. */
  text(): string;
}

export type ObjectScan =
  | { readonly ok: true; readonly members: readonly JsonMember[] }
  | { readonly ok: false; readonly error: string; readonly notObject?: boolean };

/** Go's decoder refuses deeper nesting ("exceeded max depth"). */
const MAX_DEPTH = 10_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

class Invalid extends Error {}

class Scanner {
  i = 0;
  constructor(readonly bytes: Buffer) {}

  fail(what: string): never {
    throw new Invalid(this.i >= this.bytes.length ? `unexpected end of the body (${what})` : `${what} at byte ${this.i}`);
  }

  space(): void {
    while (this.i < this.bytes.length && isSpace(this.bytes[this.i])) this.i++;
  }

  /** Past a string starting at `i` (a quote). */
  string(): void {
    let at = this.i + 1;
    for (;;) {
      const quote = this.bytes.indexOf(QUOTE, at);
      if (quote < 0) {
        this.i = this.bytes.length;
        this.fail("an unterminated string");
      }
      let backslashes = 0;
      for (let j = quote - 1; this.bytes[j] === BACKSLASH; j--) backslashes++;
      if (backslashes % 2 === 0) {
        this.i = quote + 1;
        return;
      }
      at = quote + 1;
    }
  }

  number(): void {
    const b = this.bytes;
    if (b[this.i] === 0x2d) this.i++;
    if (b[this.i] === 0x30) this.i++;
    else if (isDigit(b[this.i])) while (isDigit(b[this.i])) this.i++;
    else this.fail("an invalid number");
    if (b[this.i] === 0x2e) {
      this.i++;
      if (!isDigit(b[this.i])) this.fail("an invalid number");
      while (isDigit(b[this.i])) this.i++;
    }
    if (b[this.i] === 0x65 || b[this.i] === 0x45) {
      this.i++;
      if (b[this.i] === 0x2b || b[this.i] === 0x2d) this.i++;
      if (!isDigit(b[this.i])) this.fail("an invalid number");
      while (isDigit(b[this.i])) this.i++;
    }
  }

  literal(word: string): void {
    if (this.bytes.toString("latin1", this.i, this.i + word.length) !== word) this.fail("an invalid literal");
    this.i += word.length;
  }

  /** Past one value of any kind; nesting is followed with a stack, not recursion. */
  value(): void {
    const stack: number[] = []; // 0x7d (}) or 0x5d (])
    for (;;) {
      this.space();
      const b = this.bytes[this.i];
      if (b === 0x7b || b === 0x5b) {
        if (stack.length >= MAX_DEPTH) this.fail("nesting deeper than 10000");
        const close = b === 0x7b ? 0x7d : 0x5d;
        this.i++;
        this.space();
        if (this.bytes[this.i] === close) {
          this.i++;
        } else {
          stack.push(close);
          if (close === 0x7d) this.key();
          continue;
        }
      } else if (b === QUOTE) this.string();
      else if (b === 0x74) this.literal("true");
      else if (b === 0x66) this.literal("false");
      else if (b === 0x6e) this.literal("null");
      else if (b === 0x2d || isDigit(b)) this.number();
      else this.fail("an unexpected character");
      // after a value: the next one of the enclosing object or array, or its end
      for (;;) {
        if (stack.length === 0) return;
        this.space();
        const next = this.bytes[this.i];
        if (next === 0x2c) {
          this.i++;
          if (stack[stack.length - 1] === 0x7d) this.key();
          break;
        }
        if (next !== stack[stack.length - 1]) this.fail("a missing , or closing bracket");
        this.i++;
        stack.pop();
      }
    }
  }

  /** A key and its colon; returns the key's bytes [start, end) with the quotes. */
  key(): [number, number] {
    this.space();
    if (this.bytes[this.i] !== QUOTE) this.fail("a missing object key");
    const start = this.i;
    this.string();
    const end = this.i;
    this.space();
    if (this.bytes[this.i] !== 0x3a) this.fail("a missing :");
    this.i++;
    return [start, end];
  }
}

/**
 * Checks that `bytes` hold one JSON value and nothing else but white space, and when it is an
 * object, lists its members. (Go's decoder reads the first value and ignores what follows; the
 * router refuses a body with more, so the two never read different things.)
 */
export function scanObject(bytes: Buffer): ObjectScan {
  const s: Scanner = new Scanner(bytes); // typed, so a call to s.fail() ends the flow for the compiler
  try {
    s.space();
    if (bytes[s.i] !== 0x7b) {
      s.value();
      s.space();
      if (s.i < bytes.length) s.fail("data after the JSON value");
      return { ok: false, error: "the request body must be a JSON object", notObject: true };
    }
    const members: JsonMember[] = [];
    s.i++;
    s.space();
    if (bytes[s.i] === 0x7d) {
      s.i++;
    } else {
      for (;;) {
        const [keyStart, keyEnd] = s.key();
        s.space();
        const valueStart = s.i;
        s.value();
        const valueEnd = s.i;
        let key: string;
        try {
          key = JSON.parse(bytes.toString("utf8", keyStart, keyEnd)) as string;
        } catch {
          s.i = keyStart;
          s.fail("an invalid escape in a key");
        }
        members.push({ key, first: String.fromCharCode(bytes[valueStart]), text: () => bytes.toString("utf8", valueStart, valueEnd) });
        s.space();
        if (bytes[s.i] === 0x2c) {
          s.i++;
          continue;
        }
        if (bytes[s.i] !== 0x7d) s.fail("a missing , or }");
        s.i++;
        break;
      }
    }
    s.space();
    if (s.i < bytes.length) s.fail("data after the JSON object");
    return { ok: true, members };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, error: err.message };
    throw err;
  }
}
