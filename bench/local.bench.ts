import { GetRecordsCommand, GetShardIteratorCommand, DescribeStreamCommand } from "@aws-sdk/client-dynamodb-streams";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { LocalPipe } from "../local/localPipe";
import { unaccounted } from "../local/report";
import { LocalPipeline } from "../local/runtime";
import { parseScenario, type Scenario } from "../local/scenario";
import { runScenario } from "../local/scenarioRunner";
import { measureMemory } from "./localMemory";

// The local pipeline under load, each figure as a ratio to a baseline measured in the same
// run, median of several samples:
// - the scenario runner's write rate (a 5,000-order story) against DynamoDB Local's own rate
//   for plain PutItem calls from 8 concurrent writers, both while the pipes run;
// - a pipe's drain rate (records already in the stream, pipe started after) against the raw
//   rate of reading the same stream with GetRecords;
// - peak RSS of a run of 10,000 orders against one of 1,000 (latency tracking is dropped as
//   records are handled, so memory does not grow with the number of orders).

const SAMPLES = 3;
/** The write-rate ratio is the goal's figure (>= 0.85): more samples, for a steadier median. */
const WRITE_SAMPLES = 5;
const WRITERS = 8;

/** The local bench takes minutes (every write goes through DynamoDB Local): say where it is, on stderr. */
const progress = (line: string) => process.stderr.write(`  local bench: ${line}\n`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
const round2 = (v: number) => Math.round(v * 100) / 100;

const item = (orderId: string, i: number) => ({ orderId, orderStatus: "pending", orderAmount: i % 4 === 0 ? 1500 + i : 150 + i, customerEmail: `c${i}@example.com` });

/** A day of orders: every order placed (pending), then every 4th shipped (premium-sized). */
function orderStory(prefix: string, orders: number): Scenario {
  const steps: unknown[] = [];
  for (let i = 0; i < orders; i++) steps.push({ put: item(`${prefix}-${i}`, i) });
  for (let i = 0; i < orders; i += 4) steps.push({ update: { orderId: `${prefix}-${i}`, set: { orderStatus: "shipped" } } });
  return parseScenario({ name: `${orders} orders`, steps }, `${prefix}.yaml`);
}

/**
 * DynamoDB Local's own rate: plain PutItem calls from WRITERS concurrent writers. With
 * `orders`, the same day of orders as orderStory (every 4th order put again as shipped), so
 * that the stream, and the pipes' work while it is written, are the same as the story's.
 */
async function rawPutRate(pipeline: LocalPipeline, prefix: string, count: number, orders?: number): Promise<number> {
  const items = Array.from({ length: count }, (_, i) =>
    orders === undefined || i < orders ? marshall(item(`${prefix}-${i}`, i)) : marshall({ ...item(`${prefix}-${(i - orders) * 4}`, (i - orders) * 4), orderStatus: "shipped" }),
  );
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < count) await pipeline.dynamo.send(new PutItemCommand({ TableName: pipeline.tableName, Item: items[next++] }));
    }),
  );
  return count / seconds(start);
}

async function scenarioRate(pipeline: LocalPipeline, story: Scenario): Promise<{ rate: number; writes: number }> {
  const start = process.hrtime.bigint();
  const { written } = await runScenario(story, { client: pipeline.dynamo, tableName: pipeline.tableName, onWrite: (id, at) => pipeline.recordWrite(id, at), concurrency: WRITERS });
  const rate = written / seconds(start);
  return { rate, writes: written };
}

/** Records a route has handled, whatever the outcome (its report's outcome counts). */
function handled(pipeline: LocalPipeline): Map<string, number> {
  return new Map(pipeline.report().routes.map((r) => [r.route, r.counts.filtered + r.counts.skipped + r.counts.processed + r.counts.rejected + r.counts.deadLettered]));
}

/**
 * What a user waits for: from the story's first write until every route has handled every
 * record it wrote (filtered, skipped, processed, ...), not until the writes are done.
 */
