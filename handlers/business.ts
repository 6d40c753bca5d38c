import { maskEmail, type OrderChange } from "../routing/order";
import type { RouteName } from "../routing/route";
import { BUSINESS_METRICS } from "./constants";

// The business step of each processor, behind one small contract so a team can replace it.
//
// Contract for a replacement `OrderHandler`:
// - It is called once per order that passed the pipe's filter, validation and the guard, in
//   stream order for that shard. Resolve when done; throw (reject) for a *transient* failure:
//   the pipe retries this record and every later one of the batch, up to maxRetryAttempts,
//   then sends a pointer to the DLQ.
// - Delivery is at least once (retries, bisection, redrive), so it must be idempotent: use
//   `order.eventID` (unique per stream record) or `orderId` + `sequenceNumber` as the
//   idempotency key, e.g. a conditional write that fails if the key was already recorded.
// - Never log `order.customerEmail` in full; use `maskEmail`.
//
// The shipped handlers only emit a structured log line and metrics. Repeating them is safe:
// a repeat writes one more log line with the same eventID (deduplicate on it downstream).

export interface OrderLog {
  info(message: string, attributes: Record<string, unknown>): void;
}

export interface OrderMetrics {
  count(name: string): void;
  amount(name: string, value: number): void;
}

export interface OrderContext {
  readonly route: RouteName;
  readonly log: OrderLog;
  readonly metrics: OrderMetrics;
}

export type OrderHandler = (order: OrderChange, context: OrderContext) => Promise<void>;

function orderFacts(order: OrderChange): Record<string, unknown> {
  return {
    orderId: order.orderId,
    orderStatus: order.orderStatus,
    previousStatus: order.previousStatus,
    orderAmount: order.orderAmountText,
    customer: maskEmail(order.customerEmail),
    eventID: order.eventID,
    eventName: order.eventName,
    sequenceNumber: order.sequenceNumber,
  };
}

export const acceptNormalOrder: OrderHandler = async (order, { log, metrics }) => {
  log.info("order.accepted", orderFacts(order));
  metrics.count(BUSINESS_METRICS.normal.count);
  metrics.amount(BUSINESS_METRICS.normal.amount, Number(order.orderAmountText));
};

export const shipPremiumOrder: OrderHandler = async (order, { log, metrics }) => {
  log.info("order.premium_shipped", orderFacts(order));
  metrics.count(BUSINESS_METRICS.premium.count);
  metrics.amount(BUSINESS_METRICS.premium.amount, Number(order.orderAmountText));
};
