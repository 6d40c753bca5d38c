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
//   stream), and a record is retried whole for every route of its processor. The processor
//   makes each step's effect happen once (handlers/idempotency.ts: Powertools' Idempotency,
//   keyed on the order and the status change the route acts on, routing/effectKey.ts): a
//   repeat of a completed effect does not run the step. A step that writes elsewhere should
//   still make its write conditional where it can (a crash between the write and the
//   idempotency record's completion re-runs the step).
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
  /**
   * Settings the program passes to the processor's steps (index.ts, STEP_NEEDS: a table's
   * name, say), by name. Read them with `setting(context, "name")`, which names what is missing.
   */
  readonly settings: Readonly<Record<string, string>>;
}

/** A step's setting, or an error that says where it comes from. */
export function setting(context: OrderContext, name: string): string {
  const value = context.settings[name];
  if (value === undefined || value === "") {
    throw new Error(`the ${context.route} route's step reads the setting ${name}, which its processor does not have: pass it in index.ts (STEP_NEEDS.${context.route}.settings.${name})`);
  }
  return value;
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
