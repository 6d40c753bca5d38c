import { dynamoFilterProblems } from "./dynamoFilterCheck";
import { canonicalPatternJson, type CompiledPattern, validateFilterList } from "./eventPattern";
import { makeGuard } from "./guard";
import { type OrderChange, type ParsedRecord, parseOrderChange } from "./order";
import { filterPatterns, type Route } from "./route";

// What happens to one stream record on one route, in the order AWS applies it: the pipe's
// filter, then the processor's validation, then its guard. Validation comes before the guard,
// so a malformed record is rejected even if the guard would also have skipped it.

export type Decision =
  | { readonly outcome: "filtered" }
  | { readonly outcome: "rejected"; readonly reasons: readonly string[] }
  | { readonly outcome: "skipped"; readonly reason: string; readonly order: OrderChange }
  | { readonly outcome: "processed"; readonly order: OrderChange };

export type Outcome = Decision["outcome"];

export interface RouteEvaluator {
  readonly route: Route;
  /** The filter patterns exactly as deployed (canonical JSON, sorted keys). */
  readonly filters: readonly string[];
  /** Whether the route's filter passes the record (any of its patterns matches). */
  passesFilter(record: unknown): boolean;
  decide(record: unknown): Decision;
  /** The decision on a record that passed the filter, from its parse (shared by the routes of one record). */
  decideParsed(parsed: ParsedRecord): Decision;
}

/**
 * Refuses, before anything is deployed, filters a pipe would reject or that can never match
 * a DynamoDB stream record; the message says what to do instead.
 */
export function checkRouteFilters(routeName: string, filters: readonly string[]): CompiledPattern[] {
  let compiled: CompiledPattern[];
  try {
    compiled = validateFilterList(filters);
  } catch (err) {
    throw new Error(`route ${routeName}: ${(err as Error).message}`);
  }
  const neverMatches = filters.flatMap(dynamoFilterProblems);
  if (neverMatches.length > 0) throw new Error(`route ${routeName}: ${neverMatches.join("; ")}`);
  return compiled;
}

export function routeEvaluator(route: Route): RouteEvaluator {
  const filters = filterPatterns(route).map(canonicalPatternJson);
  const compiled = checkRouteFilters(route.name, filters);
  const guard = makeGuard(route);
  // Only an object can match (event-ruler matches JSON objects); a string is never parsed again.
  const passesFilter = (record: unknown) => typeof record === "object" && record !== null && compiled.some((c) => c.matches(record));
  const decideParsed = (parsed: ParsedRecord): Decision => {
    if (!parsed.ok) return { outcome: "rejected", reasons: parsed.reasons };
    const verdict = guard(parsed.order);
    return verdict.pass ? { outcome: "processed", order: parsed.order } : { outcome: "skipped", reason: verdict.reason, order: parsed.order };
  };
  return {
    route,
    filters,
    passesFilter,
    decideParsed,
    decide: (record) => (passesFilter(record) ? decideParsed(parseOrderChange(record)) : { outcome: "filtered" }),
  };
}

/** Every route's decision on one record, in the order of `evaluators`; the record is parsed at most once. */
export function decideAll(evaluators: readonly RouteEvaluator[], record: unknown): Decision[] {
  let parsed: ParsedRecord | undefined;
  return evaluators.map((e) => {
    if (!e.passesFilter(record)) return FILTERED;
    parsed ??= parseOrderChange(record);
    return e.decideParsed(parsed);
  });
}

const FILTERED: Decision = { outcome: "filtered" };
