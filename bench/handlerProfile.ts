import * as fs from "node:fs";
import * as path from "node:path";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { loadStackFileSettings, PROJECT_DIR } from "../config/stackFile";
import { HANDLER_OUTCOMES, type HandlerOutcome, type HandlerProfile, type RouteProfile } from "../cost/handlerProfile";
import { DLQ_URL_ENV } from "../handlers/constants";
import { bundleHandler } from "../infra/bundle";
import { LOCAL_CREDENTIALS } from "../local/dynamoLocal";
import { sqsClientConfig, startSqsLocal } from "../local/sqsLocal";
import { routeEvaluator } from "../routing/decide";
import { routeToEnvironment } from "../routing/environment";
import { ROUTE_NAMES, type Route, type RouteName, routesFromSettings } from "../routing/route";
import { median } from "./records";

// Measures cost/handler-profile.json: what each deployed handler bundle writes to CloudWatch
// Logs per invocation and per record, the custom metrics it emits, the size of its
// quarantine messages, and (with timing) how long it runs. Used by `npm run bench cost`
// (which writes the file) and by tests/costProfile.test.ts (which re-measures the bytes and
// metrics and compares). The handler runs as on Lambda: the bundle, the deployed environment,
// a Lambda context (Powertools adds its fields to every line), a real SQS API for quarantine
// (fauxqs, as local runs use).

export const PROFILE_SAMPLE = path.join(PROJECT_DIR, "cost", "samples", "orders-1000.jsonl");
export const PROFILE_FILE = path.join(PROJECT_DIR, "cost", "handler-profile.json");

type Handler = (payload: unknown, context?: Context) => Promise<unknown>;

// The deployed function names are the logical names plus Pulumi's 7-character suffix
// (index.ts names the processors); the lengths matter, not the letters.
const FUNCTION_NAMES: Record<RouteName, string> = { normal: "NormalOrdersProcessor-1a2b3c4", premium: "PremiumOrdersProcessor-1a2b3c4" };

