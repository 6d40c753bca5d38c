import { parseArgs } from "node:util";
import { decideAll, type Outcome, routeEvaluator } from "../routing/decide";
import { heartbeatOf } from "../routing/heartbeat";
import { compilePatterns, type TextMatch } from "../routing/eventPattern";
import { pipeOf } from "../routing/pipes";
import { type RouteName, requirements } from "../routing/route";
import { routesFromSettings, type StackRoutes } from "../routing/stackRoutes";
import { CONFIG_OPTION, configOverrides } from "./args";
import { forEachLine, type Io, LineWriter, UsageError } from "./io";
import { parseRecordLine } from "./recordLines";
import { resolveStack } from "./stackConfig";

// `route`: what each deployed route does with a stream record, from the stack's own config,
// through the same filters and guards that get deployed.

/** The options of `route explain` and of `route --jsonl`; each is documented in cli/help.ts. */
export const EXPLAIN_OPTIONS = { stack: { type: "string", default: "dev" }, ...CONFIG_OPTION } as const;
export const ROUTE_OPTIONS = { ...EXPLAIN_OPTIONS, jsonl: { type: "boolean" } } as const;

function stackRoutes(stack: string, config: readonly string[] | undefined, io: Io): StackRoutes {
  const resolved = resolveStack(stack, { overrides: configOverrides(config), warn: (line) => io.stderr.write(`${line}\n`) });
  return routesFromSettings(resolved.settings());
}

export async function routeCommand(args: string[], io: Io): Promise<number> {
  if (args[0] === "explain") {
    const { values } = parseArgs({ args: args.slice(1), options: EXPLAIN_OPTIONS, strict: true });
    return explainRoutes(values.stack as string, stackRoutes(values.stack as string, values.config, io), io);
  }
  const { values } = parseArgs({ args, options: ROUTE_OPTIONS, strict: true });
  if (!values.jsonl) throw new UsageError("route reads stream records with --jsonl (one per line on stdin), or use: route explain --stack NAME");
  const routes = stackRoutes(values.stack as string, values.config, io).routes.map(routeEvaluator);
  // Every route's filters read each line once, keeping only the fields they name and the
  // eventID: a record that no filter passes is answered from that, never built (about half of
  // the bench's records). Any other line takes the full path below. The text read decides as a
  // pipe does (exact numbers, every value of a repeated key), where the full path's record has
  // JSON.parse's doubles and last values; the deployed filters name only strings.
  const prefilter = compilePatterns(
    routes.flatMap((e) => e.filters),
    "pipes",
    { extract: ["eventID"] },
  );
  const allFiltered = JSON.stringify(Object.fromEntries(routes.map((e) => [e.route.name, "filtered" satisfies Outcome])));
  const filteredEverywhere = (line: string): string | undefined => {
    let m: TextMatch;
    try {
      m = prefilter.matchText(line);
    } catch {
      return undefined; // not JSON: the full path says why, in its own words
    }
    if (m.notAnObject !== undefined || m.matched.includes(true)) return undefined;
    const eventID = m.value("eventID");
    // A string eventID as JSON.parse would give it; anything else (absent, a number, an object) takes the full path.
    return typeof eventID === "string" ? `{"eventID":${JSON.stringify(eventID)},"routes":${allFiltered}}` : undefined;
  };
  const out = new LineWriter(io.stdout);
  let bad = 0;
  await forEachLine(
    io.stdin,
    (line, n) => {
      const filtered = filteredEverywhere(line);
      if (filtered !== undefined) {
        out.line(filtered);
        return;
      }
      const parsed = parseRecordLine(line, n);
      if ("error" in parsed) {
        bad++;
        out.line(JSON.stringify({ line: n, error: parsed.error }));
        return;
      }
      const { record } = parsed;
      // A canary heartbeat (routing/heartbeat.ts) is never an order: the processors pass it by
      // before any validation or guard, as here.
      const heartbeat = heartbeatOf(record);
      if (heartbeat) {
        const seen = Object.fromEntries(routes.map((e) => [e.route.name, e.passesFilter(record) ? "heartbeat" : "filtered"]));
        out.line(JSON.stringify({ eventID: record.eventID ?? null, routes: seen, heartbeat: heartbeat.route }));
        return;
      }
      const outcomes: Partial<Record<RouteName, Outcome>> = {};
      let reasons: Partial<Record<RouteName, readonly string[]>> | undefined;
      const decisions = decideAll(routes, record);
      for (let i = 0; i < routes.length; i++) {
        const evaluator = routes[i];
        const decision = decisions[i];
        outcomes[evaluator.route.name] = decision.outcome;
        if (decision.outcome === "rejected") (reasons ??= {})[evaluator.route.name] = decision.reasons;
        else if (decision.outcome === "skipped") (reasons ??= {})[evaluator.route.name] = [decision.reason];
      }
      const eventID = record.eventID ?? null;
      out.line(JSON.stringify(reasons ? { eventID, routes: outcomes, reasons } : { eventID, routes: outcomes }));
    },
    { afterChunk: () => out.flush() },
  );
  return bad > 0 ? 2 : 0;
}

function explainRoutes(stack: string, declared: StackRoutes, io: Io): number {
  const out = new LineWriter(io.stdout);
  for (const evaluator of declared.routes.map(routeEvaluator)) {
    const rows = requirements(evaluator.route);
    const header = ["requirement", "stream path", "enforced by", "rule"];
    const table = [header, ...rows.map((r) => [r.requirement, r.path, r.enforcedBy, r.rule])];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    out.line("");
    const pipe = pipeOf(declared.pipes, evaluator.route.name);
    const shared = pipe.routes.length > 1 ? `, shared with ${pipe.routes.filter((r) => r !== evaluator.route.name).join(", ")}` : "";
    out.line(`${evaluator.route.name} route (stack ${stack}): ${pipe.pipeResource} → ${pipe.processorResource}${shared}`);
    table.forEach((row, i) => {
      out.line(`  ${row.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd()}`);
      if (i === 0) out.line(`  ${widths.map((w) => "-".repeat(w)).join("  ")}`);
    });
    out.line("  why there:");
    for (const r of rows) if (r.why) out.line(`    ${r.requirement}: ${r.why}`);
    out.line(`  deployed filter pattern${evaluator.filters.length > 1 ? "s" : ""}${pipe.routes.length > 1 ? " (the pipe ORs its routes' patterns)" : ""}:`);
    for (const f of evaluator.filters) out.line(`    ${f}`);
  }
  out.flush();
  return 0;
}
