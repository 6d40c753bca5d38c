import * as fs from "node:fs";
import * as path from "node:path";
import { loadStackFileSettings } from "../config/stackFile";
import { bundleHandler } from "../infra/bundle";
import { routeEvaluator } from "../routing/decide";
import { routeToEnvironment } from "../routing/environment";
import { routesFromSettings } from "../routing/route";
import { benchRecords, opsPerSecond, opsPerSecondAsync } from "./records";

// Per handler bundle: size, module init time (a cold start's share that is ours), and
// records per second through the whole handler on batches of 100 realistic records, beside
// JSON.parse of the same records measured in the same run.

type Handler = (payload: unknown) => Promise<unknown>;

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

export async function runHandlerBench(): Promise<Record<string, number | string>[]> {
  const routes = routesFromSettings(loadStackFileSettings("dev"));
  const dir = path.join(__dirname, "..", "node_modules", ".cache", "orders-bench");
  fs.mkdirSync(dir, { recursive: true });
  const records = benchRecords(40000);
  const rows: Record<string, number | string>[] = [];
  for (const [entry, route] of [["normalOrders", routes.normal], ["premiumOrders", routes.premium]] as const) {
    const bundle = bundleHandler(entry);
    Object.assign(process.env, routeToEnvironment(route), { ORDERS_DLQ_URL: "http://127.0.0.1:1/unused", AWS_REGION: "us-east-1" });
    // Init time: require a fresh copy of the bundle (new file name, so no module cache).
    const inits: number[] = [];
    let handler: Handler | undefined;
    for (let i = 0; i < 15; i++) {
      const file = path.join(dir, `${entry}-${process.pid}-${i}.js`);
      fs.writeFileSync(file, bundle.code);
      const t0 = process.hrtime.bigint();
      handler = (require(file) as { handler: Handler }).handler;
      inits.push(Number(process.hrtime.bigint() - t0) / 1e6);
      fs.rmSync(file);
    }
    // The first load also loads the runtime-provided SQS client, as a cold start does.
    const first = inits[0];
    const rest = inits.slice(1).sort((a, b) => a - b);
    // What the pipe would deliver: records that pass the route's filter, in batches of 100
    // (well-formed, so nothing is quarantined: that would call SQS).
    const evaluator = routeEvaluator(route);
    const batch = records.filter((r) => evaluator.passesFilter(r)).slice(0, 100);
    const texts = batch.map((r) => JSON.stringify(r));
    const parseRate = opsPerSecond(() => texts.forEach((t) => JSON.parse(t)), texts.length);
    const rate = await silenceOutput(() => opsPerSecondAsync(async () => void (await handler!(batch)), batch.length));
    rows.push({
      handler: entry,
      batch: batch.length,
      bundleKB: Math.round(bundle.bytes / 102.4) / 10,
      initMsCold: Math.round(first * 100) / 100,
      initMsBundleOnly: Math.round(rest[Math.floor(rest.length / 2)] * 100) / 100,
      recordsPerSecond: Math.round(rate),
      jsonParsePerSecond: Math.round(parseRate),
      handlerVsParse: Math.round((rate / parseRate) * 1000) / 1000,
    });
  }
  return rows;
}

if (require.main === module) {
  runHandlerBench().then((rows) => console.table(rows));
}
