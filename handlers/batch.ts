import type { Decision, RouteEvaluator } from "../routing/decide";
import { heartbeatOf, recordLatencyMs } from "../routing/heartbeat";
import { parseOrderChange, type ParsedRecord } from "../routing/order";
import type { OrderContext, OrderHandler } from "./business";
import { DEFAULT_ORDERS_IN_FLIGHT } from "./constants";
import { quarantineMessage, type QuarantineSender } from "./quarantine";

// One batch from a pipe: a bare JSON array of stream records, in shard order. Each record is
// decided for every route the processor serves (its filter, then validation, then its guard;
// the record is parsed once) and then processed by each route's business step, skipped, or
// quarantined. Different orders are handled concurrently (orders:ordersInFlight), one order's
// records one after another in shard order, the order of its changes. On a failure (a step
// throws, or its quarantine send fails) the earliest failed record and every later one are
// returned as batchItemFailures, identified by eventID (the identifier Pipes uses for stream
// sources), so the pipe retries from there: the shard's checkpoint is the earliest failure
// ("Lambda uses the record with the lowest sequence number as the checkpoint", Lambda
// developer guide, services-ddb-batchfailurereporting). A returned record may have been
// processed already (another order's, handled beside the failure; or a route before the one
// that failed): its retry is a repeat, which effects-once suppresses (handlers/idempotency.ts).
// Delivery stays at least once anyway: partial batch reporting "doesn't prevent the
// possibility of retries for a successful record" (eb-pipes-dynamodb).
//
// A canary heartbeat (routing/heartbeat.ts) is recognised by its key before anything else and
// is never an order: no validation, guard, step, quarantine or order count. It counts as a
// heartbeat on its own route when it passes that route's filter; on any other route it is
// ignored quietly. Every record a route handles (processed, skipped, rejected, or its heartbeat)
// has its write → processed latency reported.

export interface BatchItemFailure {
  readonly itemIdentifier: string;
}

export interface BatchResult {
  readonly batchItemFailures: BatchItemFailure[];
}

/** What became of one record on one route whose filter it passed. */
export type RecordOutcome = "processed" | "skipped" | "rejected" | "failed";

/**
 * One line of the processor's per-record report (logged with each batch, see lambda.ts): what
 * the local runtime's live lines, report and latency are built from, and what an operator
 * searches for an order in CloudWatch Logs.
 */
export interface OutcomeEntry {
  readonly route: string;
  readonly outcome: RecordOutcome;
  readonly eventID?: string;
  readonly orderId?: string;
  /** The order's new status, when the record is a well-formed order. */
  readonly status?: string;
  /** Processed, but its effect had already happened: the step did not run again (handlers/idempotency.ts). */
  readonly repeat?: true;
  /** Why it was skipped, rejected or failed. */
  readonly reason?: string;
}

export interface RouteCounts {
  /** The route's own canary heartbeats that passed its filter (never an order). */
  heartbeats: number;
  skipped: number;
  /** Records whose effect on this route is done: now, or before (repeats). */
  processed: number;
  /** Of those, the ones whose effect had already happened: the step was not run again. */
  repeats: number;
  quarantined: number;
  /**
   * Records returned as failures because this route's step failed (the failing one and those
   * after it in the batch; one of those may also count as processed, its effect done beside the failure).
   */
  failed: number;
}

export interface BatchCounts extends RouteCounts {
  received: number;
  /** Records no route's filter passes (a pipe's own filter never delivers one). */
  filtered: number;
}

/** A canary heartbeat a route received (see routing/heartbeat.ts). */
export interface HeartbeatEntry {
  readonly route: string;
  readonly eventID?: string;
  /** Write → processed, ms (from the record's ApproximateCreationDateTime), when it carries one. */
  readonly latencyMs?: number;
}

/** Write → processed latency of one record handled on one route. */
export interface LatencyEntry {
  readonly route: string;
  readonly ms: number;
}

/** One route the processor serves: how it decides, its business step and what the step is given. */
export interface RouteStep {
  readonly evaluator: RouteEvaluator;
  /** The step, as the processor runs it: "repeat" when its effect had already happened and it did not run. */
  readonly handleOrder: (...args: Parameters<OrderHandler>) => Promise<"ran" | "repeat" | void>;
  readonly context: OrderContext;
  /** Counts one processed order (the route's processed-order metrics). */
  readonly processed?: (amount: number) => void;
}

export interface BatchDeps {
  readonly routes: readonly RouteStep[];
  readonly quarantine: QuarantineSender;
  readonly warn: (message: string, attributes: Record<string, unknown>) => void;
  readonly now?: () => Date;
  /** How many orders at once (orders:ordersInFlight); DEFAULT_ORDERS_IN_FLIGHT when left out. */
  readonly ordersInFlight?: number;
}

export interface BatchReport extends BatchResult {
  /** Totals over the routes; a record counts once per route it passed. */
  readonly counts: BatchCounts;
  readonly perRoute: Readonly<Record<string, RouteCounts>>;
  readonly outcomes: readonly OutcomeEntry[];
  readonly heartbeats: readonly HeartbeatEntry[];
  readonly latencies: readonly LatencyEntry[];
}

