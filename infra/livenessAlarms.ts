import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { LIVENESS_METRICS, METRICS_NAMESPACE } from "../handlers/constants";
import { SILENT_PERIODS } from "../routing/heartbeat";
import type { RouteName } from "../routing/route";
import { heartbeatScheduleName } from "./canary";

// The alarms that make a stopped or stalled route loud (issue 18 §2). The other alarms
// (infra/routeAlarms.ts) watch what happens; these watch what does not:
//
// - heartbeat: the route's own canary heartbeats (routing/heartbeat.ts) stopped reaching its
//   processor. Missing data IS breaching here: a period in which the processor published no
//   Heartbeats metric is a period without a heartbeat ("breaching: missing data points are
//   treated as breaching the threshold", CloudWatch user guide, AlarmThatSendsEmail, "Configuring
//   how CloudWatch alarms treat missing data"). A pipe AWS disabled, a broken role, a processor
//   failing every batch and a failing schedule all look the same from here: silence.
// - latency: the p99 of write → processed latency over 5 minutes is above the stack's objective
//   (orders:latencyObjectiveSeconds). Percentiles need raw values, which EMF publishes (one
//   value per record, handlers/lambda.ts); "evaluate" even with few samples ("For percentiles
//   between 0.5 and 1.00, this setting is used when there are fewer than 10/(1-percentile) data
//   points", CloudWatch user guide, percentiles-with-low-samples): with quiet traffic only the
//   heartbeats are measured, and one slow heartbeat is worth knowing about. Missing data is
//   not breaching: silence is the heartbeat alarm's to report.

export interface LivenessAlarmsArgs {
  readonly route: RouteName;
  readonly stack: string;
  /** Powertools' serviceName of the route's metrics (their `service` dimension). */
  readonly metricsService: string;
  /** The pipe serving the route, its name in AWS. */
  readonly pipeName: string;
  readonly processorName: string;
  readonly logGroupName: pulumi.Input<string>;
  /** The canary's schedule group and whether the route's heartbeat needs a prepare write. */
  readonly scheduleGroup: string;
  readonly prepared: boolean;
  readonly heartbeatMinutes: number;
  readonly latencyObjectiveSeconds: number;
  readonly dashboardName: string;
  readonly alarmTopicArn: pulumi.Input<string>;
}

/** The latency alarm's window: long enough for a p99 to mean something at modest traffic. */
export const LATENCY_PERIOD_SECONDS = 300;

export class LivenessAlarms extends pulumi.ComponentResource {
  readonly alarmArns: Record<"heartbeat" | "latency", pulumi.Output<string>>;

  constructor(name: string, args: LivenessAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("orders:monitoring:LivenessAlarms", name, {}, opts);
    if (!Number.isInteger(args.latencyObjectiveSeconds) || args.latencyObjectiveSeconds <= 0) {
      throw new Error(`LivenessAlarms ${name}: latencyObjectiveSeconds ${args.latencyObjectiveSeconds} must be a whole number of seconds above 0`);
    }
    const on = `the ${args.route} route (stack ${args.stack})`;
    const notify = { alarmActions: [args.alarmTopicArn], okActions: [args.alarmTopicArn] };
    const metric = (metricName: string) => ({ namespace: METRICS_NAMESPACE, metricName, dimensions: { service: args.metricsService } });
    const schedules = [heartbeatScheduleName(args.route, "beat"), ...(args.prepared ? [heartbeatScheduleName(args.route, "prepare")] : [])];
    const silentMinutes = SILENT_PERIODS * args.heartbeatMinutes;

    const heartbeat = new aws.cloudwatch.MetricAlarm(
      `${name}-heartbeat-alarm`,
      {
        ...notify,
        alarmDescription: pulumi.interpolate`No canary heartbeat reached ${on} for ${silentMinutes} min: the canary writes one every ${args.heartbeatMinutes} min (schedule group ${args.scheduleGroup}, ${schedules.join(" and ")}) and ${args.processorName} counted none. The route has stopped moving: its pipe may be stopped (AWS disables a pipe after nearly continuous 4xx errors, such as a broken role, and says why in StateReason), its processor failing every batch, or the canary's schedule failing. First: aws pipes describe-pipe --name ${args.pipeName} --query '{state: CurrentState, reason: StateReason}'; if it is RUNNING, aws logs tail ${args.logGroupName} --since 30m (errors, "record.failed"), then the canary on the dashboard ${args.dashboardName} (AWS/Scheduler TargetErrorCount).`,
        ...metric(LIVENESS_METRICS.heartbeats),
        statistic: "Sum",
        period: args.heartbeatMinutes * 60,
        evaluationPeriods: SILENT_PERIODS,
        datapointsToAlarm: SILENT_PERIODS,
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        treatMissingData: "breaching",
      },
      { parent: this },
    );

    const latency = new aws.cloudwatch.MetricAlarm(
      `${name}-latency-alarm`,
      {
        ...notify,
        alarmDescription: pulumi.interpolate`Records on ${on} take longer than the objective: the p99 of write → processed latency over ${LATENCY_PERIOD_SECONDS / 60} min is above ${args.latencyObjectiveSeconds} s (orders:latencyObjectiveSeconds). Records wait while their shard retries a failing record, while ${args.processorName} is slow or throttled, or while ${args.pipeName} backs off. First: aws logs tail ${args.logGroupName} --since 30m --filter-pattern '"record.failed"' (a failing record holds back its shard), then the dashboard ${args.dashboardName} (latency p50/p99, the pipe's executions, the processor's duration and throttles).`,
        ...metric(LIVENESS_METRICS.latency),
        extendedStatistic: "p99",
        period: LATENCY_PERIOD_SECONDS,
        evaluationPeriods: 1,
        comparisonOperator: "GreaterThanThreshold",
        threshold: args.latencyObjectiveSeconds * 1000,
        treatMissingData: "notBreaching",
        evaluateLowSampleCountPercentiles: "evaluate",
      },
      { parent: this },
    );

    this.alarmArns = { heartbeat: heartbeat.arn, latency: latency.arn };
    this.registerOutputs({ alarmArns: this.alarmArns });
  }
}
