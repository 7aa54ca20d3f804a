// Just enough XML to read an AWS Query API answer (Auto Scaling's): elements, text and the five
// predefined entities. Attributes, comments, processing instructions and the declaration are
// skipped; CDATA and DTDs do not occur in these answers and are refused.

export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  /** The element's own text (its children's excluded), entities decoded. */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith("#x")) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

/** The document's root element; throws on text that is not well-formed in the subset above. */
export function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: "", children: [], text: "" };
  const stack: XmlElement[] = [root];
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!/g;
  let at = 0;
  for (let m = tag.exec(text); m !== null; m = tag.exec(text)) {
    const between = text.slice(at, m.index);
    if (between.includes("<")) throw new Error(`malformed XML near offset ${at}`);
    stack[stack.length - 1].text += decode(between);
    at = tag.lastIndex;
    if (m[0] === "<!") throw new Error("XML with CDATA or a DTD is not read");
    if (m[2] === undefined) continue; // declaration, processing instruction or comment
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (open === undefined || open === root || open.name !== name) throw new Error(`XML closes <${name}> where it is not open`);
      continue;
    }
    const element: XmlElement = { name, children: [], text: "" };
    stack[stack.length - 1].children.push(element);
    if (!selfClosing) stack.push(element);
  }
  if (text.slice(at).includes("<")) throw new Error(`malformed XML near offset ${at}`);
  if (stack.length !== 1 || root.children.length !== 1) throw new Error("XML without exactly one root element, or with an element left open");
  return root.children[0];
}

/** The first child named `name` (namespace prefixes ignored), or undefined. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name || c.name.endsWith(`:${name}`));
}

/** The element at a path of child names from `element`, or undefined. */
export function at(element: XmlElement | undefined, ...path: string[]): XmlElement | undefined {
  return path.reduce<XmlElement | undefined>((e, name) => child(e, name), element);
}
