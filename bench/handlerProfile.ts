import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { loadStackFileSettings, PROJECT_DIR } from "../config/stackFile";
import { declaredMetrics, type HandlerProfile, type PipeProfile, RECORD_OUTCOMES, type RecordOutcome, type RouteProfile } from "../cost/handlerProfile";
import { DLQ_URL_ENV } from "../handlers/constants";
import { bundleProcessor } from "../infra/bundle";
import { LOCAL_CREDENTIALS } from "../local/dynamoLocal";
import { sqsClientConfig, startSqsLocal } from "../local/sqsLocal";
import { routeEvaluator } from "../routing/decide";
import { heartbeatPlanOf, heartbeatRecordsPerPeriod } from "../routing/heartbeat";
import { routesToEnvironment } from "../routing/environment";
import type { PipeGroup } from "../routing/pipes";
import { metricsServiceName, type RouteName } from "../routing/route";
import { routeNamed, routesFromSettings, servedBy, type StackRoutes } from "../routing/stackRoutes";
import { recordsFor } from "./profileRecords";
import { median } from "./records";

// Measures cost/handler-profile.json: what each declared pipe's processor bundle writes to
// CloudWatch Logs per invocation and per record, split by pipe and by route (see
// cost/handlerProfile.ts), the custom metrics it emits, the size of its quarantine messages,
// and (with timing) how long it runs. Used by `npm run bench cost` (which writes the file) and
// by tests/costProfile.test.ts (which re-measures the bytes and metrics and compares). The
// processor runs as on Lambda: the generated bundle (infra/bundle.ts), the deployed
// environment, a Lambda context (Powertools adds its fields to every line), a real SQS API
// for quarantine (fauxqs, as local runs use). Every declared route is measured; where the
// sample has too few records of an outcome, records are made from it (bench/profileRecords.ts)
// and the profile says so, rather than refusing.

export const PROFILE_SAMPLE = path.join(PROJECT_DIR, "cost", "samples", "orders-1000.jsonl");
export const PROFILE_FILE = path.join(PROJECT_DIR, "cost", "handler-profile.json");

type Handler = (payload: unknown, context?: Context) => Promise<unknown>;

/** Records per outcome and route (a multiple of 10: measured in singles and in tens). */
const WANT: Record<RecordOutcome, number> = { processed: 100, skipped: 100, rejected: 20 };

