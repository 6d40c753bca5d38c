import { strict as assert } from "node:assert";
import * as path from "node:path";
import { loadStackFileSettings } from "../config/stackFile";
import { chunksPerBatch, recordsPerBatch, SECONDS_PER_MONTH, streamReadsPerMonth } from "../cost/batching";
import type { HandlerProfile, RouteProfile } from "../cost/handlerProfile";
import { lambdaPlatformLogBytes } from "../cost/lambdaPlatformLogs";
import { loadLocalReport } from "../cost/localReport";
import { type DesignCost, type DesignSettings, type ModelInput, priceDesign, priceDesigns, saving } from "../cost/model";
import type { RegionPrices } from "../cost/priceList";
import { type DeliveredRecord, type RouteSample, type Sample, SampleBuilder, sampleFromReport } from "../cost/sample";
import { seedFilter } from "../cost/seedFilters";
import { routeEvaluator } from "../routing/decide";
import { ROUTE_NAMES, routesFromSettings } from "../routing/route";
import { image, inserted, modified, record } from "./support/records";

// The cost model on small samples whose figures are worked out by hand in the comments.
// Round test prices and a test handler profile keep the arithmetic checkable.

const S = SECONDS_PER_MONTH; // 2,628,000 s in a 730-hour month

const TEST_ROUTE_PROFILE: RouteProfile = {
  logBytesPerInvocation: 1000,
  logBytesPerInvocationWithOrders: 100,
  logBytesPerRecord: { processed: 500, skipped: 10, rejected: 400, filtered: 300 },
  quarantineEnvelopeBytes: 300,
  metrics: { perInvocation: ["ns/a [service]", "ns/b [service]", "ns/c [service]"], withOrders: ["ns/d [service]", "ns/e [service]"] },
  durationMs: { perInvocation: 2, perRecord: 0.5 },
};
const PROFILE: HandlerProfile = { measuredAt: "test", measuredWith: "test", routes: { normal: TEST_ROUTE_PROFILE, premium: TEST_ROUTE_PROFILE } };

const price = (usd: number) => ({ usd, unit: "test", from: "secondary" as const, source: "test" });
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
    logsIngestionGb: price(0.5),
    customMetricMonth: price(0.3),
  },
};
const ARM: DesignSettings = { batchSize: 10, batchingWindowSeconds: 1, lambdaMemoryMb: 1024, lambdaArchitecture: "arm64" };
const DURATIONS = { normal: { perInvocationMs: 2, perRecordMs: 0.5, source: "test" }, premium: { perInvocationMs: 2, perRecordMs: 0.5, source: "test" } };

/** A sample whose every design holds the same deliveries (the model tests price one design). */
function sampleOf(size: number, normal: DeliveredRecord[], premium: DeliveredRecord[] = []): Sample {
  const routes = { normal: { pipeCreated: true, delivered: normal, deadLettered: 0 }, premium: { pipeCreated: true, delivered: premium, deadLettered: 0 } };
  return { size, designs: { deployed: routes, unfiltered: routes, seedLiteral: routes }, seedMatches: undefined, seedFilters: { normal: seedFilter("normal"), premium: seedFilter("premium") } };
}
const many = (n: number, bytes: number, outcome: DeliveredRecord["outcome"]): DeliveredRecord[] => Array.from({ length: n }, () => ({ bytes, outcome }));
const input = (sample: Sample, perMonth: number, settings = ARM): ModelInput => ({ sample, perMonth, settings, durations: DURATIONS, profile: PROFILE, prices: PRICES });
const GIB = 1024 ** 3;

