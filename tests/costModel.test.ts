import { strict as assert } from "node:assert";
import { loadStackFileSettings } from "../config/stackFile";
import { type Assumptions, defaultShards, sensitivityCombinations, TABLE_BILLING_MODE } from "../cost/assumptions";
import { chunks, recordsPerBatch, SECONDS_PER_MONTH, streamReadsPerMonth } from "../cost/batching";
import { canaryLoad } from "../cost/canary";
import type { Design } from "../cost/designs";
import { estimate } from "../cost/estimate";
import type { PricedPipe, PricedRoute, ResolvedProfile } from "../cost/handlerProfile";
import { lambdaPlatformLogBytes } from "../cost/lambdaPlatformLogs";
import { checkFinite, type DesignCost, type DesignSettings, type ModelInput, NotFiniteError, priceDesign, priceDesigns, priceSeedLiteral } from "../cost/model";
import { type Price, type RegionPrices, tieredCost } from "../cost/priceList";
import { SizeList, UniformSizes } from "../cost/recordSizes";
import { type OutcomeCounts, type PipeDelivery, type PipeSample, type Sample, SampleBuilder } from "../cost/sample";
import { evaluateProgram } from "../local/evaluateProgram";
import { routeEvaluator } from "../routing/decide";
import type { PipeGroup } from "../routing/pipes";
import type { RouteDeclaration } from "../routing/route";
import { ROUTES } from "../routing/routes";
import { routesFromSettings } from "../routing/stackRoutes";
import { image, inserted, modified, record } from "./support/records";

// The cost model on small samples whose figures are worked out by hand in the comments, for
// each design (deployed, esmFiltered, esmUnfiltered, pipesUnfiltered) and each assumption.
// Round test prices and a test handler profile keep the arithmetic checkable.

const S = SECONDS_PER_MONTH; // 2,628,000 s in a 730-hour month
const GIB = 1024 ** 3;

const PIPE: PricedPipe = { routes: [], logBytesPerInvocation: 500, logBytesPerOutcomesLine: 300, quarantineEnvelopeBytes: 300, logBytesPerHeartbeatInvocation: 1000, durationMs: { perInvocation: 2, perRecord: 0.5 }, source: "test" };
const ROUTE: PricedRoute = {
  logBytesPerInvocation: 400,
  logBytesPerInvocationWithOrders: 100,
  logBytesPerRecord: { processed: 500, skipped: 100, rejected: 400 },
  metrics: { perInvocation: ["ns/a [service]", "ns/b [service]", "ns/c [service]"], withOrders: ["ns/d [service]", "ns/e [service]"] },
  measuredOn: "test",
  source: "test",
};
const PROFILE: ResolvedProfile = { measuredAt: "test", pipes: { normal: PIPE, premium: PIPE, refunds: PIPE }, routes: { normal: ROUTE, premium: ROUTE, refunds: ROUTE }, statements: [] };

const price = (usd: number): Price => ({ usd, unit: "test", from: "secondary", source: "test" });
const PRICES: RegionPrices = {
  file: "test",
  region: "us-east-1",
  checked: "2026-11-25",
  prices: {
    pipesRequest: price(1e-6),
    lambdaRequest: price(2e-7),
    lambdaGbSecondArm64: price(1e-5),
    lambdaGbSecondX86_64: price(2e-5),
    streamsReadRequest: price(1e-7),
    sqsRequest: price(5e-7),
    dynamodbWriteRequest: price(1e-6),
    logsIngestionGb: price(0.5),
    customMetricMonth: price(0.3),
    schedulerInvocation: price(1e-6),
  },
};
const ARM: DesignSettings = { batchSize: 10, batchingWindowSeconds: 1, lambdaMemoryMb: 1024, lambdaArchitecture: "arm64" };
const ONE_SHARD: Assumptions = { pipesBillingUnit: "chunk64k", pipesStreamReads: "charged", shards: 1 };
const DURATION = { perInvocationMs: 2, perRecordMs: 0.5, source: "test" };

const group = (owner: string, routes = [owner]): PipeGroup => ({ owner, routes, stem: "", pipeResource: `${owner}Pipe`, processorResource: `${owner}Processor` });

/** One sample record as a test writes it: its bytes and its outcome on each route of the pipe (undefined: filtered). */
type Rec = [bytes: number, outcomes: Record<string, keyof OutcomeCounts | undefined>];

