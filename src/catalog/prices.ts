/**
 * What AWS charges for what the service creates, per region, in USD: on-demand Linux instance hours
 * (shared tenancy), gp3 root volumes, the load balancer, the API door, the router's Lambda function,
 * CloudWatch and, as a note, NAT. Every figure says where it comes from and whether it was checked
 * against that source ("confirmed") or is AWS's published rate as last known to us and not checked
 * again ("estimate"): the cost summary marks estimates line by line. A type or region without a
 * figure has none here: the summary says so rather than guess.
 */
export type PriceStatus = "confirmed" | "estimate";

export interface Price {
  readonly usd: number;
  readonly status: PriceStatus;
  /** Where the figure was read (a URL), or why it is an estimate. */
  readonly source: string;
}

export interface RegionPrices {
  readonly region: string;
  /** When the figures were read or last reviewed, YYYY-MM. */
  readonly retrieved: string;
  /** On-demand price of an instance type, per hour. */
  readonly ec2: Readonly<Record<string, Price>>;
  /** gp3: per GB-month; per provisioned IOPS-month above 3000; per provisioned MiB/s-month above 125. */
  readonly gp3: { readonly gbMonth: Price; readonly iopsMonth: Price; readonly mibpsMonth: Price };
  /** Application Load Balancer: per hour, per LCU-hour. */
  readonly alb: { readonly hour: Price; readonly lcuHour: Price };
  /** API Gateway HTTP API, per million requests (the first 300 million a month). */
  readonly httpApiPerMillion: Price;
  /** Lambda on arm64 (the router's architecture): per million requests, per GB-second. */
  readonly lambda: { readonly perMillionRequests: Price; readonly gbSecond: Price };
  /** CloudWatch: a dashboard a month, a standard-resolution alarm metric a month, a custom metric a month (the first 10,000). */
  readonly cloudwatch: { readonly dashboardMonth: Price; readonly alarmMetricMonth: Price; readonly customMetricMonth: Price };
  /** NAT gateway: per hour, per GB processed (the network's, not this service's: a note). */
  readonly nat: { readonly hour: Price; readonly gb: Price };
}

/** AWS bills a month as 730 hours in its price examples. */
export const HOURS_PER_MONTH = 730;
/** gp3's included performance: 3000 IOPS and 125 MiB/s come with the volume's price. */
export const GP3_INCLUDED = { iops: 3000, mibps: 125 } as const;

const EC2_PAGE = "https://aws.amazon.com/ec2/pricing/on-demand/";
const KNOWN = "AWS's published rate as last known to us, not checked again against";
const confirmed = (usd: number, source: string): Price => ({ usd, status: "confirmed", source });
const estimate = (usd: number, page: string): Price => ({ usd, status: "estimate", source: `${KNOWN} ${page}` });

// Sources read through public copies (see each URL) in 2026; AWS's own pages are named where the copy quotes them.
const SOURCES = {
  ec2UsEast1:
    "AWS EC2 On-Demand price list for US East (N. Virginia), as republished in two public documents that agree (https://www.factualminds.com/blog/amazon-ec2-on-demand-pricing-instance-families-2026/ for g5.xlarge, June 2026)",
  gp3UsEast1: "https://www.saisci.com/aws/gp3-throughput-explained/ (N. Virginia: $0.08 per GB-month, $0.04 per MiB/s-month above 125)",
  albUsEast1:
    "https://aws.amazon.com/elasticloadbalancing/pricing/ as transcribed 2026-09-20 at https://raw.githubusercontent.com/api-evangelist/amazon-elastic-load-balancing/refs/heads/main/plans/amazon-elastic-load-balancing-plans-pricing.yml",
  httpApiUsEast1: "https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html (us-east-1)",
  lambdaUsEast1: "https://cloudchipr.com/blog/aws-lambda-pricing (US East (N. Virginia): Arm $0.0000133334 per GB-second, $0.20 per million requests)",
  natUsEast1: "https://basavytix.com/blog/aws-nat-gateway-pricing (us-east-1: $0.045 an hour and per GB)",
  natSingapore: "https://basavytix.com/blog/aws-nat-gateway-pricing (ap-southeast-1: $0.059 an hour and per GB)",
  cloudwatch: "https://aws.amazon.com/cloudwatch/pricing/ ($3.00 a dashboard a month, $0.10 a standard alarm metric a month, $0.30 a custom metric a month for the first 10,000)",
} as const;

