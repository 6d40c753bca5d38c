import { loadStackFileSettings } from "../config/stackFile";
import { routeEvaluator } from "../routing/decide";
import { compile, compilePatterns, parseEvent, type PatternSet } from "../routing/eventPattern";
import { routesFromSettings } from "../routing/stackRoutes";
import { benchRecords, compareRates } from "./records";

// The event-pattern engine on realistic stream records, every figure a ratio to JSON.parse of
// the same records measured alternately in the same run (median of 9 samples): JSON.parse is
// what any program reading the records pays, so deciding from text must beat it.
// - the number-preserving parser (parseEvent) alone;
// - JSON text to decisions, one read per record for all patterns (compilePatterns, matchText:
//   what `route --jsonl` and `pattern test` do): the deployed filters of both routes, and five
//   mixed patterns (MIXED) that name more fields, numbers, arrays of objects and $or;
// - the same patterns on records already parsed (what the local pipes and the processors do).
// Before measuring, every record's decisions from text are checked against those from the
// parsed record: the rates are for the same answers.

type Row = Record<string, number | string>;

/** Five patterns using what the deployed ones do not: prefix, anything-but, numeric on a JSON number, wildcard, exists, $or, arrays of objects. */
export const MIXED = [
  { eventSourceARN: [{ prefix: "arn:aws:dynamodb:us-east-1:" }], dynamodb: { NewImage: { orderStatus: { S: [{ prefix: "ship" }] } } } },
  { eventName: [{ "anything-but": ["REMOVE"] }], dynamodb: { NewImage: { customerEmail: { S: [{ "anything-but": { suffix: "test.com" } }] } } } },
  { dynamodb: { ApproximateCreationDateTime: [{ numeric: [">=", 1767225600, "<", 1767226100] }], SizeBytes: [{ numeric: [">", 100] }] } },
  { dynamodb: { NewImage: { customerEmail: { S: [{ wildcard: "customer*@*.example.*" }] } } } },
  {
    dynamodb: { NewImage: { items: { L: { M: { sku: { S: [{ prefix: "sku-1" }] }, qty: { N: ["2", "3"] } } } } } },
    $or: [{ dynamodb: { OldImage: { orderStatus: { S: ["pending"] } } } }, { dynamodb: { OldImage: { orderStatus: { S: [{ exists: false }] } } } }],
  },
].map((p) => JSON.stringify(p));

/** Throws unless every record gets the same decisions from its text as from its parsed form. */
function checkSameDecisions(set: PatternSet, texts: readonly string[]): number[] {
  const passed = new Array<number>(set.size).fill(0);
  for (const t of texts) {
    const fromText = set.matchText(t).matched;
    const fromParsed = set.matchEvent(parseEvent(t));
    if (fromText.join() !== fromParsed.join()) throw new Error(`decisions differ from text (${fromText}) and parsed (${fromParsed}) on ${t}`);
    fromText.forEach((m, i) => m && passed[i]++);
  }
  if (passed.some((n) => n === 0 || n === texts.length)) throw new Error(`a pattern passes no record or every record (${passed}): the benchmark says little`);
  return passed;
}

export function runPatternBench(): Row[] {
  const { routes } = routesFromSettings(loadStackFileSettings("dev"));
  // Filters first, records after, as the command line and the local pipes do.
  const evaluators = routes.map((route) => routeEvaluator(route));
  const deployed = compilePatterns(evaluators.flatMap((e) => e.filters), "pipes");
  const mixed = compilePatterns(MIXED, "eventbus");
  const texts = benchRecords(1000).map((r) => JSON.stringify(r));
  const bytes = Math.round(texts.reduce((sum, t) => sum + t.length, 0) / texts.length);
  const deployedPassed = checkSameDecisions(deployed, texts);
  const mixedPassed = checkSameDecisions(mixed, texts);
  const jsonParse = () => {
    for (const t of texts) JSON.parse(t);
  };

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
  row(`text -> decisions, the 2 deployed patterns (${deployedPassed.join(" / ")} of ${texts.length} pass)`, () => {
    for (const t of texts) if (deployed.matchText(t).matched[0]) decided++;
  }, ">= 1.5");
  row(`text -> decisions, 5 mixed patterns (${mixedPassed.join(" / ")} pass)`, () => {
    for (const t of texts) if (mixed.matchText(t).matched[0]) decided++;
  }, ">= 1.2");

  // Parsed records kept for the matching rows are made only now: V8 moves the allocation of
  // objects that have been seen to survive into the old generation (pretenuring), which makes
  // later parsing slower; the rows above measure parsing as a stream, as it is used.
  const parsed = texts.map((t) => parseEvent(t));
  for (const evaluator of evaluators) {
    const matchers = evaluator.filters.map((f) => compile(f, "pipes"));
    const passes = (event: unknown) => matchers.some((m) => m.matches(event));
    const passed = parsed.filter(passes).length;
    row(`${evaluator.route.name} filter on parsed records (${passed}/${parsed.length} pass)`, () => {
      for (const e of parsed) passes(e);
    }, "no regression (~70-90x)");
  }
  const mixedParsed = MIXED.map((p) => compile(p, "eventbus"));
  row("5 mixed patterns on parsed records", () => {
    for (const e of parsed) for (const m of mixedParsed) m.matches(e);
  }, "info");
  if (decided === 0) throw new Error("no record passed any filter: the benchmark measures nothing useful");
  return rows;
}

if (require.main === module) console.table(runPatternBench());
