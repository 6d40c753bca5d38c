import * as fs from "node:fs";
import * as path from "node:path";
import type { LambdaArchitecture } from "../config/settings";
import { PROJECT_DIR } from "../config/stackFile";
import { describeFile } from "./inputFile";

// (Named priceList.ts, not prices.ts: `require("./prices")` would find prices.json first.)
// The unit prices the cost model multiplies by: one JSON file in the repo
// (cost/prices.json), per region, each price with the date it was checked, where it was read
// and whether that was an AWS page or a secondary source. `--prices FILE` replaces it.

export const DEFAULT_PRICES_FILE = path.join(PROJECT_DIR, "cost", "prices.json");

/** Every price the model needs, with what it is per. */
export const PRICE_KEYS = {
  pipesRequest: "USD per EventBridge Pipes request (64 KB chunk)",
  lambdaRequest: "USD per Lambda request",
  lambdaGbSecondArm64: "USD per Lambda GB-second on arm64",
  lambdaGbSecondX86_64: "USD per Lambda GB-second on x86_64",
  streamsReadRequest: "USD per DynamoDB Streams read request (GetRecords call)",
  sqsRequest: "USD per SQS request (64 KB chunk)",
  dynamodbWriteRequest: "USD per DynamoDB on-demand write request unit",
  logsIngestionGb: "USD per GB of Lambda logs ingested by CloudWatch Logs",
  customMetricMonth: "USD per CloudWatch custom metric per month",
  schedulerInvocation: "USD per EventBridge Scheduler invocation",
} as const;

export type PriceKey = keyof typeof PRICE_KEYS;

/**
 * What each price is about in us-east-1 (cost/prices.json). A price more than ten times off
 * is refused: regions differ by tens of percent, while a figure typed per million requests, or
 * per 100,000 reads, is a million or a hundred thousand times the price of one.
 */
export const REFERENCE_USD: Readonly<Record<PriceKey, number>> = {
  pipesRequest: 4e-7,
  lambdaRequest: 2e-7,
  lambdaGbSecondArm64: 1.33334e-5,
  lambdaGbSecondX86_64: 1.66667e-5,
  streamsReadRequest: 2e-7,
  sqsRequest: 4e-7,
  dynamodbWriteRequest: 6.25e-7,
  logsIngestionGb: 0.5,
  customMetricMonth: 0.3,
  schedulerInvocation: 1e-6,
};
const PLAUSIBLE_FACTOR = 10;

/** One volume tier: the price of each unit up to `upTo` units a month (cumulative); the last tier has no bound. */
export interface Tier {
  readonly upTo: number | null;
  readonly usd: number;
}

export interface Price {
  readonly usd: number;
  readonly unit: string;
  readonly from: "aws" | "secondary";
  readonly source: string;
  readonly rule?: string;
  /** Volume tiers (log ingestion); `usd` is then the first tier's price. */
  readonly tiers?: readonly Tier[];
}

export interface RegionPrices {
  readonly file: string;
  readonly region: string;
  readonly checked: string;
  readonly prices: Readonly<Record<PriceKey, Price>>;
}

export function gbSecondKey(architecture: LambdaArchitecture): PriceKey {
  return architecture === "arm64" ? "lambdaGbSecondArm64" : "lambdaGbSecondX86_64";
}

