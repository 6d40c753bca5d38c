import type { Decision, RouteEvaluator } from "../routing/decide";
import { heartbeatOf, recordLatencyMs } from "../routing/heartbeat";
import { parseOrderChange, type ParsedRecord } from "../routing/order";
import type { OrderContext, OrderHandler } from "./business";
import { quarantineMessage, type QuarantineSender } from "./quarantine";

// One batch from a pipe: a bare JSON array of stream records, in shard order. Each record is
// decided for every route the processor serves (its filter, then validation, then its guard;
// the record is parsed once) and then processed by each route's business step, skipped, or
// quarantined. On the first record that fails (a step throws, or its quarantine send fails)
// the batch stops: that record and every later one are returned as batchItemFailures,
// identified by eventID (the identifier Pipes uses for stream sources), so the pipe retries
// from there. A record is retried whole: a route whose step already ran for it runs again.
// Delivery stays at least once anyway: partial batch reporting "doesn't prevent the
// possibility of retries for a successful record" (eb-pipes-dynamodb), so a record before the
// failure may still run again (bisection, a timeout); the business steps are idempotent.
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
  /** Records returned as failures because this route's step failed (the failing one and those after it). */
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

export async function processBatch(payload: unknown, deps: BatchDeps): Promise<BatchReport> {
  if (!Array.isArray(payload)) {
    // The whole invocation is unusable: fail it so the pipe retries and, in the end, dead-letters it.
    throw new TypeError(`expected the pipe's payload to be a JSON array of stream records, got ${payload === null ? "null" : typeof payload}`);
  }
  const counts: BatchCounts = { received: payload.length, filtered: 0, heartbeats: 0, skipped: 0, processed: 0, repeats: 0, quarantined: 0, failed: 0 };
  const perRoute: Record<string, RouteCounts> = {};
  for (const r of deps.routes) perRoute[r.evaluator.route.name] = { heartbeats: 0, skipped: 0, processed: 0, repeats: 0, quarantined: 0, failed: 0 };
  const outcomes: OutcomeEntry[] = [];
  const heartbeats: HeartbeatEntry[] = [];
  const latencies: LatencyEntry[] = [];
  const count = (route: string, key: keyof RouteCounts, n = 1) => {
    perRoute[route][key] += n;
    counts[key] += n;
  };
  const now = deps.now ?? (() => new Date());
  for (let i = 0; i < payload.length; i++) {
    const record: unknown = payload[i];
    const eventID = eventIdOf(record);
    const latency = (route: string) => {
      const ms = recordLatencyMs(record, now().getTime());
      if (ms !== undefined) latencies.push({ route, ms });
      return ms;
    };
    const heartbeat = heartbeatOf(record);
    if (heartbeat) {
      const own = deps.routes.find((r) => r.evaluator.route.name === heartbeat.route);
      if (own?.evaluator.passesFilter(record)) {
        count(heartbeat.route, "heartbeats");
        heartbeats.push({ route: heartbeat.route, eventID, latencyMs: latency(heartbeat.route) });
      } else {
        counts.heartbeats++; // another route's heartbeat (or a prepare write): not this processor's to report
      }
      continue;
    }
    const orderId = orderIdOf(record);
    let parsed: ParsedRecord | undefined;
    const decisions = deps.routes.map((r) => {
      if (!r.evaluator.passesFilter(record)) return FILTERED;
      parsed ??= parseOrderChange(record);
      return r.evaluator.decideParsed(parsed);
    });
    let failure: { route: string; error: unknown; status?: string } | undefined;
    if (decisions.every((d) => d.outcome === "filtered")) {
      counts.filtered++;
      deps.warn("record.filtered", { eventID, why: `does not match the filter of any route this processor serves (${deps.routes.map((r) => r.evaluator.route.name).join(", ")})` });
      continue;
    }
    const rejected = decisions.flatMap((d, j) => (d.outcome === "rejected" ? [{ route: deps.routes[j].evaluator.route.name, reasons: d.reasons }] : []));
    if (rejected.length > 0) {
      // Malformed for one route is malformed for all (one parse): quarantined once, under the first route.
      const { route, reasons } = rejected[0];
      try {
        await deps.quarantine(quarantineMessage(route, record, eventID, reasons, now()));
        for (const r of rejected) {
          count(r.route, "quarantined");
          outcomes.push({ route: r.route, outcome: "rejected", eventID, orderId, reason: reasons.join("; ") });
          latency(r.route);
        }
        deps.warn("record.quarantined", { eventID, orderId, routes: rejected.map((r) => r.route), reasons });
      } catch (error) {
        failure = { route, error };
      }
    } else {
      for (let j = 0; j < deps.routes.length && !failure; j++) {
        const step = deps.routes[j];
        const route = step.evaluator.route.name;
        const d = decisions[j];
        if (d.outcome === "skipped") {
          count(route, "skipped");
          outcomes.push({ route, outcome: "skipped", eventID, orderId, status: d.order.orderStatus, reason: d.reason });
          latency(route);
        } else if (d.outcome === "processed") {
          try {
            const once = await step.handleOrder(d.order, step.context);
            count(route, "processed");
            if (once === "repeat") {
              count(route, "repeats");
              outcomes.push({ route, outcome: "processed", eventID, orderId, status: d.order.orderStatus, repeat: true });
            } else {
              step.processed?.(Number(d.order.orderAmountText));
              outcomes.push({ route, outcome: "processed", eventID, orderId, status: d.order.orderStatus });
            }
            latency(route);
          } catch (error) {
            failure = { route, error, status: d.order.orderStatus };
          }
        }
      }
    }
    if (failure !== undefined) {
      const remaining = payload.slice(i);
      const ids = remaining.map(eventIdOf);
      const message = (failure.error as Error)?.message ?? String(failure.error);
      if (ids.some((id) => id === undefined)) {
        // Without an eventID a record cannot be named in batchItemFailures; failing the
        // whole invocation is the only way not to lose it.
        throw new Error(`record ${i} failed and a record from there on has no eventID: ${message}`);
      }
      count(failure.route, "failed", remaining.length);
      outcomes.push({ route: failure.route, outcome: "failed", eventID, orderId, status: failure.status, reason: message });
      deps.warn("record.failed", { eventID, orderId, route: failure.route, error: message, retriedFromHere: remaining.length });
      return { batchItemFailures: ids.map((id) => ({ itemIdentifier: id as string })), counts, perRoute, outcomes, heartbeats, latencies };
    }
  }
  return { batchItemFailures: [], counts, perRoute, outcomes, heartbeats, latencies };
}
