import { maskEmail, type OrderChange } from "../routing/order";
import type { RouteName } from "../routing/route";

// The contract of a business step: the one function per route a team writes
// (handlers/steps/<step>.ts, named by the route's `step` in routing/routes.ts).
//
// - It is called once per order that passed the route's pipe filter, validation and guard, in
//   stream order for that shard. Resolve when done; throw (reject) for a *transient* failure:
//   the pipe retries this record and every later one of the batch, up to maxRetryAttempts,
//   then sends a pointer to the DLQ.
// - Delivery is at least once (retries, bisection, redrive, a replaced pipe re-reading the
//   stream), and a record is retried whole for every route of its processor, so a step must
//   be idempotent: key its effect on the order and the change it acts on (or `order.eventID`,
//   unique per stream record), e.g. a conditional write that fails if the key was recorded.
// - The processor counts each order the step completes (the route's processed-order metrics)
//   and reports it per record; the step adds its own log lines and metrics if it wants.
// - Never log `order.customerEmail` in full; use `maskEmail`.

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
  /** The route's metrics (namespace OrdersPipeline, dimension service = orders-<route>-processor). */
  readonly metrics: OrderMetrics;
}

export type OrderHandler = (order: OrderChange, context: OrderContext) => Promise<void>;

/** What a step's log line says about an order: no personal data beyond a masked address. */
export function orderFacts(order: OrderChange): Record<string, unknown> {
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
