import type { HeartbeatEntry, OutcomeEntry, RecordOutcome } from "../handlers/batch";
import type { RouteEvaluator } from "../routing/decide";
import { heartbeatOf } from "../routing/heartbeat";
import type { SettledAs } from "./localPipe";
import type { WireRecord } from "./wireFormat";

// Where each record a local pipe read ended, on each route the pipe serves: filtered (by the
// route's filter: the pipe's own, or the processor's check on a shared pipe), skipped,
// processed, rejected (from what the processor reports per record, handlers/lambda.ts), or
// dead-lettered (by the pipe). A record is final once the pipe is done with it and the
// processor reported every route that passed it; until then it is in flight. The books
// balance per route: read = filtered + skipped + processed + rejected + dead-lettered + in
// flight (+ unreported, a processor that returned without reporting: never expected).
//
// The canary's heartbeat records (routing/heartbeat.ts) are never orders: they are kept out of
// every route's books and counted apart, per pipe (read, filtered, delivered, dead-lettered) and
// per route (the route's own heartbeats its processor reported).

export interface RouteTally {
  read: number;
  filtered: number;
  skipped: number;
  processed: number;
  rejected: number;
  deadLettered: number;
  /** Handled by the processor without a report for this route within UNREPORTED_AFTER_MS (a processor that lost its report). */
  unreported: number;
  /** Deliveries whose effect had already happened, so the step did not run again (any invocation: the pipe's, a retry's, a redrive's). */
  repeats: number;
}

export type FinalOutcome = "filtered" | "skipped" | "processed" | "rejected" | "deadLettered";

/** One outcome the processor reported, or the pipe decided, as it happened. */
export interface LedgerEvent {
  readonly route: string;
  readonly outcome: RecordOutcome | "filtered" | "deadLettered";
  readonly eventID: string;
  readonly orderId?: string;
  /** The order's new status, as the processor reported it. */
  readonly status?: string;
  readonly reason?: string;
  /** A processed record whose effect had already happened (the step did not run again). */
  readonly repeat?: boolean;
  /** When it happened (the processor's log timestamp for a reported outcome), ms since the epoch. */
  readonly at: number;
  /** The record's ApproximateCreationDateTime, ms since the epoch, if it has one. */
  readonly createdAt?: number;
  /** True the first time this record reaches this outcome on this route (a retry reports it again). */
  readonly first: boolean;
}

interface Pending {
  readonly orderId?: string;
  /** The new status (or, for a REMOVE, "removed"), for the live lines. */
  readonly status?: string;
  /** Why the pipe dead-lettered it (RetryAttemptsExhausted, RecordAgeExceeded). */
  condition?: string;
  readonly createdAt?: number;
  /** Per route (the ledger's order): does its filter pass the record? */
  readonly passing: readonly boolean[];
  /** Per route: the last outcome the processor reported. */
  readonly reported: (RecordOutcome | undefined)[];
  /** Per route: every outcome reported so far (a retried record is reported again). */
  readonly seen: Set<RecordOutcome>[];
  settledAs?: SettledAs;
  settledAt?: number;
}

/** How long a delivered record may wait for the processor's report line (which can trail the invocation's result). */
export const UNREPORTED_AFTER_MS = 60000;

const DONE: readonly (RecordOutcome | undefined)[] = ["processed", "skipped", "rejected"];

/** A pipe's heartbeat records, apart from its orders. */
export interface HeartbeatRecordCounts {
  read: number;
  filtered: number;
  delivered: number;
  deadLettered: number;
}

/** A heartbeat a route's processor reported, as it happened. */
export interface HeartbeatEvent {
  readonly route: string;
  readonly eventID: string;
  /** The processor's measure from the record's ApproximateCreationDateTime (second resolution). */
  readonly latencyMs?: number;
  /** When it was reported (the processor's log timestamp), ms since the epoch. */
  readonly at: number;
}

interface PendingBeat {
  /** The served route it is the heartbeat of, when that route's filter passes it. */
  readonly route?: string;
  settledAs?: SettledAs;
  settledAt?: number;
  reported: boolean;
}

export class PipeLedger {
  private readonly pending = new Map<string, Pending>();
  private readonly tallies: RouteTally[];
  private readonly orders: OrderLists[];
  private lastSweep = 0;
  private readonly beats = new Map<string, PendingBeat>();
  /** The heartbeat records the pipe read, apart from the orders. */
  readonly heartbeatRecords: HeartbeatRecordCounts = { read: 0, filtered: 0, delivered: 0, deadLettered: 0 };
  private readonly heartbeatsSeen = new Map<string, number>();