/** The order's key, for logs (a key is not personal data; the record may be malformed). */
function orderIdOf(record: unknown): string | undefined {
  const id = (record as { dynamodb?: { Keys?: { orderId?: { S?: unknown } } } } | null)?.dynamodb?.Keys?.orderId?.S;
  return typeof id === "string" ? id : undefined;
}

function eventIdOf(record: unknown): string | undefined {
  const id = (record as { eventID?: unknown } | null)?.eventID;
  return typeof id === "string" && id !== "" ? id : undefined;
}

const FILTERED: Decision = { outcome: "filtered" };

/** A record some route's filter passed: what was decided for it, and what its steps did. */
interface Decided {
  readonly index: number;
  readonly record: unknown;
  readonly eventID?: string;
  readonly orderId?: string;
  readonly decisions: readonly Decision[];
  /** The routes that found it malformed (then no step runs: it is quarantined once). */
  readonly rejected: readonly { route: string; reasons: readonly string[] }[];
  /** Per route: what its step did, once it completed, with the record's latency then. */
  readonly ran: ({ once: "ran" | "repeat"; latencyMs?: number } | undefined)[];
}

/** A record as the first pass saw it. */
type Seen = { readonly heartbeat: string | undefined } | "filtered" | Decided;

interface Failure {
  readonly index: number;
  readonly route: string;
  readonly error: unknown;
  readonly status?: string;
}

