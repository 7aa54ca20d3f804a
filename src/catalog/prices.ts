/**
 * On-demand prices of the GPU instance types, USD per hour, Linux, shared tenancy, for one region.
 * Source: the AWS EC2 On-Demand price list (https://aws.amazon.com/ec2/pricing/on-demand/) for
 * US East (N. Virginia), as republished in public documents and cross-checked between two of them
 * in November 2026; p4d and p5 carry the prices AWS cut in June 2025. Prices change: the catalog
 * says where it has none rather than guess, and spot prices (a market price per zone and hour)
 * are not in it at all.
 */
export interface PriceCatalog {
  /** The region the prices are for. */
  readonly region: string;
  /** Where they come from, and when they were read. */
  readonly source: string;
  readonly retrieved: string;
  readonly usdPerHour: Readonly<Record<string, number>>;
}

export const EC2_ON_DEMAND: PriceCatalog = {
  region: "us-east-1",
  source: "AWS EC2 On-Demand pricing, Linux, US East (N. Virginia) (https://aws.amazon.com/ec2/pricing/on-demand/)",
  retrieved: "2026-11",
  usdPerHour: {
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
  },
};

/** AWS bills a month as 730 hours in its price examples. */
export const HOURS_PER_MONTH = 730;

/** What AWS says of spot: "available at a discount of up to 90% off compared to On-Demand pricing". */
export const SPOT_NOTE = "up to 90% less than on-demand (AWS), a market price per zone and hour, not in the catalog";

/** The hourly on-demand price of a type in a region, or undefined when the catalog has none. */
export function onDemandPrice(instanceType: string, region: string, catalog: PriceCatalog = EC2_ON_DEMAND): number | undefined {
  return region === catalog.region ? catalog.usdPerHour[instanceType] : undefined;
}
