import * as fs from "node:fs";
import type { PipeGroup } from "../routing/pipes";
import type { RouteName } from "../routing/route";
import { describeFile } from "./inputFile";
import type { ReportPipeCounts, ReportRouteCounts } from "./sample";

// A `local --report-json` file as input to the cost model (local/reportJson.ts writes it).
// Version 2: per pipe what it read, filtered, delivered and dead-lettered, its invocations and
// its mean handler time; per route what it did with the records its pipe read. Version 1 (one
// entry per pipe and route, before pipes could be shared) is read too. Unknown fields are
// ignored; the version is checked, and the counts must add up (a route cannot process more
// records than its pipe delivered, nor a pipe deliver more than it read), since the estimate
// scales them. Only counts are kept: memory does not depend on them.

export interface ReportPipe {
  /** The pipe's resource name (NormalOrdersPipe). */
  readonly pipe: string;
  readonly routes: readonly RouteName[];
  readonly counts: ReportPipeCounts;
  readonly invocations?: number;
  /** Mean handler time per invocation, if the pipe invoked its processor at all. */
  readonly handlerMeanMs?: number;
  readonly declared: { readonly batchSize?: number; readonly batchingWindowSeconds?: number };
}

export interface LocalReport {
  readonly file: string;
  readonly version: 1 | 2;
  readonly stack?: string;
  readonly scenario: string | null;
  readonly pipes: readonly ReportPipe[];
  readonly routes: Readonly<Record<RouteName, ReportRouteCounts>>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function counts<K extends string>(raw: unknown, keys: readonly K[], where: string): Record<K, number> {
  if (!isObject(raw)) throw new Error(`${where}: "counts" is missing`);
  const out = {} as Record<K, number>;
  for (const key of keys) {
    const v = raw[key];
    if (!Number.isSafeInteger(v) || (v as number) < 0) throw new Error(`${where}: counts.${key} must be a whole number 0 or more, got ${JSON.stringify(v)}`);
    out[key] = v as number;
  }
  return out;
}

const PIPE_KEYS = ["read", "filtered", "delivered", "deadLettered"] as const;
const ROUTE_KEYS = ["read", "filtered", "skipped", "processed", "rejected", "deadLettered"] as const;

function pipeFacts(p: Record<string, unknown>): Pick<ReportPipe, "handlerMeanMs" | "declared" | "invocations"> {
  const d = isObject(p.handlerDurationMs) ? p.handlerDurationMs : undefined;
  const inv = isObject(p.invocations) ? p.invocations.total : undefined;
  return {
    handlerMeanMs: d && typeof d.count === "number" && d.count > 0 && typeof d.mean === "number" && Number.isFinite(d.mean) && d.mean >= 0 ? d.mean : undefined,
    invocations: typeof inv === "number" && Number.isSafeInteger(inv) && inv >= 0 ? inv : undefined,
    declared: {
      batchSize: typeof p.batchSize === "number" ? p.batchSize : undefined,
      batchingWindowSeconds: typeof p.batchingWindowSeconds === "number" ? p.batchingWindowSeconds : undefined,
    },
  };
}

function checkPipe(c: ReportPipeCounts, where: string): void {
  if (c.filtered + c.delivered > c.read) {
    throw new Error(`${where}: counts.filtered (${c.filtered}) + counts.delivered (${c.delivered}) is more than counts.read (${c.read}); a pipe delivers or filters each record it read (delivered <= read)`);
  }
  if (c.deadLettered > c.delivered) throw new Error(`${where}: counts.deadLettered (${c.deadLettered}) is more than counts.delivered (${c.delivered})`);
}

function checkOutcomes(r: ReportRouteCounts, delivered: number, where: string, of: string): void {
  const handled = r.skipped + r.processed + r.rejected + r.deadLettered;
  if (handled > delivered) {
    throw new Error(
      `${where}: counts.processed (${r.processed}) + skipped (${r.skipped}) + rejected (${r.rejected}) + deadLettered (${r.deadLettered}) = ${handled} is more than the ${delivered} records ${of} delivered; ` +
        `each record has one outcome per route (processed <= delivered <= read)`,
    );
  }
}

function parseV1(doc: Record<string, unknown>, file: string): Omit<LocalReport, "file" | "stack" | "scenario"> {
  if (!Array.isArray(doc.pipes) || doc.pipes.length === 0) throw new Error(`report ${file}: "pipes" must list the pipes of the run`);
  const routes: Record<RouteName, ReportRouteCounts> = {};
  const pipes = doc.pipes.map((p, i): ReportPipe => {
    const where = `report ${file}: pipes[${i}]`;
    if (!isObject(p)) throw new Error(`${where} is not an object`);
    if (typeof p.route !== "string" || p.route === "") throw new Error(`${where}: "route" must name the pipe's route`);
    if (routes[p.route]) throw new Error(`${where}: route ${p.route} appears twice`);
    const c = counts(p.counts, [...PIPE_KEYS, "skipped", "processed", "rejected"] as const, where);
    checkPipe(c, where);
    const route: ReportRouteCounts = { read: c.read, filtered: c.filtered, skipped: c.skipped, processed: c.processed, rejected: c.rejected, deadLettered: c.deadLettered };
    checkOutcomes(route, c.delivered, where, "the pipe");
    routes[p.route] = route;
    const name = typeof p.pipe === "string" ? p.pipe : `${p.route}'s pipe`;
    return { pipe: name, routes: [p.route], counts: { read: c.read, filtered: c.filtered, delivered: c.delivered, deadLettered: c.deadLettered }, ...pipeFacts(p) };
  });
  return { version: 1, pipes, routes };
}

function parseV2(doc: Record<string, unknown>, file: string): Omit<LocalReport, "file" | "stack" | "scenario"> {
  if (!Array.isArray(doc.pipes) || doc.pipes.length === 0) throw new Error(`report ${file}: "pipes" must list the pipes of the run`);
  if (!Array.isArray(doc.routes) || doc.routes.length === 0) throw new Error(`report ${file}: "routes" must list the routes of the run`);
  const pipes = doc.pipes.map((p, i): ReportPipe => {
    const where = `report ${file}: pipes[${i}]`;
    if (!isObject(p)) throw new Error(`${where} is not an object`);
    if (typeof p.pipe !== "string" || p.pipe === "") throw new Error(`${where}: "pipe" must name the pipe`);
    if (!Array.isArray(p.routes) || p.routes.length === 0 || p.routes.some((r) => typeof r !== "string")) throw new Error(`${where}: "routes" must list the routes the pipe serves`);
    const c = counts(p.counts, PIPE_KEYS, where);
    checkPipe(c, where);
    return { pipe: p.pipe, routes: p.routes as string[], counts: c, ...pipeFacts(p) };
  });
  const routes: Record<RouteName, ReportRouteCounts> = {};
  doc.routes.forEach((r, i) => {
    const where = `report ${file}: routes[${i}]`;
    if (!isObject(r)) throw new Error(`${where} is not an object`);
    if (typeof r.route !== "string" || r.route === "") throw new Error(`${where}: "route" must name the route`);
    if (routes[r.route]) throw new Error(`${where}: route ${r.route} appears twice`);
    const pipe = pipes.find((p) => p.pipe === r.pipe && p.routes.includes(r.route as string));
    if (!pipe) throw new Error(`${where}: its pipe ${JSON.stringify(r.pipe)} is not among the report's pipes serving route ${r.route}`);
    const c = counts(r.counts, ROUTE_KEYS, `${where} (${r.route})`);
    if (c.read !== pipe.counts.read) throw new Error(`${where} (${r.route}): counts.read (${c.read}) differs from its pipe ${pipe.pipe}'s (${pipe.counts.read}); a route sees every record its pipe reads`);
    if (c.filtered + c.skipped + c.processed + c.rejected + c.deadLettered > c.read) {
      throw new Error(`${where} (${r.route}): counts.filtered + skipped + processed + rejected + deadLettered (${c.filtered + c.skipped + c.processed + c.rejected + c.deadLettered}) is more than counts.read (${c.read})`);
    }
    checkOutcomes(c, pipe.counts.delivered, `${where} (${r.route})`, `its pipe ${pipe.pipe}`);
    routes[r.route] = c;
  });
  for (const p of pipes) for (const r of p.routes) if (!routes[r]) throw new Error(`report ${file}: pipe ${p.pipe} serves route ${r}, which "routes" does not list`);
  return { version: 2, pipes, routes };
}

export function parseLocalReport(text: string, file: string): LocalReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`report ${file} is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new Error(`report ${file}: expected an object written by \`local --report-json\``);
  if (doc.version !== 1 && doc.version !== 2) throw new Error(`report ${file}: version is ${JSON.stringify(doc.version)}; this command reads versions 1 and 2 of \`local --report-json\``);
  const parsed = doc.version === 1 ? parseV1(doc, file) : parseV2(doc, file);
  return { file, stack: typeof doc.stack === "string" ? doc.stack : undefined, scenario: typeof doc.scenario === "string" ? doc.scenario : null, ...parsed };
}