  constructor(
    readonly routes: readonly RouteEvaluator[],
    private readonly onEvent?: (e: LedgerEvent) => void,
    private readonly onHeartbeat?: (e: HeartbeatEvent) => void,
  ) {
    this.tallies = routes.map(() => ({ read: 0, filtered: 0, skipped: 0, processed: 0, rejected: 0, deadLettered: 0, unreported: 0, repeats: 0 }));
    this.orders = routes.map(() => new OrderLists());
  }

  get routeNames(): string[] {
    return this.routes.map((r) => r.route.name);
  }

  /** The pipe read a record (before its filter). */
  read(record: WireRecord): void {
    const heartbeat = heartbeatOf(record);
    if (heartbeat) {
      const own = this.routes.find((r) => r.route.name === heartbeat.route);
      this.beats.set(record.eventID, { route: own?.passesFilter(record) ? heartbeat.route : undefined, reported: false });
      this.heartbeatRecords.read++;
      return;
    }
    const orderId = (record.dynamodb.Keys?.orderId as { S?: string } | undefined)?.S;
    const created = record.dynamodb.ApproximateCreationDateTime;
    this.pending.set(record.eventID, {
      orderId,
      status: statusOf(record),
      createdAt: typeof created === "number" ? created * 1000 : undefined,
      passing: this.routes.map((r) => r.passesFilter(record)),
      reported: this.routes.map(() => undefined),
      seen: this.routes.map(() => new Set()),
    });
    for (const t of this.tallies) t.read++;
  }

  /** The pipe is done with records: filtered out, handled by the processor, or dead-lettered. */
  settled(records: readonly WireRecord[], as: SettledAs, detail: { readonly condition?: string } = {}, now = Date.now()): void {
    for (const r of records) {
      const beat = this.beats.get(r.eventID);
      if (beat) {
        if (beat.settledAs === undefined) this.heartbeatRecords[as]++;
        beat.settledAs = as;
        beat.settledAt = now;
        if (as !== "delivered" || beat.route === undefined || beat.reported) this.beats.delete(r.eventID);
        continue;
      }
      const p = this.pending.get(r.eventID);
      if (!p) continue;
      p.settledAs = as;
      p.settledAt = now;
      p.condition = detail.condition;
      this.tryFinal(r.eventID, p, now);
    }
    this.sweep(now);
  }

  /** The processor reported a route's heartbeat (a `batch.heartbeats` entry). */
  heartbeatReported(entry: HeartbeatEntry, at: number): void {
    if (!entry.eventID || !this.routes.some((r) => r.route.name === entry.route)) return;
    const beat = this.beats.get(entry.eventID);
    // A heartbeat re-delivered after its first report (a retried batch) is seen once.
    if (beat?.reported) return;
    if (beat) {
      beat.reported = true;
      if (beat.settledAs !== undefined) this.beats.delete(entry.eventID);
    }
    this.heartbeatsSeen.set(entry.route, (this.heartbeatsSeen.get(entry.route) ?? 0) + 1);
    this.onHeartbeat?.({ route: entry.route, eventID: entry.eventID, latencyMs: entry.latencyMs, at });
  }

  /** The route's own heartbeats its processor reported. */
  heartbeats(route: string): number {
    return this.heartbeatsSeen.get(route) ?? 0;
  }

  /** The processor reported what it did with a record on a route. */
  reported(entry: OutcomeEntry, at: number): void {
    const i = this.routes.findIndex((r) => r.route.name === entry.route);
    if (i < 0 || !entry.eventID) return;
    if (entry.repeat) this.tallies[i].repeats++;
    const p = this.pending.get(entry.eventID);
    const first = p !== undefined && !p.seen[i].has(entry.outcome);
    if (p) {
      p.reported[i] = entry.outcome;
      p.seen[i].add(entry.outcome);
    }
    this.onEvent?.({ route: entry.route, outcome: entry.outcome, eventID: entry.eventID, orderId: entry.orderId ?? p?.orderId, status: entry.status, reason: entry.reason, repeat: entry.repeat === true, at, createdAt: p?.createdAt, first });
    if (p) this.tryFinal(entry.eventID, p, at);
  }

