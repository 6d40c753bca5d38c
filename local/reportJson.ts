import * as fs from "node:fs";
import * as path from "node:path";
import type { Summary } from "./distribution";
import type { OrdersByOutcome } from "./ledger";
import type { RunReport } from "./runtime";
import { writeWhole } from "./writeWhole";

// `local --report-json FILE`: the end-of-run report as JSON, for scripts, CI and
// `cost --from-report`. The shape is a contract with that reader (cost/localReport.ts):
// exactly these fields; a summary with count 0 has its other fields null. Version 2: a pipe
// may serve several routes, so what a pipe did (reads, deliveries, retries, invocations,
// handler time, log bytes) and what each route did (its outcomes, its latency) are apart. The
// canary's heartbeats are never in the counts: a pipe's heartbeat records and a route's
// heartbeats are fields of their own (added within version 2: a reader ignores unknown fields).

export const REPORT_VERSION = 2;

export interface ReportJson {
  readonly version: typeof REPORT_VERSION;
  readonly stack: string;
  readonly scenario: string | null;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly pipes: readonly PipeReportJson[];
  readonly routes: readonly RouteReportJson[];
}

export interface PipeReportJson {
  readonly pipe: string;
  readonly processor: string;
  readonly routes: readonly string[];
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly memoryMb: number | null;
  readonly architecture: string | null;
  readonly counts: {
    readonly read: number;
    readonly filtered: number;
    readonly delivered: number;
    readonly retried: number;
    readonly deadLettered: number;
  };
  /** The canary's heartbeat records the pipe read: never in `counts` (its invocations and handler time include the work they caused). */
  readonly heartbeatRecords: number;
  readonly invocations: { readonly total: number; readonly failed: number };
  readonly batchSizes: { readonly count: number; readonly min: number | null; readonly p50: number | null; readonly mean: number | null; readonly max: number | null };
  readonly handlerDurationMs: { readonly count: number; readonly p50: number | null; readonly p99: number | null; readonly mean: number | null; readonly max: number | null };
  readonly logBytes: number;
}

export interface RouteReportJson {
  readonly route: string;
  readonly pipe: string;
  readonly counts: {
    readonly read: number;
    readonly filtered: number;
    readonly skipped: number;
    readonly processed: number;
    readonly rejected: number;
    readonly deadLettered: number;
  };
  /** Deliveries whose effect had already happened (the step did not run again); part of `processed`. */
  readonly repeats: number;
  readonly latencyMs: { readonly count: number; readonly p50: number | null; readonly p99: number | null; readonly max: number | null };
  /** The route's own canary heartbeats seen (count) and their write → processed latency; never in `counts`. */
  readonly heartbeats: { readonly count: number; readonly p50: number | null; readonly p99: number | null; readonly max: number | null };
  /** The orders behind each count (added within version 2): the first ORDERS_LISTED of each outcome, and how many more. */
  readonly orders: OrdersByOutcome;
}

/** Milliseconds and means to 3 decimals: finer is noise, and the file stays readable. */
const round = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);

function pick<K extends keyof Summary>(s: Summary, keys: readonly K[]): Pick<Summary, K> {
  return Object.fromEntries(keys.map((k) => [k, k === "count" ? s.count : round(s[k] as number | null)])) as Pick<Summary, K>;
}

export function reportJson(run: { stack: string; scenario: string | null; startedAt: Date; endedAt: Date }, report: RunReport): ReportJson {
  return {
    version: REPORT_VERSION,
    stack: run.stack,
    scenario: run.scenario,
    startedAt: run.startedAt.toISOString(),
    durationMs: run.endedAt.getTime() - run.startedAt.getTime(),
    pipes: report.pipes.map((p) => ({
      pipe: p.pipe,
      processor: p.processor,
      routes: [...p.routes],
      batchSize: p.batchSize,
      batchingWindowSeconds: p.batchingWindowSeconds,
      memoryMb: p.memoryMb,
      architecture: p.architecture,
      counts: { read: p.counts.read, filtered: p.counts.filtered, delivered: p.counts.delivered, retried: p.counts.retried, deadLettered: p.counts.deadLettered },
      heartbeatRecords: p.heartbeatRecords,
      invocations: { total: p.counts.invocations, failed: p.counts.failedInvocations },
      batchSizes: pick(p.batchSizes, ["count", "min", "p50", "mean", "max"]),
      handlerDurationMs: pick(p.handlerDurationMs, ["count", "p50", "p99", "mean", "max"]),
      logBytes: p.logBytes,
    })),
    routes: report.routes.map((r) => ({
      route: r.route,
      pipe: r.pipe,
      counts: { read: r.counts.read, filtered: r.counts.filtered, skipped: r.counts.skipped, processed: r.counts.processed, rejected: r.counts.rejected, deadLettered: r.counts.deadLettered },
      repeats: r.counts.repeats,
      latencyMs: pick(r.latencyMs, ["count", "p50", "p99", "max"]),
      heartbeats: pick(r.heartbeats, ["count", "p50", "p99", "max"]),
      orders: r.orders,
    })),
  };
}

/**
 * The file a report path names: a symbolic link is followed (to its target, which may not exist
 * yet), so that writing the report writes where the link points, as a shell's `>` would, and
 * the link stays a link.
 */
export function reportTarget(file: string): string {
  let target = path.resolve(file);
  for (let hops = 0; hops <= 40; hops++) {
    let link: string;
    try {
      link = fs.readlinkSync(target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EINVAL" || code === "ENOENT") return target; // not a link, or nothing there yet
      throw new Error(`--report-json ${file}: ${(err as Error).message}`);
    }
    target = path.resolve(path.dirname(target), link);
  }
  throw new Error(`--report-json ${file}: too many levels of symbolic links`);
}

/** Refuses, before anything starts, a report path that cannot be written. */
export function checkReportPath(file: string): void {
  const target = reportTarget(file);
  const via = target === path.resolve(file) ? "" : ` (a link to ${target})`;
  const dir = path.dirname(target);
  let isDir: boolean;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch {
    throw new Error(`--report-json ${file}${via}: the directory ${dir} does not exist`);
  }
  if (!isDir) throw new Error(`--report-json ${file}${via}: ${dir} is not a directory`);
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) throw new Error(`--report-json ${file}${via}: is a directory; give a file name`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new Error(`--report-json ${file}${via}: the directory ${dir} is not writable`);
  }
}

/** Writes the report whole (a reader never sees half a file), where a link points if `file` is one. */
export function writeReportJson(file: string, report: ReportJson): void {
  writeWhole(reportTarget(file), `${JSON.stringify(report, null, 2)}\n`);
}
