import { Price } from "./prices";

/**
 * What the weight cache costs in S3 Standard, per region: storage per GB-month (the first 50 TB),
 * PUT and GET requests per 1,000. AWS's published rates as last known to us, not checked again
 * against https://aws.amazon.com/s3/pricing/ (2026-11): estimates. Transfer between S3 and EC2 in
 * the same region is free, and so is an S3 gateway endpoint (https://aws.amazon.com/s3/faqs/,
 * https://aws.amazon.com/vpc/pricing/).
 */
export interface S3Prices {
  readonly gbMonth: Price;
  readonly putPerThousand: Price;
  readonly getPerThousand: Price;
}

const PAGE = "AWS's published rate as last known to us, not checked again against https://aws.amazon.com/s3/pricing/";
const rates = (gbMonth: number, put: number, get: number): S3Prices => ({
  gbMonth: { usd: gbMonth, status: "estimate", source: PAGE },
  putPerThousand: { usd: put, status: "estimate", source: PAGE },
  getPerThousand: { usd: get, status: "estimate", source: PAGE },
});

export const S3_PRICES: Readonly<Record<string, S3Prices>> = {
  "us-east-1": rates(0.023, 0.005, 0.0004),
  "us-west-2": rates(0.023, 0.005, 0.0004),
  "eu-west-1": rates(0.023, 0.005, 0.0004),
  "eu-central-1": rates(0.0245, 0.0054, 0.00043),
  "ap-southeast-1": rates(0.025, 0.005, 0.0004),
  "ap-northeast-1": rates(0.025, 0.0047, 0.00037),
};

/** The CLI's default part size (`multipart_chunksize`, 8 MB): one ranged GET per part of a download, one upload per part. */
export const TRANSFER_PART_BYTES = 8 * 1024 * 1024;
