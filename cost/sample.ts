import { decideAll, type RouteEvaluator } from "../routing/decide";
import { parseOrderChange } from "../routing/order";
import type { PipeGroup } from "../routing/pipes";
import type { RouteName } from "../routing/route";
import type { Delivery } from "./designs";
import type { RecordOutcome } from "./handlerProfile";
import { type RecordSizes, SizeList, UniformSizes } from "./recordSizes";
import { type SeedFilter, seedFilter } from "./seedFilters";

// A sample of stream records, classified once with the code that decides on AWS (the
// deployed route evaluators: the same filter and guard as `route` and the processors), and
// kept as what each declared pipe's processor would receive: per pipe, the records its filter
// passes ("filtered") or every record ("all"), and per route it serves, what became of them.
// Kept as counts and sizes, never as records, so a sample's memory does not grow with its
// records' content, and a report's not at all with its counts.

export type OutcomeCounts = Record<RecordOutcome | "failed", number>;

/** What one reader hands its processor, in the sample. */
export interface PipeDelivery {
  readonly sizes: RecordSizes;
  /** Records with an outcome on at least one of the pipe's routes (the others are dropped quietly by the processor). */
  readonly handled: number;
  /** Per route the pipe serves: its outcomes ("failed": a local run dead-lettered it; priced once, without retries or log lines). */
  readonly routes: Readonly<Record<RouteName, OutcomeCounts>>;
  /** The rejected records, quarantined once each whatever the number of routes that rejected them. */
  readonly rejected: RecordSizes;
  /** Pointers the reader sent to the DLQ (known only from a local run's report). */
  readonly deadLettered: number;
}

export interface PipeSample {
  readonly group: PipeGroup;
  readonly delivery: Readonly<Record<Delivery, PipeDelivery>>;
}

/** The seed's filter of one declared route, as written, and what its pipe would deliver. */
export interface SeedSample {
  readonly route: RouteName;
  readonly filter: SeedFilter;
  /** Sample records the filter matches when evaluated as an event bus would (expected: none); undefined for a report. */
  readonly matches: number | undefined;
  readonly delivery: PipeDelivery;
}

export interface Sample {
  /** Stream records in the sample (each is read by every reader). */
  readonly size: number;
  readonly pipes: readonly PipeSample[];
  /** The seed's filters of the declared routes that the seed has (normal, premium). */
  readonly seed: readonly SeedSample[];
}

const zero = (): OutcomeCounts => ({ processed: 0, skipped: 0, rejected: 0, failed: 0 });

class DeliveryBuilder {
  readonly routes: Record<RouteName, OutcomeCounts>;
  readonly rejected = new SizeList();
  handled = 0;

  constructor(
    readonly sizes: SizeList,
    routes: readonly RouteName[],
    private readonly ownSizes: boolean,
  ) {
    this.routes = Object.fromEntries(routes.map((r) => [r, zero()]));
  }

  /** One record and its outcome on each route (undefined: the route's filter drops it). */
  add(bytes: number, outcomes: readonly (RecordOutcome | undefined)[], routeNames: readonly RouteName[]): void {
    if (this.ownSizes) this.sizes.add(bytes);
    let handled = false;
    let rejected = false;
    outcomes.forEach((o, i) => {
      if (o === undefined) return;
      handled = true;
      rejected ||= o === "rejected";
      this.routes[routeNames[i]][o]++;
    });
    if (handled) this.handled++;
    if (rejected) this.rejected.add(bytes);
  }

  build(): PipeDelivery {
    return { sizes: this.sizes, handled: this.handled, routes: this.routes, rejected: this.rejected, deadLettered: 0 };
  }
}

/** Classifies stream records one at a time, for the declared pipes. */
export class SampleBuilder {
  private size = 0;
  /** Every record reaches an unfiltered reader: one list of sizes shared by all pipes. */
  private readonly all = new SizeList();
  private readonly pipes: { group: PipeGroup; index: number[]; filtered: DeliveryBuilder; all: DeliveryBuilder }[];
  private readonly seeds: { route: RouteName; index: number; filter: SeedFilter; matches: number; delivery: DeliveryBuilder }[];