function lambdaContext(functionName: string, memoryMb: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: "8f507cfc-xmpl-4697-b07a-ac58fc914c95",
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "2026/11/25/[$LATEST]3893xmpl7fac4485b47bb75b671a283c",
    getRemainingTimeInMillis: () => 30000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** Runs fn with stdout and stderr captured: the log events (one per line). */
async function captured(fn: () => Promise<unknown>): Promise<string[]> {
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
  return text.split("\n").filter((l) => l !== "");
}

const bytesOf = (lines: readonly string[]) => lines.reduce((n, l) => n + Buffer.byteLength(l, "utf8"), 0);

interface EmfDoc {
  service?: string;
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
}

/** The EMF documents among the lines, by their service dimension. */
function emfByService(lines: readonly string[]): Map<string, { bytes: number; metrics: Set<string> }> {
  const out = new Map<string, { bytes: number; metrics: Set<string> }>();
  for (const line of lines) {
    if (!line.includes('"_aws"')) continue;
    const doc = JSON.parse(line) as EmfDoc;
    const entry = out.get(doc.service ?? "") ?? { bytes: 0, metrics: new Set<string>() };
    entry.bytes += Buffer.byteLength(line, "utf8");
    for (const d of doc._aws.CloudWatchMetrics) for (const dims of d.Dimensions) for (const m of d.Metrics) entry.metrics.add(`${d.Namespace}/${m.Name} [${dims.join(",")}]`);
    out.set(doc.service ?? "", entry);
  }
  return out;
}

async function timeEach(fn: () => Promise<unknown>, calls: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / calls;
}

function loadBundle(group: PipeGroup, stack: StackRoutes, tag: string): Handler {
  const dir = path.join(PROJECT_DIR, "node_modules", ".cache", "orders-cost-profile");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${group.owner}-${process.pid}-${tag}.js`);
  fs.writeFileSync(file, bundleProcessor(servedBy(group, stack.declarations)).code);
  try {
    return (require(file) as { handler: Handler }).handler;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

const chunked = <T>(items: readonly T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));
const round1 = (x: number) => Math.round(x * 10) / 10;
const round4 = (x: number) => Math.round(x * 10000) / 10000;

interface Measured {
  readonly pipe: PipeProfile;
  readonly routes: Record<RouteName, RouteProfile>;
}

async function measurePipe(
  group: PipeGroup,
  stack: StackRoutes,
  sample: Record<string, unknown>[],
  opts: { timing: boolean; memoryMb: number; queueUrl: string; sqsEndpoint: string; tag: string; say: (line: string) => void },
): Promise<Measured> {
  const routes = group.routes.map((r) => routeNamed(stack, r));
  const evaluators = routes.map(routeEvaluator);
  const saved = { ...process.env };
  delete process.env.POWERTOOLS_DEV;
  const functionName = `${group.processorResource}-1a2b3c4`; // Pulumi's 7-character suffix: the lengths matter, not the letters
  Object.assign(process.env, routesToEnvironment(routes), {
    [DLQ_URL_ENV]: opts.queueUrl,
    AWS_ENDPOINT_URL_SQS: opts.sqsEndpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    // The shell's own bytes and time; the effects table's writes are priced apart (cost/model.ts).
    ORDERS_IDEMPOTENCY_TABLE: "unused",
    POWERTOOLS_IDEMPOTENCY_DISABLED: "true",
  });
  try {
    const handler = loadBundle(group, stack, opts.tag);
    const context = lambdaContext(functionName, opts.memoryMb);
    const invoke = (batch: unknown[]) => captured(() => handler(batch, context));
    await invoke([]); // the cold start, whose lines say cold_start: true
    const empty = await invoke([]);
    const base = bytesOf(empty);
    const emf = emfByService(empty);
    // Bytes above an empty invocation, summed over the records sent in batches of `size`.
    const above = async (records: unknown[], size: number) => {
      let total = 0;
      for (const batch of chunked(records, size)) total += bytesOf(await invoke(batch)) - base;
      return total;
    };

    // Per outcome: singles carry the per-invocation part (the outcomes line's own fields, the
    // order metrics' definitions) m times, batches of ten m/10 times; the rest is per record.
    const fixed: Record<RouteName, Partial<Record<RecordOutcome, number>>> = {};
    const perRecord: Record<RouteName, Record<RecordOutcome, number>> = {};
    const measuredOn: Record<RouteName, string[]> = {};
    const firstProcessed: Record<RouteName, unknown> = {};
    for (const [i, route] of routes.entries()) {
      fixed[route.name] = {};
      perRecord[route.name] = { processed: 0, skipped: 0, rejected: 0 };
      measuredOn[route.name] = [];
      for (const o of RECORD_OUTCOMES) {
        const got = recordsFor(evaluators, i, o, sample, WANT[o]);
        if (got.impossible) {
          measuredOn[route.name].push(`no ${o} records: ${got.impossible}`);
          continue;
        }
        measuredOn[route.name].push(
          got.made === 0 ? `${got.fromSample} ${o} from the sample` : `${got.fromSample} ${o} from the sample and ${got.made} made from sample records${o === "rejected" ? " (an amount that is not a number)" : ` (set to what route ${route.name} ${o === "processed" ? "accepts" : "skips"})`}`,
        );
        if (o === "processed") firstProcessed[route.name] = got.records[0];
        const m = got.records.length;
        const singles = await above(got.records, 1);
        const tens = await above(got.records, 10);
        const f = (singles - tens) / (m - m / 10);
        fixed[route.name][o] = f;
        perRecord[route.name][o] = (tens - (m / 10) * f) / m;
      }
      opts.say(`route ${route.name}: ${measuredOn[route.name].join("; ")}`);
    }
    // The outcomes line's own fields: what an invocation with only skipped or rejected records adds once.
    const lineParts = routes.flatMap((r) => (["skipped", "rejected"] as const).map((o) => fixed[r.name][o]).filter((x): x is number => x !== undefined));
    const outcomesLine = lineParts.reduce((a, b) => a + b, 0) / lineParts.length;

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
    if (envelopes.length === 0) throw new Error(`${group.processorResource}: the processor sent no quarantine message for its malformed records`);

    const measuredRoutes: Record<RouteName, RouteProfile> = {};
    for (const route of routes) {
      const service = metricsServiceName(route.name);
      const own = emf.get(service);
      if (!own) throw new Error(`${group.processorResource}: an empty invocation wrote no EMF document for route ${route.name} (service ${service})`);
      const withOrder = emfByService(await invoke([firstProcessed[route.name]])).get(service);
      measuredRoutes[route.name] = {
        logBytesPerInvocation: own.bytes,
        logBytesPerInvocationWithOrders: Math.max(0, Math.round((fixed[route.name].processed ?? outcomesLine) - outcomesLine)),
        logBytesPerRecord: Object.fromEntries(RECORD_OUTCOMES.map((o) => [o, round1(perRecord[route.name][o])])) as Record<RecordOutcome, number>,
        metrics: { perInvocation: [...own.metrics].sort(), withOrders: [...(withOrder?.metrics ?? [])].filter((m) => !own.metrics.has(m)).sort() },
        measuredOn: measuredOn[route.name].join("; "),
      };
    }
    // An invocation carrying one canary heartbeat of the pipe's first route, as the stream
    // makes it (routing/heartbeat.ts), written a moment ago.
    const beat = heartbeatRecordsPerPeriod([heartbeatPlanOf(routes[0])]).find((r) => r.phase === "beat")?.record as { dynamodb: Record<string, unknown> };
    const heartbeat = {
      ...beat,
      eventID: "c4ca4238a0b923820dcc509a6f75849b",
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      dynamodb: { ...beat.dynamodb, ApproximateCreationDateTime: Math.floor(Date.now() / 1000), SequenceNumber: "4421584500000000017450439091", SizeBytes: 120, StreamViewType: "NEW_AND_OLD_IMAGES" },
    };
    const heartbeatLines = await invoke([heartbeat]);
    if (!heartbeatLines.some((l) => l.includes('"batch.heartbeats"'))) throw new Error(`${group.processorResource}: the processor did not report route ${routes[0].name}'s heartbeat`);
    const pipe: PipeProfile = {
      routes: group.routes,
      logBytesPerInvocation: base - [...emf.values()].reduce((n, e) => n + e.bytes, 0),
      logBytesPerOutcomesLine: Math.round(outcomesLine),
      quarantineEnvelopeBytes: Math.round(envelopes.reduce((a, b) => a + b, 0) / envelopes.length),
      logBytesPerHeartbeatInvocation: bytesOf(heartbeatLines),
      durationMs: { perInvocation: 0, perRecord: 0 },
    };
    if (!opts.timing) return { pipe, routes: measuredRoutes };

    // Timing, output silenced: an empty invocation (the fixed part), and a batch of 100
    // records the pipe would deliver (its filter passes them; well-formed where the sample is).
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
    const passing = sample.filter((r) => evaluators.some((e) => e.passesFilter(r))).slice(0, 100);
    const delivered = passing.length >= 100 ? passing : [...passing, ...routes.flatMap((_, i) => recordsFor(evaluators, i, "processed", sample, 100).records)].slice(0, 100);
    if (passing.length < 100) opts.say(`${group.pipeResource}: ${passing.length} sample records pass its filter; timed on those and ${delivered.length - passing.length} made for its routes`);
    const fixedMs: number[] = [];
    const fullMs: number[] = [];
    for (let i = 0; i < 7; i++) {
      await silent(async () => fixedMs.push(await timeEach(() => handler([], context), 500)));
      await silent(async () => fullMs.push(await timeEach(() => handler(delivered, context), 20)));
    }
    const perInvocationMs = median(fixedMs);
    return {
      pipe: { ...pipe, durationMs: { perInvocation: round4(perInvocationMs), perRecord: round4(Math.max(0, median(fullMs) - perInvocationMs) / delivered.length) } },
      routes: measuredRoutes,
    };
  } finally {
    process.env = saved;
  }
}

