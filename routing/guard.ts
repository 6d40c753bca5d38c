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
  const amount = route.amount;
  const threshold = amount.rule === "any" ? undefined : parseDecimal(amount.threshold);
  if (amount.rule !== "any" && threshold === undefined) throw new Error(`route ${route.name}: amount threshold ${JSON.stringify(amount.threshold)} is not a decimal`);
  // above: the amount must compare greater (1); at least: greater or equal (0 or 1).
  const least = amount.rule === "above" ? 1 : 0;
  const failing = amount.rule === "above" ? "is not above" : "is below";
  const testDomains = route.testEmailDomains.map((d) => d.toLowerCase());
  return (order) => {
    // The filter implies the event names (routing/route.ts); this is the processor's own check.
    if (!(route.eventNames as readonly string[]).includes(order.eventName)) {
      return { pass: false, reason: `eventName ${order.eventName} is not handled by the ${route.name} route (${route.eventNames.join(" or ")})` };
    }
    if (threshold !== undefined && compareDecimal(order.orderAmount, threshold) < least) {
      return { pass: false, reason: `orderAmount ${order.orderAmountText} ${failing} ${(amount as { threshold: string }).threshold}` };
    }
    if (route.excludeTestCustomers && isTestDomain(order.customerDomain, testDomains)) {
      return { pass: false, reason: `customer domain ${order.customerDomain} is a test domain` };
    }
    return { pass: true };
  };
}
