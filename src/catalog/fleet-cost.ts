import { ModelScaling, ScalingSchedule, ServiceConfig } from "../config/types";
import { averageCapacity } from "./cron-week";
import { weightsGiB } from "./weights-on-disk";
import { vllmFit } from "./vllm-fit";
import { GP3_INCLUDED, HOURS_PER_MONTH, Price, regionPrices, RegionPrices, SPOT_NOTE } from "./prices";
import { S3_PRICES } from "./s3-prices";

/** Each model's two alarms read two metrics each. */
export const ALARM_METRICS_PER_MODEL = 4;
/**
 * The alarm metrics a model's scaling adds: Auto Scaling makes two alarms for each target tracking
 * policy (scale out, scale in), each reading the policy's metrics (one for requests and GPU, two for
 * the requests in flight); the idle alarm of a model that scales to zero reads four.
 */
export function scalingAlarmMetrics(scaling: ModelScaling | null): number {
  if (scaling === null) return 0;
  const set = (v: number | undefined) => v !== undefined && v !== null;
  return (
    (set(scaling.requests_per_server_per_minute) ? 2 : 0) +
    (set(scaling.gpu_utilization_percent) ? 2 : 0) +
    (set(scaling.concurrent_requests_per_server) ? 2 * 2 : 0) +
    (set(scaling.scale_to_zero_after_minutes) ? 4 : 0)
  );
}

/** The request duration the router's per-million figure is given for; the real one is the length of a generation. */
export const EXAMPLE_REQUEST_SECONDS = 10;

/** One line of the monthly summary. */
export interface CostLine {
  /** The model it belongs to, or undefined for what the fleet shares. */
  readonly model?: string;
  readonly item: string;
  /** Undefined when the catalog has no figure for it. */
  readonly usdPerMonth?: number;
  /** Built from at least one estimated figure. */
  readonly estimate: boolean;
  /** A spot server: the on-demand price is the most it can cost. */
  readonly upperBound?: boolean;
}

/** A price per million requests, which the monthly total cannot include (it depends on traffic). */
export interface UsageLine {
  readonly item: string;
  readonly text: string;
  readonly estimate: boolean;
}

export interface CostSummary {
  readonly region: string;
  readonly retrieved?: string;
  readonly lines: readonly CostLine[];
  /** The sum of the lines that have a figure. */
  readonly totalUsdPerMonth: number;
  /** Items without a figure, left out of the total. */
  readonly missing: readonly string[];
  readonly perMillionRequests: readonly UsageLine[];
  readonly notes: readonly string[];
}

/** Average servers of a model over a week: its desired capacity, or what its schedules make of it. */
export function averageServers(config: ServiceConfig, model: ServiceConfig["llm_ec2_configs"][number]): { servers: number; scheduled: boolean } {
  if (model.server_mode !== "asg") return { servers: 1, scheduled: false };
  const schedules = (config.schedules ?? []).filter((s: ScalingSchedule) => s.models === undefined || s.models === null || s.models.includes(model.llm_model));
  if (schedules.length === 0) return { servers: model.desired_capacity, scheduled: false };
  return {
    servers: averageCapacity(model.desired_capacity, schedules.map((s) => ({ recurrence: s.recurrence, desiredCapacity: s.desired_capacity }))),
    scheduled: true,
  };
}

/** A gp3 volume a month: its size, and the IOPS and throughput above what its price includes. */
export function rootVolumeUsdPerMonth(prices: RegionPrices, gb: number, iops: number, mibps: number): number {
  return (
    gb * prices.gp3.gbMonth.usd +
    Math.max(0, iops - GP3_INCLUDED.iops) * prices.gp3.iopsMonth.usd +
    Math.max(0, mibps - GP3_INCLUDED.mibps) * prices.gp3.mibpsMonth.usd
  );
}

const anyEstimate = (...prices: Array<Price | undefined>): boolean => prices.some((p) => p?.status === "estimate");

/** One format for every amount: US dollars, thousands separated, cents (more decimals only where a rate has them). */
export function usd(n: number, maxDecimals = 2): string {
  return `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: Math.max(2, maxDecimals) })}`;
}
const rate = (p: Price): string => usd(p.usd, 10);

