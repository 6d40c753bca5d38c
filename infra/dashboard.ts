import { BATCH_METRICS, METRICS_NAMESPACE, QUARANTINED_BY_REFERENCE_METRIC } from "../handlers/constants";
import type { RouteName } from "../routing/route";
import { type DashboardLiveness, livenessWidgets } from "./livenessDashboard";
import { routesPhrase } from "./routeAlarms";

// The stack's CloudWatch dashboard body, from the same routes as the pipes: per route the
// pipe's metrics, the processor's (Lambda's and its own EMF metrics) and its DLQ's. Pure, so
// the tests read it as AWS will. Format: CloudWatch API reference,
// CloudWatch-Dashboard-Body-Structure (a metric is [Namespace, MetricName, DimensionName,
// DimensionValue, ..., {rendering options}]; an expression is [{expression, label, id}]).

/** One route served by a deployed pipe, by the names its metrics are published under. */
export interface DashboardRoute {
  readonly route: RouteName;
  /** The route's Powertools serviceName: the `service` dimension of its EMF metrics. */
  readonly metricsService: string;
  /** Its processed-order metrics (routing/routes.ts). */
  readonly metrics: { readonly count: string; readonly amount: string };
}

/** One deployed pipe, its processor and DLQ, and the routes it serves. */
export interface DashboardPipe {
  readonly routes: readonly DashboardRoute[];
  readonly pipeName: string;
  readonly functionName: string;
  readonly queueName: string;
}

type MetricLine = (string | Record<string, unknown>)[] | [Record<string, unknown>];

interface Widget {
  type: "metric" | "text";
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

const WIDTH = 6;
const HEIGHT = 6;
const PERIOD = 60;

function graph(region: string, title: string, metrics: MetricLine[], extra: Record<string, unknown> = {}) {
  return { view: "timeSeries", stacked: false, region, title, period: PERIOD, metrics, ...extra };
}

function pipeWidgets(r: DashboardPipe, region: string, top: number): Widget[] {
  const pipe = (metricName: string, options: Record<string, unknown>): MetricLine => ["AWS/EventBridge/Pipes", metricName, "PipeName", r.pipeName, options];
  const fn = (metricName: string, options: Record<string, unknown>): MetricLine => ["AWS/Lambda", metricName, "FunctionName", r.functionName, options];
  const emf = (route: DashboardRoute, metricName: string, options: Record<string, unknown>): MetricLine => [METRICS_NAMESPACE, metricName, "service", route.metricsService, options];
  const dlq = (metricName: string, options: Record<string, unknown>): MetricLine => ["AWS/SQS", metricName, "QueueName", r.queueName, options];
  const sum = (label: string) => ({ stat: "Sum", label });
  const [skipped, quarantined, failed, repeats] = BATCH_METRICS;
  // A pipe serving several routes shows each route's lines, labelled with its name.
  const named = (route: DashboardRoute, label: string) => (r.routes.length === 1 ? label : `${route.route}: ${label}`);

  const rows: [title: string, metrics: MetricLine[], extra?: Record<string, unknown>][][] = [
    [
      ["Pipe: events and executions", [
        pipe("EventCount", sum("events (after the filter)")),
        pipe("ExecutionFailed", sum("executions failed")),
        pipe("ExecutionPartiallyFailed", sum("executions partially failed")),
        pipe("ExecutionThrottled", sum("executions throttled")),
        pipe("ExecutionTimeout", sum("executions timed out")),
      ]],
      // Each pipe execution invokes the processor once: its invocations are the executions.
      ["Pipe: executions without a failure (%)", [
        [{ expression: "100 * (1 - (FILL(failed, 0) + FILL(partial, 0)) / invocations)", label: "success rate (%)", id: "rate" }],
        pipe("ExecutionFailed", { stat: "Sum", id: "failed", visible: false }),
        pipe("ExecutionPartiallyFailed", { stat: "Sum", id: "partial", visible: false }),
        fn("Invocations", { stat: "Sum", id: "invocations", visible: false }),
      ], { yAxis: { left: { min: 0, max: 100 } } }],
      ["Pipe: target stage", [
        pipe("TargetStageDuration", { stat: "Average", label: "target stage duration, average (ms)" }),
        pipe("TargetStageDuration", { stat: "Maximum", label: "target stage duration, maximum (ms)" }),
        pipe("TargetStageFailed", { stat: "Sum", label: "target stage failed", yAxis: "right" }),
        pipe("TargetStagePartiallyFailed", { stat: "Sum", label: "target stage partially failed", yAxis: "right" }),
      ]],
      ["DLQ: messages and oldest age", [
        dlq("ApproximateNumberOfMessagesVisible", { stat: "Maximum", label: "visible messages" }),
        dlq("ApproximateAgeOfOldestMessage", { stat: "Maximum", label: "oldest message (s)", yAxis: "right" }),
      ]],
    ],
    [
      ["Processor: invocations", [fn("Invocations", sum("invocations")), fn("Errors", sum("errors (throws, timeouts)")), fn("Throttles", sum("throttles"))]],
      ["Processor: duration (ms)", [fn("Duration", { stat: "Average", label: "average" }), fn("Duration", { stat: "Maximum", label: "maximum" })]],
      ["Processor: records", r.routes.flatMap((route) => [
        emf(route, route.metrics.count, sum(named(route, route.metrics.count))),
        emf(route, skipped, sum(named(route, "skipped by the guard"))),
        emf(route, quarantined, sum(named(route, "quarantined (malformed)"))),
        emf(route, QUARANTINED_BY_REFERENCE_METRIC, sum(named(route, "of which by reference (too large for a message)"))),
        emf(route, failed, sum(named(route, "failed (retried by the pipe)"))),
        emf(route, repeats, sum(named(route, "repeats suppressed (effect already done)"))),
      ])],
      ["Processor: order amounts", r.routes.map((route) => emf(route, route.metrics.amount, sum(named(route, `${route.metrics.amount} (sum)`))))],
    ],
  ];

  const widgets: Widget[] = [
    {
      type: "text",
      x: 0,
      y: top,
      width: 24,
      height: 1,
      properties: { markdown: `## ${routesPhrase(r.routes.map((x) => x.route)).replace(/^the /, "")}: ${r.pipeName} → ${r.functionName}, DLQ ${r.queueName}` },
    },
  ];
  rows.forEach((row, i) =>
    row.forEach(([title, metrics, extra], j) =>
      widgets.push({ type: "metric", x: j * WIDTH, y: top + 1 + i * HEIGHT, width: WIDTH, height: HEIGHT, properties: graph(region, title, metrics, extra) }),
    ),
  );
  return widgets;
}

/** The dashboard body (an object; JSON.stringify it for aws.cloudwatch.Dashboard): a section per pipe, then liveness (infra/livenessDashboard.ts). */
export function dashboardBody(region: string, pipes: readonly DashboardPipe[], liveness?: DashboardLiveness): { widgets: Widget[] } {
  const widgets: Widget[] = [];
  // Each section starts below the previous one, however many rows it has.
  const bottom = () => widgets.reduce((y, w) => Math.max(y, w.y + w.height), 0);
  for (const p of pipes) widgets.push(...pipeWidgets(p, region, bottom()));
  if (liveness) widgets.push(...(livenessWidgets(region, liveness, bottom()) as unknown as Widget[]));
  return { widgets };
}
