import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { routeEvaluator } from "../routing/decide";
import { routesFromEnvironment } from "../routing/environment";
import { metricsServiceName, type RouteName } from "../routing/route";
import { type BatchResult, processBatch, type RouteStep } from "./batch";
import type { OrderHandler, OrderLog, OrderMetrics } from "./business";
import { effectOf } from "../routing/effectKey";
import { BATCH_METRICS, DEFAULT_ORDERS_IN_FLIGHT, DLQ_URL_ENV, FAULTS_ENV, ORDERS_IN_FLIGHT_ENV, ORDERS_IN_FLIGHT_RANGE, LIVENESS_METRICS, METRICS_NAMESPACE, OUTCOMES_PER_LINE, QUARANTINED_BY_REFERENCE_METRIC, REPORT_MESSAGES, SETTING_ENV_PREFIX } from "./constants";
import { effectGuard, IDEMPOTENCY_TABLE_ENV } from "./idempotency";
import { parseFaults, withInjectedFaults } from "./faults";
import { QUARANTINE_ATTRIBUTES, type QuarantineSender, quarantineBody } from "./quarantine";

// The Lambda shell around processBatch: reads its routes from the environment the Pulumi
// program set, logs with Powertools Logger (JSON, one line per event) and emits metrics in
// CloudWatch embedded metric format with Powertools Metrics. Built at module init, once per
// execution environment. Each batch ends with its per-record report (batch.outcomes lines)
// and its counts (batch.done).

type SqsModule = typeof import("@aws-sdk/client-sqs");

// The SQS client is loaded on the first quarantine, not at module init: loading it costs
// ~35 ms of a ~45 ms cold start, and most execution environments never quarantine a record.
// A plain require() that esbuild leaves as is (the module is external, infra/bundle.ts): the
// Lambda runtime provides @aws-sdk/client-sqs.
let sqs: SqsModule | undefined;
function loadSqs(): SqsModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  sqs ??= require("@aws-sdk/client-sqs") as SqsModule;
  return sqs;
}

/** Whether this execution environment has loaded the SQS client yet (for tests and the bench). */
export function sqsClientLoaded(): boolean {
  return sqs !== undefined;
}

// An endpoint configured explicitly (AWS_ENDPOINT_URL_SQS, as local runs do) wins over the
// queue URL's host, which the SDK would otherwise use.
const sqsClient = (): SQSClient => new (loadSqs().SQSClient)({ useQueueUrlAsEndpoint: !process.env.AWS_ENDPOINT_URL_SQS });

export function sqsQuarantineSender(queueUrl: string, makeClient: () => SQSClient = sqsClient): QuarantineSender {
  let client: SQSClient | undefined;
  return async (message) => {
    client ??= makeClient();
    // The whole record, or a reference to it when it would not fit in an SQS message.
    const { body, delivery } = quarantineBody(message);
    await client.send(new (loadSqs().SendMessageCommand)({ QueueUrl: queueUrl, MessageBody: body, MessageAttributes: QUARANTINE_ATTRIBUTES }));
    return delivery;
  };
}

/**
 * Records quarantined by reference (too large for a message), only when there are some: a
 * rare event, so a metric written on every invocation would be a custom metric billed every
 * month for zeros; the alarm reads a missing point as none.
 */
function addReferenceMetric(metrics: Metrics, count: number | undefined): void {
  if (count) metrics.addMetric(QUARANTINED_BY_REFERENCE_METRIC, MetricUnit.Count, count);
}

/** The sender, counting by route the records it sent by reference (an execution environment runs one invocation at a time). */
function countingReferences(send: QuarantineSender): QuarantineSender & { byReference: Map<string, number> } {
  const counting = Object.assign(
    async (message: Parameters<QuarantineSender>[0]) => {
      const delivery = await send(message);
      if (delivery === "reference") counting.byReference.set(message.route, (counting.byReference.get(message.route) ?? 0) + 1);
      return delivery;
    },
    { byReference: new Map<string, number>() },
  );
  return counting;
}

/**
 * A batch whose first record failed gains nothing from a partial response: the pipe would
 * retry the same records, and AUTOMATIC_BISECT splits a partial response at the first failed
 * record instead of halving it (Lambda developer guide, services-ddb-batchfailurereporting,
 * "Bisecting a batch"; local/localPipe.ts), so a record that always fails would take every
 * record behind it in its batch to the DLQ. Failing the invocation makes the pipe halve the
 * batch until that record is alone: it alone is dead-lettered, and the others go on. Called
 * after the batch's report and metrics are written, so they count it.
 */
function failWhenNoProgress(payload: unknown, failures: readonly { itemIdentifier: string }[]): void {
  const first = Array.isArray(payload) ? (payload[0] as { eventID?: unknown } | undefined)?.eventID : undefined;
  if (failures.length > 0 && failures[0].itemIdentifier === first) {
    throw new Error(`record ${first}, the first of its batch, failed: the invocation fails so that the pipe halves the batch (AUTOMATIC_BISECT) and only the failing record is retried until it is dead-lettered`);
  }
}

/** ORDERS_IN_FLIGHT as the program sets it (orders:ordersInFlight); the default when it is not set. */
export function ordersInFlightOf(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env[ORDERS_IN_FLIGHT_ENV];
  if (raw === undefined || raw === "") return DEFAULT_ORDERS_IN_FLIGHT;
  const n = Number(raw);
  const { min, max } = ORDERS_IN_FLIGHT_RANGE;
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new Error(`environment variable ${ORDERS_IN_FLIGHT_ENV} is ${JSON.stringify(raw)}; expected a whole number from ${min} to ${max} (orders:ordersInFlight)`);
  return n;
}

