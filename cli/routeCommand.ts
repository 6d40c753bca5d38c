import { parseArgs } from "node:util";
import { loadStackFileSettings } from "../config/stackFile";
import { type Decision, routeEvaluator } from "../routing/decide";
import { ROUTE_NAMES, type RouteName, requirements, routesFromSettings } from "../routing/route";
import { forEachLine, type Io, UsageError } from "./io";

// `route`: what each deployed route does with a stream record, from the stack's own config,
// through the same filters and guards that get deployed.

function evaluators(stack: string) {
  const routes = routesFromSettings(loadStackFileSettings(stack));
  return ROUTE_NAMES.map((name) => routeEvaluator(routes[name]));
}

export async function routeCommand(args: string[], io: Io): Promise<number> {
  const explain = args[0] === "explain";
  const { values } = parseArgs({
    args: explain ? args.slice(1) : args,
    options: { stack: { type: "string", default: "dev" }, jsonl: { type: "boolean" } },
    strict: true,
  });
  const stack = values.stack as string;
  if (explain) return explainRoutes(stack, io);
  if (!values.jsonl) throw new UsageError("route reads stream records with --jsonl (one per line on stdin), or use: route explain --stack NAME");
  const routes = evaluators(stack);
  let bad = 0;
  await forEachLine(io.stdin, (line, n) => {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (err) {
      bad++;
      io.stdout.write(`${JSON.stringify({ line: n, error: `line ${n} is not JSON: ${(err as Error).message}` })}\n`);
      return;
    }
    const outcomes: Partial<Record<RouteName, Decision["outcome"]>> = {};
    const reasons: Partial<Record<RouteName, readonly string[]>> = {};
    for (const evaluator of routes) {
      const decision = evaluator.decide(record);
      outcomes[evaluator.route.name] = decision.outcome;
      if (decision.outcome === "rejected") reasons[evaluator.route.name] = decision.reasons;
      if (decision.outcome === "skipped") reasons[evaluator.route.name] = [decision.reason];
    }
    const eventID = (record as { eventID?: unknown } | null)?.eventID ?? null;
    const out: Record<string, unknown> = { eventID, routes: outcomes };
    if (Object.keys(reasons).length > 0) out.reasons = reasons;
    io.stdout.write(`${JSON.stringify(out)}\n`);
  });
  return bad > 0 ? 2 : 0;
}

function explainRoutes(stack: string, io: Io): number {
  for (const evaluator of evaluators(stack)) {
    const rows = requirements(evaluator.route);
    const header = ["requirement", "stream path", "enforced by", "rule"];
    const table = [header, ...rows.map((r) => [r.requirement, r.path, r.enforcedBy, r.rule])];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    io.stdout.write(`\n${evaluator.route.name} route (stack ${stack})\n`);
    table.forEach((row, i) => {
      io.stdout.write(`  ${row.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd()}\n`);
      if (i === 0) io.stdout.write(`  ${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
    });
    io.stdout.write(`  deployed filter pattern${evaluator.filters.length > 1 ? "s" : ""}:\n`);
    for (const f of evaluator.filters) io.stdout.write(`    ${f}\n`);
  }
  return 0;
}