describe("cost: batching model", () => {
  it("records per invocation: 1 + rate x max(window, 0.25 s poll), capped at the batch size", () => {
    const cases: [string, number, number, number, number][] = [
      // [case, records a month, batch size, window s, expected]
      ["9/s, window 1 s fills a batch of 10 exactly", 9 * S, 10, 1, 10],
      ["20/s is capped at the batch size", 20 * S, 10, 1, 10],
      ["4/s in a 1 s window: 1 + 4", 4 * S, 10, 1, 5],
      ["4/s, window 0: one 0.25 s poll, 1 + 1", 4 * S, 10, 0, 2],
      ["4/s in a 2 s window: 1 + 8", 4 * S, 10, 2, 9],
      ["0.01/s: a window rarely sees a second record", S / 100, 10, 1, 1.01],
      ["nothing passes the filter", 0, 10, 1, 0],
    ];
    for (const [what, perMonth, batchSize, window, expected] of cases) {
      assert.ok(Math.abs(recordsPerBatch(perMonth, batchSize, window) - expected) < 1e-9, `${what}: got ${recordsPerBatch(perMonth, batchSize, window)}`);
    }
  });

  it("64 KB chunks per batch: the JSON array's brackets and commas count; a batch of small records can cross 64 KB", () => {
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
    for (const [what, bytes, size, expected] of cases) {
      assert.ok(Math.abs(chunksPerBatch(bytes, size) - expected) < 1e-12, `${what}: got ${chunksPerBatch(bytes, size)}`);
    }
  });

  it("GetRecords calls: four polls a second all month, unless 1,000-record pages run out first", () => {
    assert.equal(streamReadsPerMonth(10_000_000), 4 * 2_628_000); // 10,512,000
    assert.equal(streamReadsPerMonth(20_000_000_000), 20_000_000);
  });

  it("Lambda's START/END/REPORT lines: 70 + 51 + 139 bytes at 1024 MB and 7 ms (counted by hand from the docs' shape)", () => {
    assert.equal(lambdaPlatformLogBytes(1024, 7), 260);
    assert.equal(lambdaPlatformLogBytes(1024, 3), 260);
    assert.equal(lambdaPlatformLogBytes(256, 3), 259);
  });
});