/** The cost of `units` at a price, through its tiers if it has them. */
export function tieredCost(price: Price, units: number): number {
  if (!price.tiers) return units * price.usd;
  let cost = 0;
  let from = 0;
  for (const t of price.tiers) {
    const to = t.upTo ?? Infinity;
    if (units <= from) break;
    cost += (Math.min(units, to) - from) * t.usd;
    from = to;
  }
  return cost;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A figure for a message: six significant digits, no binary noise (0.2 / 1e6 is 2.0000000000000002e-7). */
const figure = (x: number) => String(Number(x.toPrecision(6)));

function plausibility(key: PriceKey, usd: number, where: string, what: string): void {
  const ref = REFERENCE_USD[key];
  if (usd === 0 || (usd >= ref / PLAUSIBLE_FACTOR && usd <= ref * PLAUSIBLE_FACTOR)) return;
  const ratio = usd / ref;
  const hint =
    ratio > 5e5 && ratio < 5e6
      ? `: a price per million units? ${usd} per million is ${figure(usd / 1e6)}`
      : ratio > 5e4 && ratio < 5e5
        ? `: a price per 100,000 units? ${usd} per 100,000 is ${figure(usd / 1e5)}`
        : ratio > 500 && ratio < 5000
          ? `: a price per thousand units? ${usd} per thousand is ${figure(usd / 1000)}`
          : "";
  throw new Error(
    `${where}: price ${key} is ${usd}, which is not a plausible ${what} (about ${figure(ref)} in us-east-1; accepted: 0, or ${figure(ref / PLAUSIBLE_FACTOR)} to ${figure(ref * PLAUSIBLE_FACTOR)})${hint}. ` +
      `Each price is per one unit (see "unit" in cost/prices.json)`,
  );
}

function tiersOf(raw: unknown, key: PriceKey, where: string, what: string): Tier[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new Error(`${where}: price ${key} "tiers" must be a list of {"upTo": units or null, "usd"}`);
  const tiers: Tier[] = [];
  raw.forEach((t, i) => {
    const at = `${where}: price ${key} tiers[${i}]`;
    if (!isObject(t) || typeof t.usd !== "number" || !Number.isFinite(t.usd) || t.usd < 0) throw new Error(`${at} needs "usd", a number 0 or more`);
    const last = i === raw.length - 1;
    if (last ? t.upTo !== null && t.upTo !== undefined : typeof t.upTo !== "number" || !(t.upTo > (tiers[i - 1]?.upTo ?? 0))) {
      throw new Error(`${at}: "upTo" must grow from tier to tier, and the last tier's must be null (no bound)`);
    }
    if (i === 0) plausibility(key, t.usd, where, what);
    else if (t.usd > tiers[i - 1].usd) throw new Error(`${at}: a higher volume tier costs more (${t.usd}) than the one before (${tiers[i - 1].usd})`);
    tiers.push({ upTo: last ? null : (t.upTo as number), usd: t.usd });
  });
  return tiers;
}

/** Reads the prices of one region; every message names the file, the region and the price. */
export function loadPrices(region: string, file = DEFAULT_PRICES_FILE): RegionPrices {
  const unreadable = describeFile(file, "prices file");
  if (unreadable) throw new Error(unreadable);
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`prices file ${file} is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc) || !isObject(doc.regions)) throw new Error(`prices file ${file}: expected {"regions": {"<region>": {"checked", "prices"}}}`);
  if (doc.currency !== undefined && doc.currency !== "USD") throw new Error(`prices file ${file}: currency is ${JSON.stringify(doc.currency)}; the model prices in USD`);
  const entry = doc.regions[region];
  if (!isObject(entry)) {
    const known = Object.keys(doc.regions);
    throw new Error(
      `prices file ${file} has no prices for region ${region} (the stack's aws:region); it has ${known.length ? known.join(", ") : "none"}. ` +
        `Add the region's prices to it, or pass --prices FILE`,
    );
  }
  const where = `prices file ${file}, region ${region}`;
  if (typeof entry.checked !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(entry.checked)) throw new Error(`${where}: "checked" must be the date the prices were checked, YYYY-MM-DD`);
  if (!isObject(entry.prices)) throw new Error(`${where}: "prices" is missing`);
  const prices = {} as Record<PriceKey, Price>;
  for (const [key, what] of Object.entries(PRICE_KEYS) as [PriceKey, string][]) {
    const p = entry.prices[key];
    if (p === undefined) throw new Error(`${where}: price ${key} is missing (${what})`);
    if (!isObject(p) || typeof p.usd !== "number" || !Number.isFinite(p.usd) || p.usd < 0) {
      throw new Error(`${where}: price ${key} needs "usd", a number 0 or more (${what})`);
    }
    if (p.from !== "aws" && p.from !== "secondary") throw new Error(`${where}: price ${key} needs "from": "aws" or "secondary" (where the figure was read)`);
    if (typeof p.source !== "string" || p.source.trim() === "") throw new Error(`${where}: price ${key} needs "source", the page the figure was read from`);
    const unit = what.replace(/^USD per /, "");
    plausibility(key, p.usd, where, `price for one ${unit}`);
    const tiers = p.tiers === undefined ? undefined : tiersOf(p.tiers, key, where, `price for one ${unit}`);
    if (tiers && tiers[0].usd !== p.usd) throw new Error(`${where}: price ${key} "usd" (${p.usd}) must be its first tier's price (${tiers[0].usd})`);
    prices[key] = { usd: p.usd, unit: typeof p.unit === "string" ? p.unit : what, from: p.from, source: p.source, rule: typeof p.rule === "string" ? p.rule : undefined, ...(tiers ? { tiers } : {}) };
  }
  return { file, region, checked: entry.checked, prices };
}