/** Lambda and CloudWatch: one published rate for every region listed here. */
function shared(checked: boolean) {
  const lambda = (usd: number): Price => (checked ? confirmed(usd, SOURCES.lambdaUsEast1) : estimate(usd, "https://aws.amazon.com/lambda/pricing/"));
  return {
    lambda: { perMillionRequests: lambda(0.2), gbSecond: lambda(0.0000133334) },
    cloudwatch: { dashboardMonth: estimate(3, SOURCES.cloudwatch), alarmMetricMonth: estimate(0.1, SOURCES.cloudwatch), customMetricMonth: estimate(0.3, SOURCES.cloudwatch) },
  };
}

const US_EAST_1_EC2: Record<string, number> = {
  "g4dn.xlarge": 0.526,
  "g4dn.2xlarge": 0.752,
  "g4dn.4xlarge": 1.204,
  "g4dn.8xlarge": 2.176,
  "g4dn.12xlarge": 3.912,
  "g4dn.16xlarge": 4.352,
  "g4dn.metal": 7.824,
  "g5.xlarge": 1.006,
  "g5.2xlarge": 1.212,
  "g5.4xlarge": 1.624,
  "g5.8xlarge": 2.448,
  "g5.12xlarge": 5.672,
  "g5.16xlarge": 4.096,
  "g5.24xlarge": 8.144,
  "g5.48xlarge": 16.288,
  "g5g.xlarge": 0.42,
  "g5g.2xlarge": 0.556,
  "g5g.4xlarge": 0.828,
  "g5g.8xlarge": 1.372,
  "g5g.16xlarge": 2.744,
  "g5g.metal": 2.744,
  "g6.xlarge": 0.8048,
  "g6.2xlarge": 0.9776,
  "g6.4xlarge": 1.3232,
  "g6.8xlarge": 2.0144,
  "g6.12xlarge": 4.6016,
  "g6.16xlarge": 3.3968,
  "g6.24xlarge": 6.6752,
  "g6.48xlarge": 13.3504,
  "gr6.4xlarge": 1.5392,
  "gr6.8xlarge": 2.4464,
  "g6e.xlarge": 1.861,
  "g6e.2xlarge": 2.24208,
  "g6e.4xlarge": 3.00424,
  "g6e.8xlarge": 4.52856,
  "g6e.12xlarge": 10.49264,
  "g6e.16xlarge": 7.57719,
  "g6e.24xlarge": 15.06559,
  "g6e.48xlarge": 30.13118,
  "p4d.24xlarge": 21.95764,
  "p5.4xlarge": 6.88,
  "p5.48xlarge": 55.04,
  "p5en.48xlarge": 63.296,
  "p6-b200.48xlarge": 113.9328,
};
// Types whose us-east-1 figure the two public documents behind the catalog's first release agreed on.
const US_EAST_1_CHECKED = new Set(Object.keys(US_EAST_1_EC2).filter((t) => !/^g5g\.(2|4|8|16)xlarge$|^g5g\.metal$/.test(t)));

/** Instance prices of a region other than us-east-1: published rates as last known to us, each an estimate. */
const regionalEc2 = (rates: Record<string, number>): Record<string, Price> =>
  Object.fromEntries(Object.entries(rates).map(([type, usd]) => [type, estimate(usd, EC2_PAGE)]));

