import { BATCH_METRICS, LIVENESS_METRICS, METRICS_NAMESPACE, QUARANTINED_BY_REFERENCE_METRIC } from "../handlers/constants";
import { routeMetrics } from "../routing/route";
import { ROUTES } from "../routing/routes";

// Every CloudWatch metric the alarms and the dashboard may use, with the dimensions it is
// published under and the page that says so. A metric name or dimension that AWS does not
// publish makes an alarm that never fires and a graph that stays empty, without any error:
// tests/monitoring.test.ts checks every alarm and widget against this list.

export interface CatalogMetric {
  readonly namespace: string;
  readonly metricName: string;
  /** The dimension names of the one dimension set this program uses. */
  readonly dimensions: readonly string[];
  readonly source: string;
}

// The current page's table ("Dimensions: PipeName" for each of these; ExecutionThrottled also
// by AwsAccountId). TargetStagePartiallyFailed ("How many executions of a pipe's target stage
// partially failed") is on the current page, not on the 2023 copy archived in
// awsdocs/amazon-eventbridge-user-guide; CloudWatch's list of enriched metrics names it too.
const PIPES_PAGE = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-monitoring.html";
// Invocations, Errors, Throttles (invocation metrics) and Duration (performance); dimension
// FunctionName ("By Function Name"), monitoring-metrics-types.html / monitoring-metrics-view.html.
const LAMBDA_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html";
// Namespace AWS/SQS, the only dimension is QueueName.
const SQS_PAGE = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html";
// Powertools Metrics writes EMF with the namespace given and one dimension set, the default
// dimension `service` = serviceName (Metrics.js: `{ service: resolvedServiceName,
// ...defaultDimensions }`; we add no other dimension). handlers/lambda.ts emits these.
const EMF_PAGE = "https://docs.aws.amazon.com/powertools/typescript/latest/features/metrics/ (handlers/lambda.ts)";

// Namespace AWS/Scheduler, dimension ScheduleGroup: InvocationAttemptCount, TargetErrorCount,
// InvocationDroppedCount (the canary's schedules, infra/canary.ts).
const SCHEDULER_PAGE = "https://docs.aws.amazon.com/scheduler/latest/UserGuide/monitoring-cloudwatch.html";

const pipe = (metricName: string): CatalogMetric => ({ namespace: "AWS/EventBridge/Pipes", metricName, dimensions: ["PipeName"], source: PIPES_PAGE });
const lambda = (metricName: string): CatalogMetric => ({ namespace: "AWS/Lambda", metricName, dimensions: ["FunctionName"], source: LAMBDA_PAGE });
const sqs = (metricName: string): CatalogMetric => ({ namespace: "AWS/SQS", metricName, dimensions: ["QueueName"], source: SQS_PAGE });
const emf = (metricName: string): CatalogMetric => ({ namespace: METRICS_NAMESPACE, metricName, dimensions: ["service"], source: EMF_PAGE });

export const METRIC_CATALOG: readonly CatalogMetric[] = [
  ...["EventCount", "ExecutionFailed", "ExecutionPartiallyFailed", "ExecutionThrottled", "ExecutionTimeout", "TargetStageDuration", "TargetStageFailed", "TargetStagePartiallyFailed", "Duration"].map(pipe),
  ...["Invocations", "Errors", "Duration", "Throttles"].map(lambda),
  ...["ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"].map(sqs),
  // The canary's schedules (infra/canary.ts).
  ...["InvocationAttemptCount", "TargetErrorCount", "InvocationDroppedCount"].map((metricName) => ({ namespace: "AWS/Scheduler", metricName, dimensions: ["ScheduleGroup"], source: SCHEDULER_PAGE })),
  // Liveness per route (handlers/lambda.ts): heartbeats received, write → processed latency.
  ...Object.values(LIVENESS_METRICS).map(emf),
  // Each declared route's processed-order metrics (routing/routes.ts), counted by handlers/lambda.ts.
  ...[...new Set([...BATCH_METRICS, QUARANTINED_BY_REFERENCE_METRIC, ...ROUTES.flatMap((d) => [routeMetrics(d).count, routeMetrics(d).amount])])].map(emf),
];

/** Why this use of a metric is not one AWS (or our EMF) publishes; undefined when it is. */
export function catalogProblem(namespace: string, metricName: string, dimensionNames: readonly string[]): string | undefined {
  const inNamespace = METRIC_CATALOG.filter((m) => m.namespace === namespace);
  if (inNamespace.length === 0) return `namespace ${namespace} is not in infra/metricCatalog.ts`;
  const metric = inNamespace.find((m) => m.metricName === metricName);
  if (!metric) return `${namespace} ${metricName} is not in infra/metricCatalog.ts`;
  const used = [...dimensionNames].sort().join(",");
  if (used !== [...metric.dimensions].sort().join(",")) {
    return `${namespace} ${metricName} is published with dimensions [${metric.dimensions.join(", ")}], not [${dimensionNames.join(", ")}] (${metric.source})`;
  }
  return undefined;
}
