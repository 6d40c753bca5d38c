import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_DIR } from "../config/stackFile";
import { type Assumptions, defaultAssumptions, type PipesBillingUnit, type PipesStreamReads } from "../cost/assumptions";
import { type CostEstimate, estimate, type InputInfo } from "../cost/estimate";
import { renderTable, toJson } from "../cost/format";
import { canaryLoad } from "../cost/canary";
import { loadHandlerProfile, resolveProfile } from "../cost/handlerProfile";
import { checkReadable } from "../cost/inputFile";
import { loadLocalReport, reportForPipes } from "../cost/localReport";
import type { DurationModel } from "../cost/model";
import { DEFAULT_PRICES_FILE, loadPrices } from "../cost/priceList";
import { type Sample, SampleBuilder, sampleFromCounts } from "../cost/sample";
import { simulateScenario } from "../cost/scenarioRecords";
import { loadScenario } from "../local/scenario";
import { routeEvaluator } from "../routing/decide";
import type { RouteName } from "../routing/route";
import { routesFromSettings } from "../routing/stackRoutes";
import { CONFIG_OPTION, configOverrides } from "./args";
import { forEachLine, type Io, UsageError } from "./io";
import { parseRecordLine } from "./recordLines";
import { resolveStack } from "./stackConfig";

// `cost`: what the stack costs a month for N record changes, against the designs a user would
// really choose between, priced on the same sample, with the assumptions shown and
// changeable. The model lives in cost/; this shell reads the inputs.

/** A realistic record for a report, which carries counts but no records. */
export const REALISTIC_SAMPLE = path.join(PROJECT_DIR, "cost", "samples", "orders-1000.jsonl");
export const MAX_PER_MONTH = 1e12;
const MAX_SHARDS = 100000;

function perMonthOf(text: string | undefined): number {
  if (text === undefined) throw new UsageError("cost needs --per-month N, the record changes (stream records) a month to price");
  const n = Number(text.replace(/_/g, ""));
  if (!/^\s*[0-9][0-9_]*(\.[0-9]+)?(e\+?[0-9]+)?\s*$/i.test(text) || !Number.isInteger(n) || n < 1 || n > MAX_PER_MONTH) {
    throw new UsageError(`--per-month is ${JSON.stringify(text)}; it must be a whole number of record changes a month, from 1 to ${MAX_PER_MONTH.toExponential()} (e.g. 10000000 or 1e7)`);
  }
  return n;
}

function durationOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0 || n > 900000) {
    throw new UsageError(`--duration-ms is ${JSON.stringify(text)}; it must be the handler's time per invocation in milliseconds, more than 0 and at most 900000 (Lambda's 15-minute limit)`);
  }
  return n;
}

function oneOf<T extends string>(option: string, text: string | undefined, allowed: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`${option} is ${JSON.stringify(text)}; it must be ${allowed.join(" or ")}`);
  return text as T;
}

function shardsOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\s*[0-9]+\s*$/.test(text) || n < 1 || n > MAX_SHARDS) throw new UsageError(`--shards is ${JSON.stringify(text)}; it must be a whole number of stream shards, from 1 to ${MAX_SHARDS}`);
  return n;
}

/** Stream records from a JSONL file; a line that is not one is reported as `route --jsonl` does, and skipped. */
async function readRecords(file: string, builder: SampleBuilder, io: Io): Promise<InputInfo> {
  checkReadable(file, "records file");
  let lines = 0;
  let bad = 0;
  await forEachLine(fs.createReadStream(file), (line, n) => {
    lines++;
    const problem = (error: string) => {
      bad++;
      io.stderr.write(`${JSON.stringify({ line: n, error })}\n`);
    };
    const parsed = parseRecordLine(line, n);
    if ("error" in parsed) return problem(parsed.error);
    const { record } = parsed;
    if (typeof record.eventName !== "string") return problem(`line ${n} is not a DynamoDB stream record: it has no eventName`);
    if (typeof record.dynamodb !== "object" || record.dynamodb === null) return problem(`line ${n} is not a DynamoDB stream record: it has no dynamodb object`);
    builder.add(record);
  });
  if (lines - bad === 0) throw new Error(`records file ${file}: ${lines === 0 ? "has no lines" : `none of its ${lines} lines is a stream record`}; nothing to price`);
  return { kind: "records", file, lines, badLines: bad, records: lines - bad };
}

