import { routeEvaluator } from "../routing/decide";
import { heartbeatPlanOf, heartbeatRecordsPerPeriod, heartbeatWritesPerPeriod } from "../routing/heartbeat";
import type { PipeGroup } from "../routing/pipes";
import type { Route, RouteName } from "../routing/route";
import { HOURS_PER_MONTH } from "./batching";

// What the canary (routing/heartbeat.ts, infra/canary.ts) puts through the stack in a month,
// derived from the declared routes exactly as the program derives its schedules; priced per
// design by cost/model.ts (priceCanary):
//
// - EventBridge Scheduler invocations: one per write (a beat per route a period, and a
//   prepare write for a transition or INSERT-only route);
// - DynamoDB writes: each write is one write request unit (the heartbeat item is well under
//   1 KB; a DeleteItem is billed as a write too);
// - stream records: one per write that changes something (all of them in steady state);
//   DynamoDB Streams bills GetRecords calls, not records, and the readers poll anyway;
// - per reader: the heartbeat records its filter passes (a filtered design) or all of them
//   (unfiltered), each assumed to make an invocation of its own (heartbeats are minutes apart;
//   beats of two routes of one pipe may share a batch, so this is an upper bound);
// - custom metrics: each route's Heartbeats metric, sent every period, so in every hour of the
//   month (ProcessingLatency is priced with the processors' metrics: orders send it too).

export interface CanaryLoad {
  readonly heartbeatMinutes: number;
  /** Periods in a 730-hour month. */
  readonly periodsPerMonth: number;
  /** Routes watched (one Heartbeats metric each). */
  readonly routes: number;
  /** Scheduler invocations and table writes a period. */
  readonly writesPerPeriod: number;
  /** Stream records the writes make a period. */
  readonly recordsPerPeriod: number;
  /** Per pipe (by its owner route): heartbeat records its reader hands its processor a period, through its filters or unfiltered. */
  readonly deliveredPerPeriod: Readonly<Record<RouteName, { readonly filtered: number; readonly all: number }>>;
}

export function canaryLoad(routes: readonly Route[], pipes: readonly PipeGroup[], heartbeatMinutes: number): CanaryLoad {
  const plans = routes.map(heartbeatPlanOf);
  const records = heartbeatRecordsPerPeriod(plans).map((r) => r.record);
  const deliveredPerPeriod: Record<RouteName, { filtered: number; all: number }> = {};
  for (const g of pipes) {
    const evaluators = routes.filter((r) => g.routes.includes(r.name)).map(routeEvaluator);
    deliveredPerPeriod[g.owner] = { filtered: records.filter((rec) => evaluators.some((e) => e.passesFilter(rec))).length, all: records.length };
  }
  return {
    heartbeatMinutes,
    periodsPerMonth: (HOURS_PER_MONTH * 60) / heartbeatMinutes,
    routes: routes.length,
    writesPerPeriod: heartbeatWritesPerPeriod(plans),
    recordsPerPeriod: records.length,
    deliveredPerPeriod,
  };
}
