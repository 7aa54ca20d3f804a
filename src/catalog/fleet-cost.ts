import { ScalingSchedule, ServiceConfig } from "../config/types";
import { averageCapacity } from "./cron-week";
import { EC2_ON_DEMAND, HOURS_PER_MONTH, onDemandPrice, PriceCatalog, SPOT_NOTE } from "./prices";

/** CloudWatch, us-east-1: a dashboard a month, and an alarm metric a month (standard resolution). */
export const DASHBOARD_USD_PER_MONTH = 3;
export const ALARM_METRIC_USD_PER_MONTH = 0.1;
/** Each model's two alarms read two metrics each. */
export const ALARM_METRICS_PER_MODEL = 4;

export interface ModelCost {
  readonly model: string;
  readonly instanceType: string;
  readonly serverMode: string;
  /** Servers when running around the clock (the model's desired capacity; 1 for an instance). */
  readonly servers: number;
  /** On-demand, per server; undefined when the catalog has no price for the type in the region. */
  readonly usdPerHour?: number;
  readonly usdPerMonth?: number;
  /** Average servers over a week of its schedules; undefined without schedules. */
  readonly scheduledServers?: number;
  readonly scheduledUsdPerMonth?: number;
  readonly spot: boolean;
}

function schedulesOf(model: string, schedules: readonly ScalingSchedule[]): ScalingSchedule[] {
  return schedules.filter((s) => s.models === undefined || s.models === null || s.models.includes(model));
}

/**
 * What each model's servers cost on demand, around the clock and under its schedules, at the
 * catalog's prices (of its region, which may not be the deployment's: see costTable).
 */
export function fleetCost(config: ServiceConfig, catalog: PriceCatalog = EC2_ON_DEMAND): ModelCost[] {
  const region = catalog.region;
  return config.llm_ec2_configs.map((c) => {
    const asg = c.server_mode === "asg";
    const servers = asg ? c.desired_capacity : 1;
    const price = onDemandPrice(c.instance_type, region, catalog);
    const schedules = asg ? schedulesOf(c.llm_model, config.schedules ?? []) : [];
    const scheduledServers =
      schedules.length === 0 ? undefined : averageCapacity(servers, schedules.map((s) => ({ recurrence: s.recurrence, desiredCapacity: s.desired_capacity })));
    return {
      model: c.llm_model,
      instanceType: c.instance_type,
      serverMode: c.server_mode,
      servers,
      usdPerHour: price,
      usdPerMonth: price === undefined ? undefined : price * servers * HOURS_PER_MONTH,
      scheduledServers,
      scheduledUsdPerMonth: price === undefined || scheduledServers === undefined ? undefined : price * scheduledServers * HOURS_PER_MONTH,
      spot: asg && c.spot,
    };
  });
}

/** The monthly cost of monitoring for `models` models (0 when it is off). */
export function monitoringUsdPerMonth(enabled: boolean, models: number): number {
  return enabled ? DASHBOARD_USD_PER_MONTH + models * ALARM_METRICS_PER_MODEL * ALARM_METRIC_USD_PER_MONTH : 0;
}

const usd = (n: number | undefined): string => (n === undefined ? "no price" : `$${n.toFixed(n < 1 ? 3 : n < 1000 ? 2 : 0)}`);

/** The synth report: what each model costs, said before apply. */
export function costTable(config: ServiceConfig, catalog: PriceCatalog = EC2_ON_DEMAND): string {
  const region = config.region ?? catalog.region;
  const costs = fleetCost(config, catalog);
  const rows = costs.map((c) => [
    c.model,
    c.instanceType,
    c.serverMode === "asg" ? `asg x${c.servers}${c.spot ? " spot" : ""}` : "instance",
    usd(c.usdPerHour),
    usd(c.usdPerMonth),
    c.scheduledServers === undefined ? "-" : `${usd(c.scheduledUsdPerMonth)} (${c.scheduledServers.toFixed(2)} servers on average)`,
  ]);
  const header = ["model", "instance type", "servers", `$/hour each (${catalog.region})`, "$/month 24x7", "$/month with schedules"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const known = costs.filter((c) => c.usdPerMonth !== undefined);
  const total = known.reduce((sum, c) => sum + (c.scheduledUsdPerMonth ?? c.usdPerMonth ?? 0), 0);
  const missing = costs.filter((c) => c.usdPerHour === undefined).map((c) => c.instanceType);
  const notes = [
    `On-demand prices: ${catalog.source}, read ${catalog.retrieved}; ${HOURS_PER_MONTH} hours a month; EBS, load balancer, API and data transfer not included.`,
    ...(region === catalog.region ? [] : [`No price in the catalog for ${region}: the prices shown are ${catalog.region}'s (prices differ by region).`]),
    missing.length > 0
      ? `No price in the catalog for ${[...new Set(missing)].join(", ")}; the total leaves them out.`
      : `Servers in total: ${usd(total)} a month${costs.some((c) => c.scheduledServers !== undefined) ? " with the schedules" : ""}.`,
    `Spot (models with spot = true): ${SPOT_NOTE}.`,
    `Monitoring: ${usd(monitoringUsdPerMonth(config.monitoring_enabled ?? true, costs.length))} a month (CloudWatch: $${DASHBOARD_USD_PER_MONTH} the dashboard, ` +
      `$${(ALARM_METRICS_PER_MODEL * ALARM_METRIC_USD_PER_MONTH).toFixed(2)} a model's alarms; the first 3 dashboards and 10 alarm metrics of an account are free).`,
  ];
  return [line(header), ...rows.map(line), "", ...notes].join("\n");
}
