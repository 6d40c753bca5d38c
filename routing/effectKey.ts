import type { OrderChange } from "./order";
import type { Route } from "./route";

// What a route's business effect is keyed on, so that it happens once whatever re-delivers
// the change: the pipe's retries and bisection, a throw or a timeout, a replaced pipe that
// reads the stream again from TRIM_HORIZON, `dlq redrive` of a dead-lettered pointer, and the
// redrive of a quarantined order after its fix (a record with the same eventID carrying the
// fixed item, after the fix's own record was already processed). The key is the effect, not
// the delivery: for a route that acts on a status change it is the order and that change.
//
//   change:  route, orderId, new status, and for a transition route the previous status
//   eventID: route and eventID: one effect per stream record (a team's own choice)
//
// A structured value, not a joined string, so no orderId can make two effects' keys collide;
// the idempotency store hashes it.

export type Effect =
  | { readonly route: string; readonly orderId: string; readonly to: string; readonly from?: string }
  | { readonly route: string; readonly eventID: string };

export function effectOf(route: Route, order: OrderChange): Effect {
  if (route.idempotencyKey === "eventID") return { route: route.name, eventID: order.eventID };
  return route.previousStatuses
    ? { route: route.name, orderId: order.orderId, from: order.previousStatus ?? "", to: order.orderStatus }
    : { route: route.name, orderId: order.orderId, to: order.orderStatus };
}

/** "o-1 pending>shipped", "o-1 pending", "event 4f2c..." for log lines and reports. */
export function describeEffect(effect: Effect): string {
  if ("eventID" in effect) return `event ${effect.eventID}`;
  return `${effect.orderId} ${effect.from !== undefined ? `${effect.from}>` : ""}${effect.to}`;
}
