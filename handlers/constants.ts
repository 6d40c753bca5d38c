import type { RouteName } from "../routing/route";

// Names shared by the handlers and the program that configures and monitors them.
export const DLQ_URL_ENV = "ORDERS_DLQ_URL";
export const METRICS_NAMESPACE = "OrdersPipeline";
/**
 * Local runs only (never set by the Pulumi program): JSON {"<orderId>": n} makes the business
 * step throw for that order on its first n attempts (-1: on every attempt), so the local
 * runtime can show retries and dead letters through the real handler code.
 */
export const FAULTS_ENV = "ORDERS_INJECT_FAULTS";
/** The Lambda function's tag naming its handlers/ entry: for people, and for the local runtime, which rebuilds the same bundle. */
export const HANDLER_TAG = "orders:handler";

/** Powertools' serviceName of a route's processor: its metrics carry it as the `service` dimension. */
export function metricsServiceName(route: RouteName): string {
  return `orders-${route}-processor`;
}

/** The processor's own metrics per batch (handlers/lambda.ts), the same on both routes. */
export const BATCH_METRICS = ["RecordsSkippedByGuard", "RecordsQuarantined", "RecordsFailed"] as const;

/** Quarantined records sent as a reference to the stream (too large for a message); emitted only when non-zero. */
export const QUARANTINED_BY_REFERENCE_METRIC = "RecordsQuarantinedByReference";

/** What each route's business step counts (handlers/business.ts): orders, and their amounts. */
export const BUSINESS_METRICS: Record<RouteName, { readonly count: string; readonly amount: string }> = {
  normal: { count: "OrdersAccepted", amount: "OrderAmountAccepted" },
  premium: { count: "PremiumOrdersShipped", amount: "PremiumOrderAmountShipped" },
};
