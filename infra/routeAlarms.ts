import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { STREAM_RETENTION_SECONDS } from "../config/settings";
import { METRICS_NAMESPACE, QUARANTINED_BY_REFERENCE_METRIC } from "../handlers/constants";
import type { RouteName } from "../routing/route";

/** "the normal route", "the normal and refunds routes". */
export function routesPhrase(routes: readonly RouteName[]): string {
  return routes.length === 1 ? `the ${routes[0]} route` : `the ${routes.slice(0, -1).join(", ")} and ${routes[routes.length - 1]} routes`;
}

// The alarms of one route: what went wrong, as AWS (and our processor) report it, each with
// a description that says what happened and the first command to run. Every namespace,
// metric and dimension used here is in infra/metricCatalog.ts (checked by the tests).

export interface RouteAlarmsArgs {
  /** The routes the pipe serves (one, or several sharing it); the first owns the pipe. */
  readonly routes: readonly RouteName[];
  /** The stack, for the commands in the descriptions (`--stack prod`). */
  readonly stack: string;
  /** The pipe's name in AWS (the PipeName dimension). */
  readonly pipeName: string;
  /** The processor's name in this program, for people (NormalOrdersProcessor). */
  readonly processorName: string;
  readonly functionName: pulumi.Input<string>;
  readonly logGroupName: pulumi.Input<string>;
  /** Powertools' serviceName of each route's metrics (their `service` dimension), in the order of `routes`. */
  readonly metricsServices: readonly string[];
  readonly queueName: pulumi.Input<string>;
  readonly maxRetryAttempts: number;
  readonly maxRecordAgeSeconds: number;
  /** The stack's alarm topic: every alarm notifies it, on alarm and when it clears. */
  readonly alarmTopicArn: pulumi.Input<string>;
}

/**
 * When the DLQ-age alarm fires. A pipe sends a pointer when its records exhaust their retries
 * or reach maxRecordAgeSeconds; the stream drops them 24 h after they were written, so the
 * worst case leaves 24 h minus the record age to read them back. The alarm fires at half of
 * that, leaving the other half (at least 30 min: config refuses an age that leaves < 1 h).
 */
export function dlqAgeAlarmThresholdSeconds(maxRecordAgeSeconds: number): number {
  return Math.floor((STREAM_RETENTION_SECONDS - maxRecordAgeSeconds) / 2);
}

