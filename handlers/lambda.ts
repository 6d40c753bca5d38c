import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { routeEvaluator } from "../routing/decide";
import { routeFromEnvironment } from "../routing/environment";
import { processBatch, type BatchResult } from "./batch";
import type { OrderContext, OrderHandler } from "./business";
import { BATCH_METRICS, DLQ_URL_ENV, FAULTS_ENV, METRICS_NAMESPACE, metricsServiceName, QUARANTINED_BY_REFERENCE_METRIC } from "./constants";
import { parseFaults, withInjectedFaults } from "./faults";
import { QUARANTINE_ATTRIBUTES, type QuarantineSender, quarantineBody } from "./quarantine";

// The Lambda shell around processBatch: reads the route from the environment the Pulumi
// program set, logs with Powertools Logger (JSON, one line per event) and emits metrics in
// CloudWatch embedded metric format with Powertools Metrics. Built at module init, once per
// execution environment.

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
function addReferenceMetric(metrics: Metrics, count: number): void {
  if (count > 0) metrics.addMetric(QUARANTINED_BY_REFERENCE_METRIC, MetricUnit.Count, count);
}

/** The sender, counting the records it sent by reference (an execution environment runs one invocation at a time). */
function countingReferences(send: QuarantineSender): QuarantineSender & { byReference: number } {
  const counting = Object.assign(
    async (message: Parameters<QuarantineSender>[0]) => {
      const delivery = await send(message);
      if (delivery === "reference") counting.byReference++;
      return delivery;
    },
    { byReference: 0 },
  );
  return counting;
}

export function createHandler(handleOrder: OrderHandler): (payload: unknown, context?: Context) => Promise<BatchResult> {
  const route = routeFromEnvironment(process.env);
  const queueUrl = process.env[DLQ_URL_ENV];
  if (!queueUrl) throw new Error(`environment variable ${DLQ_URL_ENV} is not set`);
  const evaluator = routeEvaluator(route);
  const businessStep = withInjectedFaults(handleOrder, parseFaults(process.env[FAULTS_ENV], FAULTS_ENV));
  const serviceName = metricsServiceName(route.name);
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  const quarantine = countingReferences(sqsQuarantineSender(queueUrl));
  const context: OrderContext = {
    route: route.name,
    log: { info: (message, attributes) => logger.info(message, attributes) },
    metrics: {
      count: (name) => metrics.addMetric(name, MetricUnit.Count, 1),
      // EMF needs finite numbers (JSON has no Infinity: it would be written as null, and
      // CloudWatch rejects the whole log event). Validation keeps amounts within DynamoDB's
      // range, so this only guards a replaced business step.
      amount: (name, value) => {
        if (Number.isFinite(value)) metrics.addMetric(name, MetricUnit.NoUnit, value);
        else logger.warn("metric.not_finite", { metric: name, value: String(value) });
      },
    },
  };

  return async (payload, lambdaContext) => {
    if (lambdaContext) logger.addContext(lambdaContext);
    quarantine.byReference = 0;
    try {
      const { batchItemFailures, counts } = await processBatch(payload, {
        evaluator,
        handleOrder: businessStep,
        quarantine,
        context,
        warn: (message, attributes) => logger.warn(message, attributes),
      });
      const [skipped, quarantined, failed] = BATCH_METRICS;
      metrics.addMetric(skipped, MetricUnit.Count, counts.skipped);
      metrics.addMetric(quarantined, MetricUnit.Count, counts.quarantined);
      metrics.addMetric(failed, MetricUnit.Count, counts.failed);
      addReferenceMetric(metrics, quarantine.byReference);
      logger.info("batch.done", { ...counts });
      return { batchItemFailures };
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
