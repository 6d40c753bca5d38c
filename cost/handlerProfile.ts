import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../config/stackFile";
import type { RouteName } from "../routing/route";
import { DECLARED_ROUTE_NAMES as ROUTE_NAMES } from "../routing/stackRoutes";

// What the shipped processors cost per invocation and per record, measured, never guessed:
// `npm run bench cost` runs each handler bundle (the code that is deployed) on records of
// cost/samples/orders-1000.jsonl with a Lambda-shaped context and a local SQS queue, counts
// the bytes it writes to stdout and stderr (both go to CloudWatch Logs on Lambda; Powertools
// writes them without the runtime's prefix), reads the EMF documents for the custom metrics
// it emits, and times it. tests/costProfile.test.ts re-measures the bytes and metrics, so
// this file cannot drift from the handlers unnoticed.

export const DEFAULT_PROFILE_FILE = path.join(PROJECT_DIR, "cost", "handler-profile.json");

export type HandlerOutcome = "processed" | "skipped" | "rejected" | "filtered";
export const HANDLER_OUTCOMES: readonly HandlerOutcome[] = ["processed", "skipped", "rejected", "filtered"];

export interface RouteProfile {
  /** Bytes every invocation writes: the batch summary line and the EMF document of the per-batch counters. */
  readonly logBytesPerInvocation: number;
  /** Extra bytes of an invocation with at least one processed order: the order metrics' EMF definitions. */
  readonly logBytesPerInvocationWithOrders: number;
  /** Bytes per record, by what the processor did with it ("filtered": its own filter check dropped it). */
  readonly logBytesPerRecord: Readonly<Record<HandlerOutcome, number>>;
  /** Bytes a quarantine message adds to the record it carries (envelope, reasons, message attribute). */
  readonly quarantineEnvelopeBytes: number;
  /** Custom metrics ("namespace/name [dimensions]") every invocation emits, and those added when it processed an order. */
  readonly metrics: { readonly perInvocation: readonly string[]; readonly withOrders: readonly string[] };
  /** Handler time on the bench machine (one core): fixed per invocation, and per record of a delivered batch. */
  readonly durationMs: { readonly perInvocation: number; readonly perRecord: number };
}

export interface HandlerProfile {
  readonly measuredAt: string;
  readonly measuredWith: string;
  readonly routes: Readonly<Record<RouteName, RouteProfile>>;
}

export function loadHandlerProfile(file = DEFAULT_PROFILE_FILE): HandlerProfile {
  let doc: HandlerProfile;
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8")) as HandlerProfile;
  } catch (err) {
    throw new Error(`handler profile ${file} cannot be read (${(err as Error).message}); run \`npm run bench cost\` to measure it`);
  }
  for (const route of ROUTE_NAMES) {
    const r = doc?.routes?.[route];
    if (!r || typeof r.logBytesPerInvocation !== "number" || typeof r.durationMs?.perInvocation !== "number") {
      throw new Error(`handler profile ${file} has no measurements for route ${route}; run \`npm run bench cost\` to measure it`);
    }
  }
  return doc;
}
