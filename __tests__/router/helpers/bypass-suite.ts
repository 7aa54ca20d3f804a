// The bypass matrix as a suite for one way of running the router (see bypass-matrix.ts).
import { ROUTING_HEADER } from "../../../src/router/endpoints";
import { expectedRecords, MATRIX_MODEL, matrixCases, runMatrix, violation } from "./bypass-matrix";
import { Fleet, startFleet, StartRouter } from "./setup";

export const SERVED = ["llama3:latest", "qwen2:latest"];

/** @param frontKeepsPath the function URL's front hands the function only the path of an absolute-form target */
export function describeBypassMatrix(label: string, start: StartRouter, frontKeepsPath: boolean): void {
  describe(`the bypass matrix through the ${label}`, () => {
    let fleet: Fleet;
    beforeAll(async () => {
      fleet = await startFleet(SERVED.map((model) => ({ model, chunkDelayMs: 0 })));
    });
    afterAll(async () => {
      await fleet?.close();
    });

    test.each([
      [false, "every spelling of management, of the server's other routes, and of disguised calls"],
      [true, "every spelling of management"],
    ] as [boolean, string][])("model management allowed: %s; %s, with every method: only canonical calls of the allowlist reach the ALB, with the router's routing key", async (allow) => {
      // GIVEN a router with model management closed (or open), and a client that also sends its own routing header and credentials
      const rut = await start({ albUrl: fleet.alb.url, models: SERVED, allowModelManagement: allow });
      try {
        const cases = matrixCases(allow ? "management" : "all");
        const before = fleet.alb.received.length;
        // WHEN every case is sent
        const answers = await runMatrix(rut.url, cases);
        // THEN the ALB received nothing outside the allowlist
        const received = fleet.alb.received.slice(before);
        const violations = received.map((r) => [r.method, r.url, violation(r, SERVED, allow)]).filter(([, , v]) => v !== undefined);
        expect(violations).toEqual([]);
        // AND exactly the canonical open calls among the cases went through
        const expected = cases.reduce((sum, c) => sum + expectedRecords(c, SERVED, allow, frontKeepsPath), 0);
        expect(received).toHaveLength(expected);
        expect(expected).toBeGreaterThan(allow ? 12 : 7);
        // AND each went to the server of the model its body names, whatever the client said
        for (const r of received.filter((r) => r.method === "POST" && !r.url.startsWith("/api/blobs"))) {
          expect([r.url, r.routedTo, r.headers[ROUTING_HEADER]]).toEqual([r.url, MATRIX_MODEL, MATRIX_MODEL]);
        }
        // AND everything else was answered by the router (or refused by the HTTP parser) with a client error
        const notForwarded = cases.map((c, i) => ({ ...c, status: answers[i].status })).filter((c) => expectedRecords(c, SERVED, allow, frontKeepsPath) === 0);
        expect(notForwarded.filter((c) => !(c.status >= 400 && c.status < 500))).toEqual([]);
        expect(notForwarded.length).toBeGreaterThan(allow ? 1_000 : 4_000);
      } finally {
        await rut.close();
      }
    });
  });
}
