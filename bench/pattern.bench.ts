import { loadStackFileSettings } from "../config/stackFile";
import { routeEvaluator } from "../routing/decide";
import { compile } from "../routing/eventPattern";
import { routesFromSettings } from "../routing/route";
import { benchRecords, opsPerSecond } from "./records";

// Match throughput of the two deployed filters on realistic stream records, beside the cost
// of JSON.parse of the same records in the same run (the floor: a pipe must parse a record
// before it can filter it). Matching must not cost more than parsing.

export function runPatternBench(): Record<string, number | string>[] {
  const routes = routesFromSettings(loadStackFileSettings("dev"));
  const records = benchRecords(1000);
  const texts = records.map((r) => JSON.stringify(r));
  const parse = opsPerSecond(() => texts.forEach((t) => JSON.parse(t)), texts.length);
  const rows: Record<string, number | string>[] = [{ what: "JSON.parse (floor)", recordsPerSecond: Math.round(parse), vsParse: 1 }];
  for (const route of [routes.normal, routes.premium]) {
    const matchers = routeEvaluator(route).filters.map((f) => compile(f, "pipes"));
    let passed = 0;
    const rate = opsPerSecond(() => {
      passed = 0;
      for (const r of records) if (matchers.some((m) => m.matches(r))) passed++;
    }, records.length);
    rows.push({ what: `${route.name} filter on parsed records (${passed}/${records.length} pass)`, recordsPerSecond: Math.round(rate), vsParse: Math.round((rate / parse) * 100) / 100 });
    const textRate = opsPerSecond(() => texts.forEach((t) => matchers.some((m) => m.matches(t))), texts.length);
    rows.push({ what: `${route.name} filter on JSON text (exact numbers)`, recordsPerSecond: Math.round(textRate), vsParse: Math.round((textRate / parse) * 100) / 100 });
  }
  return rows;
}

if (require.main === module) console.table(runPatternBench());
