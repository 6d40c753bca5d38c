import * as fs from "node:fs";
import * as path from "node:path";
import type { LambdaArchitecture } from "../config/settings";
import { PROJECT_DIR } from "../config/stackFile";

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
  logsIngestionGb: "USD per GB of CloudWatch Logs ingested",
  customMetricMonth: "USD per CloudWatch custom metric per month",
} as const;

export type PriceKey = keyof typeof PRICE_KEYS;

export interface Price {
  readonly usd: number;
  readonly unit: string;
  readonly from: "aws" | "secondary";
  readonly source: string;
  readonly rule?: string;
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads the prices of one region; every message names the file, the region and the price. */
export function loadPrices(region: string, file = DEFAULT_PRICES_FILE): RegionPrices {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`prices file ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
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
    prices[key] = { usd: p.usd, unit: typeof p.unit === "string" ? p.unit : what, from: p.from, source: p.source, rule: typeof p.rule === "string" ? p.rule : undefined };
  }
  return { file, region, checked: entry.checked, prices };
}
