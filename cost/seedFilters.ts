import { dynamoFilterProblems } from "../routing/dynamoFilterCheck";
import { canonicalPatternJson, compile, validate } from "../routing/eventPattern";
import type { RouteName } from "../routing/route";

// The seed's filters exactly as written (shared/seed, "Filtering Logic Details"; the table in
// the README's "The seed's filter table"), kept as data so the cost model can price the
// design the seed describes. They are evaluated with the event-pattern engine in the
// event-bus dialect, because a pipe refuses the normal one outright ("anything-but" with
// "prefix" is not a Pipes operator, aws-facts section 3); the premium one is accepted by a
// pipe but its numeric test on a DynamoDB number string never matches (aws-facts section 2).

export const SEED_FILTERS: Readonly<Record<RouteName, object | undefined>> = {
  normal: {
    eventName: ["INSERT", "MODIFY"],
    dynamodb: {
      NewImage: {
        orderStatus: { S: ["pending", "shipped"] },
        orderAmount: { N: [{ numeric: [">", 100] }] },
        customerEmail: { S: [{ "anything-but": { prefix: "test.com" } }] },
      },
    },
  },
  premium: {
    eventName: ["MODIFY"],
    dynamodb: {
      NewImage: { orderAmount: { N: [{ numeric: [">", 1000] }] }, orderStatus: { S: ["shipped"] } },
      OldImage: { orderStatus: { S: ["pending"] } },
    },
  },
};

export interface SeedFilter {
  readonly route: RouteName;
  readonly pattern: string;
  /** Whether CreatePipe would accept the pattern; if not, why. */
  readonly pipes: { readonly accepted: true } | { readonly accepted: false; readonly reason: string };
  /** Why the pattern can never match a DynamoDB stream record, if it cannot. */
  readonly neverMatches: readonly string[];
  /** The pattern as an event bus would evaluate it. */
  matches(record: unknown): boolean;
}

/** The seed's filter of `route`; undefined for a route the seed does not have. */
export function seedFilter(route: RouteName): SeedFilter | undefined {
  const declared = Object.prototype.hasOwnProperty.call(SEED_FILTERS, route) ? SEED_FILTERS[route] : undefined;
  if (declared === undefined) return undefined;
  const pattern = canonicalPatternJson(declared);
  const verdict = validate(pattern, "pipes");
  const compiled = compile(pattern, "eventbus");
  return {
    route,
    pattern,
    pipes: verdict.ok ? { accepted: true } : { accepted: false, reason: verdict.message },
    neverMatches: dynamoFilterProblems(pattern),
    matches: (record) => compiled.matches(record),
  };
}
