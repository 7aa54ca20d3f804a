import { averageCapacity, cronMatcher } from "../src/catalog/cron-week";
import { costTable, fleetCost, monitoringUsdPerMonth } from "../src/catalog/fleet-cost";
import { EC2_ON_DEMAND, HOURS_PER_MONTH, onDemandPrice } from "../src/catalog/prices";
import { parseServiceConfig } from "../src/config/load";

const BASE = {
  azs: ["us-east-1a", "us-east-1b"],
  vpc_id: "vpc-0a1b2c3d4e5f67890",
  vpc_cidr_block: "10.0.0.0/16",
  subnet_ids: ["subnet-0a1b2c3d4e5f11111", "subnet-0a1b2c3d4e5f22222"],
  region: "us-east-1",
};
const WEEKDAYS_7_TO_20 = [
  { name: "night", recurrence: "0 20 * * 1-5", min_size: 0, max_size: 0, desired_capacity: 0 },
  { name: "morning", recurrence: "0 7 * * 1-5", min_size: 1, max_size: 1, desired_capacity: 1 },
];
const config = (extra: object) => parseServiceConfig(JSON.stringify({ ...BASE, ...extra }), "test.json");

describe("cron over a week", () => {
  test("a cron matches its minutes, hours and weekdays (Sunday 0)", () => {
    const weekdayEvening = cronMatcher("0 20 * * 1-5");
    expect(weekdayEvening(new Date(Date.UTC(2026, 2, 2, 20, 0)))).toBe(true); // Monday
    expect(weekdayEvening(new Date(Date.UTC(2026, 2, 2, 20, 1)))).toBe(false);
    expect(weekdayEvening(new Date(Date.UTC(2026, 2, 8, 20, 0)))).toBe(false); // Sunday
    expect(cronMatcher("*/15 8-9 * * *")(new Date(Date.UTC(2026, 2, 4, 9, 45)))).toBe(true);
    expect(cronMatcher("*/15 8-9 * * *")(new Date(Date.UTC(2026, 2, 4, 10, 0)))).toBe(false);
  });

  test("off at 20:00 and on at 07:00 on weekdays: 13 hours on 5 days of 168 hours", () => {
    expect(averageCapacity(1, WEEKDAYS_7_TO_20.map((s) => ({ recurrence: s.recurrence, desiredCapacity: s.desired_capacity })))).toBeCloseTo((13 * 5) / 168, 6);
  });

  test("without schedules the group runs its desired capacity all week", () => {
    expect(averageCapacity(2, [])).toBe(2);
  });
});

describe("fleet cost", () => {
  test("an instance costs its type's hourly price around the clock", () => {
    // GIVEN one instance model on a catalogued type
    const [cost] = fleetCost(config({ llm_ec2_configs: [{ llm_model: "llama3:8b", instance_type: "g5.xlarge", ebs_volume_gb: 100, app_port: 11434 }] }));
    // THEN
    expect(cost.usdPerHour).toBe(EC2_ON_DEMAND.usdPerHour["g5.xlarge"]);
    expect(cost.usdPerMonth).toBeCloseTo(EC2_ON_DEMAND.usdPerHour["g5.xlarge"] * HOURS_PER_MONTH, 6);
    expect(cost.scheduledUsdPerMonth).toBeUndefined();
  });

  test("a group costs its desired servers, and its schedules' share of the week", () => {
    const [cost] = fleetCost(
      config({
        default_server_mode: "asg",
        llm_ec2_configs: [{ llm_model: "llama3:8b", instance_type: "g6.xlarge", ebs_volume_gb: 100, app_port: 11434, min_size: 0, max_size: 2, desired_capacity: 2 }],
        schedules: WEEKDAYS_7_TO_20,
      }),
    );
    const hourly = EC2_ON_DEMAND.usdPerHour["g6.xlarge"];
    expect(cost.usdPerMonth).toBeCloseTo(hourly * 2 * HOURS_PER_MONTH, 6);
    // 2 servers until the first night; afterwards the morning brings back 1.
    expect(cost.scheduledServers).toBeCloseTo((13 * 5) / 168, 6);
    expect(cost.scheduledUsdPerMonth).toBeCloseTo((hourly * HOURS_PER_MONTH * 65) / 168, 6);
  });

  test("a type or region the catalog does not hold has no price, and the table says so", () => {
    expect(onDemandPrice("g5.xlarge", "eu-west-1")).toBeUndefined();
    expect(onDemandPrice("g5g.16xlarge", "us-east-1")).toBeUndefined();
    const table = costTable(config({ region: "eu-west-1", azs: ["eu-west-1a", "eu-west-1b"], llm_ec2_configs: [{ llm_model: "a:1b", instance_type: "g5g.16xlarge", ebs_volume_gb: 100, app_port: 11434 }] }));
    expect(table).toContain("No price in the catalog for eu-west-1: the prices shown are us-east-1's");
    expect(table).toContain("No price in the catalog for g5g.16xlarge");
    expect(table).toMatch(/g5g\.16xlarge\s+instance\s+no price\s+no price/);
  });

  test("monitoring: 3 USD for the dashboard and 0.40 USD a model, nothing when off", () => {
    expect(monitoringUsdPerMonth(true, 2)).toBeCloseTo(3.8, 6);
    expect(monitoringUsdPerMonth(false, 2)).toBe(0);
  });

  test("the table names the price source and the spot caveat", () => {
    const table = costTable(config({ llm_ec2_configs: [{ llm_model: "a:1b", instance_type: "g4dn.xlarge", ebs_volume_gb: 100, app_port: 11434 }] }));
    expect(table).toContain(EC2_ON_DEMAND.source);
    expect(table).toContain("up to 90% less than on-demand");
    expect(table).toContain("Servers in total: $383.98 a month.");
  });
});
