import { plural } from "../local/plural";
import type { RuntimeEvent } from "../local/runtime";

// The live lines of `local`: one per order per route outcome (filtered, skipped, processed,
// rejected, retried, dead-lettered, redriven), keyed by orderId, so a user writing orders by
// hand sees what became of each; `--show` thins them by kind. Apart from localCommand.ts so
// that `--help` (cli/help.ts) can name the kinds without loading the local runtime.

/** What `--show` can choose: the kinds of live line about orders (the pipes' and the canary's own troubles are always said). */
export const SHOW_KINDS = ["filtered", "skipped", "processed", "repeat", "rejected", "failed", "retried", "deadLettered", "redriven"] as const;
export type ShowKind = (typeof SHOW_KINDS)[number];

/** `--show filtered,rejected`: the kinds named, each checked; undefined: all. */
export function showKinds(value: string | undefined): ReadonlySet<ShowKind> | undefined {
  if (value === undefined) return undefined;
  const kinds = value.split(",").map((k) => k.trim()).filter((k) => k !== "");
  const unknown = kinds.filter((k) => !(SHOW_KINDS as readonly string[]).includes(k));
  if (kinds.length === 0 || unknown.length > 0) {
    throw new Error(`--show ${JSON.stringify(value)}: ${kinds.length === 0 ? "names no kind" : `unknown kind${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}`}; expected a comma-separated list of ${SHOW_KINDS.join(", ")}`);
  }
  return new Set(kinds as ShowKind[]);
}

/** The kind of line an event makes, for --show; undefined: not about orders, always shown. */
export function kindOf(e: RuntimeEvent): ShowKind | undefined {
  switch (e.event) {
    case "order.processed":
      return e.detail.repeat ? "repeat" : "processed";
    case "order.filtered":
    case "order.skipped":
    case "order.rejected":
    case "order.failed":
    case "order.deadLettered":
      return e.event.slice("order.".length) as ShowKind;
    case "pipe.batch_failed":
      return "retried";
    case "order.redriven":
      return "redriven";
    default:
      return undefined;
  }
}

/** An order as a line names it: its orderId (the record's eventID if it has none) and its new status. */
function orderOf(d: Record<string, unknown>): string {
  return `${d.orderId ?? d.eventID}${d.status !== undefined ? ` (${d.status})` : ""}`;
}

/** The keys a pipe event names, and how many more records it holds. */
function keysNamed(d: Record<string, unknown>): string {
  const keys = Array.isArray(d.keys) ? (d.keys as string[]) : [];
  const more = Number(d.records) - keys.length;
  return `${keys.join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}

/** One live line per event worth a line: every order's outcome on each route, keyed by orderId. */
export function describe(e: RuntimeEvent, showHeartbeats = false): string | undefined {
  const d = e.detail;
  switch (e.event) {
    // The canary is quiet unless asked, or unless a route's heartbeats stop (local/canary.ts).
    case "canary.heartbeat":
      return showHeartbeats ? `  ♥ ${d.route}: heartbeat${typeof d.latencyMs === "number" ? ` (write → processed ${Math.round(d.latencyMs)} ms)` : ""}` : undefined;
    case "canary.silent":
      return `  ! canary: no heartbeat reached route ${d.route} in ${plural(Number(d.rounds), "round")} (${d.minutes} min): its pipe or processor has stopped moving`;
    case "canary.back":
      return `  ♥ canary: route ${d.route}'s heartbeats arrive again`;
    case "canary.error":
      return `  ! canary: ${d.schedule} failed: ${d.error}`;
    case "order.filtered":
      return `  - ${d.route}: ${orderOf(d)} filtered ${d.reason}`;
    case "order.processed":
      return d.repeat ? `  = ${d.route}: ${orderOf(d)} already done: repeat suppressed` : `  ✓ ${d.route}: processed ${orderOf(d)}`;
    case "order.skipped":
      return `  · ${d.route}: skipped ${orderOf(d)}: ${d.reason}`;
    case "order.rejected":
      return `  ✗ ${d.route}: rejected ${d.orderId ?? d.eventID}, quarantined in the DLQ (${d.reason})`;
    case "order.failed":
      return `  ! ${d.route}: ${orderOf(d)} failed: ${d.reason}`;
    case "order.deadLettered":
      return `  ☠ ${d.route}: ${orderOf(d)} dead-lettered (${d.reason}): the DLQ holds a pointer to its record`;
    case "order.redriven":
      return `  ↺ ${d.route}: redriven ${orderOf(d)}: ${d.repeat ? "already done, repeat suppressed" : d.outcome}${d.reason ? ` (${d.reason})` : ""}`;
    case "pipe.batch_failed":
      return Number(d.attempt) > Number(d.maximumRetryAttempts)
        ? undefined
        : `  ↻ ${d.pipe}: retry ${d.attempt} of ${d.maximumRetryAttempts} for ${keysNamed(d)}`;
    // Said per order and route (order.deadLettered), which the pipe's own event would repeat.
    case "pipe.dead_lettered":
      return undefined;
    case "pipe.dlq_send_failed":
      return `  ! ${d.pipe}: cannot send the dead letter for ${plural(Number(d.records), "record")} from ${d.firstKey} (${d.condition}) to the DLQ: ${d.error}; attempt ${d.attempt}, retrying in ${Number(d.retryInMs) / 1000} s (the records stay in the stream, and their shard waits)`;
    case "pipe.dlq_send_recovered":
      return `  ✓ ${d.pipe}: the dead letter for ${plural(Number(d.records), "record")} from ${d.firstKey} was sent on attempt ${d.attempts}`;
    case "pipe.error":
      return `  ! ${d.pipe}: ${d.error}`;
    default:
      return undefined;
  }
}
