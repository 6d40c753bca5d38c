import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe as describeEvent, kindOf, SHOW_KINDS, showKinds } from "../cli/liveLines";
import { loadStackFileSettings } from "../config/stackFile";
import { ORDERS_LISTED, type LedgerEvent, PipeLedger } from "../local/ledger";
import { formatReport } from "../local/report";
import { appendRedriven, followRedrives, reportedOutcomes } from "../local/redriveLog";
import type { RunReport } from "../local/runtime";
import type { WireRecord } from "../local/wireFormat";
import { routeEvaluator } from "../routing/decide";
import { routesFromSettings } from "../routing/stackRoutes";
import { inserted, modified, record } from "./support/records";
import { sh } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// Issue 17 §3: the watch tells every order's story: a line per record per route outcome, keyed
// by orderId; --show thins it; the report names the orders behind its counts, bounded.

const dev = routesFromSettings(loadStackFileSettings("dev"));
const evaluators = dev.routes.map(routeEvaluator);
const wire = (r: Record<string, unknown>) => r as unknown as WireRecord;

describe("the ledger: every order's outcome on each route, by orderId", () => {
  it("says each filtered record with its order, new status and who filtered it; a delete as removed; a dead letter with the pipe's condition", () => {
    const events: LedgerEvent[] = [];
    const normalOnly = new PipeLedger([evaluators[0]], (e) => events.push(e));
    const cancelled = wire(modified("pending", { orderId: "o-c", status: "cancelled", amount: "300" }));
    const removed = wire(record({ eventName: "REMOVE", oldImage: { orderId: { S: "o-r" }, orderStatus: { S: "pending" } } }));
    const failing = wire(inserted({ orderId: "o-d" }));
    for (const r of [cancelled, removed, failing]) normalOnly.read(r);
    normalOnly.settled([cancelled, removed], "filtered");
    normalOnly.settled([failing], "deadLettered", { condition: "RetryAttemptsExhausted" });
    assert.deepEqual(
      events.map((e) => [e.route, e.outcome, e.orderId, e.status, e.reason]),
      [
        ["normal", "filtered", "o-c", "cancelled", "by the pipe"],
        ["normal", "filtered", "o-r", "removed", "by the pipe"],
        ["normal", "deadLettered", "o-d", "pending", "RetryAttemptsExhausted"],
      ],
    );
    assert.deepEqual(normalOnly.ordersOf("normal").deadLettered, { orderIds: ["o-d"], more: 0 });
  });

  it("on a shared pipe, a record another route takes is filtered on this one by the processor's check", () => {
    const events: LedgerEvent[] = [];
    const shared = new PipeLedger(evaluators, (e) => events.push(e));
    const small = wire(inserted({ orderId: "o-1", amount: "250" }));
    shared.read(small);
    shared.settled([small], "delivered");
    shared.reported({ route: "normal", outcome: "processed", eventID: small.eventID, orderId: "o-1", status: "pending" }, Date.now());
    const premium = events.find((e) => e.route === "premium");
    assert.deepEqual([premium?.outcome, premium?.reason], ["filtered", "by the processor's check (its pipe serves another route)"]);
    assert.deepEqual(shared.ordersOf("normal").processed, { orderIds: ["o-1"], more: 0 });
  });

  it("names the first ORDERS_LISTED orders of each outcome and counts the rest, so a long watch stays bounded", () => {
    const ledger = new PipeLedger([evaluators[1]]);
    const records = Array.from({ length: ORDERS_LISTED + 7 }, (_, i) => wire(inserted({ orderId: `o-${i}` })));
    for (const r of records) ledger.read(r);
    ledger.settled(records, "filtered");
    const filtered = ledger.ordersOf("premium").filtered;
    assert.equal(filtered.orderIds.length, ORDERS_LISTED);
    assert.equal(filtered.more, 7);
    assert.equal(filtered.orderIds[0], "o-0");
    assert.equal(ledger.tally("premium").filtered, filtered.orderIds.length + filtered.more);
  });
});

