import { averageCapacity, cronMatcher } from "../src/catalog/cron-week";
import { readFileSync } from "fs";
import * as path from "path";
import { costSummary, costTable, usd } from "../src/catalog/fleet-cost";
import { HOURS_PER_MONTH, PRICES } from "../src/catalog/prices";
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

const EXAMPLE = path.join(__dirname, "..", "config", "llm-service.example.json");
const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1"];

/** The last dollar amount of a line, as the table prints it. */
const amountOf = (line: string): number => Number(/\$([0-9,]+\.[0-9]{2})$/.exec(line)![1].replace(/,/g, ""));

describe("the price catalog", () => {
  test("covers the six regions, each figure with a status, a source and a date", () => {
    expect(Object.keys(PRICES).sort()).toEqual([...REGIONS].sort());
    for (const region of REGIONS) {
      const p = PRICES[region];
      const figures = [...Object.values(p.ec2), p.gp3.gbMonth, p.gp3.iopsMonth, p.gp3.mibpsMonth, p.alb.hour, p.alb.lcuHour, p.httpApiPerMillion, p.lambda.gbSecond, p.lambda.perMillionRequests, p.cloudwatch.dashboardMonth, p.cloudwatch.alarmMetricMonth, p.nat.hour, p.nat.gb];
      for (const f of figures) {
        expect(f.usd).toBeGreaterThan(0);
        expect(["confirmed", "estimate"]).toContain(f.status);
        expect(f.source).toMatch(/https:\/\//);
      }
      expect(p.retrieved).toMatch(/^20[0-9]{2}-[01][0-9]$/);
    }
  });
});

describe("the monthly cost summary", () => {
  const example = () => parseServiceConfig(readFileSync(EXAMPLE, "utf8"), EXAMPLE);

  test("GIVEN the example config in ap-southeast-1 THEN every line has a price and the total is the sum of its parts", () => {
    // GIVEN
    const config = example();
    expect(config.region).toBe("ap-southeast-1");
    // WHEN
    const table = costTable(config);
    // THEN no line lacks a price
    expect(table).not.toMatch(/no price/i);
    // AND the total equals what the catalog's raw figures give, computed here independently
    const p = PRICES["ap-southeast-1"];
    const perServer =
      (model: { instance_type: string; ebs_volume_gb: number }) =>
        p.ec2[model.instance_type].usd * HOURS_PER_MONTH +
        model.ebs_volume_gb * p.gp3.gbMonth.usd +
        (config.ebs_iops - 3000) * p.gp3.iopsMonth.usd +
        (config.ebs_throughput_mibps - 125) * p.gp3.mibpsMonth.usd;
    const expected =
      config.llm_ec2_configs.reduce((sum, m) => sum + perServer(m), 0) +
      p.alb.hour.usd * HOURS_PER_MONTH +
      (config.monitoring_enabled ? p.cloudwatch.dashboardMonth.usd + config.llm_ec2_configs.length * 4 * p.cloudwatch.alarmMetricMonth.usd : 0);
    const totalLine = table.split("\n").find((l) => /^\s+total\s/.test(l))!;
    expect(amountOf(totalLine)).toBeCloseTo(expected, 2);
    // AND the printed lines add up to the printed total (to the cent each)
    const itemLines = table.split("\n").filter((l) => /\$[0-9,]+\.[0-9]{2}$/.test(l) && !/^\s+total\s/.test(l));
    expect(itemLines.length).toBe(config.llm_ec2_configs.length * 2 + 2);
    expect(Math.abs(itemLines.reduce((sum, l) => sum + amountOf(l), 0) - amountOf(totalLine))).toBeLessThan(0.01 * itemLines.length);
    // AND the router's per-million price, NAT and the estimate mark are said
    expect(table).toMatch(/router \(Lambda, arm64\): \$0\.20 plus/);
    expect(table).toMatch(/NAT gateway .*\$0\.059\/hour/);
    expect(table).toContain("* marks an estimate");
  });

  test("the same example in us-east-1 prices with that region's catalog", () => {
    const config = { ...example(), region: "us-east-1" };
    const summary = costSummary(config);
    expect(summary.missing).toEqual([]);
    const servers = summary.lines.filter((l) => l.item.startsWith("servers"));
    expect(servers.map((l) => l.usdPerMonth)).toEqual(config.llm_ec2_configs.map((m) => PRICES["us-east-1"].ec2[m.instance_type].usd * HOURS_PER_MONTH));
  });

  test("a schedule's share of the week and spot are priced as such; a type the region lacks is named and left out", () => {
    // GIVEN a spot group off at night, and an instance of a type the catalog lacks in eu-west-1
    const config = parseServiceConfig(
      JSON.stringify({
        ...BASE,
        region: "eu-west-1",
        azs: ["eu-west-1a", "eu-west-1b"],
        llm_ec2_configs: [
          { llm_model: "llama3:8b", instance_type: "g5.xlarge", ebs_volume_gb: 100, app_port: 11434, server_mode: "asg", min_size: 0, max_size: 2, desired_capacity: 2, spot: true },
          { llm_model: "a:1b", instance_type: "g5g.16xlarge", ebs_volume_gb: 100, app_port: 11434 },
        ],
        schedules: WEEKDAYS_7_TO_20,
      }),
      "test.json",
    );
    // WHEN
    const summary = costSummary(config);
    const table = costTable(config);
    // THEN the group costs its average servers, as an upper bound
    const [group] = summary.lines;
    expect(group.upperBound).toBe(true);
    expect(group.usdPerMonth).toBeCloseTo(PRICES["eu-west-1"].ec2["g5.xlarge"].usd * HOURS_PER_MONTH * (65 / 168), 6);
    expect(table).toMatch(/0\.39 servers on average \(schedules\) x g5\.xlarge, spot \(at most/);
    expect(table).toMatch(/at most \$/);
    // AND the missing type is named and left out of the total
    expect(summary.missing).toEqual(["g5g.16xlarge in eu-west-1"]);
    expect(table).toMatch(/g5g\.16xlarge: no price in the catalog +no price/);
    expect(table).toContain("total of the lines with a price (without g5g.16xlarge in eu-west-1)");
  });

  test("GIVEN two models of a type the region's catalog lacks THEN the total names that type once", () => {
    const config = parseServiceConfig(
      JSON.stringify({
        ...BASE,
        region: "eu-west-1",
        azs: ["eu-west-1a", "eu-west-1b"],
        llm_ec2_configs: [
          { llm_model: "llama3:8b", instance_type: "g5g.16xlarge", ebs_volume_gb: 100, app_port: 11434 },
          { llm_model: "qwen2:7b", instance_type: "g5g.16xlarge", ebs_volume_gb: 100, app_port: 11434 },
        ],
      }),
      "test.json",
    );
    const table = costTable(config);
    expect(costSummary(config).missing).toEqual(["g5g.16xlarge in eu-west-1"]);
    expect(table.match(/no price in the catalog/g)).toHaveLength(2);
    expect(table).toContain("total of the lines with a price (without g5g.16xlarge in eu-west-1)");
  });

  test("scaling adds its alarm metrics per model: two alarms per target tracking policy on its metrics, four for the idle alarm", () => {
    // GIVEN one model scaling on requests and requests in flight and to zero, and one on GPU
    const config = parseServiceConfig(
      JSON.stringify({
        ...BASE,
        router_enabled: true,
        llm_ec2_configs: [
          {
            llm_model: "llama3:8b", instance_type: "g5.xlarge", ebs_volume_gb: 100, app_port: 11434, server_mode: "asg", min_size: 0, max_size: 3, desired_capacity: 0,
            scaling: { requests_per_server_per_minute: 30, concurrent_requests_per_server: 2, scale_to_zero_after_minutes: 30 },
          },
          { llm_model: "qwen2:7b", instance_type: "g5.xlarge", ebs_volume_gb: 100, app_port: 11434, server_mode: "asg", max_size: 2, scaling: { gpu_utilization_percent: 70 } },
        ],
      }),
      "test.json",
    );
    // WHEN
    const summary = costSummary(config);
    // THEN
    const scaling = summary.lines.filter((l) => l.item.startsWith("scaling"));
    expect(scaling.map((l) => [l.model, l.usdPerMonth])).toEqual([
      ["llama3:8b", (2 + 4 + 4) * PRICES["us-east-1"].cloudwatch.alarmMetricMonth.usd],
      ["qwen2:7b", 2 * PRICES["us-east-1"].cloudwatch.alarmMetricMonth.usd],
    ]);
    expect(summary.notes.join("\n")).toMatch(/scales to zero: its servers line counts its desired_capacity all month/);
    expect(summary.notes.join("\n")).toMatch(/custom metrics the scaling reads .* at \$0\.30 each a month/);
    // AND a fleet without scaling says none of it
    expect(costSummary({ ...config, llm_ec2_configs: config.llm_ec2_configs.map((c) => ({ ...c, scaling: null })) }).notes.join("\n")).not.toMatch(/scal/);
  });

  test("one number format: dollars with thousands separators and cents", () => {
    expect(usd(1234.5)).toBe("$1,234.50");
    expect(usd(0.5628, 10)).toBe("$0.5628");
    expect(usd(3)).toBe("$3.00");
  });
});
