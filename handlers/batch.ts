import type { RouteEvaluator } from "../routing/decide";
import type { OrderContext, OrderHandler } from "./business";
import { quarantineMessage, type QuarantineSender } from "./quarantine";

// One batch from a pipe: a bare JSON array of stream records, in shard order. Each record is
// decided (filter, validation, guard) and then processed, skipped, or quarantined. On the
// first record that fails (its business step throws, or its quarantine send fails) the batch
// stops: that record and every later one are returned as batchItemFailures, identified by
// eventID (the identifier Pipes uses for stream sources), so the pipe retries from there.
// Delivery stays at least once: partial batch reporting "doesn't prevent the possibility of
// retries for a successful record" (eb-pipes-dynamodb), so a record before the failure may
// still run again (bisection, a timeout); the business step is idempotent for that reason.

export interface BatchItemFailure {
  readonly itemIdentifier: string;
}

export interface BatchResult {
  readonly batchItemFailures: BatchItemFailure[];
}

export interface BatchCounts {
  received: number;
  filtered: number;
  skipped: number;
  processed: number;
  quarantined: number;
  failed: number;
}

export interface BatchDeps {
  readonly evaluator: RouteEvaluator;
  readonly handleOrder: OrderHandler;
  readonly quarantine: QuarantineSender;
  readonly context: OrderContext;
  readonly warn: (message: string, attributes: Record<string, unknown>) => void;
  readonly now?: () => Date;
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

export async function processBatch(payload: unknown, deps: BatchDeps): Promise<BatchResult & { counts: BatchCounts }> {
  if (!Array.isArray(payload)) {
    // The whole invocation is unusable: fail it so the pipe retries and, in the end, dead-letters it.
    throw new TypeError(`expected the pipe's payload to be a JSON array of stream records, got ${payload === null ? "null" : typeof payload}`);
  }
  const counts: BatchCounts = { received: payload.length, filtered: 0, skipped: 0, processed: 0, quarantined: 0, failed: 0 };
  const now = deps.now ?? (() => new Date());
  for (let i = 0; i < payload.length; i++) {
    const record: unknown = payload[i];
    const decision = deps.evaluator.decide(record);
    let failure: unknown;
    try {
      switch (decision.outcome) {
        case "filtered":
          counts.filtered++;
          deps.warn("record.filtered", { eventID: eventIdOf(record), why: "does not match the route's pipe filter" });
          break;
        case "skipped":
          counts.skipped++;
          break;
        case "rejected":
          await deps.quarantine(quarantineMessage(deps.evaluator.route.name, record, eventIdOf(record), decision.reasons, now()));
          counts.quarantined++;
          deps.warn("record.quarantined", { eventID: eventIdOf(record), orderId: orderIdOf(record), reasons: decision.reasons });
          break;
        case "processed":
          await deps.handleOrder(decision.order, deps.context);
          counts.processed++;
          break;
      }
    } catch (err) {
      failure = err;
    }
    if (failure !== undefined) {
      const remaining = payload.slice(i);
      const ids = remaining.map(eventIdOf);
      if (ids.some((id) => id === undefined)) {
        // Without an eventID a record cannot be named in batchItemFailures; failing the
        // whole invocation is the only way not to lose it.
        throw new Error(`record ${i} failed and a record from there on has no eventID: ${(failure as Error).message}`);
      }
      counts.failed = remaining.length;
      deps.warn("record.failed", {
        eventID: ids[0],
        orderId: orderIdOf(payload[i]),
        outcome: decision.outcome,
        error: (failure as Error)?.message ?? String(failure),
        retriedFromHere: remaining.length,
      });
      return { batchItemFailures: ids.map((id) => ({ itemIdentifier: id as string })), counts };
    }
  }
  return { batchItemFailures: [], counts };
}
