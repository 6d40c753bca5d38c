import { routeEvaluator } from "./decide";
import type { Route, RouteName } from "./route";

// The canary: end-to-end liveness per route. On a schedule, heartbeat changes are written to
// the Orders table itself (EventBridge Scheduler calls DynamoDB directly, infra/canary.ts), so a
// heartbeat travels the whole way an order does: table → stream → pipe → filter → processor.
// A route whose heartbeats stop arriving has stopped moving, whatever the reason (its pipe
// disabled by AWS, a broken role, a processor that fails every batch, a schedule that fails).
//
// One heartbeat item per route, keyed `__canary#<route>`: its writes are derived from the
// route's declaration, so that each period one of them makes a stream record the route's own
// filter passes:
//   - a route taking INSERT and MODIFY, or MODIFY only: put the item with the route's first
//     status (after the first write the item exists, so each put is a MODIFY; every put
//     changes `heartbeatAt`, and DynamoDB writes no stream record for a write that changes
//     nothing);
//   - a transition route (previousStatuses): first put the previous status ("prepare"), then,
//     half a period later, the new one ("beat"): a MODIFY from previous to new, as the route
//     wants. Two writes a period;
//   - a route taking INSERT only: first delete the item ("prepare"), then put it ("beat"):
//     each put is an INSERT. Two writes a period.
// The processors recognise a heartbeat by its key before any validation or guard, and never
// treat it as an order: it is not processed, skipped, quarantined, counted as an order, nor
// recorded in the idempotency table. Each processor counts, per route it serves, the route's
// own heartbeats that passed the route's filter (metric Heartbeats), and reports the write →
// processed latency of every record it handles (metric ProcessingLatency).

/** Order ids starting with this are the canary's (reserved: never an order). */
export const HEARTBEAT_KEY_PREFIX = "__canary#";
/** The attribute each heartbeat write changes: the schedule's time of the write. */
export const HEARTBEAT_TIME_ATTRIBUTE = "heartbeatAt";
/** What EventBridge Scheduler replaces with the invocation's scheduled time (managing-schedule-context-attributes). */
export const SCHEDULED_TIME = "<aws.scheduler.scheduled-time>";
/** The table's partition key (infra/ordersTable.ts). */
const TABLE_KEY = "orderId";

/**
 * The heartbeat periods a stack may choose (orders:heartbeatMinutes): divisors of an hour, so
 * the cron schedule fires at even intervals, and at least 2 minutes, so that a route needing
 * two writes has them at least a minute apart (cron's finest grain).
 */
export const HEARTBEAT_PERIODS_MINUTES = [2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60] as const;

/** Consecutive periods without a heartbeat before a route's heartbeat alarm fires. */
export const SILENT_PERIODS = 2;

export function heartbeatKey(route: RouteName): string {
  return `${HEARTBEAT_KEY_PREFIX}${route}`;
}

/** The heartbeat a stream record carries (by its key), or undefined for any other record. */
export function heartbeatOf(record: unknown): { readonly route: RouteName } | undefined {
  const id = (record as { dynamodb?: { Keys?: { orderId?: { S?: unknown } } } } | null)?.dynamodb?.Keys?.orderId?.S;
  if (typeof id !== "string" || !id.startsWith(HEARTBEAT_KEY_PREFIX)) return undefined;
  return { route: id.slice(HEARTBEAT_KEY_PREFIX.length) };
}

/**
 * Write → processed latency of a stream record, in ms, from its ApproximateCreationDateTime
 * (epoch seconds, "rounded down to the closest second": DynamoDB Streams API, StreamRecord), so
 * it reads up to a second long. Never negative (a clock ahead of the stream's), and undefined
 * when the record carries no time.
 */
export function recordLatencyMs(record: unknown, nowMs: number): number | undefined {
  const created = (record as { dynamodb?: { ApproximateCreationDateTime?: unknown } } | null)?.dynamodb?.ApproximateCreationDateTime;
  if (typeof created !== "number" || !Number.isFinite(created)) return undefined;
  return Math.max(0, nowMs - created * 1000);
}

