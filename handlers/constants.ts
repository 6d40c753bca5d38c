// Names shared by the handlers and the program that configures them.
export const DLQ_URL_ENV = "ORDERS_DLQ_URL";
export const METRICS_NAMESPACE = "OrdersPipeline";
/**
 * Local runs only (never set by the Pulumi program): JSON {"<orderId>": n} makes the business
 * step throw for that order on its first n attempts (-1: on every attempt), so the local
 * runtime can show retries and dead letters through the real handler code.
 */
export const FAULTS_ENV = "ORDERS_INJECT_FAULTS";