function delivery(recs: readonly Rec[], routes: readonly string[]): PipeDelivery {
  const sizes = new SizeList();
  const rejected = new SizeList();
  const counts = Object.fromEntries(routes.map((r) => [r, { processed: 0, skipped: 0, rejected: 0, failed: 0 }])) as Record<string, OutcomeCounts>;
  let handled = 0;
  for (const [bytes, outcomes] of recs) {
    sizes.add(bytes);
    const os = routes.map((r) => outcomes[r]).filter((o) => o !== undefined);
    if (os.length) handled++;
    if (os.includes("rejected")) rejected.add(bytes);
    for (const r of routes) if (outcomes[r]) counts[r][outcomes[r] as keyof OutcomeCounts]++;
  }
  return { sizes, handled, routes: counts, rejected, deadLettered: 0 };
}

/** A pipe: every record reaches it unfiltered, those with an outcome reach it filtered. */
function pipe(g: PipeGroup, recs: readonly Rec[]): PipeSample {
  const passing = recs.filter(([, o]) => g.routes.some((r) => o[r] !== undefined));
  return { group: g, delivery: { filtered: delivery(passing, g.routes), all: delivery(recs, g.routes) } };
}

const sampleOf = (size: number, ...pipes: PipeSample[]): Sample => ({ size, pipes, seed: [] });
const input = (sample: Sample, perMonth: number, opts: { settings?: DesignSettings; assumptions?: Partial<Assumptions>; prices?: RegionPrices } = {}): ModelInput => ({
  sample,
  perMonth,
  settings: opts.settings ?? ARM,
  assumptions: { ...ONE_SHARD, ...opts.assumptions },
  durations: Object.fromEntries(sample.pipes.map((p) => [p.group.owner, DURATION])),
  profile: PROFILE,
  prices: opts.prices ?? PRICES,
});
const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `${what}: got ${actual}, expected ${expected}`);
const processed = (bytes: number, route = "normal"): Rec => [bytes, { [route]: "processed" }];

describe("cost: batching model", () => {
  it("records per invocation: 1 + rate per shard x max(window, 0.25 s poll), capped at the batch size", () => {
    const cases: [string, number, number, number, number, number][] = [
      // [case, records a month, batch size, window s, shards, expected]
      ["9/s, window 1 s fills a batch of 10 exactly (the boundary)", 9 * S, 10, 1, 1, 10],
      ["20/s is capped at the batch size", 20 * S, 10, 1, 1, 10],
      ["4/s in a 1 s window: 1 + 4", 4 * S, 10, 1, 1, 5],
      ["4/s over 4 shards: 1/s per shard, 1 + 1", 4 * S, 10, 1, 4, 2],
      ["4/s, window 0: one 0.25 s poll, 1 + 1", 4 * S, 10, 0, 1, 2],
      ["4/s in a 2 s window: 1 + 8", 4 * S, 10, 2, 1, 9],
      ["0.01/s: a window rarely sees a second record", S / 100, 10, 1, 1, 1.01],
      ["nothing passes the filter", 0, 10, 1, 1, 0],
    ];
    for (const [what, perMonth, batchSize, window, shards, expected] of cases) close(recordsPerBatch(perMonth, batchSize, window, shards), expected, what);
  });

  it("64 KB chunks per batch: the JSON array's brackets and commas count; a batch of small records can cross 64 KB", () => {
    const list = (bytes: number[]) => {
      const l = new SizeList();
      bytes.forEach((b) => l.add(b));
      return l;
    };
    const cases: [string, number[], number, number][] = [
      ["65,534-byte record: [ + 65,534 + ] = 65,536 bytes, one chunk", [65534], 1, 1],
      ["65,535-byte record: 65,537 bytes, two chunks", [65535], 1, 2],
      ["ten 6,552-byte records: 65,520 + 2 + 9 commas = 65,531 bytes, one chunk", Array(10).fill(6552), 10, 1],
      ["ten 6,553-byte records: 65,530 + 11 = 65,541 bytes, two chunks", Array(10).fill(6553), 10, 2],
      ["a 100 KB record in batches of two, wrapping around: (2 + 2 + 1) / 3", [1000, 100000, 1000], 2, 5 / 3],
      ["a 40,000-byte record, 1.5 records a batch: halfway between 1 and 2 chunks", [40000], 1.5, 1.5],
      ["a batch longer than the sample repeats it: 3 x 1,000 + 4 = 3,004 bytes", [1000], 3, 1],
      ["no records", [], 10, 0],
    ];
    for (const [what, bytes, size, expected] of cases) close(list(bytes).chunksPerBatch(size), expected, what);
    // The same for N records of one size (a report), in constant memory.
    close(new UniformSizes(3e8, 6553).chunksPerBatch(10), 2, "ten 6,553-byte records");
    close(new UniformSizes(3e8, 6552).chunksPerBatch(10), 1, "ten 6,552-byte records");
    assert.equal(new UniformSizes(3e8, 100000).chunksEach(300), 6e8, "300 M records of 100,300 bytes: two chunks each");
  });

  it("GetRecords calls: four polls a second on each shard all month, unless 1,000-record pages run out first", () => {
    assert.equal(streamReadsPerMonth(10_000_000, 1), 10_512_000);
    assert.equal(streamReadsPerMonth(10_000_000, 4), 42_048_000);
    assert.equal(streamReadsPerMonth(20_000_000_000, 1), 20_000_000);
  });

  it("Lambda's START/END/REPORT lines: 70 + 51 + 139 bytes at 1024 MB and 7 ms (counted by hand from the docs' shape)", () => {
    assert.equal(lambdaPlatformLogBytes(1024, 7), 260);
    assert.equal(lambdaPlatformLogBytes(256, 3), 259);
  });
});