async function endToEndSeconds(pipeline: LocalPipeline, story: Scenario): Promise<{ seconds: number; writes: number }> {
  const before = handled(pipeline);
  const start = process.hrtime.bigint();
  const { written } = await runScenario(story, { client: pipeline.dynamo, tableName: pipeline.tableName, onWrite: (id, at) => pipeline.recordWrite(id, at), concurrency: WRITERS });
  const deadline = Date.now() + 120000;
  for (;;) {
    const now = handled(pipeline);
    if ([...now].every(([route, n]) => n - (before.get(route) ?? 0) >= written)) break;
    if (Date.now() > deadline) throw new Error(`end to end: not every record was handled within 120 s (${JSON.stringify([...now])})`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return { seconds: seconds(start), writes: written };
}

/** Reads the whole stream with GetRecords (1000 per call), as fast as DynamoDB Local serves it. */
async function rawReadRate(pipeline: LocalPipeline): Promise<{ rate: number; records: number }> {
  const start = process.hrtime.bigint();
  const shards = (await pipeline.streams.send(new DescribeStreamCommand({ StreamArn: pipeline.streamArn }))).StreamDescription?.Shards ?? [];
  let records = 0;
  for (const shard of shards) {
    let iterator = (await pipeline.streams.send(new GetShardIteratorCommand({ StreamArn: pipeline.streamArn, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
    while (iterator) {
      const out = await pipeline.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      records += out.Records?.length ?? 0;
      if ((out.Records?.length ?? 0) === 0) break; // caught up
      iterator = out.NextShardIterator;
    }
  }
  return { rate: records / seconds(start), records };
}

/**
 * A fresh pipe per route over the whole backlog (TRIM_HORIZON), both at once as deployed;
 * each pipe's rate until it has read every record and delivered every full batch (the last
 * partial batch waits out the batching window, as on AWS, and is not timed).
 */
async function drainRates(pipeline: LocalPipeline, records: number): Promise<Record<string, number>> {
  const pipes = pipeline.routeNames.map((name) => {
    const route = pipeline.route(name);
    return new LocalPipe(route.plan, { streams: pipeline.streams, streamArn: pipeline.streamArn, target: route.host, sendToDlq: async () => undefined, pollIntervalMs: 50 });
  });
  const start = process.hrtime.bigint();
  const rates: Record<string, number> = {};
  for (const p of pipes) p.start();
  try {
    await Promise.all(
      pipes.map(async (p) => {
        while (!(p.counts.read >= records && p.inFlight < p.spec.batchSize)) {
          if (p.error) throw p.error;
          await new Promise((r) => setImmediate(r));
        }
        rates[p.spec.name] = records / seconds(start);
      }),
    );
  } finally {
    await Promise.all(pipes.map((p) => p.stop()));
  }
  return rates;
}

export async function runLocalBench(): Promise<Record<string, number | string>[]> {
  const rows: Record<string, number | string>[] = [];

  // Writes: the scenario runner against DynamoDB Local's own rate, pipes running.
  const pipeline = await LocalPipeline.start({ stack: "dev", pollIntervalMs: 50 });
  try {
    await scenarioRate(pipeline, orderStory("warm-s", 2000)); // JIT of the JVM and of us
    await rawPutRate(pipeline, "warm-r", 2000);
    await pipeline.settle({ timeoutMs: 120000 });
    // Each sample brackets the story between two baseline runs writing the same orders with
    // PutItem (the machine's load drifts; and the pipes, which run meanwhile, get the same
    // records to handle, and lag the writes by about a batching window, a share that depends
    // on a run's length).
    const raw: number[] = [];
    const story: number[] = [];
    const ratios: number[] = [];
    const e2eRates: number[] = [];
    const e2eRatios: number[] = [];
    let writes = 0;
    for (let s = 0; s < WRITE_SAMPLES; s++) {
      progress(`writes and end to end, sample ${s + 1} of ${WRITE_SAMPLES}`);
      const story5000 = orderStory(`s${s}`, 5000);
      const size = story5000.steps.length;
      const before = await rawPutRate(pipeline, `raw${s}a`, size, 5000);
      await pipeline.settle({ timeoutMs: 120000 });
      const run = await scenarioRate(pipeline, story5000);
      await pipeline.settle({ timeoutMs: 120000 });
      const after = await rawPutRate(pipeline, `raw${s}b`, size, 5000);
      await pipeline.settle({ timeoutMs: 120000 });
      // End to end, marginal: a 5,000-order story minus a 1-order one (what is left of the
      // second is the fixed part: the last batch's window, the polls), writes and handling.
      const one = await endToEndSeconds(pipeline, orderStory(`e${s}one`, 1));
      const many = await endToEndSeconds(pipeline, orderStory(`e${s}many`, 5000));
      await pipeline.settle({ timeoutMs: 120000 });
      const last = await rawPutRate(pipeline, `raw${s}c`, size, 5000);
      await pipeline.settle({ timeoutMs: 120000 });
      raw.push(before, after, last);
      story.push(run.rate);
      ratios.push(run.rate / ((before + after) / 2));
      const marginal = (many.writes - one.writes) / (many.seconds - one.seconds);
      e2eRates.push(marginal);
      e2eRatios.push(marginal / ((after + last) / 2));
      writes = run.writes;
    }
    const missing = pipeline.report().routes.reduce((n, r) => n + Math.abs(unaccounted(r)), 0);
    rows.push({ what: `DynamoDB Local PutItem, ${WRITERS} writers, the same orders (baseline, pipes running)`, perSecond: Math.round(median(raw)), ratio: 1 });
    rows.push({
      what: `scenario runner, 5,000 orders (${writes} writes; samples ${ratios.map(round2).join(", ")}; report accounts for every record: ${missing === 0 ? "yes" : `NO, ${missing} missing`})`,
      perSecond: Math.round(median(story)),
      ratio: round2(median(ratios)),
    });
    rows.push({
      what: `end to end, 5,000 orders written and every record handled by both pipes, marginal over a 1-order story (samples ${e2eRatios.map(round2).join(", ")}; goal >= 0.85)`,
      perSecond: Math.round(median(e2eRates)),
      ratio: round2(median(e2eRatios)),
    });

    for (const r of pipeline.report().routes) {
      rows.push({ what: `${r.route} route: write → processed latency, p50 / p99 (ms)`, perSecond: "", ratio: `${r.latencyMs.p50} / ${r.latencyMs.p99}` });
    }
  } finally {
    await pipeline.stop();
  }

  // Drain: a backlog already in the stream (a day of orders), pipes started after.
  const backlog = await LocalPipeline.start({ stack: "dev", deferPipes: true });
  try {
    const story = orderStory("b", 8000);
    await runScenario(story, { client: backlog.dynamo, tableName: backlog.tableName, onWrite: () => undefined, concurrency: WRITERS });
    const records = (await rawReadRate(backlog)).records;
    const reads: number[] = [];
    const drains: Record<string, { rates: number[]; ratios: number[] }> = {};
    for (let s = 0; s < SAMPLES; s++) {
      progress(`drain of the ${records}-record backlog, sample ${s + 1} of ${SAMPLES}`);
      const before = (await rawReadRate(backlog)).rate;
      const rates = await drainRates(backlog, records);
      const after = (await rawReadRate(backlog)).rate;
      reads.push(before, after);
      for (const [pipe, rate] of Object.entries(rates)) {
        const d = (drains[pipe] ??= { rates: [], ratios: [] });
        d.rates.push(rate);
        d.ratios.push(rate / ((before + after) / 2));
      }
    }
    rows.push({ what: `DynamoDB Streams GetRecords, raw read of the ${records}-record stream (baseline)`, perSecond: Math.round(median(reads)), ratio: 1 });
    for (const [pipe, d] of Object.entries(drains)) {
      rows.push({ what: `${pipe}: drain of the ${records}-record backlog (pipe started after the writes)`, perSecond: Math.round(median(d.rates)), ratio: round2(median(d.ratios)) });
    }
  } finally {
    await backlog.stop();
  }

  // Memory: peak RSS of a whole run, 1,000 orders against 10,000, each in a fresh process.
  progress("memory: 1,000 and 10,000 orders, each in a fresh process");
  const small = measureMemory(1000);
  const large = measureMemory(10000);
  rows.push({ what: `peak RSS, 1,000 orders (stack ready: ${Math.round(small.readyMb)} MB) (baseline)`, perSecond: `${Math.round(small.peakMb)} MB`, ratio: 1 });
  rows.push({
    what: `peak RSS, 10,000 orders (stack ready: ${Math.round(large.readyMb)} MB; orders still tracked after: ${large.trackedOrders})`,
    perSecond: `${Math.round(large.peakMb)} MB`,
    ratio: round2(large.peakMb / small.peakMb),
  });
  rows.push({ what: "live heap after the run and a GC, 1,000 orders (baseline)", perSecond: `${Math.round(small.liveHeapMb)} MB`, ratio: 1 });
  rows.push({ what: "live heap after the run and a GC, 10,000 orders", perSecond: `${Math.round(large.liveHeapMb)} MB`, ratio: round2(large.liveHeapMb / small.liveHeapMb) });
  return rows;
}

if (require.main === module) runLocalBench().then((rows) => console.table(rows));
