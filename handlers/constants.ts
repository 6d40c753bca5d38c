// Names shared by the handlers and the program that configures and monitors them.
export const DLQ_URL_ENV = "ORDERS_DLQ_URL";
/** How many of a batch's orders the processor handles at once (orders:ordersInFlight; handlers/batch.ts). */
export const ORDERS_IN_FLIGHT_ENV = "ORDERS_IN_FLIGHT";
/**
 * orders:ordersInFlight when a stack leaves it out. Each processed order waits on its
 * effects-once record (two DynamoDB writes) and its step; one order after another, a batch
 * of 10 waited for 20 round trips in sequence. 16 stays well within the SDK's connection pool
 * (50 sockets by default).
 */
export const DEFAULT_ORDERS_IN_FLIGHT = 16;
/** orders:ordersInFlight's bounds: 1 handles a batch one record after another; above 100 a batch would outgrow the SDK's connection pool (50 sockets) for no gain at Pipes' batch sizes. */
export const ORDERS_IN_FLIGHT_RANGE = { min: 1, max: 100 } as const;
export const METRICS_NAMESPACE = "OrdersPipeline";
/**
 * Local runs only (never set by the Pulumi program): JSON {"<orderId>": n} makes the business
 * step throw for that order on its first n attempts (-1: on every attempt), so the local
 * runtime can show retries and dead letters through the real handler code.
 */
export const FAULTS_ENV = "ORDERS_INJECT_FAULTS";
/** The Lambda function's tag naming the business steps its bundle was built from (handlers/steps/), for people and the local runtime. */
export const HANDLER_TAG = "orders:handler";

/** The processor's own metrics per batch and route (handlers/lambda.ts). */
export const BATCH_METRICS = ["RecordsSkippedByGuard", "RecordsQuarantined", "RecordsFailed", "RepeatsSuppressed"] as const;
/**
 * The processor's liveness metrics per route (handlers/lambda.ts; routing/heartbeat.ts): the
 * route's own canary heartbeats it received (Count), and the write → processed latency of every
 * record it handled, heartbeats included (Milliseconds, one value per record, so CloudWatch
 * can compute percentiles).
 */
export const LIVENESS_METRICS = { heartbeats: "Heartbeats", latency: "ProcessingLatency" } as const;
/** Settings the program passes to the business steps: ORDERS_SETTING_<NAME> (index.ts, STEP_NEEDS). */
export const SETTING_ENV_PREFIX = "ORDERS_SETTING_";

/** Quarantined records sent as a reference to the stream (too large for a message); emitted only when non-zero. */
export const QUARANTINED_BY_REFERENCE_METRIC = "RecordsQuarantinedByReference";

/** Log messages of the processor's per-record report (handlers/lambda.ts), read by the local runtime. */
export const REPORT_MESSAGES = { outcomes: "batch.outcomes", heartbeats: "batch.heartbeats", done: "batch.done" } as const;
/** Outcome entries per `batch.outcomes` line: a CloudWatch Logs event holds at most 256 KB (PutLogEvents quotas). */
export const OUTCOMES_PER_LINE = 200;
