import { compareDecimal, parseDecimal } from "./decimal";
import type { OrderChange } from "./order";
import type { Route } from "./route";

// The part of a route a pipe cannot evaluate, applied by the processor to each well-formed
// order that passed the pipe's filter. A guarded order is acknowledged, not failed.

export type GuardVerdict = { readonly pass: true } | { readonly pass: false; readonly reason: string };

/** True if `domain` is one of `testDomains` or a subdomain of one (inputs lower-case). */
export function isTestDomain(domain: string, testDomains: readonly string[]): boolean {
  return testDomains.some((t) => domain === t || domain.endsWith(`.${t}`));
}

export function makeGuard(route: Route): (order: OrderChange) => GuardVerdict {
  const minAmount = parseDecimal(route.minAmount);
  if (minAmount === undefined) throw new Error(`route ${route.name}: minAmount ${JSON.stringify(route.minAmount)} is not a decimal`);
  const testDomains = route.testEmailDomains.map((d) => d.toLowerCase());
  return (order) => {
    // The filter implies the event names (routing/route.ts); this is the processor's own check.
    if (!(route.eventNames as readonly string[]).includes(order.eventName)) {
      return { pass: false, reason: `eventName ${order.eventName} is not handled by the ${route.name} route (${route.eventNames.join(" or ")})` };
    }
    if (compareDecimal(order.orderAmount, minAmount) <= 0) {
      return { pass: false, reason: `orderAmount ${order.orderAmountText} is not above ${route.minAmount}` };
    }
    if (route.excludeTestCustomers && isTestDomain(order.customerDomain, testDomains)) {
      return { pass: false, reason: `customer domain ${order.customerDomain} is a test domain` };
    }
    return { pass: true };
  };
}