export function loadLocalReport(file: string): LocalReport {
  const problem = describeFile(file, "report");
  if (problem) throw new Error(problem);
  return parseLocalReport(fs.readFileSync(file, "utf8"), file);
}

/**
 * The report's counts for the declared pipes: each declared pipe must be a pipe of the run
 * serving the same routes (a report from another declaration cannot be mapped onto this one).
 */
export function reportForPipes(report: LocalReport, groups: readonly PipeGroup[]): { pipes: Record<RouteName, ReportPipe>; routes: Record<RouteName, ReportRouteCounts> } {
  const declared = groups.flatMap((g) => g.routes);
  const unknown = Object.keys(report.routes).filter((r) => !declared.includes(r));
  if (unknown.length) throw new Error(`report ${report.file}: route ${unknown.join(", ")} is not declared in routing/routes.ts (declared: ${declared.join(", ")})`);
  const pipes: Record<RouteName, ReportPipe> = {};
  for (const g of groups) {
    const missing = g.routes.filter((r) => !report.routes[r]);
    if (missing.length) throw new Error(`report ${report.file} has no counts for route ${missing.join(", ")} (declared in routing/routes.ts); run \`local --report-json\` again with this declaration`);
    const p = report.pipes.find((x) => x.routes.includes(g.owner));
    const same = p && p.routes.length === g.routes.length && g.routes.every((r) => p.routes.includes(r));
    if (!p || !same) {
      throw new Error(
        `report ${report.file}: ${p ? `its pipe ${p.pipe} serves ${p.routes.join(", ")}` : `no pipe serves route ${g.owner}`}, but ${g.pipeResource} is declared to serve ${g.routes.join(", ")}; ` +
          `run \`local --report-json\` again with this declaration`,
      );
    }
    pipes[g.owner] = p;
  }
  return { pipes, routes: { ...report.routes } };
}