describe("cost: pricing each design by hand", () => {
  it("full batches, 10 records/s on one shard: deployed and esmFiltered differ by the pipe requests and the stream reads alone", () => {
    // 26,280,000 records a month = 10/s; every batch fills: 2,628,000 invocations of 10 records.
    const sample = sampleOf(10, pipe(group("normal"), Array.from({ length: 10 }, () => processed(1000))));
    const d = priceDesigns(input(sample, 26_280_000));
    const n = d.deployed.pipes[0];
    assert.equal(n.recordsPerBatch, 10);
    assert.equal(n.lambdaInvocations, 2_628_000);
    assert.equal(n.pipeRequests, 2_628_000, "10 x 1,000 bytes + 11 = 10,011 bytes: one chunk per batch");
    assert.equal(n.billedMsPerInvocation, 7, "2 ms + 10 x 0.5 ms");
    assert.equal(n.lambdaGbSeconds, 18_396, "2,628,000 x 0.007 s x 1 GB");
    // logs: 2,628,000 x (500 pipe + 400 route + 260 platform) + 2,628,000 outcomes lines x 300
    //     + 2,628,000 x 100 (every batch has orders) + 26,280,000 x 500
    assert.equal(n.logBytes, 3_048_480_000 + 788_400_000 + 262_800_000 + 13_140_000_000);
    assert.equal(n.streamReads, 10_512_000);
    assert.equal(n.customMetrics, 5);
    close(n.metricMonths, 5, "every hour has invocations: five full metric-months");
    const u = d.deployed.usd;
    close(u.pipeRequests, 2.628, "pipe requests");
    close(u.lambdaRequests, 0.5256, "Lambda requests");
    close(u.lambdaDuration, 0.18396, "GB-seconds");
    close(u.streamReads, 1.0512, "10,512,000 x $0.0000001");
    close(u.logIngestion, (17_239_680_000 / GIB) * 0.5, "logs");
    close(u.customMetrics, 1.5, "metrics");
    assert.equal(u.dlqRequests, 0);
    // Effects-once: each of the 26,280,000 processed orders is a put and an update in the idempotency table.
    assert.equal(n.effectWrites, 52_560_000);
    close(u.effectWrites, 52.56, "52,560,000 x $0.000001");

    const e = d.esmFiltered;
    assert.equal(e.lambdaInvocations, 2_628_000, "an ESM batches the same way");
    assert.equal(e.pipeRequests, 0);
    assert.equal(e.streamReads, 10_512_000, "it polls the same");
    assert.equal(e.streamReadsCharged, 0, "but Lambda reads the stream for free");
    close(d.deployed.monthlyUsd - e.monthlyUsd, 2.628 + 1.0512, "the difference is the pipe requests and the stream reads");
    close(e.usd.effectWrites, u.effectWrites, "the same orders, the same effects recorded");
    assert.equal(d.deployed.ordersProcessed, 26_280_000);
    assert.equal(e.ordersProcessed, 26_280_000);
  });

  it("all four designs: half the records are wanted by no route; unfiltered designs deliver them, and drop them quietly", () => {
    // 2,628,000 records a month = 1/s, one shard; the sample: an order normal processes, and a
    // record no route's filter passes, 1,000 bytes each.
    const sample = sampleOf(2, pipe(group("normal"), [processed(1000), [1000, {}]]));
    const d = priceDesigns(input(sample, 2_628_000));
    // filtered: 1,314,000 records at 0.5/s: 1.5 a batch, 876,000 invocations, ceil(2 + 0.75) = 3 ms
    for (const x of ["deployed", "esmFiltered"] as Design[]) {
      const p = d[x].pipes[0];
      assert.equal(p.recordsDelivered, 1_314_000, x);
      close(p.recordsPerBatch, 1.5, x);
      assert.equal(p.lambdaInvocations, 876_000, x);
      assert.equal(p.billedMsPerInvocation, 3, x);
      // 876,000 x (500 + 400 + 260) + 876,000 x 300 + 876,000 x 100 + 1,314,000 x 500
      assert.equal(p.logBytes, 1_016_160_000 + 262_800_000 + 87_600_000 + 657_000_000, x);
    }
    // all: 2,628,000 records at 1/s: 2 a batch, 1,314,000 invocations, ceil(2 + 1) = 3 ms; a batch
    // has an outcome with probability 1 - 0.5^2 = 0.75, and an order likewise; the dropped
    // record writes nothing.
    for (const x of ["esmUnfiltered", "pipesUnfiltered"] as Design[]) {
      const p = d[x].pipes[0];
      assert.equal(p.recordsDelivered, 2_628_000, x);
      assert.equal(p.recordsPerBatch, 2, x);
      assert.equal(p.lambdaInvocations, 1_314_000, x);
      // 1,314,000 x 1,160 + 985,500 x 300 + 985,500 x 100 + 1,314,000 x 500
      assert.equal(p.logBytes, 1_524_240_000 + 295_650_000 + 98_550_000 + 657_000_000, x);
    }
    assert.equal(d.deployed.pipeRequests, 876_000);
    assert.equal(d.pipesUnfiltered.pipeRequests, 1_314_000);
    assert.equal(d.esmFiltered.pipeRequests + d.esmUnfiltered.pipeRequests, 0);
    for (const x of ["deployed", "esmFiltered", "esmUnfiltered", "pipesUnfiltered"] as Design[]) assert.equal(d[x].ordersProcessed, 1_314_000, `${x}: the same orders`);
    // pipesUnfiltered - esmUnfiltered: 1,314,000 pipe requests x $0.000001 + 10,512,000 reads x $0.0000001
    close(d.pipesUnfiltered.monthlyUsd - d.esmUnfiltered.monthlyUsd, 1.314 + 1.0512, "pipes over ESM, unfiltered");
    // esmUnfiltered - esmFiltered: 438,000 more invocations; 0.5 M x 3 ms x 1 GB more; logs
    close(d.esmUnfiltered.usd.lambdaRequests - d.esmFiltered.usd.lambdaRequests, 438_000 * 2e-7, "requests");
    close(d.esmUnfiltered.lambdaGbSeconds - d.esmFiltered.lambdaGbSeconds, 438_000 * 0.003, "GB-seconds");
  });

  it("a batch boundary in bytes: ten 6,552-byte records are one 64 KB chunk, ten 6,553-byte records two; per event, ten", () => {
    // 9 records/s on one shard fill batches of exactly 10: 23,652,000 records, 2,365,200 invocations.
    const at = (bytes: number, assumptions: Partial<Assumptions> = {}) =>
      priceDesign(input(sampleOf(10, pipe(group("normal"), Array.from({ length: 10 }, () => processed(bytes)))), 9 * S, { assumptions }), "deployed");
    assert.equal(at(6552).lambdaInvocations, 2_365_200);
    assert.equal(at(6552).pipeRequests, 2_365_200);
    assert.equal(at(6553).pipeRequests, 4_730_400);
    assert.equal(at(6553, { pipesBillingUnit: "event" }).pipeRequests, 23_652_000, "each record is an event of one chunk");
    assert.equal(at(6553).lambdaInvocations, 2_365_200, "the Lambda side does not change");
  });

  it("a record over 64 KB: two pipe requests for it, one Lambda request; batch size 1, 2,000 records a month", () => {
    // Sample: a 100,000-byte order (processed) and a 1,000-byte one (skipped); x1,000 a month.
    const sample = sampleOf(2, pipe(group("normal"), [processed(100_000), [1000, { normal: "skipped" }]]));
    const d = priceDesigns(input(sample, 2000, { settings: { ...ARM, batchSize: 1 } }));
    const n = d.deployed.pipes[0];
    assert.equal(n.recordsPerBatch, 1);
    assert.equal(n.lambdaInvocations, 2000);
    assert.equal(n.pipeRequests, 3000, "1,000 batches of 2 chunks (100,002 bytes) and 1,000 of 1");
    assert.equal(n.billedMsPerInvocation, 3, "2 + 0.5 = 2.5, rounded up");
    assert.equal(n.lambdaGbSeconds, 6);
    // 2,000 x (500 + 400 + 260) + 2,000 outcomes lines x 300 + 1,000 invocations with an order x 100 + 1,000 x 500 + 1,000 x 100
    assert.equal(n.logBytes, 2_320_000 + 600_000 + 100_000 + 500_000 + 100_000);
    assert.equal(d.esmFiltered.pipeRequests, 0);
    assert.equal(d.esmFiltered.lambdaInvocations, 2000, "a Lambda request is one whatever its payload");
    assert.equal(priceDesign(input(sample, 2000, { settings: { ...ARM, batchSize: 1 }, assumptions: { pipesBillingUnit: "event" } }), "deployed").pipeRequests, 3000, "per event: 2 + 1 per pair");
  });

  it("both architectures: the same GB-seconds at the x86_64 price", () => {
    const sample = sampleOf(10, pipe(group("normal"), Array.from({ length: 10 }, () => processed(1000))));
    const arm = priceDesign(input(sample, 26_280_000), "deployed");
    const x86 = priceDesign(input(sample, 26_280_000, { settings: { ...ARM, lambdaArchitecture: "x86_64" } }), "deployed");
    assert.equal(x86.lambdaGbSeconds, arm.lambdaGbSeconds);
    close(arm.usd.lambdaDuration, 0.18396, "18,396 GB-s x $0.00001");
    close(x86.usd.lambdaDuration, 0.36792, "18,396 GB-s x $0.00002");
    close(x86.monthlyUsd - arm.monthlyUsd, 0.18396, "nothing else changes");
  });

  it("quarantined records: one SQS request per 64 KB of record plus envelope, once per record", () => {
    // 65,000 + 300 = 65,300 bytes: one request; 65,300 + 300 = 65,600: two. x1,000 a month.
    const sample = sampleOf(2, pipe(group("normal"), [[65_000, { normal: "rejected" }], [65_300, { normal: "rejected" }]]));
    const n = priceDesign(input(sample, 2000, { settings: { ...ARM, batchSize: 1 } }), "deployed");
    assert.equal(n.dlqRequests, 3000);
    close(n.usd.dlqRequests, 0.0015, "3,000 x $0.0000005");
    assert.equal(n.customMetrics, 3, "no order metrics without an order");
    assert.equal(n.ordersProcessed, 0);
  });

  it("a shared pipe is one pipe's polling and invocations, with each of its routes' outcomes inside", () => {
    // 1 record/s: half normal orders, half refunds. Shared: one reader at 1/s, 2 a batch,
    // 1,314,000 invocations, 3 ms. Separate: two readers at 0.5/s, 1.5 a batch, 876,000 each.
    const recs: Rec[] = [processed(1000, "normal"), processed(1000, "refunds")];
    const shared = priceDesign(input(sampleOf(2, pipe(group("normal", ["normal", "refunds"]), recs)), S), "deployed");
    const separate = priceDesign(input(sampleOf(2, pipe(group("normal"), recs), pipe(group("refunds"), recs)), S), "deployed");
    assert.equal(shared.pipes.length, 1);
    assert.equal(shared.lambdaInvocations, 1_314_000);
    assert.equal(separate.lambdaInvocations, 1_752_000);
    assert.equal(shared.streamReads, 10_512_000, "one reader polls");
    assert.equal(separate.streamReads, 21_024_000);
    assert.deepEqual(shared.routes, { normal: { ordersProcessed: 1_314_000, skipped: 0, rejected: 0 }, refunds: { ordersProcessed: 1_314_000, skipped: 0, rejected: 0 } });
    assert.equal(shared.customMetrics, 10, "each route's five metrics, in one processor");
    // 1,314,000 x (500 + 400 + 400 + 260) + 1,314,000 outcomes lines x 300 (every batch has an outcome)
    // + 2 routes x 985,500 invocations with their orders x 100 + 2,628,000 x 500
    assert.equal(shared.logBytes, 2_049_840_000 + 394_200_000 + 197_100_000 + 1_314_000_000);
  });
});