export async function processBatch(payload: unknown, deps: BatchDeps): Promise<BatchReport> {
  if (!Array.isArray(payload)) {
    // The whole invocation is unusable: fail it so the pipe retries and, in the end, dead-letters it.
    throw new TypeError(`expected the pipe's payload to be a JSON array of stream records, got ${payload === null ? "null" : typeof payload}`);
  }
  const now = deps.now ?? (() => new Date());
  const latencyOf = (record: unknown) => recordLatencyMs(record, now().getTime());
  const routeName = (j: number) => deps.routes[j].evaluator.route.name;

  // 1. Every record is decided (no I/O); those with steps to run are grouped by order.
  const seen: Seen[] = [];
  const byOrder = new Map<string, Decided[]>();
  const toQuarantine: Decided[] = [];
  for (let i = 0; i < payload.length; i++) {
    const record: unknown = payload[i];
    const heartbeat = heartbeatOf(record);
    if (heartbeat) {
      const own = deps.routes.find((r) => r.evaluator.route.name === heartbeat.route);
      // Another route's heartbeat (or a prepare write) is not this processor's to report.
      seen.push({ heartbeat: own?.evaluator.passesFilter(record) ? heartbeat.route : undefined });
      continue;
    }
    let parsed: ParsedRecord | undefined;
    const decisions = deps.routes.map((r) => {
      if (!r.evaluator.passesFilter(record)) return FILTERED;
      parsed ??= parseOrderChange(record);
      return r.evaluator.decideParsed(parsed);
    });
    if (decisions.every((d) => d.outcome === "filtered")) {
      seen.push("filtered");
      continue;
    }
    const rejected = decisions.flatMap((d, j) => (d.outcome === "rejected" ? [{ route: routeName(j), reasons: d.reasons }] : []));
    const decided: Decided = { index: i, record, eventID: eventIdOf(record), orderId: orderIdOf(record), decisions, rejected, ran: [] };
    seen.push(decided);
    if (rejected.length > 0) toQuarantine.push(decided);
    else {
      const processed = decisions.find((d) => d.outcome === "processed");
      if (processed) {
        const group = byOrder.get(processed.order.orderId);
        if (group) group.push(decided);
        else byOrder.set(processed.order.orderId, [decided]);
      }
    }
  }

  let failure: Failure | undefined;
  const fail = (f: Failure) => {
    if (!failure || f.index < failure.index) failure = f;
  };

  // 2. The steps, `ordersInFlight` orders at a time, each order's records in shard order. On a
  // failure that order stops, and no record after the failure starts; those under way finish
  // (they are retried with the rest, and are then repeats, which effects-once suppresses).
  const runSteps = async (d: Decided): Promise<Failure | undefined> => {
    for (let j = 0; j < deps.routes.length; j++) {
      const decision = d.decisions[j];
      if (decision.outcome !== "processed") continue;
      const step = deps.routes[j];
      let once: Awaited<ReturnType<RouteStep["handleOrder"]>>;
      try {
        once = await step.handleOrder(decision.order, step.context);
      } catch (error) {
        return { index: d.index, route: routeName(j), error, status: decision.order.orderStatus };
      }
      if (once !== "repeat") step.processed?.(Number(decision.order.orderAmountText));
      d.ran[j] = { once: once === "repeat" ? "repeat" : "ran", latencyMs: latencyOf(d.record) };
    }
    return undefined;
  };
  const orders = [...byOrder.values()]; // by their first record
  let next = 0;
  const worker = async () => {
    while (next < orders.length) {
      for (const d of orders[next++]) {
        if (failure && failure.index < d.index) break;
        const failed = await runSteps(d);
        if (failed) {
          fail(failed);
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.ordersInFlight ?? DEFAULT_ORDERS_IN_FLIGHT, orders.length) }, worker));

  // 3. The malformed records before the failure are quarantined, in shard order, stopping at
  // the first send that fails. Not beside the steps: a quarantine cannot be undone, and one
  // sent for a record the pipe then retries would be sent again (a second DLQ message).
  for (const d of toQuarantine) {
    if (failure && failure.index < d.index) break;
    try {
      await deps.quarantine(quarantineMessage(d.rejected[0].route, d.record, d.eventID, d.rejected[0].reasons, now()));
    } catch (error) {
      fail({ index: d.index, route: d.rejected[0].route, error });
      break;
    }
  }

  // 4. The report, in shard order: every record before the failure; from the failure on, only
  // what did happen (steps that ran: their effect is done) and the failure itself.
  const counts: BatchCounts = { received: payload.length, filtered: 0, heartbeats: 0, skipped: 0, processed: 0, repeats: 0, quarantined: 0, failed: 0 };
  const perRoute: Record<string, RouteCounts> = {};
  for (const r of deps.routes) perRoute[r.evaluator.route.name] = { heartbeats: 0, skipped: 0, processed: 0, repeats: 0, quarantined: 0, failed: 0 };
  const count = (route: string, key: keyof RouteCounts, n = 1) => {
    perRoute[route][key] += n;
    counts[key] += n;
  };
  const outcomes: OutcomeEntry[] = [];
  const heartbeats: HeartbeatEntry[] = [];
  const latencies: LatencyEntry[] = [];
  const latency = (route: string, ms: number | undefined) => {
    if (ms !== undefined) latencies.push({ route, ms });
    return ms;
  };
  const end = failure?.index ?? payload.length;
  /** What became of record i: all of it before the failure; from there, only the steps that ran. */
  const reportRecord = (i: number) => {
    const s = seen[i];
    const record: unknown = payload[i];
    if (s === "filtered") {
      if (i >= end) return;
      counts.filtered++;
      deps.warn("record.filtered", { eventID: eventIdOf(record), why: `does not match the filter of any route this processor serves (${deps.routes.map((r) => r.evaluator.route.name).join(", ")})` });
    } else if ("heartbeat" in s) {
      if (i >= end) return;
      if (s.heartbeat === undefined) counts.heartbeats++;
      else {
        count(s.heartbeat, "heartbeats");
        heartbeats.push({ route: s.heartbeat, eventID: eventIdOf(record), latencyMs: latency(s.heartbeat, latencyOf(record)) });
      }
    } else if (s.rejected.length > 0) {
      if (i >= end) return;
      const reasons = s.rejected[0].reasons;
      for (const r of s.rejected) {
        count(r.route, "quarantined");
        outcomes.push({ route: r.route, outcome: "rejected", eventID: s.eventID, orderId: s.orderId, reason: reasons.join("; ") });
        latency(r.route, latencyOf(record));
      }
      deps.warn("record.quarantined", { eventID: s.eventID, orderId: s.orderId, routes: s.rejected.map((r) => r.route), reasons });
    } else {
      s.decisions.forEach((d, j) => {
        const route = routeName(j);
        if (d.outcome === "skipped" && i < end) {
          count(route, "skipped");
          outcomes.push({ route, outcome: "skipped", eventID: s.eventID, orderId: s.orderId, status: d.order.orderStatus, reason: d.reason });
          latency(route, latencyOf(record));
        } else if (d.outcome === "processed" && s.ran[j]) {
          const { once, latencyMs } = s.ran[j];
          count(route, "processed");
          if (once === "repeat") count(route, "repeats");
          outcomes.push({ route, outcome: "processed", eventID: s.eventID, orderId: s.orderId, status: d.order.orderStatus, ...(once === "repeat" ? { repeat: true as const } : {}) });
          latency(route, latencyMs);
        }
      });
    }
  };
  let batchItemFailures: BatchItemFailure[] = [];
  for (let i = 0; i < payload.length; i++) {
    reportRecord(i);
    const record: unknown = payload[i];
    if (failure && i === end) {
      const remaining = payload.slice(i);
      const ids = remaining.map(eventIdOf);
      const eventID = eventIdOf(record);
      const orderId = orderIdOf(record);
      const message = (failure.error as Error)?.message ?? String(failure.error);
      if (ids.some((id) => id === undefined)) {
        // Without an eventID a record cannot be named in batchItemFailures; failing the
        // whole invocation is the only way not to lose it.
        throw new Error(`record ${i} failed and a record from there on has no eventID: ${message}`);
      }
      count(failure.route, "failed", remaining.length);
      outcomes.push({ route: failure.route, outcome: "failed", eventID, orderId, status: failure.status, reason: message });
      deps.warn("record.failed", { eventID, orderId, route: failure.route, error: message, retriedFromHere: remaining.length });
      batchItemFailures = ids.map((id) => ({ itemIdentifier: id as string }));
    }
  }
  return { batchItemFailures, counts, perRoute, outcomes, heartbeats, latencies };
}