/** What the config's fleet costs a month in its region, line by line, at the catalog's prices. */
export function costSummary(config: ServiceConfig): CostSummary {
  const region = config.region ?? "us-east-1";
  const prices = regionPrices(region);
  const lines: CostLine[] = [];
  const missing: string[] = [];
  if (!prices) {
    return {
      region,
      lines: [],
      totalUsdPerMonth: 0,
      missing: [`every item: the catalog has no prices for ${region}`],
      perMillionRequests: [],
      notes: [],
    };
  }
  for (const model of config.llm_ec2_configs) {
    const { servers, scheduled } = averageServers(config, model);
    const count = scheduled ? `${servers.toFixed(2)} servers on average (schedules)` : `${servers} server${servers === 1 ? "" : "s"}`;
    const price = prices.ec2[model.instance_type];
    const spot = model.server_mode === "asg" && model.spot;
    if (price === undefined) {
      const what = `${model.instance_type} in ${region}`;
      if (!missing.includes(what)) missing.push(what);
      lines.push({ model: model.llm_model, item: `servers: ${count} x ${model.instance_type}: no price in the catalog`, estimate: false });
    } else {
      lines.push({
        model: model.llm_model,
        item: `servers: ${count} x ${model.instance_type}, ${spot ? `spot (at most the on-demand ${rate(price)}/hour)` : `on demand ${rate(price)}/hour`}`,
        usdPerMonth: price.usd * servers * HOURS_PER_MONTH,
        estimate: anyEstimate(price),
        upperBound: spot,
      });
    }
    const gp3 = prices.gp3;
    lines.push({
      model: model.llm_model,
      item:
        `root volume${servers === 1 ? "" : "s"}: ${model.ebs_volume_gb} GB gp3 at ${rate(gp3.gbMonth)}/GB, ${config.ebs_iops} IOPS, ` +
        `${config.ebs_throughput_mibps} MiB/s (above ${GP3_INCLUDED.iops} IOPS ${rate(gp3.iopsMonth)} each, above ${GP3_INCLUDED.mibps} MiB/s ${rate(gp3.mibpsMonth)} each)`,
      usdPerMonth: rootVolumeUsdPerMonth(prices, model.ebs_volume_gb, config.ebs_iops, config.ebs_throughput_mibps) * servers,
      estimate: anyEstimate(gp3.gbMonth, config.ebs_iops > GP3_INCLUDED.iops ? gp3.iopsMonth : undefined, config.ebs_throughput_mibps > GP3_INCLUDED.mibps ? gp3.mibpsMonth : undefined),
    });
    const scalingMetrics = model.server_mode === "asg" ? scalingAlarmMetrics(model.scaling) : 0;
    if (scalingMetrics > 0) {
      const cw = prices.cloudwatch;
      lines.push({
        model: model.llm_model,
        item: `scaling: ${scalingMetrics} alarm metrics at ${rate(cw.alarmMetricMonth)} (target tracking's two alarms per policy, the idle alarm)`,
        usdPerMonth: scalingMetrics * cw.alarmMetricMonth.usd,
        estimate: anyEstimate(cw.alarmMetricMonth),
      });
    }
  }
  lines.push({
    item: `load balancer: ${rate(prices.alb.hour)}/hour`,
    usdPerMonth: prices.alb.hour.usd * HOURS_PER_MONTH,
    estimate: anyEstimate(prices.alb.hour),
  });
  if (config.monitoring_enabled) {
    const metrics = config.llm_ec2_configs.length * ALARM_METRICS_PER_MODEL;
    const cw = prices.cloudwatch;
    lines.push({
      item: `monitoring: 1 dashboard at ${rate(cw.dashboardMonth)}, ${metrics} alarm metrics at ${rate(cw.alarmMetricMonth)}`,
      usdPerMonth: cw.dashboardMonth.usd + metrics * cw.alarmMetricMonth.usd,
      estimate: anyEstimate(cw.dashboardMonth, cw.alarmMetricMonth),
    });
  }
  if (config.model_cache_bucket) {
    const s3 = S3_PRICES[region];
    // Each model once: a vLLM repository's weights in the format it is served in (the fit estimate's), an Ollama model's by its tag.
    const models = new Map(config.llm_ec2_configs.map((c) => [c.llm_model, c.engine === "vllm" ? vllmFit(c).weightsGiB : weightsGiB(c.llm_model)]));
    const gib = [...models.values()].reduce((sum: number, w) => sum + (w ?? 0), 0);
    const gb = (gib * 1024 ** 3) / 1e9;
    if (s3 === undefined) missing.push(`S3 in ${region}`);
    lines.push({
      item: s3
        ? `weight cache: about ${gb.toFixed(1)} GB of weights in S3 Standard at ${rate(s3.gbMonth)}/GB-month (requests: see docs/weight-cache.md)`
        : "weight cache: no S3 price in the catalog",
      ...(s3 ? { usdPerMonth: gb * s3.gbMonth.usd } : {}),
      estimate: s3 ? anyEstimate(s3.gbMonth) : false,
    });
  }
  const perMillionRequests: UsageLine[] = [];
  if (config.router_enabled) {
    const gb = config.router_memory_mb / 1024;
    const perSecond = gb * prices.lambda.gbSecond.usd * 1_000_000;
    const example = prices.lambda.perMillionRequests.usd + perSecond * EXAMPLE_REQUEST_SECONDS;
    perMillionRequests.push({
      item: "router (Lambda, arm64)",
      text:
        `${rate(prices.lambda.perMillionRequests)} plus ${usd(perSecond)} for each second a request lasts at ${config.router_memory_mb} MB ` +
        `(${rate(prices.lambda.gbSecond)} per GB-second): ${usd(example)} for requests of ${EXAMPLE_REQUEST_SECONDS} s`,
      estimate: anyEstimate(prices.lambda.perMillionRequests, prices.lambda.gbSecond),
    });
  }
  if (config.create_api_gw) {
    perMillionRequests.push({
      item: "API Gateway HTTP API",
      text: `${rate(prices.httpApiPerMillion)} (the first 300 million a month)`,
      estimate: anyEstimate(prices.httpApiPerMillion),
    });
  }
  const notes = [
    `load balancer capacity units: ${rate(prices.alb.lcuHour)} per LCU-hour on top, by traffic${prices.alb.lcuHour.status === "estimate" ? " *" : ""}`,
    `NAT gateway (your network's, if the subnets reach the internet through one): ${rate(prices.nat.hour)}/hour and ${rate(prices.nat.gb)} per GB, ` +
      `e.g. the model downloads of every new server${anyEstimate(prices.nat.hour, prices.nat.gb) ? " *" : ""}`,
    ...(config.llm_ec2_configs.some((c) => c.server_mode === "asg" && c.spot) ? [`spot servers are ${SPOT_NOTE}: their lines are upper bounds`] : []),
    ...(config.llm_ec2_configs.some((c) => c.server_mode === "asg" && c.warm_pool) ? ["a warm pool's stopped servers cost no instance hours but keep their root volumes"] : []),
    ...(config.llm_ec2_configs.some((c) => c.server_mode === "asg" && c.scaling?.scale_to_zero_after_minutes !== undefined && c.scaling?.scale_to_zero_after_minutes !== null)
      ? [
          "a model that scales to zero: its servers line counts its desired_capacity all month, but it costs server hours only while it has " +
            "servers (each start keeps one for at least the warm-up, and until scale_to_zero_after_minutes pass without requests)",
        ]
      : []),
    ...(config.llm_ec2_configs.some((c) => c.server_mode === "asg" && c.scaling !== null)
      ? [`custom metrics the scaling reads (the servers' GPU roll-up per group, the router's per model) at ${rate(prices.cloudwatch.customMetricMonth)} each a month${prices.cloudwatch.customMetricMonth.status === "estimate" ? " *" : ""}`]
      : []),
    "not included: data transfer out of AWS, log storage, free tiers, savings plans, taxes",
  ];
  const totalUsdPerMonth = lines.reduce((sum, l) => sum + (l.usdPerMonth ?? 0), 0);
  return { region, retrieved: prices.retrieved, lines, totalUsdPerMonth, missing, perMillionRequests, notes };
}

