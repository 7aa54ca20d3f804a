/**
 * Offset of the first character at which `text` stops being JSON, or -1 when it is valid. Node
 * 20's JSON.parse does not always say where it failed; a config error must name the place.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new JsonStop(i);
  };
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const expect = (char: string) => {
    space();
    if (text[i] !== char) fail();
    i++;
  };
  const string = () => {
    expect('"');
    while (text[i] !== '"') {
      if (i >= text.length || text.charCodeAt(i) < 0x20) fail();
      i += text[i] === "\\" ? 2 : 1;
    }
    i++;
  };
  const members = (close: string, member: () => void) => {
    i++;
    space();
    if (text[i] === close) return void i++;
    for (;;) {
      member();
      space();
      if (text[i] === close) return void i++;
      expect(",");
    }
  };
  const value = (): void => {
    space();
    if (text[i] === "{") return members("}", () => (string(), expect(":"), value()));
    if (text[i] === "[") return members("]", value);
    if (text[i] === '"') return string();
    const literal = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!literal) fail();
    i += literal![0].length;
  };
  try {
    value();
    space();
    if (i < text.length) fail();
    return -1;
  } catch (stop) {
    if (stop instanceof JsonStop) return stop.offset;
    throw stop;
  }
}

class JsonStop {
  constructor(readonly offset: number) {}
}