/** The steps' settings from ORDERS_SETTING_<NAME> variables: FULFILMENT_TABLE → fulfilmentTable. */
export function stepSettings(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(SETTING_ENV_PREFIX) || value === undefined) continue;
    const name = key.slice(SETTING_ENV_PREFIX.length).toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    out[name] = value;
  }
  return out;
}

/** What the generated entry (infra/bundle.ts) bundles for one route: its business step and its processed-order metric names. */
export interface ServedStep {
  readonly step: OrderHandler;
  readonly metrics: { readonly count: string; readonly amount: string };
}

/** The routes this processor serves, by name: what its bundle holds; their settings come from the environment. */
export type Steps = Readonly<Record<RouteName, ServedStep>>;

export function createHandler(steps: Steps): (payload: unknown, context?: Context) => Promise<BatchResult> {
  const routes = routesFromEnvironment(process.env);
  const missing = routes.filter((r) => typeof steps[r.name]?.step !== "function").map((r) => r.name);
  if (missing.length > 0) throw new Error(`no business step bundled for route ${missing.join(", ")} (ORDERS_ROUTE is ${process.env.ORDERS_ROUTE})`);
  const queueUrl = process.env[DLQ_URL_ENV];
  if (!queueUrl) throw new Error(`environment variable ${DLQ_URL_ENV} is not set`);
  const effectsTable = process.env[IDEMPOTENCY_TABLE_ENV];
  if (!effectsTable) throw new Error(`environment variable ${IDEMPOTENCY_TABLE_ENV} is not set`);
  const faults = parseFaults(process.env[FAULTS_ENV], FAULTS_ENV);
  const ordersInFlight = ordersInFlightOf(process.env);
  const settings = stepSettings(process.env);
  // One logger for the processor (its first route names it), one set of metrics per route:
  // each route's metrics carry its own service dimension, whichever processor serves it.
  const logger = new Logger({ serviceName: metricsServiceName(routes[0].name) });
  const log: OrderLog = { info: (message, attributes) => logger.info(message, attributes) };
  const served = routes.map((route) => {
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: metricsServiceName(route.name) });
    const names = steps[route.name].metrics;
    const orderMetrics: OrderMetrics = {
      count: (name) => metrics.addMetric(name, MetricUnit.Count, 1),
      // EMF needs finite numbers (JSON has no Infinity: it would be written as null, and
      // CloudWatch rejects the whole log event). Validation keeps amounts within DynamoDB's
      // range, so this only guards a replaced business step.
      amount: (name, value) => {
        if (Number.isFinite(value)) metrics.addMetric(name, MetricUnit.NoUnit, value);
        else logger.warn("metric.not_finite", { metric: name, value: String(value) });
      },
    };
    // The injected faults fail inside the guard, as a real step's failure would: the effect
    // is not recorded, and the retry runs the step again.
    const businessStep = withInjectedFaults(steps[route.name].step, faults);
    const guard = effectGuard(effectsTable, route.name);
    const step: RouteStep = {
      evaluator: routeEvaluator(route),
      handleOrder: (order, context) => guard.run(effectOf(route, order), () => businessStep(order, context)),
      context: { route: route.name, log, metrics: orderMetrics, settings },
      processed: (amount) => {
        orderMetrics.count(names.count);
        orderMetrics.amount(names.amount, amount);
      },
    };
    return { step, metrics, guard };
  });
  const quarantine = countingReferences(sqsQuarantineSender(queueUrl));

  return async (payload, lambdaContext) => {
    if (lambdaContext) logger.addContext(lambdaContext);
    quarantine.byReference.clear();
    for (const { guard } of served) guard.setContext(lambdaContext);
    try {
      const report = await processBatch(payload, {
        routes: served.map((s) => s.step),
        quarantine,
        warn: (message, attributes) => logger.warn(message, attributes),
        ordersInFlight,
      });
      const [skipped, quarantined, failed, repeats] = BATCH_METRICS;
      for (const { step, metrics } of served) {
        const route = step.evaluator.route.name;
        const c = report.perRoute[route];
        metrics.addMetric(skipped, MetricUnit.Count, c.skipped);
        metrics.addMetric(quarantined, MetricUnit.Count, c.quarantined);
        metrics.addMetric(failed, MetricUnit.Count, c.failed);
        addReferenceMetric(metrics, quarantine.byReference.get(step.evaluator.route.name));
        metrics.addMetric(repeats, MetricUnit.Count, c.repeats);
        // Liveness: only when there is something to say. The heartbeat alarm treats a period
        // without this metric as breaching (infra/livenessAlarms.ts).
        if (c.heartbeats > 0) metrics.addMetric(LIVENESS_METRICS.heartbeats, MetricUnit.Count, c.heartbeats);
        for (const l of report.latencies) if (l.route === route) metrics.addMetric(LIVENESS_METRICS.latency, MetricUnit.Milliseconds, l.ms);
      }
      // What happened to each record on each route, in lines a CloudWatch Logs event can hold.
      for (let i = 0; i < report.outcomes.length; i += OUTCOMES_PER_LINE) {
        logger.info(REPORT_MESSAGES.outcomes, { outcomes: report.outcomes.slice(i, i + OUTCOMES_PER_LINE) });
      }
      // The heartbeats each route received (never orders, so never in batch.outcomes).
      if (report.heartbeats.length > 0) logger.info(REPORT_MESSAGES.heartbeats, { heartbeats: report.heartbeats });
      logger.info(REPORT_MESSAGES.done, { ...report.counts });
      failWhenNoProgress(payload, report.batchItemFailures);
      return { batchItemFailures: report.batchItemFailures };
    } finally {
      for (const { metrics } of served) metrics.publishStoredMetrics();
    }
  };
}
