import { loadStackFileSettings } from "../config/stackFile";
import { routeEvaluator } from "../routing/decide";
import { compile, parseEvent } from "../routing/eventPattern";
import { routesFromSettings } from "../routing/stackRoutes";
import { benchRecords, compareRates } from "./records";

// The event-pattern engine on realistic stream records, every figure a ratio to JSON.parse of
// the same records measured alternately in the same run (median of 9 samples): JSON.parse is
// the floor, since a pipe must parse a record before it can filter it.
// - the number-preserving parser (parseEvent) alone;
// - JSON text to both deployed routes' filter decisions, one parse per record (what
//   `route --jsonl` and the local pipes do);
// - each route's filters on records already parsed.
// The filters are the deployed ones (routeEvaluator(route).filters), whatever they are.

type Row = Record<string, number | string>;

export function runPatternBench(): Row[] {
  const { routes } = routesFromSettings(loadStackFileSettings("dev"));
  // Filters first, records after, as the command line and the local pipes do.
  const filters = routes.map((route) => ({ route, matchers: routeEvaluator(route).filters.map((f) => compile(f, "pipes")) }));
  const texts = benchRecords(1000).map((r) => JSON.stringify(r));
  const bytes = Math.round(texts.reduce((sum, t) => sum + t.length, 0) / texts.length);
  const jsonParse = () => {
    for (const t of texts) JSON.parse(t);
  };
  const passes = (matchers: { matches(e: unknown): boolean }[], event: unknown) => matchers.some((m) => m.matches(event));

  const rows: Row[] = [];
  const row = (what: string, candidate: () => void, goal: string) => {
    const r = compareRates(jsonParse, candidate, texts.length);
    if (rows.length === 0) rows.push({ what: `JSON.parse (${bytes} B/record)`, recordsPerSecond: Math.round(r.baselinePerSecond), vsJsonParse: 1, goal: "" });
    rows.push({ what, recordsPerSecond: Math.round(r.candidatePerSecond), vsJsonParse: Math.round(r.ratio * 100) / 100, goal });
  };

  row("parseEvent (exact numbers)", () => {
    for (const t of texts) parseEvent(t);
  }, ">= 0.85");

  let decided = 0;
  row("text -> both routes' filters, one parse per record", () => {
    decided = 0;
    for (const t of texts) {
      const event = parseEvent(t);
      for (const f of filters) if (passes(f.matchers, event)) decided++;
    }
  }, ">= 0.8");

  // Parsed records kept for the matching rows are made only now: V8 moves the allocation of
  // objects that have been seen to survive into the old generation (pretenuring), which makes
  // later parsing slower; the rows above measure parsing as a stream, as it is used.
  const parsed = texts.map((t) => parseEvent(t));
  for (const { route, matchers } of filters) {
    const passed = parsed.filter((e) => passes(matchers, e)).length;
    row(`${route.name} filter on parsed records (${passed}/${parsed.length} pass)`, () => {
      for (const e of parsed) passes(matchers, e);
    }, "no regression (~35x on the earlier 770 B records)");
  }
  if (decided === 0) throw new Error("no record passed any filter: the benchmark measures nothing useful");
  return rows;
}

if (require.main === module) console.table(runPatternBench());
