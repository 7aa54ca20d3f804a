// The floor of the scaling metrics against the rule table's bounds: target tracking sets a group to
// ceil(servers x metric / target) servers, so an idle group must come down to one server, never to
// zero and never up.
import { MAX_GROUP_SIZE } from "../src/config/rules";
import { SCALING_LIMITS } from "../src/config/rules/kit";
import { floored, SCALING_METRIC_FLOOR } from "../src/constructs/servers/load-scaling";

const targetTracking = (servers: number, metric: number, target: number) => Math.ceil((servers * metric) / target);

test.each([
  ["requests per server per minute", SCALING_LIMITS.requestsPerMinute.min],
  ["GPU utilization", SCALING_LIMITS.gpuPercent.min],
  ["requests in flight per server", SCALING_LIMITS.concurrency.min],
])("an idle group of any size comes down to one server, at the least %s target", (_name, target) => {
  for (const servers of [1, 2, MAX_GROUP_SIZE]) expect(targetTracking(servers, SCALING_METRIC_FLOOR, target)).toBe(1);
});

test("the floor is a metric math expression over the one it floors", () => {
  expect(floored("FILL(m, 0)")).toBe(`IF(FILL(m, 0) < ${SCALING_METRIC_FLOOR}, ${SCALING_METRIC_FLOOR}, FILL(m, 0))`);
  expect(SCALING_METRIC_FLOOR).toBeGreaterThan(0);
});