describe("cost: pricing a design", () => {
  it("full batches: 10 records/s through one pipe, batch 10, window 1 s, 1024 MB arm64", () => {
    // 26,280,000 records a month = 10/s; every batch fills: 2,628,000 invocations of 10 records.
    const c = priceDesign(input(sampleOf(10, many(10, 1000, "processed")), 26_280_000), "deployed");
    const n = c.routes.normal;
    assert.equal(n.recordsPerBatch, 10);
    assert.equal(n.lambdaInvocations, 2_628_000);
    assert.equal(n.pipeRequests, 2_628_000, "10 x 1,000 bytes + 11 = 10,011 bytes: one chunk per batch");
    assert.equal(n.billedMsPerInvocation, 7, "2 ms + 10 x 0.5 ms");
    assert.equal(n.lambdaGbSeconds, 18_396, "2,628,000 x 0.007 s x 1 GB");
    // logs: 2,628,000 x (1,000 + 260 platform) + 2,628,000 x 100 (every batch has orders) + 26,280,000 x 500
    assert.equal(n.logBytes, 16_714_080_000);
    assert.equal(n.streamReads, 10_512_000);
    assert.equal(n.customMetrics, 5);
    assert.equal(n.ordersProcessed, 26_280_000);
    const usd = n.usd;
    assert.ok(Math.abs(usd.pipeRequests - 2.628) < 1e-9);
    assert.ok(Math.abs(usd.lambdaRequests - 0.5256) < 1e-9);
    assert.ok(Math.abs(usd.lambdaDuration - 0.18396) < 1e-9);
    assert.ok(Math.abs(usd.streamReads - 1.0512) < 1e-9);
    assert.ok(Math.abs(usd.logIngestion - (16_714_080_000 / GIB) * 0.5) < 1e-9);
    assert.ok(Math.abs(usd.customMetrics - 1.5) < 1e-9);
    assert.equal(usd.dlqRequests, 0);
    // The premium pipe delivered nothing: no invocations, no metrics, but it still polls.
    assert.deepEqual([c.routes.premium.lambdaInvocations, c.routes.premium.customMetrics, c.routes.premium.streamReads], [0, 0, 10_512_000]);
    assert.equal(c.lambdaInvocations, 2_628_000);
    assert.equal(c.streamReads, 21_024_000);
  });

  it("both architectures: the same GB-seconds at the x86_64 price", () => {
    const sample = sampleOf(10, many(10, 1000, "processed"));
    const arm = priceDesign(input(sample, 26_280_000), "deployed");
    const x86 = priceDesign(input(sample, 26_280_000, { ...ARM, lambdaArchitecture: "x86_64" }), "deployed");
    assert.equal(x86.lambdaGbSeconds, arm.lambdaGbSeconds);
    assert.ok(Math.abs(arm.usd.lambdaDuration - 0.18396) < 1e-9);
    assert.ok(Math.abs(x86.usd.lambdaDuration - 0.36792) < 1e-9, "18,396 GB-s x $0.00002");
    assert.ok(Math.abs(x86.monthlyUsd - arm.monthlyUsd - 0.18396) < 1e-9, "nothing else changes");
  });

  it("a record over 64 KB: two pipe requests for its batch; batch size 1, 2,000 records a month", () => {
    // Sample: a 100,000-byte order (processed) and a 1,000-byte one (skipped); x1,000 a month.
    const sample = sampleOf(2, [{ bytes: 100_000, outcome: "processed" }, { bytes: 1000, outcome: "skipped" }]);
    const n = priceDesign(input(sample, 2000, { ...ARM, batchSize: 1 }), "deployed").routes.normal;
    assert.equal(n.recordsPerBatch, 1);
    assert.equal(n.lambdaInvocations, 2000);
    assert.equal(n.pipeRequests, 3000, "1,000 batches of 2 chunks (100,002 bytes) and 1,000 of 1");
    assert.equal(n.billedMsPerInvocation, 3, "2 + 0.5 = 2.5, rounded up");
    assert.equal(n.lambdaGbSeconds, 6);
    // 2,000 x (1,000 + 260) + 1,000 invocations with an order x 100 + 1,000 x 500 + 1,000 x 10
    assert.equal(n.logBytes, 3_130_000);
    assert.equal(n.customMetrics, 5);
    assert.equal(n.ordersProcessed, 1000);
  });

  it("quarantined records: one SQS request per 64 KB of record plus envelope", () => {
    // 65,000 + 300 = 65,300 bytes: one request; 65,300 + 300 = 65,600: two. x1,000 a month.
    const sample = sampleOf(2, [{ bytes: 65_000, outcome: "rejected" }, { bytes: 65_300, outcome: "rejected" }]);
    const n = priceDesign(input(sample, 2000, { ...ARM, batchSize: 1 }), "deployed").routes.normal;
    assert.equal(n.dlqRequests, 3000);
    assert.ok(Math.abs(n.usd.dlqRequests - 0.0015) < 1e-12);
    assert.equal(n.customMetrics, 3, "no order metrics without an order");
    assert.equal(n.ordersProcessed, 0);
  });

  it("saving: what the deployed design saves against the unfiltered one", () => {
    const d = { deployed: { monthlyUsd: 10 }, unfiltered: { monthlyUsd: 15 }, seedLiteral: { monthlyUsd: 1 } } as unknown as Record<"deployed" | "unfiltered" | "seedLiteral", DesignCost>;
    const s = saving(d);
    assert.equal(s.usd, 5);
    assert.ok(Math.abs(s.percent - 100 / 3) < 1e-9);
  });
});

