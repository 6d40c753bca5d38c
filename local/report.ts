import type { OutcomeKey, Scenario } from "./scenario";
import type { RouteReport } from "./runtime";

// The end-of-run report: per pipe and processor, where every stream record ended, with the
// invariant that makes "nothing was lost" checkable: read = filtered + skipped + processed
// + rejected + dead-lettered.

export function outcomesOf(r: RouteReport): Record<OutcomeKey, number> {
  return {
    filtered: r.pipeCounts.filtered,
    skipped: r.processorCounts.skipped,
    processed: r.processorCounts.processed,
    rejected: r.processorCounts.rejected,
    deadLettered: r.pipeCounts.deadLettered,
    retried: r.pipeCounts.retried,
  };
}

/** Records not accounted for (0 when nothing was lost), records still in flight aside. */
export function unaccounted(r: RouteReport): number {
  const o = outcomesOf(r);
  return r.pipeCounts.read - (o.filtered + o.skipped + o.processed + o.rejected + o.deadLettered + r.inFlight);
}

function accountedLine(r: RouteReport): string {
  const o = outcomesOf(r);
  const inFlight = r.inFlight > 0 ? ` + ${r.inFlight} in flight when stopped` : "";
  const check = unaccounted(r) === 0 ? "  ✓" : `  ✗ (${unaccounted(r)} missing)`;
  return `  accounted  ${r.pipeCounts.read} read = ${o.filtered} filtered + ${o.skipped} skipped + ${o.processed} processed + ${o.rejected} rejected + ${o.deadLettered} dead-lettered${inFlight}${check}`;
}

/** Differences between what the scenario expects and what happened; empty when as expected. */
export function checkExpectations(scenario: Scenario, reports: readonly RouteReport[]): string[] {
  const problems: string[] = [];
  for (const r of reports) {
    const missing = unaccounted(r);
    if (missing !== 0) problems.push(`${r.pipe}: ${missing} record(s) read but not accounted for`);
  }
  for (const [pipe, expected] of Object.entries(scenario.expect ?? {})) {
    const r = reports.find((x) => x.pipe === pipe);
    if (!r) {
      problems.push(`expect names ${pipe}, which the stack does not declare (pipes: ${reports.map((x) => x.pipe).join(", ")})`);
      continue;
    }
    const actual = outcomesOf(r);
    for (const [key, want] of Object.entries(expected) as [OutcomeKey, number][]) {
      if (actual[key] !== want) problems.push(`${pipe}: expected ${key} ${want}, got ${actual[key]}`);
    }
  }
  return problems;
}

export function formatReport(reports: readonly RouteReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    const o = outcomesOf(r);
    const ms = (v: number | null) => (v === null ? "n/a" : `${Math.round(v)} ms`);
    lines.push(
      `${r.pipe} → ${r.processor}`,
      `  pipe       read ${r.pipeCounts.read}, filtered out ${o.filtered}, delivered ${r.pipeCounts.delivered}, retried ${o.retried}, dead-lettered ${o.deadLettered} (${r.pipeCounts.invocations} invocations, ${r.pipeCounts.failedInvocations} failed)`,
      `  processor  processed ${o.processed}, skipped by guard ${o.skipped}, rejected ${o.rejected} (quarantined in the DLQ)`,
      `  latency    write → processed: p50 ${ms(r.latencyMs.p50)}, p99 ${ms(r.latencyMs.p99)} over ${r.latencyMs.count} records`,
      accountedLine(r),
      `  DLQ        ${r.dlqUrl}`,
    );
  }
  return lines.join("\n");
}
