// Names shared by the handlers and the program that configures them.
export const DLQ_URL_ENV = "ORDERS_DLQ_URL";
export const METRICS_NAMESPACE = "OrdersPipeline";