describe("cost: three designs on one sample, classified by the deployed routes", () => {
  const routes = routesFromSettings(loadStackFileSettings("dev"));
  const evaluators = ROUTE_NAMES.map((r) => routeEvaluator(routes[r]));
  const records = [
    inserted({ amount: "250" }, "r1"), // normal: processed; premium: filtered (INSERT)
    modified("pending", { status: "shipped", amount: "1500" }, "r2"), // both: processed
    inserted({ status: "cancelled" }, "r3"), // both: filtered by status
    record({ eventID: "r4", eventName: "REMOVE", oldImage: image({ orderId: "o-4", status: "pending", amount: "250", email: "a@example.com" }) }), // both: filtered
    inserted({ amount: "50" }, "r5"), // normal: passes the filter, skipped by the guard (50 <= 100)
  ];
  const builder = new SampleBuilder(evaluators);
  records.forEach((r) => builder.add(r));
  const sample = builder.build();
  const outcomes = (rs: RouteSample) => rs.delivered.map((d) => d.outcome);

  it("deployed: only what passes each pipe's filter reaches its processor", () => {
    assert.equal(sample.size, 5);
    assert.deepEqual(outcomes(sample.designs.deployed.normal), ["processed", "processed", "skipped"]);
    assert.deepEqual(outcomes(sample.designs.deployed.premium), ["processed"]);
  });

  it("unfiltered: every record reaches both processors, whose own check drops the rest", () => {
    assert.deepEqual(outcomes(sample.designs.unfiltered.normal), ["processed", "processed", "filtered", "filtered", "skipped"]);
    assert.deepEqual(outcomes(sample.designs.unfiltered.premium), ["filtered", "processed", "filtered", "filtered", "filtered"]);
  });

  it("seedLiteral: the normal pipe cannot be created, the premium one matches nothing", () => {
    assert.equal(sample.designs.seedLiteral.normal.pipeCreated, false);
    assert.equal(sample.designs.seedLiteral.premium.pipeCreated, true);
    assert.deepEqual(sample.seedMatches, { normal: 0, premium: 0 });
    assert.equal(sample.designs.seedLiteral.premium.delivered.length, 0);
  });

  it("priced at 5,000 a month: same orders deployed and unfiltered, fewer invocations deployed, nothing for the seed", () => {
    const d = priceDesigns(input(sample, 5000, { ...ARM, lambdaMemoryMb: 256 }));
    // deployed normal: 3,000 records at 3,000/2,628,000 per s: 3,000 / 1.00114 = 2,996.6 -> 2,997
    assert.equal(d.deployed.routes.normal.lambdaInvocations, 2997);
    assert.equal(d.deployed.routes.premium.lambdaInvocations, 1000); // 1,000 / 1.00038 = 999.6
    assert.equal(d.unfiltered.routes.normal.lambdaInvocations, 4991); // 5,000 / 1.0019 = 4,990.5
    assert.equal(d.unfiltered.routes.premium.lambdaInvocations, 4991);
    assert.equal(d.deployed.ordersProcessed, 3000);
    assert.equal(d.unfiltered.ordersProcessed, 3000);
    assert.equal(d.seedLiteral.ordersProcessed, 0);
    assert.equal(d.seedLiteral.lambdaInvocations, 0);
    assert.equal(d.seedLiteral.routes.normal.streamReads, 0, "a pipe that was never created reads nothing");
    assert.ok(Math.abs(d.seedLiteral.monthlyUsd - 1.0512) < 1e-9, "only the premium pipe's polling: 10,512,000 x $0.0000001");
    assert.ok(d.unfiltered.monthlyUsd > d.deployed.monthlyUsd);
  });
});

describe("cost: a local run's report as the sample", () => {
  const report = loadLocalReport(path.join(__dirname, "fixtures", "cost", "report-demo.json"));
  const sample = sampleFromReport(report, 800);
  const count = (rs: RouteSample, o: string) => rs.delivered.filter((d) => d.outcome === o).length;

  it("deployed: the handled records and the dead-lettered one; unfiltered adds what the filter dropped", () => {
    assert.equal(sample.size, 20);
    const normal = sample.designs.deployed.normal;
    assert.deepEqual(["processed", "skipped", "rejected", "failed"].map((o) => count(normal, o)), [9, 5, 1, 1]);
    assert.equal(normal.deadLettered, 1);
    assert.equal(sample.designs.unfiltered.normal.delivered.length, 20, "16 delivered + 4 filtered");
    assert.equal(count(sample.designs.unfiltered.normal, "filtered"), 4);
    assert.equal(sample.designs.deployed.premium.delivered.length, 4);
    assert.equal(sample.designs.unfiltered.premium.delivered.length, 20);
    assert.ok(sample.designs.deployed.normal.delivered.every((d) => d.bytes === 800));
    assert.equal(sample.designs.seedLiteral.normal.pipeCreated, false);
    assert.equal(sample.designs.seedLiteral.premium.delivered.length, 0);
  });
});