/** The synth report: what the fleet costs a month, said before apply. */
export function costTable(config: ServiceConfig): string {
  const s = costSummary(config);
  const mark = (estimate: boolean) => (estimate ? " *" : "");
  const rows = s.lines.map((l) => [l.model ?? "(shared)", l.item + mark(l.estimate), l.usdPerMonth === undefined ? "no price" : `${l.upperBound ? "at most " : ""}${usd(l.usdPerMonth)}`]);
  rows.push(["", s.missing.length > 0 ? `total of the lines with a price (without ${s.missing.join(", ")})` : "total", usd(s.totalUsdPerMonth)]);
  const header = ["model", "item", "$/month"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [
    `In ${s.region}, ${HOURS_PER_MONTH} hours a month, USD; prices from src/catalog/prices.ts${s.retrieved ? ` (read ${s.retrieved})` : ""}; * marks an estimate (a published rate not checked again).`,
    line(header),
    ...rows.map(line),
    ...(s.perMillionRequests.length > 0 ? ["", "Per million requests (not in the total; it depends on traffic):", ...s.perMillionRequests.map((u) => `  ${u.item}: ${u.text}${mark(u.estimate)}`)] : []),
    ...(s.notes.length > 0 ? ["", "Notes:", ...s.notes.map((n) => `  ${n}`)] : []),
  ].join("\n");
}