/** A DynamoDB item in the JSON wire format (attribute → {S: ...}). */
export type WireItem = Readonly<Record<string, { readonly S: string }>>;

/** One write of the canary: what it calls (the DynamoDB API action) and with what. */
export type HeartbeatWrite =
  | { readonly action: "putItem"; readonly item: WireItem }
  | { readonly action: "deleteItem"; readonly key: WireItem };

/** One route's heartbeat: the writes of a period, in the order they must happen. */
export interface HeartbeatPlan {
  readonly route: RouteName;
  readonly key: string;
  /** Written half a period before the beat, when the beat needs the item in a given state. */
  readonly prepare?: HeartbeatWrite;
  /** The write whose stream record the route's filter passes. */
  readonly beat: HeartbeatWrite;
  /** Why the route needs a prepare write, for people. */
  readonly why: string;
}

function put(route: RouteName, status: string): HeartbeatWrite {
  return { action: "putItem", item: { [TABLE_KEY]: { S: heartbeatKey(route) }, orderStatus: { S: status }, [HEARTBEAT_TIME_ATTRIBUTE]: { S: SCHEDULED_TIME } } };
}

/** The heartbeat writes of one route, derived from what its filter requires. */
export function heartbeatPlanOf(route: Route): HeartbeatPlan {
  const key = heartbeatKey(route.name);
  const beat = put(route.name, route.statuses[0]);
  if (route.previousStatuses) {
    return { route: route.name, key, prepare: put(route.name, route.previousStatuses[0]), beat, why: `a change from ${route.previousStatuses[0]} to ${route.statuses[0]}: the item is set to ${route.previousStatuses[0]} first` };
  }
  if (!route.eventNames.includes("MODIFY")) {
    return { route: route.name, key, prepare: { action: "deleteItem", key: { [TABLE_KEY]: { S: key } } }, beat, why: "a new item each time (INSERT only): the item is deleted first" };
  }
  return { route: route.name, key, beat, why: route.eventNames.includes("INSERT") ? "any change to the item" : "a change to an existing item (MODIFY only): every put after the first" };
}

type Image = Record<string, { S: string }>;

/** The stream record a write makes on an item in state `before` (undefined: no item), as DynamoDB writes it with NEW_AND_OLD_IMAGES. */
function streamRecordOf(write: HeartbeatWrite, before: Image | undefined, at: string): { record: Record<string, unknown> | undefined; after: Image | undefined } {
  if (write.action === "deleteItem") {
    if (!before) return { record: undefined, after: undefined }; // deleting nothing writes no stream record
    return { record: { eventID: `sim-${at}`, eventName: "REMOVE", dynamodb: { Keys: { [TABLE_KEY]: before[TABLE_KEY] }, OldImage: before } }, after: undefined };
  }
  const after: Image = {};
  for (const [k, v] of Object.entries(write.item)) after[k] = { S: v.S === SCHEDULED_TIME ? at : v.S };
  const dynamodb: Record<string, unknown> = { Keys: { [TABLE_KEY]: after[TABLE_KEY] }, NewImage: after, ApproximateCreationDateTime: 0 };
  if (before) dynamodb.OldImage = before;
  return { record: { eventID: `sim-${at}`, eventName: before ? "MODIFY" : "INSERT", dynamodb }, after };
}

/**
 * Checks, on the records the writes really make, that from the second period on every beat
 * passes its route's filter and is recognised as the route's heartbeat, and that no write of
 * the canary is ever decided as an order by any route. Throws naming the route otherwise (a
 * declaration this derivation does not know how to serve): the stack then refuses to deploy.
 */
