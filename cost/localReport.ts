import * as fs from "node:fs";
import type { RouteName } from "../routing/route";
import { DECLARED_ROUTE_NAMES as ROUTE_NAMES } from "../routing/stackRoutes";

// A `local --report-json` file (schema: the shared contract REPORT-SCHEMA, version 1) as
// input to the cost model: what each pipe read and what became of it, and how long the
// handler took per invocation. Unknown fields are ignored; the version is checked.

export interface ReportPipe {
  readonly route: RouteName;
  readonly counts: { readonly read: number; readonly filtered: number; readonly skipped: number; readonly processed: number; readonly rejected: number; readonly deadLettered: number };
  /** Mean handler time per invocation, if the pipe invoked its processor at all. */
  readonly handlerMeanMs?: number;
  readonly declared: { readonly batchSize?: number; readonly batchingWindowSeconds?: number; readonly memoryMb?: number | null; readonly architecture?: string | null };
}

export interface LocalReport {
  readonly file: string;
  readonly stack?: string;
  readonly scenario?: string | null;
  readonly pipes: readonly ReportPipe[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const COUNT_KEYS = ["read", "filtered", "skipped", "processed", "rejected", "deadLettered"] as const;

function counted(p: Record<string, unknown>, where: string): ReportPipe["counts"] {
  if (!isObject(p.counts)) throw new Error(`${where}: "counts" is missing`);
  const counts = {} as Record<(typeof COUNT_KEYS)[number], number>;
  for (const key of COUNT_KEYS) {
    const v = p.counts[key];
    if (!Number.isInteger(v) || (v as number) < 0) throw new Error(`${where}: counts.${key} must be a whole number 0 or more, got ${JSON.stringify(v)}`);
    counts[key] = v as number;
  }
  if (counts.filtered > counts.read) throw new Error(`${where}: counts.filtered (${counts.filtered}) is more than counts.read (${counts.read})`);
  return counts;
}

/** What a report says of the pipe a route ran on: its declared batching and runtime, its mean handler time. */
function pipeFacts(p: Record<string, unknown>): Pick<ReportPipe, "handlerMeanMs" | "declared"> {
  const d = isObject(p.handlerDurationMs) ? p.handlerDurationMs : undefined;
  return {
    handlerMeanMs: d && typeof d.count === "number" && d.count > 0 && typeof d.mean === "number" && d.mean >= 0 ? d.mean : undefined,
    declared: {
      batchSize: typeof p.batchSize === "number" ? p.batchSize : undefined,
      batchingWindowSeconds: typeof p.batchingWindowSeconds === "number" ? p.batchingWindowSeconds : undefined,
      memoryMb: typeof p.memoryMb === "number" ? p.memoryMb : null,
      architecture: typeof p.architecture === "string" ? p.architecture : null,
    },
  };
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
  if (!Array.isArray(doc.pipes) || doc.pipes.length === 0) throw new Error(`report ${file}: "pipes" must list the pipes of the run`);
  // Version 1 had one entry per pipe and route; version 2 lists routes apart from the pipes serving them.
  const entries = doc.version === 1 ? doc.pipes : doc.routes;
  if (!Array.isArray(entries) || entries.length === 0) throw new Error(`report ${file}: "routes" must list the routes of the run`);
  const seen = new Set<string>();
  const pipes = entries.map((p, i): ReportPipe => {
    const where = `report ${file}: ${doc.version === 1 ? "pipes" : "routes"}[${i}]`;
    if (!isObject(p)) throw new Error(`${where} is not an object`);
    if (typeof p.route !== "string" || !(ROUTE_NAMES as readonly string[]).includes(p.route)) {
      throw new Error(`${where}: route is ${JSON.stringify(p.route)}; expected one of the declared routes (${ROUTE_NAMES.join(", ")})`);
    }
    if (seen.has(p.route)) throw new Error(`${where}: route ${p.route} appears twice`);
    seen.add(p.route);
    const counts = counted(p, where);
    const pipe = doc.version === 1 ? p : (doc.pipes as unknown[]).find((x) => isObject(x) && x.pipe === p.pipe);
    if (!isObject(pipe)) throw new Error(`${where}: its pipe ${JSON.stringify(p.pipe)} is not among the report's pipes`);
    return { route: p.route as RouteName, counts, ...pipeFacts(pipe) };
  });
  return { file, stack: typeof doc.stack === "string" ? doc.stack : undefined, scenario: typeof doc.scenario === "string" ? doc.scenario : null, pipes };
}

export function loadLocalReport(file: string): LocalReport {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`report ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  return parseLocalReport(text, file);
}