export const PRICES: Readonly<Record<string, RegionPrices>> = {
  "us-east-1": {
    region: "us-east-1",
    retrieved: "2026-11",
    ec2: Object.fromEntries(
      Object.entries(US_EAST_1_EC2).map(([type, usd]) => [type, US_EAST_1_CHECKED.has(type) ? confirmed(usd, SOURCES.ec2UsEast1) : estimate(usd, EC2_PAGE)]),
    ),
    gp3: { gbMonth: confirmed(0.08, SOURCES.gp3UsEast1), iopsMonth: estimate(0.005, "https://aws.amazon.com/ebs/pricing/"), mibpsMonth: confirmed(0.04, SOURCES.gp3UsEast1) },
    alb: { hour: confirmed(0.0225, SOURCES.albUsEast1), lcuHour: confirmed(0.008, SOURCES.albUsEast1) },
    httpApiPerMillion: confirmed(1.0, SOURCES.httpApiUsEast1),
    ...shared(true),
    nat: { hour: confirmed(0.045, SOURCES.natUsEast1), gb: confirmed(0.045, SOURCES.natUsEast1) },
  },
  "us-west-2": {
    region: "us-west-2",
    retrieved: "2026-11",
    ec2: regionalEc2({
      "g4dn.xlarge": 0.526,
      "g4dn.2xlarge": 0.752,
      "g5.xlarge": 1.006,
      "g5.2xlarge": 1.212,
      "g5.12xlarge": 5.672,
      "g5g.xlarge": 0.42,
      "g6.xlarge": 0.8048,
      "g6.2xlarge": 0.9776,
      "g6e.xlarge": 1.861,
      "p4d.24xlarge": 21.95764,
      "p5.48xlarge": 55.04,
    }),
    gp3: {
      gbMonth: estimate(0.08, "https://aws.amazon.com/ebs/pricing/"),
      iopsMonth: estimate(0.005, "https://aws.amazon.com/ebs/pricing/"),
      mibpsMonth: estimate(0.04, "https://aws.amazon.com/ebs/pricing/"),
    },
    alb: { hour: estimate(0.0225, "https://aws.amazon.com/elasticloadbalancing/pricing/"), lcuHour: estimate(0.008, "https://aws.amazon.com/elasticloadbalancing/pricing/") },
    httpApiPerMillion: estimate(1.0, "https://aws.amazon.com/api-gateway/pricing/"),
    ...shared(false),
    nat: { hour: estimate(0.045, "https://aws.amazon.com/vpc/pricing/"), gb: estimate(0.045, "https://aws.amazon.com/vpc/pricing/") },
  },
  "eu-west-1": {
    region: "eu-west-1",
    retrieved: "2026-11",
    ec2: regionalEc2({ "g4dn.xlarge": 0.587, "g4dn.2xlarge": 0.838, "g5.xlarge": 1.123, "g5.2xlarge": 1.353, "g6.xlarge": 0.8986, "g6e.xlarge": 2.0784, "p4d.24xlarge": 24.51456 }),
    gp3: {
      gbMonth: estimate(0.088, "https://aws.amazon.com/ebs/pricing/"),
      iopsMonth: estimate(0.0055, "https://aws.amazon.com/ebs/pricing/"),
      mibpsMonth: estimate(0.044, "https://aws.amazon.com/ebs/pricing/"),
    },
    alb: { hour: estimate(0.0252, "https://aws.amazon.com/elasticloadbalancing/pricing/"), lcuHour: estimate(0.008, "https://aws.amazon.com/elasticloadbalancing/pricing/") },
    httpApiPerMillion: estimate(1.11, "https://aws.amazon.com/api-gateway/pricing/"),
    ...shared(false),
    nat: { hour: estimate(0.048, "https://aws.amazon.com/vpc/pricing/"), gb: estimate(0.048, "https://aws.amazon.com/vpc/pricing/") },
  },
  "eu-central-1": {
    region: "eu-central-1",
    retrieved: "2026-11",
    ec2: regionalEc2({ "g4dn.xlarge": 0.658, "g4dn.2xlarge": 0.94, "g5.xlarge": 1.258, "g5.2xlarge": 1.516, "g5g.xlarge": 0.5082, "g6.xlarge": 0.9805, "g6e.xlarge": 2.3239, "p4d.24xlarge": 26.67624 }),
    gp3: {
      gbMonth: estimate(0.0952, "https://aws.amazon.com/ebs/pricing/"),
      iopsMonth: estimate(0.006, "https://aws.amazon.com/ebs/pricing/"),
      mibpsMonth: estimate(0.048, "https://aws.amazon.com/ebs/pricing/"),
    },
    alb: { hour: estimate(0.027, "https://aws.amazon.com/elasticloadbalancing/pricing/"), lcuHour: estimate(0.008, "https://aws.amazon.com/elasticloadbalancing/pricing/") },
    httpApiPerMillion: estimate(1.2, "https://aws.amazon.com/api-gateway/pricing/"),
    ...shared(false),
    nat: { hour: estimate(0.052, "https://aws.amazon.com/vpc/pricing/"), gb: estimate(0.052, "https://aws.amazon.com/vpc/pricing/") },
  },
  "ap-southeast-1": {
    region: "ap-southeast-1",
    retrieved: "2026-11",
    ec2: regionalEc2({ "g4dn.xlarge": 0.736, "g4dn.2xlarge": 1.052, "g5.xlarge": 1.353, "g5.2xlarge": 1.63, "g5g.xlarge": 0.5628, "g5g.2xlarge": 0.7451, "g6.xlarge": 1.0826, "g6e.xlarge": 2.5031, "p4d.24xlarge": 28.39286 }),
    gp3: {
      gbMonth: estimate(0.096, "https://aws.amazon.com/ebs/pricing/"),
      iopsMonth: estimate(0.006, "https://aws.amazon.com/ebs/pricing/"),
      mibpsMonth: estimate(0.048, "https://aws.amazon.com/ebs/pricing/"),
    },
    alb: { hour: estimate(0.0252, "https://aws.amazon.com/elasticloadbalancing/pricing/"), lcuHour: estimate(0.008, "https://aws.amazon.com/elasticloadbalancing/pricing/") },
    httpApiPerMillion: estimate(1.25, "https://aws.amazon.com/api-gateway/pricing/"),
    ...shared(false),
    nat: { hour: confirmed(0.059, SOURCES.natSingapore), gb: confirmed(0.059, SOURCES.natSingapore) },
  },
  "ap-northeast-1": {
    region: "ap-northeast-1",
    retrieved: "2026-11",
    ec2: regionalEc2({ "g4dn.xlarge": 0.71, "g4dn.2xlarge": 1.015, "g5.xlarge": 1.459, "g5.2xlarge": 1.757, "g5g.xlarge": 0.5418, "g6.xlarge": 1.1669, "g6e.xlarge": 2.6989, "p4d.24xlarge": 28.89606 }),
    gp3: {
      gbMonth: estimate(0.096, "https://aws.amazon.com/ebs/pricing/"),
      iopsMonth: estimate(0.006, "https://aws.amazon.com/ebs/pricing/"),
      mibpsMonth: estimate(0.048, "https://aws.amazon.com/ebs/pricing/"),
    },
    alb: { hour: estimate(0.0243, "https://aws.amazon.com/elasticloadbalancing/pricing/"), lcuHour: estimate(0.008, "https://aws.amazon.com/elasticloadbalancing/pricing/") },
    httpApiPerMillion: estimate(1.29, "https://aws.amazon.com/api-gateway/pricing/"),
    ...shared(false),
    nat: { hour: estimate(0.062, "https://aws.amazon.com/vpc/pricing/"), gb: estimate(0.062, "https://aws.amazon.com/vpc/pricing/") },
  },
};

/** What AWS says of spot: "available at a discount of up to 90% off compared to On-Demand pricing". */
export const SPOT_NOTE = "billed at the spot market price of its zone and hour (up to 90% below on-demand, AWS), which the catalog cannot know";

/** The catalog of a region, or undefined when there is none. */
export function regionPrices(region: string): RegionPrices | undefined {
  return PRICES[region];
}

/** The hourly on-demand price of a type in a region, or undefined when the catalog has none. */
export function onDemandPrice(instanceType: string, region: string): Price | undefined {
  return PRICES[region]?.ec2[instanceType];
}
