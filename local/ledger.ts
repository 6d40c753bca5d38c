import type { OutcomeEntry, RecordOutcome } from "../handlers/batch";
import type { RouteEvaluator } from "../routing/decide";
import type { SettledAs } from "./localPipe";
import type { WireRecord } from "./wireFormat";

// Where each record a local pipe read ended, on each route the pipe serves: filtered (by the
// route's filter: the pipe's own, or the processor's check on a shared pipe), skipped,
// processed, rejected (from what the processor reports per record, handlers/lambda.ts), or
// dead-lettered (by the pipe). A record is final once the pipe is done with it and the
// processor reported every route that passed it; until then it is in flight. The books
// balance per route: read = filtered + skipped + processed + rejected + dead-lettered + in
// flight (+ unreported, a processor that returned without reporting: never expected).

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

export class PipeLedger {
  private readonly pending = new Map<string, Pending>();
  private readonly tallies: RouteTally[];
  private lastSweep = 0;

  constructor(
    readonly routes: readonly RouteEvaluator[],
    private readonly onEvent?: (e: LedgerEvent) => void,
  ) {
    this.tallies = routes.map(() => ({ read: 0, filtered: 0, skipped: 0, processed: 0, rejected: 0, deadLettered: 0, unreported: 0, repeats: 0 }));
  }

  get routeNames(): string[] {
    return this.routes.map((r) => r.route.name);
  }

  /** The pipe read a record (before its filter). */
  read(record: WireRecord): void {
    const orderId = (record.dynamodb.Keys?.orderId as { S?: string } | undefined)?.S;
    const created = record.dynamodb.ApproximateCreationDateTime;
    this.pending.set(record.eventID, {
      orderId,
      createdAt: typeof created === "number" ? created * 1000 : undefined,
      passing: this.routes.map((r) => r.passesFilter(record)),
      reported: this.routes.map(() => undefined),
      seen: this.routes.map(() => new Set()),
    });
    for (const t of this.tallies) t.read++;
  }

  /** The pipe is done with records: filtered out, handled by the processor, or dead-lettered. */
  settled(records: readonly WireRecord[], as: SettledAs, now = Date.now()): void {
    for (const r of records) {
      const p = this.pending.get(r.eventID);
      if (!p) continue;
      p.settledAs = as;
      p.settledAt = now;
      this.tryFinal(r.eventID, p, now);
    }
    this.sweep(now);
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
      if (outcome === "filtered" || outcome === "deadLettered") {
        this.onEvent?.({ route: this.routes[i].route.name, outcome, eventID, orderId: p.orderId, at: now, createdAt: p.createdAt, first: true });
      }
    });
  }

  /** Handled records whose report never came are counted as unreported, so memory stays bounded. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [eventID, p] of this.pending) {
      if (p.settledAs !== "delivered" || now - (p.settledAt ?? now) < UNREPORTED_AFTER_MS) continue;
      this.pending.delete(eventID);
      p.passing.forEach((pass, i) => {
        if (!pass) this.tallies[i].filtered++;
        else if (DONE.includes(p.reported[i])) this.tallies[i][p.reported[i] as FinalOutcome]++;
        else this.tallies[i].unreported++;
      });
    }
  }

  tally(route: string): Readonly<RouteTally> {
    const i = this.routes.findIndex((r) => r.route.name === route);
    if (i < 0) throw new Error(`no route ${route} on this pipe`);
    return { ...this.tallies[i] };
  }

  /** Records read and not final yet (buffered, being delivered, or awaiting the processor's report). */
  get inFlight(): number {
    return this.pending.size;
  }
}
