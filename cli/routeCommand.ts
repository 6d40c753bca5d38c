import { parseArgs } from "node:util";
import { type Outcome, type RouteEvaluator, routeEvaluator } from "../routing/decide";
import { ROUTE_NAMES, type RouteName, requirements, routesFromSettings } from "../routing/route";
import { CONFIG_OPTION, configOverrides } from "./args";
import { forEachLine, type Io, LineWriter, UsageError } from "./io";
import { parseRecordLine } from "./recordLines";
import { resolveStack } from "./stackConfig";

// `route`: what each deployed route does with a stream record, from the stack's own config,
// through the same filters and guards that get deployed.

/** The options of `route explain` and of `route --jsonl`; each is documented in cli/help.ts. */
export const EXPLAIN_OPTIONS = { stack: { type: "string", default: "dev" }, ...CONFIG_OPTION } as const;
export const ROUTE_OPTIONS = { ...EXPLAIN_OPTIONS, jsonl: { type: "boolean" } } as const;

function evaluators(stack: string, config: readonly string[] | undefined, io: Io): RouteEvaluator[] {
  const resolved = resolveStack(stack, { overrides: configOverrides(config), warn: (line) => io.stderr.write(`${line}\n`) });
  const routes = routesFromSettings(resolved.settings());
  return ROUTE_NAMES.map((name) => routeEvaluator(routes[name]));
}

export async function routeCommand(args: string[], io: Io): Promise<number> {
  if (args[0] === "explain") {
    const { values } = parseArgs({ args: args.slice(1), options: EXPLAIN_OPTIONS, strict: true });
    return explainRoutes(values.stack as string, evaluators(values.stack as string, values.config, io), io);
  }
  const { values } = parseArgs({ args, options: ROUTE_OPTIONS, strict: true });
  if (!values.jsonl) throw new UsageError("route reads stream records with --jsonl (one per line on stdin), or use: route explain --stack NAME");
  const routes = evaluators(values.stack as string, values.config, io);
  const out = new LineWriter(io.stdout);
  let bad = 0;
  await forEachLine(
    io.stdin,
    (line, n) => {
      const parsed = parseRecordLine(line, n);
      if ("error" in parsed) {
        bad++;
        out.line(JSON.stringify({ line: n, error: parsed.error }));
        return;
      }
      const { record } = parsed;
      const outcomes: Partial<Record<RouteName, Outcome>> = {};
      let reasons: Partial<Record<RouteName, readonly string[]>> | undefined;
      for (const evaluator of routes) {
        const decision = evaluator.decide(record);
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

function explainRoutes(stack: string, routes: readonly RouteEvaluator[], io: Io): number {
  const out = new LineWriter(io.stdout);
  for (const evaluator of routes) {
    const rows = requirements(evaluator.route);
    const header = ["requirement", "stream path", "enforced by", "rule"];
    const table = [header, ...rows.map((r) => [r.requirement, r.path, r.enforcedBy, r.rule])];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    out.line("");
    out.line(`${evaluator.route.name} route (stack ${stack})`);
    table.forEach((row, i) => {
      out.line(`  ${row.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd()}`);
      if (i === 0) out.line(`  ${widths.map((w) => "-".repeat(w)).join("  ")}`);
    });
    out.line("  why there:");
    for (const r of rows) if (r.why) out.line(`    ${r.requirement}: ${r.why}`);
    out.line(`  deployed filter pattern${evaluator.filters.length > 1 ? "s" : ""}:`);
    for (const f of evaluator.filters) out.line(`    ${f}`);
  }
  out.flush();
  return 0;
}
