import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { routeEvaluator } from "../routing/decide";
import { routeFromEnvironment } from "../routing/environment";
import { processBatch, type BatchResult } from "./batch";
import type { OrderContext, OrderHandler } from "./business";
import { DLQ_URL_ENV, FAULTS_ENV, METRICS_NAMESPACE } from "./constants";
import { parseFaults, withInjectedFaults } from "./faults";
import { QUARANTINE_KIND, type QuarantineSender } from "./quarantine";

// The Lambda shell around processBatch: reads the route from the environment the Pulumi
// program set, logs with Powertools Logger (JSON, one line per event) and emits metrics in
// CloudWatch embedded metric format with Powertools Metrics. Built at module init, once per
// execution environment.

// An endpoint configured explicitly (AWS_ENDPOINT_URL_SQS, as local runs do) wins over the
// queue URL's host, which the SDK would otherwise use.
const sqsClient = () => new SQSClient({ useQueueUrlAsEndpoint: !process.env.AWS_ENDPOINT_URL_SQS });

export function sqsQuarantineSender(queueUrl: string, client = sqsClient()): QuarantineSender {
  return async (message) => {
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(message),
        MessageAttributes: { kind: { DataType: "String", StringValue: QUARANTINE_KIND } },
      }),
    );
  };
}

export function createHandler(handleOrder: OrderHandler): (payload: unknown, context?: Context) => Promise<BatchResult> {
  const route = routeFromEnvironment(process.env);
  const queueUrl = process.env[DLQ_URL_ENV];
  if (!queueUrl) throw new Error(`environment variable ${DLQ_URL_ENV} is not set`);
  const evaluator = routeEvaluator(route);
  const businessStep = withInjectedFaults(handleOrder, parseFaults(process.env[FAULTS_ENV], FAULTS_ENV));
  const serviceName = `orders-${route.name}-processor`;
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  const quarantine = sqsQuarantineSender(queueUrl);
  const context: OrderContext = {
    route: route.name,
    log: { info: (message, attributes) => logger.info(message, attributes) },
    metrics: {
      count: (name) => metrics.addMetric(name, MetricUnit.Count, 1),
      amount: (name, value) => metrics.addMetric(name, MetricUnit.NoUnit, value),
    },
  };

  return async (payload, lambdaContext) => {
    if (lambdaContext) logger.addContext(lambdaContext);
    try {
      const { batchItemFailures, counts } = await processBatch(payload, {
        evaluator,
        handleOrder: businessStep,
        quarantine,
        context,
        warn: (message, attributes) => logger.warn(message, attributes),
      });
      metrics.addMetric("RecordsSkippedByGuard", MetricUnit.Count, counts.skipped);
      metrics.addMetric("RecordsQuarantined", MetricUnit.Count, counts.quarantined);
      metrics.addMetric("RecordsFailed", MetricUnit.Count, counts.failed);
      logger.info("batch.done", { ...counts });
      return { batchItemFailures };
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