describe("cost: assumptions and edges, by hand", () => {
  const sample = sampleOf(10, pipe(group("normal"), Array.from({ length: 10 }, () => processed(1000))));

  it("pipes' stream reads free: the deployed design loses exactly its streams line", () => {
    const charged = priceDesign(input(sample, 26_280_000), "deployed");
    const free = priceDesign(input(sample, 26_280_000, { assumptions: { pipesStreamReads: "free" } }), "deployed");
    assert.equal(free.streamReads, 10_512_000);
    assert.equal(free.usd.streamReads, 0);
    close(charged.monthlyUsd - free.monthlyUsd, 1.0512, "10,512,000 x $0.0000001");
  });

  it("four shards: four times the polling, batches a quarter as full", () => {
    // 10/s over 4 shards: 2.5/s each, 1 + 2.5 = 3.5 a batch: ceil(26,280,000 / 3.5) = 7,508,572 invocations of ceil(2 + 1.75) = 4 ms.
    const p = priceDesign(input(sample, 26_280_000, { assumptions: { shards: 4 } }), "deployed").pipes[0];
    close(p.recordsPerBatch, 3.5, "per batch");
    assert.equal(p.lambdaInvocations, 7_508_572);
    assert.equal(p.billedMsPerInvocation, 4);
    assert.equal(p.streamReads, 42_048_000);
    assert.equal(p.pipeRequests, 7_508_572);
  });

  it("the default shard count: a new on-demand table's four, or one per 1,000 writes a second above that", () => {
    assert.equal(TABLE_BILLING_MODE, "PAY_PER_REQUEST");
    assert.equal(defaultShards(10_000_000), 4);
    assert.equal(defaultShards(4000 * S), 4);
    assert.equal(defaultShards(4001 * S), 5);
    assert.equal(sensitivityCombinations({ pipesBillingUnit: "chunk64k", pipesStreamReads: "charged", shards: 4 }).length, 8, "2 units x 2 read answers x {1, 4} shards");
    assert.equal(sensitivityCombinations({ pipesBillingUnit: "chunk64k", pipesStreamReads: "charged", shards: 1 }).length, 4);
  });

  it("the table the estimate assumes is the one the program declares: on-demand", async function () {
    this.timeout(120000);
    const stack = await evaluateProgram("dev");
    const tables = stack.resources.filter((r) => r.type === "aws:dynamodb/table:Table");
    assert.deepEqual(tables.map((t) => [t.name, t.state.billingMode]).sort(), [["OrderEffects", TABLE_BILLING_MODE], ["Orders", TABLE_BILLING_MODE]]);
  });

  it("custom metrics are prorated by the hours they are sent: one record a month is 1/730 of five metric-months", () => {
    const one = priceDesign(input(sampleOf(1, pipe(group("normal"), [processed(1000)])), 1), "deployed");
    assert.equal(one.lambdaInvocations, 1);
    assert.equal(one.customMetrics, 5);
    close(one.metricMonths, 5 / 730, "five metrics, one hour each");
    close(one.usd.customMetrics, (5 / 730) * 0.3, "$0.0021, not $1.50");
    // 365 orders a month: 365 invocations in 365 hours.
    const half = priceDesign(input(sampleOf(1, pipe(group("normal"), [processed(1000)])), 365), "deployed");
    close(half.metricMonths, (5 * 365) / 730, "half the hours");
  });

  it("log ingestion in volume tiers: 60 TB a month, by hand", () => {
    const tiered: Price = { ...price(0.5), tiers: [{ upTo: 10240, usd: 0.5 }, { upTo: 30720, usd: 0.25 }, { upTo: 51200, usd: 0.1 }, { upTo: null, usd: 0.05 }] };
    // 10,240 x 0.50 + 20,480 x 0.25 + 20,480 x 0.10 + 10,240 x 0.05 = 5,120 + 5,120 + 2,048 + 512
    close(tieredCost(tiered, 61_440), 12_800, "60 TB");
    close(tieredCost(tiered, 8), 4, "8 GB in the first tier");
    close(tieredCost(tiered, 20_480), 5120 + 2560, "20 TB: two tiers");
    assert.equal(tieredCost(price(0.5), 61_440), 30_720, "a flat price");
  });

  it("a total that is not finite is refused, naming the design and the line", () => {
    const absurd: RegionPrices = { ...PRICES, prices: { ...PRICES.prices, lambdaRequest: price(1e308) } };
    assert.throws(() => priceDesigns(input(sample, 1e12, { prices: absurd })), (err: Error) => err instanceof NotFiniteError && /the deployed design's lambdaRequests came to Infinity USD, not a finite amount/.test(err.message));
    assert.throws(() => checkFinite([{ design: "esmFiltered", usd: { pipeRequests: NaN } } as unknown as DesignCost]), /esmFiltered design's pipeRequests came to NaN/);
  });
});

describe("cost: the declared routes classify the sample, per declared pipe", () => {
  const refunds: RouteDeclaration = { name: "refunds", changes: ["MODIFY"], statuses: ["refunded"], amount: "any", excludeTestCustomers: false, step: "refundOrder", pipe: "normal" };
  const declared = routesFromSettings(loadStackFileSettings("dev"), [...ROUTES, refunds]);
  const records = [
    inserted({ amount: "250" }, "r1"), // normal: processed; premium: filtered (INSERT); refunds: filtered
    modified("pending", { status: "shipped", amount: "1500" }, "r2"), // normal and premium: processed
    inserted({ status: "cancelled" }, "r3"), // all filtered
    record({ eventID: "r4", eventName: "REMOVE", oldImage: image({ orderId: "o-4", status: "pending", amount: "250", email: "a@example.com" }) }), // all filtered
    inserted({ amount: "50" }, "r5"), // normal: skipped by the guard (50 <= 100)
    modified("shipped", { status: "refunded", amount: "5" }, "r6"), // refunds: processed (any amount)
  ];
  const builder = new SampleBuilder(declared.routes.map(routeEvaluator), declared.pipes);
  records.forEach((r) => builder.add(r));
  const sample = builder.build();

  it("three routes on two pipes: refunds rides on normal's pipe, which delivers what either filter passes", () => {
    assert.deepEqual(sample.pipes.map((p) => p.group.routes), [["normal", "refunds"], ["premium"]]);
    const normal = sample.pipes[0].delivery.filtered;
    assert.equal(normal.sizes.count, 4, "r1, r2, r5 for normal, r6 for refunds");
    assert.deepEqual(normal.routes.normal, { processed: 2, skipped: 1, rejected: 0, failed: 0 });
    assert.deepEqual(normal.routes.refunds, { processed: 1, skipped: 0, rejected: 0, failed: 0 });
    assert.equal(sample.pipes[1].delivery.filtered.sizes.count, 1);
    assert.equal(sample.pipes[0].delivery.all.sizes.count, 6, "unfiltered: every record");
    assert.equal(sample.pipes[0].delivery.all.handled, 4);
  });

  it("priced at 6,000 a month: one pipe's polling for the three routes; every design processes the same 4,000 orders", () => {
    const d = priceDesigns({ sample, perMonth: 6000, settings: ARM, assumptions: ONE_SHARD, durations: { normal: DURATION, premium: DURATION }, profile: PROFILE, prices: PRICES });
    for (const x of ["deployed", "esmFiltered", "esmUnfiltered", "pipesUnfiltered"] as Design[]) {
      assert.equal(d[x].ordersProcessed, 4000, x);
      assert.deepEqual(Object.fromEntries(Object.entries(d[x].routes).map(([r, c]) => [r, c.ordersProcessed])), { normal: 2000, refunds: 1000, premium: 1000 }, x);
      assert.equal(d[x].pipes.length, 2, x);
    }
    assert.equal(d.deployed.streamReads, 2 * 10_512_000, "two readers, not three");
  });

  it("the seed's filters: normal's pipe is refused, premium's matches nothing; the verdict is their polling and no order", () => {
    assert.deepEqual(sample.seed.map((s) => [s.route, s.filter.pipes.accepted, s.matches]), [["normal", false, 0], ["premium", true, 0]]);
    const seed = priceSeedLiteral({ sample, perMonth: 6000, settings: ARM, assumptions: ONE_SHARD, durations: { normal: DURATION, premium: DURATION }, profile: PROFILE, prices: PRICES });
    assert.equal(seed.ordersProcessed, 0);
    assert.equal(seed.lambdaInvocations, 0);
    assert.deepEqual(seed.pipes.map((p) => [p.owner, p.exists, p.streamReads]), [["normal", false, 0], ["premium", true, 10_512_000]]);
    close(seed.monthlyUsd, 1.0512, "only premium's polling");
  });

  it("the headline names the cheapest design that processes the same orders, and says when pipes cost more", () => {
    const e = estimate({
      stack: "dev",
      perMonth: 6000,
      input: { kind: "records", file: "t", records: 6 },
      sample,
      settings: ARM,
      assumptions: ONE_SHARD,
      assumptionsSet: [],
      durations: { normal: DURATION, premium: DURATION },
      profile: PROFILE,
      prices: PRICES,
      sensitivity: true,
    });
    assert.equal(e.headline.cheapest, "esmFiltered");
    assert.ok(e.headline.differenceUsd > 0);
    assert.match(e.headline.text, /^deployed \(pipes with filters\) costs \$[\d.]+ a month; the cheapest design that processes the same 4,000 orders is esmFiltered at \$[\d.]+: the pipes cost \$[\d.]+ \([\d.]+ %\) more, mostly DynamoDB Streams reads/);
    assert.equal(e.sensitivity?.length, 4);
    const free = e.sensitivity?.find((s) => s.assumptions.pipesStreamReads === "free" && s.assumptions.pipesBillingUnit === "chunk64k");
    assert.ok(free && free.differenceUsd < e.headline.differenceUsd, "without charged reads the gap shrinks");
    assert.match(e.seedVerdict, /^seed's filters as written \(a verdict, not a design\): \$1\.05 a month and 0 orders processed: they process nothing on AWS\. normal's would be refused/);
  });
});

describe("cost: chunks helper", () => {
  it("a record is at least one chunk", () => assert.deepEqual([chunks(0), chunks(65536), chunks(65537)], [1, 1, 2]));
});

describe("cost: the canary, by hand", () => {
  // The seed's routes with a heartbeat every 5 minutes: 730 h x 12 = 8,760 periods a month.
  // Writes a period: normal's beat, premium's prepare and beat = 3, each a Scheduler invocation,
  // a table write and a stream record. Normal's filter (pending|shipped) passes all three;
  // premium's (pending → shipped) only its beat. Test prices: Scheduler $1e-6, a write $1e-6, a
  // pipe request $1e-6, a Lambda request $2e-7, a GB-second $1e-5 (arm64), logs $0.5/GB, a
  // metric-month $0.3; handler 2 ms + 0.5 ms a record (billed 3 ms) at 1024 MB; 1,000 bytes of
  // processor lines per heartbeat invocation.
  const declared = routesFromSettings(loadStackFileSettings("dev"));
  const load = canaryLoad(declared.routes, declared.pipes, 5);
  const sample = sampleOf(1, pipe(group("normal"), [processed(1000)]), pipe(group("premium"), [[1000, {}]]));
  const withCanary = (): ModelInput => ({ ...input(sample, 1_000_000), canary: load });
  const platform = lambdaPlatformLogBytes(1024, 3);

  it("the load: 3 writes and 3 records a period; per reader 3 / 1 records through the filters, 3 / 3 unfiltered", () => {
    assert.deepEqual(
      [load.periodsPerMonth, load.routes, load.writesPerPeriod, load.recordsPerPeriod, load.deliveredPerPeriod],
      [8760, 2, 3, 3, { normal: { filtered: 3, all: 3 }, premium: { filtered: 1, all: 3 } }],
    );
  });

  it("deployed: 26,280 Scheduler invocations and writes, 35,040 heartbeat invocations and pipe requests, 2 Heartbeats metrics", () => {
    const c = priceDesign(withCanary(), "deployed").canary;
    assert.ok(c);
    assert.deepEqual([c.schedulerInvocations, c.tableWrites, c.streamRecords, c.lambdaInvocations, c.pipeRequests, c.metricMonths], [26_280, 26_280, 26_280, 35_040, 35_040, 2]);
    close(c.lambdaGbSeconds, 105.12, "35,040 x 3 ms x 1 GB");
    assert.equal(c.logBytes, 35_040 * (1000 + platform));
    close(c.usd.scheduler, 0.02628, "26,280 x $1e-6");
    close(c.usd.tableWrites, 0.02628, "26,280 x $1e-6");
    close(c.usd.pipeRequests, 0.03504, "35,040 x $1e-6");
    close(c.usd.lambdaRequests, 0.007008, "35,040 x $2e-7");
    close(c.usd.lambdaDuration, 0.0010512, "105.12 GB-s x $1e-5");
    close(c.usd.logIngestion, ((35_040 * (1000 + platform)) / GIB) * 0.5, "the canary's bytes at $0.5/GB");
    close(c.usd.customMetrics, 0.6, "2 metric-months x $0.3");
  });

  it("every design writes the same heartbeats; an ESM pays no pipe requests; unfiltered, every reader takes all 3 records", () => {
    const d = priceDesigns(withCanary());
    const plain = priceDesigns(input(sample, 1_000_000));
    for (const x of ["deployed", "esmFiltered", "esmUnfiltered", "pipesUnfiltered"] as const) {
      const c = d[x].canary;
      assert.ok(c, x);
      assert.equal(c.tableWrites, 26_280, x);
      close(d[x].usd.canary, Object.values(c.usd).reduce((a, b) => a + b, 0), `${x}: the line is the sum of its parts`);
      close(d[x].monthlyUsd - plain[x].monthlyUsd, d[x].usd.canary, `${x}: the canary adds its line and nothing else`);
      assert.equal(plain[x].usd.canary, 0, `${x} without a canary`);
    }
    assert.deepEqual([d.esmFiltered.canary?.lambdaInvocations, d.esmFiltered.canary?.pipeRequests], [35_040, 0]);
    assert.deepEqual([d.esmUnfiltered.canary?.lambdaInvocations, d.esmUnfiltered.canary?.pipeRequests], [52_560, 0]);
    assert.deepEqual([d.pipesUnfiltered.canary?.lambdaInvocations, d.pipesUnfiltered.canary?.pipeRequests], [52_560, 52_560]);
  });

  it("a period of 60 min: 730 periods, a twelfth of the writes; the metrics still every hour", () => {
    const hourly = canaryLoad(declared.routes, declared.pipes, 60);
    const c = priceDesign({ ...input(sample, 1_000_000), canary: hourly }, "deployed").canary;
    assert.deepEqual([c?.schedulerInvocations, c?.lambdaInvocations, c?.metricMonths], [2_190, 2_920, 2]);
  });
});
