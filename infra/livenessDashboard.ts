import { LIVENESS_METRICS, METRICS_NAMESPACE } from "../handlers/constants";
import type { RouteName } from "../routing/route";

// The dashboard's liveness section, below the pipes' (infra/dashboard.ts): per route the
// write → processed latency (p50, p99, and the objective as a line), the heartbeats each
// route received, and the canary's own schedules (AWS/Scheduler, by ScheduleGroup:
// Scheduler user guide, monitoring-cloudwatch). Pure, as the rest of the dashboard.

export interface DashboardLiveness {
  readonly routes: readonly { readonly route: RouteName; readonly metricsService: string }[];
  readonly latencyObjectiveSeconds: number;
  readonly heartbeatMinutes: number;
  readonly scheduleGroup: string;
}

const WIDTH = 6;
const HEIGHT = 6;
const PER_ROW = 4;

/** The section's widgets, from `top` down. */
export function livenessWidgets(region: string, l: DashboardLiveness, top: number): Record<string, unknown>[] {
  const emf = (service: string, metricName: string, options: Record<string, unknown>) => [METRICS_NAMESPACE, metricName, "service", service, options];
  const graph = (title: string, period: number, metrics: unknown[], extra: Record<string, unknown> = {}) => ({ view: "timeSeries", stacked: false, region, title, period, metrics, ...extra });
  const widgets: { title: string; properties: Record<string, unknown> }[] = [
    ...l.routes.map((r) => ({
      title: `${r.route}: write → processed latency (ms)`,
      properties: graph(
        `${r.route}: write → processed latency (ms)`,
        60,
        [emf(r.metricsService, LIVENESS_METRICS.latency, { stat: "p50", label: "p50" }), emf(r.metricsService, LIVENESS_METRICS.latency, { stat: "p99", label: "p99" })],
        { annotations: { horizontal: [{ label: `objective (${l.latencyObjectiveSeconds} s)`, value: l.latencyObjectiveSeconds * 1000 }] }, yAxis: { left: { min: 0 } } },
      ),
    })),
    {
      title: "heartbeats",
      properties: graph(
        `Canary: heartbeats received per route (one every ${l.heartbeatMinutes} min)`,
        l.heartbeatMinutes * 60,
        l.routes.map((r) => emf(r.metricsService, LIVENESS_METRICS.heartbeats, { stat: "Sum", label: r.route })),
        { yAxis: { left: { min: 0 } } },
      ),
    },
    {
      title: "schedules",
      properties: graph(
        `Canary: schedule invocations (${l.scheduleGroup})`,
        l.heartbeatMinutes * 60,
        ["InvocationAttemptCount", "TargetErrorCount", "InvocationDroppedCount"].map((m) => ["AWS/Scheduler", m, "ScheduleGroup", l.scheduleGroup, { stat: "Sum", label: m }]),
      ),
    },
  ];
  return [
    {
      type: "text",
      x: 0,
      y: top,
      width: 24,
      height: 1,
      properties: { markdown: `## Liveness: write → processed latency (objective ${l.latencyObjectiveSeconds} s) and the canary's heartbeats (every ${l.heartbeatMinutes} min)` },
    },
    ...widgets.map((w, i) => ({ type: "metric", x: (i % PER_ROW) * WIDTH, y: top + 1 + Math.floor(i / PER_ROW) * HEIGHT, width: WIDTH, height: HEIGHT, properties: w.properties })),
  ];
}