export function checkHeartbeatPlans(routes: readonly Route[], plans: readonly HeartbeatPlan[] = routes.map(heartbeatPlanOf)): void {
  const evaluators = routes.map(routeEvaluator);
  for (const plan of plans) {
    const own = evaluators.find((e) => e.route.name === plan.route);
    if (!own) throw new Error(`the canary plans a heartbeat for route ${plan.route}, which is not declared`);
    let item: Image | undefined;
    for (let period = 0; period < 3; period++) {
      for (const [phase, write] of [["beat", plan.beat], ["prepare", plan.prepare]] as const) {
        if (!write) continue;
        const { record, after } = streamRecordOf(write, item, `2026-01-01T00:0${period}:0${phase === "beat" ? 0 : 1}Z`);
        item = after;
        if (!record) continue;
        if (heartbeatOf(record)?.route !== plan.route) throw new Error(`route ${plan.route}: its heartbeat record is not recognised as its heartbeat`);
        if (phase === "beat" && period > 0 && !own.passesFilter(record)) {
          throw new Error(`route ${plan.route}: the canary's heartbeat (${JSON.stringify(write)}) does not pass the route's filter ${own.filters.join(" or ")}; the canary cannot watch this route (routing/heartbeat.ts)`);
        }
      }
    }
  }
}

/** Minutes past the hour, in the cron grammar of EventBridge Scheduler: every `period` minutes from `offset`. */
function minutesField(periodMinutes: number, offset: number): string {
  return periodMinutes === 60 ? String(offset) : `${offset}/${periodMinutes}`;
}

/**
 * When a route's writes happen: the beat at minute 0 of each period, the prepare write half a
 * period later (so the next beat finds the item prepared). EventBridge Scheduler's cron:
 * cron(minutes hours day-of-month month day-of-week year), UTC; "0/5" is every 5 minutes from
 * minute 0 (Scheduler user guide, schedule-types, cron-based schedules).
 */
export function heartbeatCron(periodMinutes: number, phase: "beat" | "prepare"): string {
  if (!(HEARTBEAT_PERIODS_MINUTES as readonly number[]).includes(periodMinutes)) {
    throw new Error(`heartbeat period ${periodMinutes} min: must be one of ${HEARTBEAT_PERIODS_MINUTES.join(", ")}`);
  }
  return `cron(${minutesField(periodMinutes, phase === "beat" ? 0 : Math.floor(periodMinutes / 2))} * * * ? *)`;
}

/** The period and the minute offset of a cron expression written by heartbeatCron (the local runtime runs the declared schedules). */
export function parseHeartbeatCron(expression: string): { periodMinutes: number; offsetMinutes: number } | undefined {
  const m = /^cron\((\d+)(?:\/(\d+))? \* \* \* \? \*\)$/.exec(expression);
  if (!m) return undefined;
  return { offsetMinutes: Number(m[1]), periodMinutes: m[2] === undefined ? 60 : Number(m[2]) };
}

/** Writes a month makes, for all routes: one beat per route per period, and a prepare where needed. */
export function heartbeatWritesPerPeriod(plans: readonly HeartbeatPlan[]): number {
  return plans.reduce((n, p) => n + (p.prepare ? 2 : 1), 0);
}

/**
 * The stream records of one period in steady state (the item as the previous period left it),
 * beat then prepare, as they happen on AWS: what each route's filter is then decided on. For
 * the cost model and the tests.
 */
export function heartbeatRecordsPerPeriod(plans: readonly HeartbeatPlan[]): { route: RouteName; phase: "prepare" | "beat"; record: Record<string, unknown> }[] {
  const out: { route: RouteName; phase: "prepare" | "beat"; record: Record<string, unknown> }[] = [];
  for (const plan of plans) {
    let item: Image | undefined;
    for (let period = 0; period < 2; period++) {
      for (const [phase, write] of [["beat", plan.beat], ["prepare", plan.prepare]] as const) {
        if (!write) continue;
        const { record, after } = streamRecordOf(write, item, `2026-01-01T00:0${period}:0${phase === "beat" ? 0 : 1}Z`);
        item = after;
        if (record && period === 1) out.push({ route: plan.route, phase, record });
      }
    }
  }
  return out;
}