function hours(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`;
}

export class RouteAlarms extends pulumi.ComponentResource {
  /** The ARNs of the alarms, by kind. */
  readonly alarmArns: Record<"retrying" | "errors" | "dlqMessages" | "dlqAge" | "quarantinedByReference", pulumi.Output<string>>;

  constructor(name: string, args: RouteAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("orders:monitoring:RouteAlarms", name, {}, opts);
    const threshold = dlqAgeAlarmThresholdSeconds(args.maxRecordAgeSeconds);
    if (threshold < 60) {
      throw new Error(`RouteAlarms ${name}: maxRecordAgeSeconds ${args.maxRecordAgeSeconds} leaves no time to act on a dead-lettered pointer`);
    }
    if (args.routes.length === 0 || args.metricsServices.length !== args.routes.length) {
      throw new Error(`RouteAlarms ${name}: give one metrics service per route (routes ${args.routes.join(", ")})`);
    }
    const on = `${routesPhrase(args.routes)} (stack ${args.stack})`;
    const dlqList = `npx orders-pipeline dlq list --stack ${args.stack} --route ${args.routes[0]}`;
    const common = {
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [args.alarmTopicArn],
      okActions: [args.alarmTopicArn],
    };
    const alarm = (suffix: string, props: Omit<aws.cloudwatch.MetricAlarmArgs, keyof typeof common>) =>
      new aws.cloudwatch.MetricAlarm(`${name}-${suffix}-alarm`, { ...common, ...props }, { parent: this });

    // A processor that reports failed records returns batchItemFailures and does not error, so
    // Lambda's Errors stays 0 while the pipe retries (aws-facts 7b). The failure as AWS
    // reports it: every failure and partial-failure metric the current eb-pipes-monitoring page
    // lists for a pipe without enrichment (ExecutionFailed, ExecutionPartiallyFailed,
    // TargetStageFailed, TargetStagePartiallyFailed; best effort, so more than one), and as the
    // processor reports it, its RecordsFailed metric (per route it serves): any one of them.
    const pipeMetric = (id: string, metricName: string) => ({
      id,
      returnData: false,
      metric: { namespace: "AWS/EventBridge/Pipes", metricName, dimensions: { PipeName: args.pipeName }, period: 60, stat: "Sum" },
    });
    const failedRecords = args.metricsServices.map((service, i) => ({
      id: i === 0 ? "records" : `records${i + 1}`,
      returnData: false,
      metric: { namespace: METRICS_NAMESPACE, metricName: "RecordsFailed", dimensions: { service }, period: 60, stat: "Sum" },
    }));
    const retrying = alarm("retrying", {
      alarmDescription: pulumi.interpolate`${args.pipeName} is retrying records on ${on}: the pipe reported failed or partially failed executions (or target stages), or ${args.processorName} reported records whose business step failed. The pipe retries them up to ${args.maxRetryAttempts} times, holding back the rest of their shard, then sends a pointer to the DLQ. First: aws logs tail ${args.logGroupName} --since 30m --filter-pattern '"record.failed"' (which order, which error); then ${dlqList}.`,
      threshold: 0,
      metricQueries: [
        pipeMetric("failed", "ExecutionFailed"),
        pipeMetric("partial", "ExecutionPartiallyFailed"),
        pipeMetric("targetFailed", "TargetStageFailed"),
        pipeMetric("targetPartial", "TargetStagePartiallyFailed"),
        ...failedRecords,
        // Each source may publish nothing in a minute: missing points count as 0.
        {
          id: "retrying",
          returnData: true,
          label: "failed executions and failed records",
          expression: ["failed", "partial", "targetFailed", "targetPartial", ...failedRecords.map((q) => q.id)].map((id) => `FILL(${id}, 0)`).join(" + "),
        },
      ],
    });

    // Only a throw or a timeout counts in Errors (monitoring-metrics-types): the handler throws
    // when a payload is not a batch, a failing record has no eventID, or the first record of a
    // batch fails (so that AUTOMATIC_BISECT isolates it, handlers/lambda.ts); a timeout is 30 s.
    const errors = alarm("errors", {
      alarmDescription: pulumi.interpolate`${args.processorName} threw or timed out on ${on}. A record that fails behind others is reported as a batchItemFailure (see the retrying alarm); one that fails first in its batch fails the invocation on purpose, so that the pipe halves the batch until that record is alone. The pipe retries. First: aws logs tail ${args.logGroupName} --since 30m (look for "Task timed out", "the first of its batch, failed", or an error with a stack trace).`,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: args.functionName },
      statistic: "Sum",
      period: 60,
      threshold: 0,
    });

    const dlqMessages = alarm("dlq-messages", {
      alarmDescription: `Messages wait in the DLQ of ${on}: pointers to records that exhausted their retries or aged out (their data stays in the stream only 24 h after it was written), or malformed records the processor quarantined whole. First: ${dlqList}.`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: args.queueName },
      statistic: "Maximum",
      period: 60,
      threshold: 0,
    });

    // For a queue fed by SendMessage the age counts from when the pipe (or processor) sent the
    // message (sqs-available-cloudwatch-metrics). A message received three times or more is
    // left out of this metric by SQS; the messages alarm above still sees it.
    const dlqAge = alarm("dlq-age", {
      alarmDescription: `A message has waited more than ${hours(threshold)} in the DLQ of ${on}. If it is a pipe pointer, the stream drops its records 24 h after they were written, at most ${hours(STREAM_RETENTION_SECONDS - args.maxRecordAgeSeconds)} after the pointer arrived (records age out after ${hours(args.maxRecordAgeSeconds)}); after that 'dlq show' and 'dlq redrive' can no longer read them. First: ${dlqList}, then npx orders-pipeline dlq redrive --stack ${args.stack} --route ${args.routes[0]}.`,
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: args.queueName },
      statistic: "Maximum",
      period: 300,
      threshold,
    });

    // A malformed record too large for an SQS message is quarantined as a reference: its
    // images are only in the stream (24 h after the write); the table keeps only the current
    // item. More urgent than a message in the DLQ, so an alarm of its own.
    const quarantinedByReference = alarm("quarantined-by-reference", {
      alarmDescription: `${args.processorName} quarantined a malformed record too large for an SQS message on ${on}; the DLQ holds a reference to it, and its images are only in the stream, for 24 h after it was written (the table keeps only the order's current version). First: ${dlqList}, then npx orders-pipeline dlq show --stack ${args.stack} --message ID to read the record back and keep it; fix the item, then dlq redrive.`,
      threshold: 0,
      // The processor counts them per route it serves; any one of them.
      metricQueries: [
        ...args.metricsServices.map((service, i) => ({
          id: `byReference${i + 1}`,
          returnData: false,
          metric: { namespace: METRICS_NAMESPACE, metricName: QUARANTINED_BY_REFERENCE_METRIC, dimensions: { service }, period: 300, stat: "Sum" },
        })),
        { id: "byReference", returnData: true, label: "records quarantined by reference", expression: args.metricsServices.map((_, i) => `FILL(byReference${i + 1}, 0)`).join(" + ") },
      ],
    });

    this.alarmArns = { retrying: retrying.arn, errors: errors.arn, dlqMessages: dlqMessages.arn, dlqAge: dlqAge.arn, quarantinedByReference: quarantinedByReference.arn };
    this.registerOutputs({ alarmArns: this.alarmArns });
  }
}