  constructor(
    private readonly evaluators: readonly RouteEvaluator[],
    groups: readonly PipeGroup[],
  ) {
    const names = evaluators.map((e) => e.route.name);
    this.pipes = groups.map((group) => ({
      group,
      index: group.routes.map((r) => {
        const i = names.indexOf(r);
        if (i < 0) throw new Error(`pipe of ${group.owner} serves route ${r}, which has no evaluator`);
        return i;
      }),
      filtered: new DeliveryBuilder(new SizeList(), group.routes, true),
      all: new DeliveryBuilder(this.all, group.routes, false),
    }));
    this.seeds = names.flatMap((route, index) => {
      const filter = seedFilter(route);
      return filter ? [{ route, index, filter, matches: 0, delivery: new DeliveryBuilder(new SizeList(), [route], true) }] : [];
    });
  }

  add(record: unknown): void {
    this.size++;
    const bytes = Buffer.byteLength(JSON.stringify(record), "utf8");
    this.all.add(bytes);
    const decisions = decideAll(this.evaluators, record);
    const outcomes = decisions.map((d) => (d.outcome === "filtered" ? undefined : d.outcome));
    for (const p of this.pipes) {
      const mine = p.index.map((i) => outcomes[i]);
      p.all.add(bytes, mine, p.group.routes);
      if (mine.some((o) => o !== undefined)) p.filtered.add(bytes, mine, p.group.routes);
    }
    for (const s of this.seeds) {
      if (!s.filter.matches(record)) continue;
      s.matches++;
      if (!s.filter.pipes.accepted) continue;
      // What the processor would do with a record the seed's filter let through: validation, then the guard.
      const d = this.evaluators[s.index].decideParsed(parseOrderChange(record));
      s.delivery.add(bytes, [d.outcome === "filtered" ? undefined : d.outcome], [s.route]);
    }
  }

  build(): Sample {
    return {
      size: this.size,
      pipes: this.pipes.map((p) => ({ group: p.group, delivery: { filtered: p.filtered.build(), all: p.all.build() } })),
      seed: this.seeds.map((s) => ({ route: s.route, filter: s.filter, matches: s.matches, delivery: s.delivery.build() })),
    };
  }
}

/** Per route, a local run's counts: what its pipe read, what the route's filter dropped, and the outcomes. */
export interface ReportRouteCounts {
  readonly read: number;
  readonly filtered: number;
  readonly skipped: number;
  readonly processed: number;
  readonly rejected: number;
  readonly deadLettered: number;
}

/** Per pipe, a local run's counts. */
export interface ReportPipeCounts {
  readonly read: number;
  readonly filtered: number;
  readonly delivered: number;
  readonly deadLettered: number;
}

/**
 * A local run's counts as a sample, every record taken to be `recordBytes` long (a report
 * carries no records). Counts, not records: memory is the same for 20 records or 10^12.
 * A record rejected on two routes of one pipe is counted once per route in a report; the
 * quarantine count takes the larger of them. The seed's filters cannot be evaluated without
 * records; as written, both can never match a DynamoDB record (numeric on an N string).
 */
export function sampleFromCounts(
  groups: readonly PipeGroup[],
  pipes: Readonly<Record<RouteName, ReportPipeCounts>>,
  routes: Readonly<Record<RouteName, ReportRouteCounts>>,
  recordBytes: number,
): Sample {
  const size = Math.max(0, ...groups.map((g) => pipes[g.owner].read));
  const outcomes = (r: ReportRouteCounts): OutcomeCounts => ({ processed: r.processed, skipped: r.skipped, rejected: r.rejected, failed: r.deadLettered });
  const samples = groups.map((group): PipeSample => {
    const p = pipes[group.owner];
    const counts = Object.fromEntries(group.routes.map((r) => [r, outcomes(routes[r])]));
    const rejected = new UniformSizes(Math.max(0, ...group.routes.map((r) => routes[r].rejected)), recordBytes);
    const delivery = (count: number): PipeDelivery => ({ sizes: new UniformSizes(count, recordBytes), handled: p.delivered, routes: counts, rejected, deadLettered: p.deadLettered });
    return { group, delivery: { filtered: delivery(p.delivered), all: delivery(p.read) } };
  });
  const seed = groups
    .flatMap((g) => g.routes)
    .flatMap((route): SeedSample[] => {
      const filter = seedFilter(route);
      if (!filter) return [];
      return [{ route, filter, matches: undefined, delivery: { sizes: new UniformSizes(0, recordBytes), handled: 0, routes: { [route]: zero() }, rejected: new UniformSizes(0, recordBytes), deadLettered: 0 } }];
    });
  return { size, pipes: samples, seed };
}
