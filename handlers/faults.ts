import type { OrderHandler } from "./business";

// Fault injection for local runs (see FAULTS_ENV): wraps the business step so that chosen
// orders fail transiently, in the spirit of the failure-lambda chaos library. Counts live in
// the execution environment, as a warm Lambda's module state would.

export function parseFaults(text: string | undefined, variable: string): Map<string, number> {
  const faults = new Map<string, number>();
  if (!text) return faults;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`environment variable ${variable} is not JSON: expected {"<orderId>": <times, -1 for always>}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`environment variable ${variable} must be a JSON object {"<orderId>": <times>}`);
  }
  for (const [orderId, times] of Object.entries(parsed)) {
    if (!Number.isInteger(times) || (times as number) < -1) {
      throw new Error(`environment variable ${variable}: ${orderId} must map to a whole number of failures (-1 for always)`);
    }
    faults.set(orderId, times as number);
  }
  return faults;
}

export function withInjectedFaults(handleOrder: OrderHandler, faults: Map<string, number>): OrderHandler {
  if (faults.size === 0) return handleOrder;
  const attempts = new Map<string, number>();
  return async (order, context) => {
    const planned = faults.get(order.orderId);
    if (planned !== undefined) {
      const n = (attempts.get(order.orderId) ?? 0) + 1;
      attempts.set(order.orderId, n);
      if (planned === -1 || n <= planned) throw new Error(`injected failure for order ${order.orderId} (attempt ${n})`);
    }
    return handleOrder(order, context);
  };
}
