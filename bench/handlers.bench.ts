import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadStackFileSettings } from "../config/stackFile";
import { bundleProcessor } from "../infra/bundle";
import { routeEvaluator } from "../routing/decide";
import { routesToEnvironment } from "../routing/environment";
import { routeNamed, routesFromSettings, servedBy } from "../routing/stackRoutes";
import { benchRecords, median, opsPerSecond, opsPerSecondAsync } from "./records";

// Per processor bundle (one per pipe, serving its routes): size, module init time in a fresh process (a cold start's share that
// is ours), and records per second through the whole handler on batches of 100 realistic
// records, beside JSON.parse of the same records measured in the same run.

type Handler = (payload: unknown) => Promise<unknown>;

/** Samples per fresh-process figure; the median is reported. */
const COLD_SAMPLES = 9;

/** Powertools writes info to stdout and warnings to stderr: both are silenced while timing. */
function silenceOutput<T>(fn: () => Promise<T>): Promise<T> {
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  return fn().finally(() => {
    process.stdout.write = out;
    process.stderr.write = err;
  });
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Wall time of a whole `node -e <script>` process, and what the script printed. */
function timeProcess(script: string, env: NodeJS.ProcessEnv): { wallMs: number; out: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["-e", script], { env, encoding: "utf8" });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  return { wallMs, out: r.stdout };
}

/**
 * Cold start, as Lambda does it: each sample is a new process that requires the bundle once
 * (nothing loaded before it). Reports the require time, the whole process's wall time beside
 * `node -e 0`'s, and what the first quarantine adds by loading the SQS client.
 */
function coldStart(file: string, env: NodeJS.ProcessEnv) {
  const loadBundle = `
    const t0 = process.hrtime.bigint();
    require(${JSON.stringify(file)});
    const initMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const sqsLoadedAtInit = Object.keys(require.cache).some((k) => k.includes("client-sqs"));
    console.log(JSON.stringify({ initMs, sqsLoadedAtInit }));`;
  // What the first quarantine adds: loading the SQS client after the bundle.
  const thenSqs = `
    require(${JSON.stringify(file)});
    const t0 = process.hrtime.bigint();
    require("@aws-sdk/client-sqs");
    console.log(JSON.stringify({ sqsMs: Number(process.hrtime.bigint() - t0) / 1e6 }));`;
  const init: number[] = [];
  const sqs: number[] = [];
  const wall: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < COLD_SAMPLES; i++) {
    bare.push(timeProcess("0", env).wallMs);
    const { wallMs, out } = timeProcess(loadBundle, env);
    const m = JSON.parse(out) as { initMs: number; sqsLoadedAtInit: boolean };
    if (m.sqsLoadedAtInit) throw new Error("the bundle loaded the SQS client at init");
    init.push(m.initMs);
    wall.push(wallMs);
    sqs.push((JSON.parse(timeProcess(thenSqs, env).out) as { sqsMs: number }).sqsMs);
  }
  return { initMs: median(init), sqsMs: median(sqs), wallMs: median(wall), nodeAloneMs: median(bare) };
}

export async function runHandlerBench(): Promise<Record<string, number | string>[]> {
  const declared = routesFromSettings(loadStackFileSettings("dev"));
  const dir = path.join(__dirname, "..", "node_modules", ".cache", "orders-bench");
  fs.mkdirSync(dir, { recursive: true });
  const records = benchRecords(40000);
  const rows: Record<string, number | string>[] = [];
  for (const group of declared.pipes) {
    const entry = group.processorResource;
    const routes = group.routes.map((name) => routeNamed(declared, name));
    const bundle = bundleProcessor(servedBy(group));
    // Idempotency off (Powertools' switch): this measures the shell; bench stepColdStart measures the store.
    const env = { ...process.env, ...routesToEnvironment(routes), ORDERS_DLQ_URL: "http://127.0.0.1:1/unused", AWS_REGION: "us-east-1", ORDERS_IDEMPOTENCY_TABLE: "unused", POWERTOOLS_IDEMPOTENCY_DISABLED: "true" };
    // Beside node_modules, so the runtime-provided SQS client resolves as it does in Lambda.
    const file = path.join(dir, `${entry}-${process.pid}.js`);
    fs.writeFileSync(file, bundle.code);
    // The handler reads its route from process.env: set for this processor, restored after, so
    // the next processor (and the next bench) starts from the environment it was given.
    const saved = { ...process.env };
    try {
      const cold = coldStart(file, env);
      Object.assign(process.env, env);
      const handler = (require(file) as { handler: Handler }).handler;
      // What the pipe would deliver: records that pass one of its routes' filters, in batches
      // of 100 (well-formed, so nothing is quarantined: that would call SQS).
      const evaluators = routes.map(routeEvaluator);
      const batch = records.filter((r) => evaluators.some((e) => e.passesFilter(r))).slice(0, 100);
      const texts = batch.map((r) => JSON.stringify(r));
      const parseRate = opsPerSecond(() => texts.forEach((t) => JSON.parse(t)), texts.length);
      const rate = await silenceOutput(() => opsPerSecondAsync(async () => void (await handler(batch)), batch.length));
      rows.push({
        handler: entry,
        bundleKB: Math.round(bundle.bytes / 102.4) / 10,
        [`initMsFreshProcess(median of ${COLD_SAMPLES})`]: round(cold.initMs),
        processMsWithBundle: round(cold.wallMs),
        processMsNodeAlone: round(cold.nodeAloneMs),
        firstQuarantineSqsLoadMs: round(cold.sqsMs),
        batch: batch.length,
        recordsPerSecond: Math.round(rate),
        jsonParsePerSecond: Math.round(parseRate),
        handlerVsParse: Math.round((rate / parseRate) * 1000) / 1000,
      });
    } finally {
      fs.rmSync(file, { force: true });
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }
  return rows;
}

if (require.main === module) {
  runHandlerBench().then((rows) => console.table(rows));
}