function lambdaContext(route: RouteName, memoryMb: number): Context {
  const name = FUNCTION_NAMES[route];
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: "8f507cfc-xmpl-4697-b07a-ac58fc914c95",
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: "2026/11/25/[$LATEST]3893xmpl7fac4485b47bb75b671a283c",
    getRemainingTimeInMillis: () => 30000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** Runs fn capturing stdout and stderr: the log events (one per line) and their bytes. */
async function captured(fn: () => Promise<unknown>): Promise<{ bytes: number; lines: string[] }> {
  const out = process.stdout.write;
  const err = process.stderr.write;
  let text = "";
  const sink = ((chunk: string | Uint8Array) => {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = sink;
  process.stderr.write = sink;
  try {
    await fn();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  const lines = text.split("\n").filter((l) => l !== "");
  return { bytes: lines.reduce((n, l) => n + Buffer.byteLength(l, "utf8"), 0), lines };
}

/** Custom metrics named in the EMF documents among the lines: "namespace/name [dimensions]". */
function emfMetrics(lines: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const line of lines) {
    if (!line.includes('"_aws"')) continue;
    const doc = JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } };
    for (const d of doc._aws.CloudWatchMetrics) {
      for (const dims of d.Dimensions) for (const m of d.Metrics) out.add(`${d.Namespace}/${m.Name} [${dims.join(",")}]`);
    }
  }
  return out;
}

async function timeEach(fn: () => Promise<unknown>, calls: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / calls;
}

function loadBundle(entry: string, tag: string): Handler {
  const dir = path.join(__dirname, "..", "node_modules", ".cache", "orders-cost-profile");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${entry}-${process.pid}-${tag}.js`);
  fs.writeFileSync(file, bundleHandler(entry).code);
  try {
    return (require(file) as { handler: Handler }).handler;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

const chunked = <T>(items: readonly T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/** A record the route processes, made malformed the way the demo's is: an amount that is not a number. */
function malformed(record: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(record)) as { dynamodb: { NewImage: Record<string, unknown> } };
  copy.dynamodb.NewImage.orderAmount = { S: "n/a" };
  return copy;
}

async function measureRoute(route: Route, records: Record<string, unknown>[], opts: { timing: boolean; memoryMb: number; queueUrl: string; sqsEndpoint: string; tag: string }): Promise<RouteProfile> {
  const evaluator = routeEvaluator(route);
  const byOutcome: Record<HandlerOutcome, Record<string, unknown>[]> = { processed: [], skipped: [], rejected: [], filtered: [] };
  for (const r of records) byOutcome[evaluator.decide(r).outcome].push(r);
  byOutcome.rejected = byOutcome.processed.slice(0, 20).map(malformed);
  const groups = Object.fromEntries(HANDLER_OUTCOMES.map((o) => [o, byOutcome[o].slice(0, o === "rejected" ? 20 : 100)])) as Record<HandlerOutcome, Record<string, unknown>[]>;
  for (const o of HANDLER_OUTCOMES) if (groups[o].length < 10) throw new Error(`the profile sample has fewer than 10 ${o} records for route ${route.name}`);

  const saved = { ...process.env };
  delete process.env.POWERTOOLS_DEV;
  Object.assign(process.env, routeToEnvironment(route), {
    [DLQ_URL_ENV]: opts.queueUrl,
    AWS_ENDPOINT_URL_SQS: opts.sqsEndpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAMES[route.name],
  });
  try {
    const handler = loadBundle(route.name === "normal" ? "normalOrders" : "premiumOrders", opts.tag);
    const context = lambdaContext(route.name, opts.memoryMb);
    const invoke = (batch: unknown[]) => captured(() => handler(batch, context));
    await invoke([]); // the cold start, whose lines say cold_start: true
    const empty = await invoke([]);
    const base = empty.bytes;
    // Bytes above an empty invocation, summed over the group sent in batches of `size`.
    const above = async (group: unknown[], size: number) => {
      let total = 0;
      for (const batch of chunked(group, size)) total += (await invoke(batch)).bytes - base;
      return total;
    };
    const perRecord = {} as Record<HandlerOutcome, number>;
    let withOrders = 0;
    for (const o of HANDLER_OUTCOMES) {
      const group = groups[o].slice(0, Math.floor(groups[o].length / 10) * 10);
      const m = group.length;
      const inTens = await above(group, 10);
      if (o === "processed") {
        // singles carry the order metrics' definitions m times, batches of ten m/10 times
        const singles = await above(group, 1);
        withOrders = (singles - inTens) / (m - m / 10);
        perRecord[o] = (singles - m * withOrders) / m;
      } else {
        perRecord[o] = inTens / m;
      }
    }
    const sqs = new SQSClient(sqsClientConfig(opts.sqsEndpoint));
    const envelopes: number[] = [];
    for (;;) {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: opts.queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"] }));
      if (!got.Messages?.length) break;
      for (const m of got.Messages) {
        const body = m.Body ?? "";
        const record = (JSON.parse(body) as { record: unknown }).record;
        const attributes = Object.entries(m.MessageAttributes ?? {}).reduce((n, [k, v]) => n + k.length + (v.DataType ?? "").length + (v.StringValue ?? "").length, 0);
        envelopes.push(Buffer.byteLength(body) + attributes - Buffer.byteLength(JSON.stringify(record)));
      }
    }
    sqs.destroy();
    if (envelopes.length === 0) throw new Error(`route ${route.name}: the handler sent no quarantine message for its malformed records`);

    const perInvocationMetrics = emfMetrics(empty.lines);
    const orderMetrics = emfMetrics((await invoke(groups.processed.slice(0, 1))).lines);
    const profile: RouteProfile = {
      logBytesPerInvocation: base,
      logBytesPerInvocationWithOrders: Math.round(withOrders),
      logBytesPerRecord: Object.fromEntries(HANDLER_OUTCOMES.map((o) => [o, Math.round(perRecord[o] * 10) / 10])) as Record<HandlerOutcome, number>,
      quarantineEnvelopeBytes: Math.round(envelopes.reduce((a, b) => a + b, 0) / envelopes.length),
      metrics: { perInvocation: [...perInvocationMetrics].sort(), withOrders: [...orderMetrics].filter((m) => !perInvocationMetrics.has(m)).sort() },
      durationMs: { perInvocation: 0, perRecord: 0 },
    };
    if (!opts.timing) return profile;

    // Timing, output silenced: an empty invocation (the fixed part), and a batch of 100
    // records the pipe would deliver (the route's filter passes them; well-formed).
    const silent = async (fn: () => Promise<unknown>) => {
      const out = process.stdout.write;
      const err = process.stderr.write;
      process.stdout.write = (() => true) as typeof process.stdout.write;
      process.stderr.write = (() => true) as typeof process.stderr.write;
      try {
        await fn();
      } finally {
        process.stdout.write = out;
        process.stderr.write = err;
      }
    };
    const delivered = records.filter((r) => evaluator.passesFilter(r)).slice(0, 100);
    const fixed: number[] = [];
    const full: number[] = [];
    for (let i = 0; i < 7; i++) {
      await silent(async () => fixed.push(await timeEach(() => handler([], context), 500)));
      await silent(async () => full.push(await timeEach(() => handler(delivered, context), 20)));
    }
    const perInvocationMs = median(fixed);
    return { ...profile, durationMs: { perInvocation: round4(perInvocationMs), perRecord: round4(Math.max(0, median(full) - perInvocationMs) / delivered.length) } };
  } finally {
    process.env = saved;
  }
}

const round4 = (x: number) => Math.round(x * 10000) / 10000;

export function readProfileSample(file = PROFILE_SAMPLE): Record<string, unknown>[] {
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Record<string, unknown>);
}

export async function measureHandlerProfile(opts: { timing: boolean }): Promise<HandlerProfile> {
  const settings = loadStackFileSettings("dev");
  const routes = routesFromSettings(settings);
  const records = readProfileSample();
  const sqsLocal = await startSqsLocal();
  try {
    const measured = {} as Record<RouteName, RouteProfile>;
    for (const name of ROUTE_NAMES) {
      const queue = sqsLocal.createQueue(`${name}-cost-profile-${process.pid}`);
      measured[name] = await measureRoute(routes[name], records, { timing: opts.timing, memoryMb: settings.lambdaMemoryMb, queueUrl: queue.queueUrl, sqsEndpoint: sqsLocal.endpoint, tag: `${name}-${Date.now()}` });
    }
    return {
      measuredAt: new Date().toISOString().slice(0, 10),
      measuredWith: `npm run bench cost: the handler bundles on ${path.relative(PROJECT_DIR, PROFILE_SAMPLE)}, Node ${process.versions.node}, ${require("node:os").cpus().length} cores; durations are medians of 7 samples on one core of this machine`,
      routes: measured,
    };
  } finally {
    await sqsLocal.stop();
  }
}

/** `npm run bench cost`: measures and writes cost/handler-profile.json. */
export async function runHandlerProfileBench(): Promise<Record<string, number | string>[]> {
  const profile = await measureHandlerProfile({ timing: true });
  fs.writeFileSync(PROFILE_FILE, `${JSON.stringify(profile, null, 2)}\n`);
  // The baseline of the same run: JSON.parse of the same kind of record, per record.
  const texts = readProfileSample().slice(0, 100).map((r) => JSON.stringify(r));
  const parse: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < 200; j++) texts.forEach((t) => JSON.parse(t));
    parse.push(Number(process.hrtime.bigint() - t0) / 1e6 / (200 * texts.length));
  }
  const parseMs = median(parse);
  return ROUTE_NAMES.map((name) => {
    const r = profile.routes[name];
    return {
      route: name,
      msPerInvocation: r.durationMs.perInvocation,
      msPerRecord: r.durationMs.perRecord,
      perRecordVsJsonParse: Math.round((r.durationMs.perRecord / parseMs) * 10) / 10,
      logBytesPerInvocation: r.logBytesPerInvocation,
      ...Object.fromEntries(HANDLER_OUTCOMES.map((o) => [`logBytes.${o}`, r.logBytesPerRecord[o]])),
      customMetrics: r.metrics.perInvocation.length + r.metrics.withOrders.length,
    };
  });
}