function meanRecordBytes(file: string): number {
  const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "");
  return Math.round(lines.reduce((n, l) => n + Buffer.byteLength(JSON.stringify(JSON.parse(l))), 0) / lines.length);
}

/** `--per-month -5` would read as an unknown option; join a negative number to its option so the range check names it. */
function joinNegativeValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (["--per-month", "--duration-ms", "--shards"].includes(args[i]) && /^-[0-9.]/.test(args[i + 1] ?? "")) out.push(`${args[i]}=${args[++i]}`);
    else out.push(args[i]);
  }
  return out;
}

/** The options of `cost`; each is documented in cli/help.ts. */
export const COST_OPTIONS = {
  stack: { type: "string", default: "dev" },
  records: { type: "string" },
  scenario: { type: "string" },
  "from-report": { type: "string" },
  "per-month": { type: "string" },
  prices: { type: "string" },
  "duration-ms": { type: "string" },
  "pipes-billing-unit": { type: "string" },
  "pipes-stream-reads": { type: "string" },
  shards: { type: "string" },
  sensitivity: { type: "boolean" },
  json: { type: "boolean" },
  ...CONFIG_OPTION,
} as const;

export async function costCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args: joinNegativeValues(args), options: COST_OPTIONS, strict: true });
  const inputs = (["records", "scenario", "from-report"] as const).filter((k) => values[k] !== undefined);
  if (inputs.length !== 1) {
    throw new UsageError(`cost prices one sample: give exactly one of --records FILE.jsonl, --scenario FILE, --from-report FILE${inputs.length ? ` (got ${inputs.map((k) => `--${k}`).join(" and ")})` : ""}`);
  }
  const perMonth = perMonthOf(values["per-month"]);
  const durationMs = durationOf(values["duration-ms"]);
  const set: Partial<Assumptions> = {
    pipesBillingUnit: oneOf<PipesBillingUnit>("--pipes-billing-unit", values["pipes-billing-unit"], ["chunk64k", "event"]),
    pipesStreamReads: oneOf<PipesStreamReads>("--pipes-stream-reads", values["pipes-stream-reads"], ["charged", "free"]),
    shards: shardsOf(values.shards),
  };
  const assumptionsSet = (Object.keys(set) as (keyof Assumptions)[]).filter((k) => set[k] !== undefined);
  const assumptions: Assumptions = { ...defaultAssumptions(perMonth), ...Object.fromEntries(assumptionsSet.map((k) => [k, set[k]])) };

  const stack = values.stack as string;
  const resolved = resolveStack(stack, { overrides: configOverrides(values.config), warn: (line) => io.stderr.write(`${line}\n`) });
  const settings = resolved.settings();
  const region = resolved.region(); // the prices are per region
  const prices = loadPrices(region, values.prices ?? DEFAULT_PRICES_FILE);
  const declared = routesFromSettings(settings);
  const profile = resolveProfile(loadHandlerProfile(), declared.declarations, declared.pipes);
  const evaluators = declared.routes.map(routeEvaluator);

  let sample: Sample;
  let input: InputInfo;
  const extraNotes: string[] = [];
  const reportDurations: Record<RouteName, number> = {};
  if (values.records !== undefined) {
    const builder = new SampleBuilder(evaluators, declared.pipes);
    input = await readRecords(values.records, builder, io);
    sample = builder.build();
  } else if (values.scenario !== undefined) {
    checkReadable(values.scenario, "scenario");
    const scenario = loadScenario(values.scenario);
    const stream = simulateScenario(scenario, region, values.scenario);
    if (stream.records.length === 0) throw new Error(`scenario ${values.scenario}: its writes produce no stream records; nothing to price`);
    const builder = new SampleBuilder(evaluators, declared.pipes);
    stream.records.forEach((r) => builder.add(r));
    sample = builder.build();
    input = { kind: "scenario", file: values.scenario, records: stream.records.length, detail: `${stream.writes} writes, ${stream.unchanged} changed nothing and made no record` };
    if (Object.keys(scenario.faults).length > 0) extraNotes.push(`The scenario's injected faults are not priced: the model prices delivery without retries.`);
  } else {
    const file = values["from-report"] as string;
    const report = loadLocalReport(file);
    const counts = reportForPipes(report, declared.pipes);
    const recordBytes = meanRecordBytes(REALISTIC_SAMPLE);
    sample = sampleFromCounts(
      declared.pipes,
      Object.fromEntries(Object.entries(counts.pipes).map(([o, p]) => [o, p.counts])),
      counts.routes,
      recordBytes,
    );
    if (sample.size === 0) throw new Error(`report ${file}: its pipes read no records; nothing to price`);
    input = {
      kind: "report",
      file,
      records: sample.size,
      detail: `version ${report.version}, ${report.scenario ? `scenario "${report.scenario}"` : "no scenario"}; records taken as ${recordBytes} bytes, the mean of ${path.relative(process.cwd(), REALISTIC_SAMPLE)}`,
    };
    if (report.stack && report.stack !== stack) extraNotes.push(`The report is from stack ${report.stack}; the designs are priced with stack ${stack}'s settings.`);
    for (const [owner, pipe] of Object.entries(counts.pipes)) {
      if (pipe.handlerMeanMs !== undefined) reportDurations[owner] = pipe.handlerMeanMs;
      const d = pipe.declared;
      if ((d.batchSize !== undefined && d.batchSize !== settings.batchSize) || (d.batchingWindowSeconds !== undefined && d.batchingWindowSeconds !== settings.batchingWindowSeconds)) {
        extraNotes.push(`The report's ${pipe.pipe} ran with batch ${d.batchSize}, window ${d.batchingWindowSeconds} s; priced with stack ${stack}'s batch ${settings.batchSize}, window ${settings.batchingWindowSeconds} s.`);
      }
      if (pipe.invocations !== undefined) {
        extraNotes.push(
          `The local run's ${pipe.pipe} made ${pipe.invocations} invocations for ${pipe.counts.delivered} delivered records; the estimate batches the month's records with the arrival model instead (a local run's timing is not the month's).`,
        );
      }
    }
  }

  const durations: Record<RouteName, DurationModel> = {};
  for (const g of declared.pipes) {
    const measured = reportDurations[g.owner];
    const p = profile.pipes[g.owner];
    durations[g.owner] =
      durationMs !== undefined
        ? { perInvocationMs: durationMs, perRecordMs: 0, source: "--duration-ms" }
        : measured !== undefined
          ? { perInvocationMs: measured, perRecordMs: 0, source: "the report's mean handler time per invocation" }
          : { perInvocationMs: p.durationMs.perInvocation, perRecordMs: p.durationMs.perRecord, source: `npm run bench cost, ${p.source}` };
  }
  const settingsUsed = {
    batchSize: settings.batchSize,
    batchingWindowSeconds: settings.batchingWindowSeconds,
    lambdaMemoryMb: settings.lambdaMemoryMb,
    lambdaArchitecture: settings.lambdaArchitecture,
  };
  const result: CostEstimate = estimate({
    stack,
    perMonth,
    input,
    sample,
    settings: settingsUsed,
    assumptions,
    assumptionsSet,
    durations,
    profile,
    prices,
    sensitivity: values.sensitivity,
    extraNotes,
    canary: canaryLoad(declared.routes, declared.pipes, settings.heartbeatMinutes),
  });
  io.stdout.write(values.json ? `${JSON.stringify(toJson(result), null, 2)}\n` : renderTable(result));
  return input.badLines ? 2 : 0;
}