describe("the live lines", () => {
  const line = (event: string, detail: Record<string, unknown>) => describeEvent({ event, detail });

  it("one per outcome, keyed by orderId and status", () => {
    assert.equal(line("order.filtered", { route: "premium", orderId: "o-1", status: "pending", reason: "by the pipe" }), "  - premium: o-1 (pending) filtered by the pipe");
    assert.equal(line("order.skipped", { route: "normal", orderId: "o-2", status: "pending", reason: "orderAmount 50 is not above 100" }), "  · normal: skipped o-2 (pending): orderAmount 50 is not above 100");
    assert.equal(line("order.processed", { route: "normal", orderId: "o-3", status: "shipped", repeat: true }), "  = normal: o-3 (shipped) already done: repeat suppressed");
    assert.equal(
      line("order.deadLettered", { route: "normal", orderId: "o-4", status: "pending", reason: "RecordAgeExceeded" }),
      "  ☠ normal: o-4 (pending) dead-lettered (RecordAgeExceeded): the DLQ holds a pointer to its record",
    );
    assert.equal(line("order.redriven", { route: "normal", orderId: "o-5", status: "pending", outcome: "processed" }), "  ↺ normal: redriven o-5 (pending): processed");
    assert.equal(line("order.redriven", { route: "normal", orderId: "o-5", status: "pending", outcome: "skipped", reason: "orderAmount 50 is not above 100" }), "  ↺ normal: redriven o-5 (pending): skipped (orderAmount 50 is not above 100)");
  });

  it("a retry names its orders, the first five and how many more", () => {
    const keys = ["o-1", "o-2", "o-3", "o-4", "o-5"];
    assert.equal(line("pipe.batch_failed", { pipe: "NormalOrdersPipe", attempt: 1, maximumRetryAttempts: 5, records: 7, keys }), "  ↻ NormalOrdersPipe: retry 1 of 5 for o-1, o-2, o-3, o-4, o-5 and 2 more");
    assert.equal(line("pipe.batch_failed", { pipe: "NormalOrdersPipe", attempt: 6, maximumRetryAttempts: 5, records: 1, keys: ["o-1"] }), undefined, "the attempt after the last is the dead letter, said per order");
  });

  it("--show takes the kinds it names, refuses an unknown one naming it and the kinds there are", () => {
    assert.equal(showKinds(undefined), undefined);
    assert.deepEqual([...(showKinds("processed, rejected") ?? [])], ["processed", "rejected"]);
    assert.throws(() => showKinds("processd,rejected"), /^Error: --show "processd,rejected": unknown kind processd; expected a comma-separated list of filtered, skipped, processed, repeat, rejected, failed, retried, deadLettered, redriven$/);
    assert.throws(() => showKinds(","), /--show ",": names no kind/);
    // Every kind is the kind of some line; the pipe's and the canary's own troubles have none (always said).
    const kinds = new Set(
      [
        ["order.filtered", {}],
        ["order.skipped", {}],
        ["order.processed", {}],
        ["order.processed", { repeat: true }],
        ["order.rejected", {}],
        ["order.failed", {}],
        ["pipe.batch_failed", {}],
        ["order.deadLettered", {}],
        ["order.redriven", {}],
      ].map(([event, detail]) => kindOf({ event: event as string, detail: detail as Record<string, unknown> })),
    );
    assert.deepEqual([...kinds].sort(), [...SHOW_KINDS].sort());
    assert.equal(kindOf({ event: "pipe.error", detail: {} }), undefined);
    assert.equal(kindOf({ event: "canary.silent", detail: {} }), undefined);
  });

  it("a bad --show is refused before anything starts, as the README spells the command", async () => {
    const r = await sh("npm run --silent cli -- local --stack dev --show procesed");
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--show "procesed": unknown kind procesed; expected a comma-separated list of filtered, /);
    assert.equal(r.stdout, "", "nothing started");
  });
});

describe("the report names the orders behind its counts", () => {
  const summary = { count: 0, p50: null, p99: null, max: null, mean: null, min: null };
  const none = { orderIds: [], more: 0 };
  const report = (orders: Record<string, { orderIds: string[]; more: number }>, rejected = 0) =>
    ({
      pipes: [{ pipe: "P", processor: "Proc", routes: ["normal"], dlqUrl: "u", counts: { read: 3, filtered: 0, delivered: 3, retried: 0, deadLettered: 0, invocations: 1, failedInvocations: 0 }, heartbeatRecords: 0 }],
      routes: [
        {
          route: "normal",
          pipe: "P",
          counts: { read: 3, filtered: 0, skipped: 3 - rejected, processed: 0, rejected, deadLettered: 0, unreported: 0, repeats: 0 },
          retried: 0,
          inFlight: 0,
          latencyMs: summary,
          heartbeats: summary,
          orders: { filtered: none, skipped: none, processed: none, rejected: none, deadLettered: none, ...orders },
        },
      ],
    }) as unknown as RunReport;

  it("skipped, rejected and dead-lettered by orderId (an order with two records once, ×2); the rest counted; 'quarantined' only when some were", () => {
    const text = formatReport(report({ skipped: { orderIds: ["o-1", "o-2", "o-1"], more: 4 } }));
    assert.match(text, /\n {4}orders {5}skipped o-1 ×2, o-2 and 4 records more\n/);
    assert.match(text, /rejected 0\n/, "no '(quarantined in the DLQ)' after a 0");
    assert.match(text, /latency {4}write → processed: no order processed\n/);
    assert.match(formatReport(report({ rejected: { orderIds: ["o-9"], more: 0 } }, 1)), /rejected 1 \(quarantined in the DLQ\)\n.*\n {4}orders {5}rejected o-9\n/);
    assert.doesNotMatch(formatReport(report({})), /orders {5}/, "no line when there is nothing to look at");
  });
});

describe("a redrive in another process shows in the watch", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir("orders-redrives-")));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the processor's per-record report becomes lines of the log, which the watch follows from its start; stopping removes the log", async () => {
    const file = path.join(dir, "dev.redrives.jsonl");
    fs.writeFileSync(file, '{"route":"normal","outcome":"processed","eventID":"old"}\n'); // a previous watch's
    const seen: unknown[] = [];
    const follow = followRedrives(file, (o) => seen.push(o), 20);
    const reported = reportedOutcomes(JSON.stringify({ level: "INFO", message: "batch.outcomes", timestamp: "2026-11-30T08:00:00.000Z", outcomes: [{ route: "normal", outcome: "processed", eventID: "e1", orderId: "o-1", status: "pending" }] }));
    assert.ok(reported);
    assert.equal(reported.at, Date.parse("2026-11-30T08:00:00.000Z"));
    appendRedriven(file, reported.outcomes);
    assert.equal(reportedOutcomes('{"message":"batch.done","processed":1}'), undefined);
    assert.equal(reportedOutcomes("not json"), undefined);
    fs.appendFileSync(file, '{"route":"normal","outcome":"skipped","eventID":"e2"'); // half a line: not yet
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(seen, [{ route: "normal", outcome: "processed", eventID: "e1", orderId: "o-1", status: "pending" }]);
    fs.appendFileSync(file, ',"orderId":"o-2"}\n');
    follow.stop();
    assert.deepEqual((seen[1] as { orderId: string }).orderId, "o-2");
    assert.ok(!fs.existsSync(file));
    appendRedriven(file, reported.outcomes); // the watch is gone: no failure, and no file left behind
    assert.ok(!fs.existsSync(file));
  });
});
