import { readFileSync } from "fs";
import * as path from "path";
import { apiRoutes, INDEX_ROUTES } from "../src/constructs/http-api";
import { endpointTable, SECURITY_DOC, TABLE_END, TABLE_START, withEndpointTable } from "../src/docs/endpoint-table";
import { ENDPOINTS, openEndpoints, routeKey } from "../src/router/endpoints";

const root = path.resolve(__dirname, "..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

/** The rows of the committed table: `METHOD /path` -> its cells. */
function tableRows(text: string): Map<string, string[]> {
  const table = text.slice(text.indexOf(TABLE_START), text.indexOf(TABLE_END));
  const rows = table.split("\n").filter((line) => line.startsWith("| `"));
  return new Map(
    rows.map((line) => {
      const cells = line.split("|").slice(1, -1).map((cell) => cell.trim().replace(/`/g, ""));
      return [`${cells[0]} ${cells[1]}`, cells];
    }),
  );
}

describe("docs/security.md: what each door lets through", () => {
  const doc = read(SECURITY_DOC);

  test("the committed table is the one generated from the allowlist (npm run build:docs rewrites it)", () => {
    expect(doc).toContain(endpointTable());
    expect(withEndpointTable(doc)).toBe(doc);
  });

  test("the table lists every endpoint of the allowlist once, and nothing else", () => {
    expect([...tableRows(doc).keys()]).toEqual(ENDPOINTS.map(routeKey));
  });

  test("a row is open always exactly when the API routes it without the management flag, and with it otherwise", () => {
    // GIVEN the API's routes with the flag off and on (the routes of `/` are routes of their own)
    const off = new Set([...Object.keys(apiRoutes(false)), ...Object.keys(INDEX_ROUTES)]);
    const on = new Set([...Object.keys(apiRoutes(true)), ...Object.keys(INDEX_ROUTES)]);
    for (const [key, cells] of tableRows(doc)) {
      // THEN what the row says is what the API does
      expect({ key, open: cells[3], off: off.has(key), on: on.has(key) }).toEqual({ key, open: cells[3], off: cells[3] === "always", on: true });
    }
    // and the flag off opens exactly the allowlist's open endpoints
    expect([...off].sort()).toEqual(openEndpoints(false).map(routeKey).sort());
  });

  test("the README links it, and its first section says what is open by default and how to close it", () => {
    expect(read("README.md")).toContain("](docs/security.md)");
    const start = doc.indexOf("## What is on by default, and what is not");
    const end = doc.indexOf("## Policy rules as code");
    expect({ start: start >= 0, end: end > start }).toEqual({ start: true, end: true });
    const defaults = doc.slice(start, end);
    for (const input of ["api_gw_authorization", "api_gw_acknowledge_no_authorization", "api_gw_allow_model_management", "router_enabled"]) {
      expect(defaults).toContain(input);
    }
  });
});