  private tryFinal(eventID: string, p: Pending, now: number): void {
    if (p.settledAs === undefined) return;
    // Handled: wait until the processor reported every route the record passed.
    if (p.settledAs === "delivered" && p.passing.some((pass, i) => pass && !DONE.includes(p.reported[i]))) return;
    this.pending.delete(eventID);
    p.passing.forEach((pass, i) => {
      const outcome: FinalOutcome = !pass ? "filtered" : DONE.includes(p.reported[i]) ? (p.reported[i] as FinalOutcome) : "deadLettered";
      this.tallies[i][outcome]++;
      this.orders[i].add(outcome, p.orderId ?? eventID);
      if (outcome === "filtered" || outcome === "deadLettered") {
        const reason = outcome === "deadLettered" ? p.condition : p.settledAs === "filtered" ? "by the pipe" : "by the processor's check (its pipe serves another route)";
        this.onEvent?.({ route: this.routes[i].route.name, outcome, eventID, orderId: p.orderId, status: p.status, reason, at: now, createdAt: p.createdAt, first: true });
      }
    });
  }

  /** Handled records whose report never came are counted as unreported, so memory stays bounded. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [eventID, b] of this.beats) if (b.settledAs !== undefined && now - (b.settledAt ?? now) >= UNREPORTED_AFTER_MS) this.beats.delete(eventID);
    for (const [eventID, p] of this.pending) {
      if (p.settledAs !== "delivered" || now - (p.settledAt ?? now) < UNREPORTED_AFTER_MS) continue;
      this.pending.delete(eventID);
      p.passing.forEach((pass, i) => {
        if (!pass) {
          this.tallies[i].filtered++;
          this.orders[i].add("filtered", p.orderId ?? eventID);
        }
        else if (DONE.includes(p.reported[i])) {
          this.tallies[i][p.reported[i] as FinalOutcome]++;
          this.orders[i].add(p.reported[i] as FinalOutcome, p.orderId ?? eventID);
        } else this.tallies[i].unreported++;
      });
    }
  }

  /** The orders behind each count of `route` (the first ORDERS_LISTED of each, and how many more). */
  ordersOf(route: string): OrdersByOutcome {
    const i = this.routes.findIndex((r) => r.route.name === route);
    if (i < 0) throw new Error(`no route ${route} on this pipe`);
    return this.orders[i].lists();
  }

  tally(route: string): Readonly<RouteTally> {
    const i = this.routes.findIndex((r) => r.route.name === route);
    if (i < 0) throw new Error(`no route ${route} on this pipe`);
    return { ...this.tallies[i] };
  }

  /** Records read and not final yet (buffered, being delivered, or awaiting the processor's report). */
  get inFlight(): number {
    return this.pending.size + this.beats.size;
  }

  /** Heartbeat records the pipe has not settled yet (it passed them on, or is about to). */
  get heartbeatsUnsettled(): number {
    let n = 0;
    for (const b of this.beats.values()) if (b.settledAs === undefined) n++;
    return n;
  }

  /** Of those, the orders (what a route's books count). */
  get ordersInFlight(): number {
    return this.pending.size;
  }
}

/** How many orders of each outcome a report lists; the rest are counted. */
export const ORDERS_LISTED = 20;

export type OrdersByOutcome = Readonly<Record<FinalOutcome, { readonly orderIds: readonly string[]; readonly more: number }>>;

/** The first ORDERS_LISTED orders of each outcome, and a count of the rest: bounded, however long a --watch runs. */
class OrderLists {
  private readonly ids: Record<FinalOutcome, string[]> = { filtered: [], skipped: [], processed: [], rejected: [], deadLettered: [] };
  private readonly more: Record<FinalOutcome, number> = { filtered: 0, skipped: 0, processed: 0, rejected: 0, deadLettered: 0 };

  add(outcome: FinalOutcome, orderId: string): void {
    if (this.ids[outcome].length < ORDERS_LISTED) this.ids[outcome].push(orderId);
    else this.more[outcome]++;
  }

  lists(): OrdersByOutcome {
    const out = {} as Record<FinalOutcome, { orderIds: string[]; more: number }>;
    for (const o of Object.keys(this.ids) as FinalOutcome[]) out[o] = { orderIds: [...this.ids[o]], more: this.more[o] };
    return out;
  }
}

/** An order change's new status, or "removed" for a REMOVE (its old image has the status it had). */
function statusOf(record: WireRecord): string | undefined {
  const status = (record.dynamodb.NewImage?.orderStatus as { S?: unknown } | undefined)?.S;
  if (typeof status === "string") return status;
  return record.eventName === "REMOVE" ? "removed" : undefined;
}
