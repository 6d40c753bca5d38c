import type { RouteEvaluator } from "../routing/decide";
import type { RouteName } from "../routing/route";
import { DECLARED_ROUTE_NAMES as ROUTE_NAMES } from "../routing/stackRoutes";
import type { HandlerOutcome } from "./handlerProfile";
import type { LocalReport } from "./localReport";
import { type SeedFilter, seedFilter } from "./seedFilters";

// A sample of stream records, classified once per design with the code that decides on AWS:
// the deployed route evaluators (the same filter and guard as `route` and the processors)
// and, for the seed's design, the seed's own filters.
//
// - deployed: what passes the route's pipe filter reaches the processor, whose guard then
//   processes, skips or rejects it;
// - unfiltered: the same pipes with no filter: every record reaches the processor, whose own
//   filter check drops what the pipe would have dropped ("filtered" in the handler);
// - seedLiteral: the seed's filters as written. A pipe refuses the normal one at create time,
//   so that pipe does not exist; the premium one exists and passes what it matches.

export const DESIGNS = ["deployed", "unfiltered", "seedLiteral"] as const;
export type Design = (typeof DESIGNS)[number];

export interface DeliveredRecord {
  /** Bytes of the record's JSON as the pipe delivers it. */
  readonly bytes: number;
  /** "failed": delivered but never done (a local run dead-lettered it); priced once, without its retries or log lines. */
  readonly outcome: HandlerOutcome | "failed";
}

export interface RouteSample {
  /** False when AWS would refuse to create the pipe (the seed's normal filter). */
  readonly pipeCreated: boolean;
  /** The records the pipe hands to its processor, in stream order. */
  readonly delivered: readonly DeliveredRecord[];
  /** Pointers the pipe sent to the DLQ (known only from a local run's report). */
  readonly deadLettered: number;
}

export interface Sample {
  /** Stream records in the sample (each is read by every pipe). */
  readonly size: number;
  readonly designs: Readonly<Record<Design, Readonly<Record<RouteName, RouteSample>>>>;
  /** Records the seed's filters match when evaluated as an event bus would (expected: none). */
  readonly seedMatches: Readonly<Record<RouteName, number>> | undefined;
  readonly seedFilters: Readonly<Record<RouteName, SeedFilter | undefined>>;
}

/** The seed's filter for each declared route that has one (the seed's two); a route of a team's own has none. */
const seedFilters = (): Record<RouteName, SeedFilter | undefined> => Object.fromEntries(ROUTE_NAMES.map((r) => [r, seedFilter(r)]));
const perRoute = <T>(make: () => T): Record<RouteName, T> => Object.fromEntries(ROUTE_NAMES.map((r) => [r, make()]));

/** Classifies stream records one at a time. */
export class SampleBuilder {
  private size = 0;
  private readonly seed = seedFilters();
  private readonly delivered = {} as Record<Design, Record<RouteName, DeliveredRecord[]>>;
  private readonly seedMatches = perRoute(() => 0);

  constructor(private readonly evaluators: readonly RouteEvaluator[]) {
    for (const design of DESIGNS) this.delivered[design] = perRoute((): DeliveredRecord[] => []);
  }

  add(record: unknown): void {
    this.size++;
    const bytes = Buffer.byteLength(JSON.stringify(record), "utf8");
    for (const evaluator of this.evaluators) {
      const route = evaluator.route.name;
      const { outcome } = evaluator.decide(record);
      if (outcome !== "filtered") this.delivered.deployed[route].push({ bytes, outcome });
      this.delivered.unfiltered[route].push({ bytes, outcome });
      const seed = this.seed[route];
      if (seed?.matches(record)) {
        this.seedMatches[route]++;
        if (seed.pipes.accepted) this.delivered.seedLiteral[route].push({ bytes, outcome });
      }
    }
  }

  build(): Sample {
    const designs = {} as Record<Design, Record<RouteName, RouteSample>>;
    for (const design of DESIGNS) {
      designs[design] = {} as Record<RouteName, RouteSample>;
      for (const route of ROUTE_NAMES) {
        const pipeCreated = design !== "seedLiteral" || this.seed[route]?.pipes.accepted === true;
        designs[design][route] = { pipeCreated, delivered: this.delivered[design][route], deadLettered: 0 };
      }
    }
    return { size: this.size, designs, seedMatches: { ...this.seedMatches }, seedFilters: this.seed };
  }
}

/**
 * A local run's report as a sample: its counts per pipe, with every record taken to be
 * `recordBytes` long (a report carries no records). The seed's filters cannot be evaluated
 * without records; both can never match a DynamoDB record (numeric on an N string), so the
 * seed's premium pipe passes nothing.
 */
export function sampleFromReport(report: LocalReport, recordBytes: number): Sample {
  const seed = seedFilters();
  const size = Math.max(...report.pipes.map((p) => p.counts.read));
  const empty: RouteSample = { pipeCreated: true, delivered: [], deadLettered: 0 };
  const designs = {} as Record<Design, Record<RouteName, RouteSample>>;
  for (const design of DESIGNS) designs[design] = perRoute(() => empty);
  const many = (n: number, outcome: DeliveredRecord["outcome"]): DeliveredRecord[] => Array.from({ length: n }, () => ({ bytes: recordBytes, outcome }));
  for (const pipe of report.pipes) {
    const { filtered, skipped, processed, rejected, deadLettered } = pipe.counts;
    const handled = [...many(processed, "processed"), ...many(skipped, "skipped"), ...many(rejected, "rejected"), ...many(deadLettered, "failed")];
    designs.deployed[pipe.route] = { pipeCreated: true, delivered: handled, deadLettered };
    designs.unfiltered[pipe.route] = { pipeCreated: true, delivered: [...handled, ...many(filtered, "filtered")], deadLettered };
  }
  for (const route of ROUTE_NAMES) designs.seedLiteral[route] = { pipeCreated: seed[route]?.pipes.accepted === true, delivered: [], deadLettered: 0 };
  return { size, designs, seedMatches: undefined, seedFilters: seed };
}