export function readProfileSample(file = PROFILE_SAMPLE): Record<string, unknown>[] {
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Measures every declared pipe's processor and every route it serves. `say` reports what was made where the sample falls short. */
export async function measureHandlerProfile(opts: { timing: boolean; say?: (line: string) => void }): Promise<HandlerProfile> {
  const settings = loadStackFileSettings("dev");
  const stack = routesFromSettings(settings);
  const sample = readProfileSample();
  const sqsLocal = await startSqsLocal();
  try {
    const pipes: Record<RouteName, PipeProfile> = {};
    const routes: Record<RouteName, RouteProfile> = {};
    for (const group of stack.pipes) {
      const queue = sqsLocal.createQueue(`${group.owner}-cost-profile-${process.pid}`);
      const m = await measurePipe(group, stack, sample, {
        timing: opts.timing,
        memoryMb: settings.lambdaMemoryMb,
        queueUrl: queue.queueUrl,
        sqsEndpoint: sqsLocal.endpoint,
        tag: `${group.owner}-${Date.now()}`,
        say: opts.say ?? (() => undefined),
      });
      pipes[group.owner] = m.pipe;
      Object.assign(routes, m.routes);
    }
    for (const d of stack.declarations) {
      const expected = declaredMetrics(d);
      const got = routes[d.name].metrics;
      if (JSON.stringify(expected) !== JSON.stringify(got)) throw new Error(`route ${d.name}: its processor emits ${JSON.stringify(got)}, not the metrics its declaration implies (${JSON.stringify(expected)})`);
    }
    return {
      measuredAt: new Date().toISOString().slice(0, 10),
      measuredWith: `npm run bench cost: each declared pipe's processor bundle on ${path.relative(PROJECT_DIR, PROFILE_SAMPLE)}, Node ${process.versions.node}, ${os.cpus().length} cores; durations are medians of 7 samples on one core of this machine`,
      pipes,
      routes,
    };
  } finally {
    await sqsLocal.stop();
  }
}

/** `npm run bench cost`: measures and writes cost/handler-profile.json. */
export async function runHandlerProfileBench(): Promise<Record<string, number | string>[]> {
  const profile = await measureHandlerProfile({ timing: true, say: (line) => console.log(`  ${line}`) });
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
  return Object.entries(profile.pipes).flatMap(([owner, p]) =>
    p.routes.map((route) => {
      const r = profile.routes[route];
      return {
        pipe: owner,
        route,
        msPerInvocation: p.durationMs.perInvocation,
        msPerRecord: p.durationMs.perRecord,
        perRecordVsJsonParse: Math.round((p.durationMs.perRecord / parseMs) * 10) / 10,
        logBytesPerInvocation: p.logBytesPerInvocation + r.logBytesPerInvocation,
        ...Object.fromEntries(RECORD_OUTCOMES.map((o) => [`logBytes.${o}`, r.logBytesPerRecord[o]])),
        customMetrics: r.metrics.perInvocation.length + r.metrics.withOrders.length,
      };
    }),
  );
}
