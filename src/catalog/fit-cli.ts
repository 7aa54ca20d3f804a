import { DEFAULT_REGION } from "../config/load";
import { CONTEXT_LENGTH, KV_CACHE_TYPES, NUM_PARALLEL } from "../config/ollama-settings";
import { KvCacheType } from "../config/types";
import { columns, gpusText, monthlyPrice, priceIn, settingsText, verdict } from "./fit-report";
import { gib1, modelNeed, ModelNeed, typesThatFit } from "./model-fit";
import { HOURS_PER_MONTH, PRICES } from "./prices";

export const USAGE = `Where can a model run? Lists the catalogued GPU instance types whose memory holds it, smallest first,
with the parts of the estimate and the monthly on-demand price in the region.

  npm run fit -- --model <name> [--region <region>] [--context <tokens>] [--parallel <requests>] [--kv-cache <type>]

  --model      Ollama model name, e.g. llama3.1:70b or qwen2.5:32b-instruct-q8_0 (required)
  --region     AWS region of the prices (default ${DEFAULT_REGION}); the catalog has prices for ${Object.keys(PRICES).join(", ")}
  --context    tokens of context, ${CONTEXT_LENGTH.min}-${CONTEXT_LENGTH.max} (default: Ollama's, 4096): the entry's context_length
  --parallel   requests answered at once, ${NUM_PARALLEL.min}-${NUM_PARALLEL.max} (default 1): the entry's num_parallel
  --kv-cache   KV cache type, ${KV_CACHE_TYPES.join(", ")} (default f16): the entry's kv_cache_type
  --help       this text

The estimate and its sources: docs/sizing.md.`;

export interface FitArguments {
  readonly model: string;
  readonly region: string;
  readonly context?: number;
  readonly parallel?: number;
  readonly kvCache?: KvCacheType;
}

/** Bad arguments: the message names the option, the value and the fix. */
export class UsageError extends Error {}

/** Reads the command line; throws a UsageError naming what is wrong. */
export function parseFitArguments(argv: readonly string[]): FitArguments | "help" {
  const values: Record<string, string> = {};
  const known = ["--model", "--region", "--context", "--parallel", "--kv-cache"];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag === "--help" || flag === "-h") return "help";
    if (!known.includes(flag)) throw new UsageError(`unknown option ${JSON.stringify(argv[i])}; the options are ${known.join(", ")} and --help`);
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value, e.g. ${flag} ${example(flag)}`);
    values[flag] = value;
  }
  if (!values["--model"]) throw new UsageError("--model is required, e.g. --model llama3.1:70b");
  const whole = (flag: string, range: { min: number; max: number }): number | undefined => {
    const text = values[flag];
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < range.min || n > range.max) {
      throw new UsageError(`${flag} ${JSON.stringify(text)} is not a whole number from ${range.min} to ${range.max}; e.g. ${flag} ${example(flag)}`);
    }
    return n;
  };
  const kvCache = values["--kv-cache"];
  if (kvCache !== undefined && !(KV_CACHE_TYPES as readonly string[]).includes(kvCache)) {
    throw new UsageError(`--kv-cache ${JSON.stringify(kvCache)} is not a KV cache type Ollama takes; use one of ${KV_CACHE_TYPES.join(", ")}`);
  }
  const region = values["--region"] ?? DEFAULT_REGION;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new UsageError(`--region ${JSON.stringify(region)} is not an AWS region name such as ap-southeast-1`);
  return {
    model: values["--model"],
    region,
    context: whole("--context", CONTEXT_LENGTH),
    parallel: whole("--parallel", NUM_PARALLEL),
    kvCache: kvCache as KvCacheType | undefined,
  };
}

function example(flag: string): string {
  return { "--model": "llama3.1:70b", "--region": "ap-southeast-1", "--context": "32768", "--parallel": "4", "--kv-cache": "q8_0" }[flag] ?? "";
}

const usd = (n: number): string => `$${Math.round(n).toLocaleString("en-US")}`;

/** The estimate's parts in one line. */
export function partsText(need: ModelNeed): string {
  if (need.weightsGiB === undefined) return "no estimate: the name gives no parameter count and the model is not in the catalog";
  if (need.rough) return `weights ${gib1(need.weightsGiB)} GiB x 1.2 (rough: the model's shape is not in the catalog, so its KV cache is not counted) + ${gib1(need.reserveGiB)} GiB per GPU`;
  return (
    `weights ${gib1(need.weightsGiB)} GiB + KV cache ${gib1(need.kvCacheGiB)} GiB + per GPU in use: ` +
    `compute graph ${gib1(need.graphGiB)} GiB + reserve ${gib1(need.reserveGiB)} GiB`
  );
}

/** The command's report. */
export function fitReport(args: FitArguments): string {
  const need = modelNeed({ llm_model: args.model, context_length: args.context, num_parallel: args.parallel, kv_cache_type: args.kvCache });
  const what = need.known
    ? `${need.parametersB}B parameters${need.known === args.model.toLowerCase() ? "" : ` (${need.known})`}`
    : "not in the catalog of model shapes";
  const head = [
    `${args.model}: ${what}, ${need.quantization} (${need.bitsPerWeight} bits per weight); context x parallel, KV cache: ${settingsText(need)}`,
    `  ${partsText(need)}`,
    ...(need.context < need.contextAsked ? [`  Ollama caps the context at the model's own ${need.context} tokens.`] : []),
  ];
  if (need.weightsGiB === undefined) return head.join("\n");
  const fits = typesThatFit(need, priceIn(args.region));
  if (fits.length === 0) return [...head, "", "No catalogued instance type holds it: lower --context or --parallel, set --kv-cache q8_0, or pick a smaller quantization."].join("\n");
  const regional = PRICES[args.region] !== undefined;
  const rows = fits.map((f) => {
    const here = monthlyPrice(f.instanceType, args.region);
    const base = monthlyPrice(f.instanceType, "us-east-1");
    return [
      f.instanceType,
      `${gpusText(f)} (${f.gpu})`,
      `${gib1(f.needGiB)} GiB`,
      verdict(f),
      here ? `${usd(here.usd)}${here.estimate ? " (estimate)" : ""}` : "-",
      base ? `${usd(base.usd)}${base.estimate ? " (estimate)" : ""}` : "-",
    ];
  });
  const header = ["instance type", "GPUs", "need", "fits", `${args.region} a month`, "us-east-1 a month"];
  return [
    ...head,
    "",
    `Catalogued instance types that hold it, smallest first (on-demand Linux, ${HOURS_PER_MONTH} hours a month; "-": no figure in the catalog):`,
    columns(header, rows),
    "",
    ...(regional ? [] : [`The catalog has no prices for ${args.region} (it has ${Object.keys(PRICES).join(", ")}).`]),
    `Prices marked "estimate" are AWS's published rates as last known to the catalog (src/catalog/prices.ts, ${PRICES[args.region]?.retrieved ?? PRICES["us-east-1"].retrieved}), not checked again.`,
    `Whether ${args.region} offers a type in your zones: the module checks at plan; or ask AWS:`,
    `  aws ec2 describe-instance-type-offerings --region ${args.region} --location-type availability-zone --filters Name=instance-type,Values=${fits[0].instanceType}`,
  ].join("\n");
}

/** `npm run fit -- ...`: prints the report, or the usage; exit status 2 on bad arguments. */
export function main(argv: readonly string[]): number {
  try {
    const args = parseFitArguments(argv);
    console.log(args === "help" ? USAGE : fitReport(args));
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`npm run fit: ${error.message}\n\n${USAGE}`);
    return 2;
  }
}
