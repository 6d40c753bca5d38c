import type { OutcomeKey, Scenario } from "./scenario";
import type { PipeReport, RouteReport, RunReport } from "./runtime";
import { plural } from "./plural";

// The end-of-run report: per route, where every stream record its pipe read ended, with the
// invariant that makes "nothing was lost" checkable: read = filtered + skipped + processed +
// rejected + dead-lettered (+ in flight when stopped early); then per pipe what it did. The
// canary's heartbeats are never in these books: they are shown apart, when the canary ran.

export function outcomesOf(r: RouteReport): Record<OutcomeKey, number> {
  const c = r.counts;
  return { filtered: c.filtered, skipped: c.skipped, processed: c.processed, rejected: c.rejected, deadLettered: c.deadLettered, retried: r.retried };
}

/** Records not accounted for (0 when nothing was lost), records still in flight aside. */
export function unaccounted(r: RouteReport): number {
  const o = outcomesOf(r);
  return r.counts.read - (o.filtered + o.skipped + o.processed + o.rejected + o.deadLettered + r.inFlight);
}



function accountedLine(r: RouteReport): string {
  const o = outcomesOf(r);
  const inFlight = r.inFlight > 0 ? ` + ${r.inFlight} in flight when stopped` : "";
  const missing = unaccounted(r);
  const unreported = r.counts.unreported > 0 ? `, ${r.counts.unreported} handled but never reported by the processor` : "";
  const check = missing === 0 ? "  ✓" : `  ✗ (${missing} missing${unreported})`;
  return `  accounted  ${r.counts.read} read = ${o.filtered} filtered + ${o.skipped} skipped + ${o.processed} processed + ${o.rejected} rejected + ${o.deadLettered} dead-lettered${inFlight}${check}`;
}

/** The route an `expect` key names: a route, or the pipe of exactly one route (the seed's files name pipes). */
function expectedRoute(key: string, report: RunReport): RouteReport | string {
  const route = report.routes.find((r) => r.route === key);
  if (route) return route;
  const pipe = report.pipes.find((p) => p.pipe === key);
  if (!pipe) return `expect names ${key}, which the stack does not declare (routes: ${report.routes.map((r) => r.route).join(", ")})`;
  if (pipe.routes.length > 1) return `expect names ${key}, a pipe serving the routes ${pipe.routes.join(", ")}: expect per route instead`;
  return report.routes.find((r) => r.route === pipe.routes[0]) as RouteReport;
}

/** Differences between what the scenario expects and what happened; empty when as expected. */
export function checkExpectations(scenario: Scenario, report: RunReport): string[] {
  const problems: string[] = [];
  for (const r of report.routes) {
    const missing = unaccounted(r);
    if (missing !== 0) problems.push(`${r.route}: ${plural(missing, "record")} read but not accounted for`);
  }
  for (const [key, expected] of Object.entries(scenario.expect ?? {})) {
    const r = expectedRoute(key, report);
    if (typeof r === "string") {
      problems.push(r);
      continue;
    }
    const actual = outcomesOf(r);
    for (const [k, want] of Object.entries(expected) as [OutcomeKey, number][]) {
      if (actual[k] !== want) problems.push(`${key}: expected ${k} ${want}, got ${actual[k]}`);
    }
  }
  return problems;
}

const ms = (v: number | null) => (v === null ? "n/a" : `${Math.round(v)} ms`);

function pipeLines(p: PipeReport): string[] {
  const c = p.counts;
  const beats = p.heartbeatRecords > 0 ? `; and ${plural(p.heartbeatRecords, "heartbeat record")} of the canary` : "";
  return [
    `${p.pipe} → ${p.processor}${p.routes.length > 1 ? ` (routes ${p.routes.join(", ")})` : ""}`,
    `  pipe       read ${c.read}, filtered out ${c.filtered}, delivered ${c.delivered}, retried ${c.retried}, dead-lettered ${c.deadLettered} (${plural(c.invocations, "invocation")}, ${c.failedInvocations} failed)${beats}`,
    `  DLQ        ${p.dlqUrl}`,
  ];
}

function canaryLine(r: RouteReport, canary: NonNullable<RunReport["canary"]>): string {
  const h = r.heartbeats;
  const seen = h.count === 0 ? `no heartbeat seen in ${plural(canary.rounds, "round")}: its pipe or processor is not moving` : `${plural(h.count, "heartbeat")} seen in ${plural(canary.rounds, "round")}, write → processed p50 ${ms(h.p50)}, p99 ${ms(h.p99)}`;
  return `    canary     ${seen} (not counted above)`;
}

/** The orders worth a look (skipped, rejected, dead-lettered), by orderId; the report JSON has every outcome's. */
const ORDERS_NAMED: readonly [keyof RouteReport["orders"], string][] = [
  ["skipped", "skipped"],
  ["rejected", "rejected"],
  ["deadLettered", "dead-lettered"],
];

function ordersLine(r: RouteReport): string[] {
  const parts = ORDERS_NAMED.filter(([k]) => r.orders[k].orderIds.length > 0).map(([k, label]) => {
    const { orderIds, more } = r.orders[k];
    // Counts are of records: an order with two records skipped is named once, "×2".
    const times = new Map<string, number>();
    for (const id of orderIds) times.set(id, (times.get(id) ?? 0) + 1);
    const named = [...times].map(([id, n]) => (n > 1 ? `${id} ×${n}` : id));
    return `${label} ${named.join(", ")}${more > 0 ? ` and ${plural(more, "record")} more` : ""}`;
  });
  return parts.length > 0 ? [`    orders     ${parts.join("; ")}`] : [];
}

function latencyLine(r: RouteReport): string {
  const l = r.latencyMs;
  if (l.count === 0) return `    latency    write → processed: no order processed`;
  return `    latency    write → processed: p50 ${ms(l.p50)}, p99 ${ms(l.p99)} over ${plural(l.count, "record")}`;
}

function routeLines(r: RouteReport, canary: RunReport["canary"]): string[] {
  const o = outcomesOf(r);
  return [
    `  ${r.route} route`,
    `    processor  processed ${o.processed}${r.counts.repeats > 0 ? ` (${plural(r.counts.repeats, "repeat")} of a done effect suppressed)` : ""}, skipped by guard ${o.skipped}, rejected ${o.rejected}${o.rejected > 0 ? " (quarantined in the DLQ)" : ""}`,
    latencyLine(r),
    ...ordersLine(r),
    ...(canary ? [canaryLine(r, canary)] : []),
    `  ${accountedLine(r)}`,
  ];
}

export function formatReport(report: RunReport): string {
  return report.pipes
    .flatMap((p) => [...pipeLines(p), ...report.routes.filter((r) => r.pipe === p.pipe).flatMap((r) => routeLines(r, report.canary))])
    .join("\n");
}
