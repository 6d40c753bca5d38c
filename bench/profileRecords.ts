import Big from "big.js";
import type { RecordOutcome } from "../cost/handlerProfile";
import { decideAll, type RouteEvaluator } from "../routing/decide";
import type { Route } from "../routing/route";

// The records `npm run bench cost` measures a route's log bytes on: for each outcome
// (processed, skipped, rejected), records on which the route has that outcome and the other
// routes of its processor have none (their filters drop them), so the bytes are the route's
// own. Taken from the profile sample first (realistic sizes); when the sample has too few (a
// route a team added, whose statuses the sample never uses), made from sample records by
// setting what the route tests (status, previous status, amount, customer), and said so.
// Rejected records are always made: a processed record with an amount that is not a number.

export interface OutcomeRecords {
  readonly records: Record<string, unknown>[];
  /** How many came from the sample as they are, and how many were made. */
  readonly fromSample: number;
  readonly made: number;
  /** Why none could be made (e.g. a route with any amount that keeps test customers never skips). */
  readonly impossible?: string;
}

type Images = { NewImage?: Record<string, Record<string, unknown>>; OldImage?: Record<string, Record<string, unknown>> };
const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** The outcome each route of the processor has on `record` (undefined: filtered). */
function outcomes(evaluators: readonly RouteEvaluator[], record: unknown): (RecordOutcome | undefined)[] {
  return decideAll(evaluators, record).map((d) => (d.outcome === "filtered" ? undefined : d.outcome));
}

function isolated(evaluators: readonly RouteEvaluator[], index: number, outcome: RecordOutcome, record: unknown): boolean {
  return outcomes(evaluators, record).every((o, i) => (i === index ? o === outcome : o === undefined));
}

/** A sample record reshaped so that `route` processes it; undefined if it cannot be (a REMOVE). */
function processedFrom(template: Record<string, unknown>, route: Route, n: number): Record<string, unknown> | undefined {
  const r = copy(template) as Record<string, unknown> & { eventID: string; eventName: string; dynamodb: Images };
  const event = route.previousStatuses ? "MODIFY" : route.eventNames.includes(r.eventName as "INSERT" | "MODIFY") ? r.eventName : undefined;
  if (event === undefined || !r.dynamodb.NewImage || (event === "MODIFY" && !r.dynamodb.OldImage)) return undefined;
  r.eventID = `${r.eventID}-${route.name}-${n}`;
  const img = r.dynamodb.NewImage;
  img.orderStatus = { S: route.statuses[0] };
  if (route.previousStatuses && r.dynamodb.OldImage) r.dynamodb.OldImage.orderStatus = { S: route.previousStatuses[0] };
  if (route.amount.rule !== "any") img.orderAmount = { N: new Big(route.amount.threshold).plus(route.amount.rule === "above" ? 1 : 0).toString() };
  img.customerEmail = { S: `customer${n}@mail.example.net` };
  return r;
}

/** The same, made to be skipped by the route's guard; undefined if the route never skips (any amount, test customers kept). */
function skippedFrom(processed: Record<string, unknown>, route: Route): Record<string, unknown> | undefined {
  const r = copy(processed) as { dynamodb: Images };
  const img = r.dynamodb.NewImage as Record<string, Record<string, unknown>>;
  if (route.amount.rule === "above") img.orderAmount = { N: route.amount.threshold };
  else if (route.amount.rule === "atLeast" && new Big(route.amount.threshold).gt(0)) img.orderAmount = { N: new Big(route.amount.threshold).minus("0.01").toString() };
  else if (route.excludeTestCustomers && route.testEmailDomains.length > 0) img.customerEmail = { S: `qa@${route.testEmailDomains[0]}` };
  else return undefined;
  return r as unknown as Record<string, unknown>;
}

/** A record the route processes, made malformed the way the demo's is: an amount that is not a number. */
function rejectedFrom(processed: Record<string, unknown>): Record<string, unknown> {
  const r = copy(processed) as { dynamodb: Images };
  (r.dynamodb.NewImage as Record<string, unknown>).orderAmount = { S: "n/a" };
  return r as unknown as Record<string, unknown>;
}

/**
 * `want` records on which route `index` of the processor's `evaluators` has `outcome` and the
 * others none: from `sample` first, then made from it.
 */
export function recordsFor(evaluators: readonly RouteEvaluator[], index: number, outcome: RecordOutcome, sample: readonly Record<string, unknown>[], want: number): OutcomeRecords {
  const evaluator = evaluators[index];
  const route = evaluator.route;
  const real = outcome === "rejected" ? [] : sample.filter((r) => isolated(evaluators, index, outcome, r)).slice(0, want);
  const made: Record<string, unknown>[] = [];
  for (let i = 0; real.length + made.length < want && i < sample.length * 2; i++) {
    const base = processedFrom(sample[i % sample.length], route, i);
    if (!base) continue;
    const shaped = outcome === "processed" ? base : outcome === "skipped" ? skippedFrom(base, route) : rejectedFrom(base);
    if (shaped === undefined) return { records: real, fromSample: real.length, made: 0, impossible: `route ${route.name} never skips a record (any amount, test customers included)` };
    if (isolated(evaluators, index, outcome, shaped)) made.push(shaped);
  }
  if (real.length + made.length < want) {
    throw new Error(`route ${route.name}: could not find or make ${want} ${outcome} records from the profile sample that the other routes of its processor leave alone (found ${real.length}, made ${made.length})`);
  }
  return { records: [...real, ...made], fromSample: real.length, made: made.length };
}
