// The XML reader the router uses for Auto Scaling's answers.
import { at, child, parseXml } from "../../src/router/xml";

test("reads elements, text and entities, skipping the declaration, attributes and comments", () => {
  const root = parseXml(
    '<?xml version="1.0"?>\n<A xmlns="urn:x"><!-- c --><B k="v">x &amp; y &lt;3&#x21;&#33;</B><C/><D><B>inner</B></D></A>',
  );
  expect(root.name).toBe("A");
  expect(child(root, "B")!.text).toBe("x & y <3!!");
  expect(child(root, "C")!.children).toEqual([]);
  // a path reads direct children: the nested B is D's, not A's
  expect(at(root, "D", "B")!.text).toBe("inner");
  expect(root.children.filter((c) => c.name === "B")).toHaveLength(1);
});

test.each([
  ["<A><B></A>", /closes <A> where it is not open|left open/],
  ["<A></B>", /closes <B>/],
  ["<A/><B/>", /exactly one root/],
  ["<A><![CDATA[x]]></A>", /CDATA or a DTD/],
  ["<A>a < b</A>", /malformed/],
])("refuses %s", (text, problem) => {
  expect(() => parseXml(text)).toThrow(problem);
});
