import * as fs from "node:fs";
import * as path from "node:path";
import type { Summary } from "./distribution";
import type { RouteReport } from "./runtime";

// `local --report-json FILE`: the end-of-run report as JSON, for scripts, CI and
// `cost --from-report`. The shape is a contract shared with that reader (REPORT-SCHEMA.md,
// version 1): exactly these fields; a summary with count 0 has its other fields null.

export interface ReportJson {
  readonly version: 1;
  readonly stack: string;
  readonly scenario: string | null;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly pipes: readonly PipeReportJson[];
}

export interface PipeReportJson {
  readonly route: string;
  readonly pipe: string;
  readonly processor: string;
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
    readonly skipped: number;
    readonly processed: number;
    readonly rejected: number;
  };
  readonly invocations: { readonly total: number; readonly failed: number };
  readonly batchSizes: { readonly count: number; readonly min: number | null; readonly p50: number | null; readonly mean: number | null; readonly max: number | null };
  readonly latencyMs: { readonly count: number; readonly p50: number | null; readonly p99: number | null; readonly max: number | null };
  readonly handlerDurationMs: { readonly count: number; readonly p50: number | null; readonly p99: number | null; readonly mean: number | null; readonly max: number | null };
  readonly logBytes: number;
}

/** Milliseconds and means to 3 decimals: finer is noise, and the file stays readable. */
const round = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);

function pick<K extends keyof Summary>(s: Summary, keys: readonly K[]): Pick<Summary, K> {
  return Object.fromEntries(keys.map((k) => [k, k === "count" ? s.count : round(s[k] as number | null)])) as Pick<Summary, K>;
}

export function reportJson(run: { stack: string; scenario: string | null; startedAt: Date; endedAt: Date }, routes: readonly RouteReport[]): ReportJson {
  return {
    version: 1,
    stack: run.stack,
    scenario: run.scenario,
    startedAt: run.startedAt.toISOString(),
    durationMs: run.endedAt.getTime() - run.startedAt.getTime(),
    pipes: routes.map((r) => ({
      route: r.route,
      pipe: r.pipe,
      processor: r.processor,
      batchSize: r.batchSize,
      batchingWindowSeconds: r.batchingWindowSeconds,
      memoryMb: r.memoryMb,
      architecture: r.architecture,
      counts: {
        read: r.pipeCounts.read,
        filtered: r.pipeCounts.filtered,
        delivered: r.pipeCounts.delivered,
        retried: r.pipeCounts.retried,
        deadLettered: r.pipeCounts.deadLettered,
        skipped: r.processorCounts.skipped,
        processed: r.processorCounts.processed,
        rejected: r.processorCounts.rejected,
      },
      invocations: { total: r.pipeCounts.invocations, failed: r.pipeCounts.failedInvocations },
      batchSizes: pick(r.batchSizes, ["count", "min", "p50", "mean", "max"]),
      latencyMs: pick(r.latencyMs, ["count", "p50", "p99", "max"]),
      handlerDurationMs: pick(r.handlerDurationMs, ["count", "p50", "p99", "mean", "max"]),
      logBytes: r.logBytes,
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
  const target = reportTarget(file);
  const tmp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
  fs.renameSync(tmp, target);
}
