import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { bundleProcessor } from "../infra/bundle";
import { dlqQueueFor, listDlq, redriveDlq, resolvePointer } from "../local/dlq";
import { JAVA_MISSING, startDynamoLocal } from "../local/dynamoLocal";
import { localEnvironment } from "../local/plan";
import { ProcessorHost } from "../local/processorHost";
import { outcomesOf, unaccounted } from "../local/report";
import { LocalPipeline, type RuntimeEvent } from "../local/runtime";
import { parseScenario, type Step } from "../local/scenario";
import { runStep } from "../local/scenarioSteps";
import { runCli } from "./support/io";
import { sh } from "./support/spawn";
import { checkReportShape } from "./support/reportShape";
import { tempDir } from "./support/tempDir";

// End to end on DynamoDB Local: real tables, real streams, the deployed handler bundles,
// local pipes and SQS DLQs, all started and stopped by the tests themselves.

const put = (orderId: string, orderStatus: string, orderAmount: unknown, customerEmail = `${orderId}@example.com`): Step => ({
  put: { orderId, orderStatus, orderAmount, customerEmail },
});
const ship = (orderId: string, orderStatus = "shipped"): Step => ({ update: { orderId, set: { orderStatus } } });

describe("the declared stack running locally (DynamoDB Local)", function () {
  this.timeout(120000);
  let pipeline: LocalPipeline;
  const events: RuntimeEvent[] = [];

  before(async () => {
    pipeline = await LocalPipeline.start({
      stack: "dev",
      faults: { "o-retry": 2, "o-dead": -1 },
      onEvent: (e) => events.push(e),
      pollIntervalMs: 50,
      retryDelayMs: 10,
    });
    const steps: Step[] = [
      put("o-a", "pending", 250), // normal processed
      put("o-b", "pending", 50), // normal skipped (amount)
      put("o-c", "pending", 500, "qa@QA.Test.com"), // normal skipped (test customer)
      put("o-bad", "pending", "lots"), // normal rejected (string amount)
      put("o-after-bad", "pending", 300), // processed: the shard keeps flowing
      put("o-retry", "pending", 300), // fails twice, then processed
      put("o-dead", "pending", 400), // always fails: dead-lettered
      put("o-p", "pending", 2500), // normal processed
      ship("o-p"), // normal processed, premium processed
      put("o-q", "pending", 900),
      ship("o-q"), // normal processed, premium skipped (not above 1000)
      ship("o-a", "cancelled"), // filtered by both
      { delete: { orderId: "o-b" } }, // REMOVE: filtered by both
    ];
    // Ordering: one order changed many times in a row (each write a real change, so each
    // makes a stream record; DynamoDB writes none for an update that changes nothing).
    steps.push(put("o-ord", "pending", 1500), ship("o-ord", "shipped"), ship("o-ord", "pending"), ship("o-ord", "shipped"), ship("o-ord", "pending"));
    for (const step of steps) await runStep(step, pipeline.dynamo, pipeline.tableName, (id, at) => pipeline.recordWrite(id, at));
    // As a story ends: settled once the pipes have read past the last write and handled it all,
    // not after a quiet period (ten minutes here: waiting for it would time out). The tests
    // below find every record written handled.
    assert.equal(await pipeline.settle({ timeoutMs: 90000, quietMs: 600000, writtenBefore: Date.now() }), true);
  });

  after(async () => {
    await pipeline?.stop();
  });

  const report = (route: string) => {
    const r = pipeline.report().routes.find((x) => x.route === route);
    assert.ok(r, route);
    return r;
  };

  it("every route outcome happens, and every record read is accounted for", () => {
    const normal = outcomesOf(report("normal"));
    const premium = outcomesOf(report("premium"));
    // 18 writes: o-a, o-b, o-c, o-bad, o-after-bad, o-retry, o-dead, o-p ×2, o-q ×2, o-a, o-b, o-ord ×5
    assert.equal(report("normal").counts.read, 18);
    assert.equal(pipeline.report().pipes.find((p) => p.pipe === "NormalOrdersPipe")?.counts.read, 18);
    assert.deepEqual({ ...normal, retried: undefined }, { filtered: 2, skipped: 2, processed: 12, rejected: 1, deadLettered: 1, retried: undefined });
    assert.ok(normal.retried >= 2, `retried ${normal.retried}`);
    assert.deepEqual({ ...premium, retried: undefined }, { filtered: 14, skipped: 1, processed: 3, rejected: 0, deadLettered: 0, retried: undefined });
    for (const route of ["normal", "premium"]) assert.equal(unaccounted(report(route)), 0, route);
  });

  it("keeps no latency bookkeeping for an order once its records are handled", () => {
    assert.equal(pipeline.trackedEntries.orders, 0);
  });

  it("keeps the order of changes per order id", () => {
    const seen = events
      .filter((e) => e.event === "order.processed" && e.detail.orderId === "o-ord" && e.detail.route === "normal")
      .map((e) => e.detail.status);
    assert.deepEqual(seen, ["pending", "shipped", "pending", "shipped", "pending"]);
    const premiumSeen = events.filter((e) => e.event === "order.processed" && e.detail.orderId === "o-ord" && e.detail.route === "premium");
    assert.equal(premiumSeen.length, 2, "two pending→shipped changes");
  });

  it("a malformed record is quarantined whole with its reason, and the records behind it flow", async () => {
    const processed = events.filter((e) => e.event === "order.processed").map((e) => e.detail.orderId);
    assert.ok(processed.includes("o-after-bad"));
    const { entries } = await listDlq({ sqs: pipeline.sqs, streams: pipeline.streams }, pipeline.dlqQueue("NormalOrdersPipe"));
    const quarantined = entries.filter((e) => e.kind === "quarantine");
    assert.equal(quarantined.length, 1);
    const q = quarantined[0];
    assert.ok(q.kind === "quarantine");
    assert.match(q.quarantine.reasons.join(), /orderAmount is a string \(S\)/);
    assert.equal((q.quarantine.record as { dynamodb: { Keys: { orderId: { S: string } } } }).dynamodb.Keys.orderId.S, "o-bad");
  });

  it("a record that exhausts its retries lands in the DLQ as a pointer that resolves to it", async () => {
    const route = pipeline.route("NormalOrdersPipe");
    const clients = { sqs: pipeline.sqs, streams: pipeline.streams };
    const pointers = (await listDlq(clients, pipeline.dlqQueue("NormalOrdersPipe"))).entries.filter((e) => e.kind === "pointer");
    assert.equal(pointers.length, 1);
    const p = pointers[0];
    assert.ok(p.kind === "pointer");
    assert.equal(p.pointer.context.condition, "RetryAttemptsExhausted");
    assert.equal(p.pointer.context.partnerResourceArn, route.plan.arn);
    assert.equal(p.pointer.DDBStreamBatchInfo.batchSize, 1);
    const resolved = await resolvePointer(clients, pipeline.dlqQueue("NormalOrdersPipe"), p.pointer);
    assert.ok(resolved.ok, JSON.stringify(resolved));
    assert.deepEqual(resolved.records.map((r) => (r.dynamodb.Keys?.orderId as { S: string }).S), ["o-dead"]);
  });

  it("dlq redrive processes the dead-lettered record once the failure is fixed, and deletes only that message", async () => {
    const route = pipeline.route("NormalOrdersPipe");
    const clients = { sqs: pipeline.sqs, streams: pipeline.streams };
    // The "fixed" processor: the same bundle and environment, without the injected failure.
    const fixed = new ProcessorHost({
      functionName: "NormalOrdersProcessor-fixed",
      code: bundleProcessor(route.plan.processor.steps).code,
      environment: localEnvironment(route.plan.processor, route.dlqUrl, pipeline.services),
      timeoutMs: 30000,
    });
    try {
      const queue = dlqQueueFor(route.plan, route.dlqUrl, { invoke: (records) => fixed.invoke(records), readItem: pipeline.dlqQueue("NormalOrdersPipe").readItem, streamArn: pipeline.streamArn });
      const outcomes = await redriveDlq(clients, queue);
      const byKind = Object.fromEntries(outcomes.map((o) => [o.kind, o]));
      assert.equal(byKind.pointer.deleted, true, byKind.pointer.detail);
      assert.equal(byKind.pointer.records, 1);
      assert.equal(byKind.quarantine.deleted, false);
      assert.match(byKind.quarantine.detail, /still malformed: .*orderAmount is a string .*the table still holds the quarantined version \(fix the item, then redrive\)/);
      const left = await listDlq(clients, queue);
      assert.deepEqual(left.entries.map((e) => e.kind), ["quarantine"]);
    } finally {
      await fixed.stop();
    }
  });

  it("fix the item, then redrive: the quarantined record is processed with the table's current version and its message deleted", async () => {
    const clients = { sqs: pipeline.sqs, streams: pipeline.streams };
    const queue = pipeline.dlqQueue("NormalOrdersPipe");
    const [quarantined] = (await listDlq(clients, queue)).entries.filter((e) => e.kind === "quarantine");
    assert.ok(quarantined?.kind === "quarantine");
    await runStep({ update: { orderId: "o-bad", set: { orderAmount: 275 } } }, pipeline.dynamo, pipeline.tableName, (id, at) => pipeline.recordWrite(id, at));
    await pipeline.settle({ timeoutMs: 60000 });
    const outcomes = await redriveDlq(clients, queue, { messageIds: [quarantined.messageId] });
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0].deleted, true, outcomes[0].detail);
    assert.equal(outcomes[0].detail, "the table holds a newer version of orderId=o-bad, valid: processed with it; message deleted");
    // The processor ran the quarantined record's own change (its eventID), with the fixed amount.
    const redriven = events.filter((e) => e.event === "order.processed" && e.detail.eventID === quarantined.quarantine.eventID);
    assert.equal(redriven.length, 1, "processed once: with the item as the table holds it now (the quarantined version was malformed)");
    assert.equal(redriven[0].detail.route, "normal");
    assert.deepEqual((await listDlq(clients, queue)).entries, []);
  });
});

describe("npm start (orders-pipeline local)", function () {
  this.timeout(150000);

  it("runs the demo story and ends with the report, exit 0; --show thins the live lines; --report-json writes the same report in the shared schema, with the orders behind the counts", async () => {
    const file = path.join(tempDir("orders-demo-"), "report.json");
    const r = await sh(`npm run --silent cli -- local --stack dev --show rejected,deadLettered --report-json ${file}`, { timeoutMs: 140000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // Only the kinds asked for: o-1006 rejected, o-1008 dead-lettered; nothing processed, filtered, skipped or retried is said.
    const live = r.stdout.slice(r.stdout.indexOf("17 steps"), r.stdout.indexOf("\nreport (stack dev)")).split("\n").filter((l) => l.startsWith("  "));
    assert.deepEqual(
      live.map((l) => l.replace(/\(NewImage.*\)$/, "(...)")).sort(),
      ["  ☠ normal: o-1008 (pending) dead-lettered (RetryAttemptsExhausted): the DLQ holds a pointer to its record", "  ✗ normal: rejected o-1006, quarantined in the DLQ (...)"],
    );
    // The orders worth a look, by orderId (writes to different orders race, so in any order).
    const orders = /normal route\n.*\n.*\n +orders +skipped (.*); rejected o-1006; dead-lettered o-1008\n/.exec(r.stdout);
    assert.ok(orders, r.stdout);
    assert.deepEqual(orders[1].split(", ").sort(), ["o-1002", "o-1003", "o-1009 ×2", "o-1011"]);
    assert.match(r.stdout, /NormalOrdersPipe → NormalOrdersProcessor/);
    assert.match(r.stdout, /normal route\n.*\n.*\n +orders .*\n +accounted +17 read = 2 filtered \+ 5 skipped \+ 8 processed \+ 1 rejected \+ 1 dead-lettered +✓/);
    assert.match(r.stdout, /latency +write → processed: p50 \d+ ms, p99 \d+ ms over 8 records/);
    assert.match(r.stdout, /the story ran as expected ✓/);

    const json = checkReportShape(JSON.parse(fs.readFileSync(file, "utf8")));
    assert.deepEqual({ stack: json.stack, scenario: json.scenario }, { stack: "dev", scenario: "order lifecycle demo" });
    assert.ok(json.durationMs > 0);
    const byPipe = Object.fromEntries(json.pipes.map((p: { pipe: string }) => [p.pipe, p]));
    const byRoute = Object.fromEntries(json.routes.map((r: { route: string }) => [r.route, r]));
    // The demo's outcomes (local/scenarios/demo.yaml), as the text report shows them.
    assert.deepEqual({ ...byPipe.NormalOrdersPipe.counts, retried: undefined }, { read: 17, filtered: 2, delivered: 15, deadLettered: 1, retried: undefined });
    assert.deepEqual(byRoute.normal.counts, { read: 17, filtered: 2, deadLettered: 1, skipped: 5, processed: 8, rejected: 1 });
    // o-1007 twice and o-1008 five times, each time with the records behind it in its batch.
    assert.ok(byPipe.NormalOrdersPipe.counts.retried >= 7, String(byPipe.NormalOrdersPipe.counts.retried));
    assert.deepEqual(byPipe.PremiumOrdersPipe.counts, { read: 17, filtered: 14, delivered: 3, retried: 0, deadLettered: 0 });
    assert.deepEqual(byRoute.premium.counts, { read: 17, filtered: 14, deadLettered: 0, skipped: 1, processed: 2, rejected: 0 });
    assert.deepEqual(byPipe.NormalOrdersPipe.routes, ["normal"]);
    // The orders behind each count, as the processors and pipes reported them.
    const sorted = (o: { orderIds: string[]; more: number }) => ({ orderIds: [...o.orderIds].sort(), more: o.more });
    assert.deepEqual(sorted(byRoute.normal.orders.processed), { orderIds: ["o-1001", "o-1004", "o-1004", "o-1005", "o-1007", "o-1010", "o-1012", "o-1012"], more: 0 });
    assert.deepEqual(sorted(byRoute.normal.orders.skipped), { orderIds: ["o-1002", "o-1003", "o-1009", "o-1009", "o-1011"], more: 0 });
    assert.deepEqual(byRoute.normal.orders.rejected, { orderIds: ["o-1006"], more: 0 });
    assert.deepEqual(byRoute.normal.orders.deadLettered, { orderIds: ["o-1008"], more: 0 });
    assert.deepEqual(sorted(byRoute.normal.orders.filtered), { orderIds: ["o-1001", "o-1005"], more: 0 });
    assert.deepEqual(sorted(byRoute.premium.orders.processed), { orderIds: ["o-1004", "o-1009"], more: 0 });
    assert.equal(byRoute.premium.orders.filtered.orderIds.length, 14);
    assert.equal(byRoute.normal.latencyMs.count, 8);
    assert.equal(byRoute.premium.latencyMs.count, 2);
    for (const p of json.pipes) {
      assert.equal(p.batchSizes.count, p.invocations.total, p.pipe);
      assert.equal(p.handlerDurationMs.count, p.invocations.total, p.pipe);
      assert.ok(p.batchSizes.max <= p.batchSize, p.pipe);
    }
  });

  it("--scenario runs the user's story and exits 1 with the differences when it does not go as expected", async () => {
    const file = path.join(tempDir("orders-scn-"), "story.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        name: "tiny",
        steps: [{ put: { orderId: "t-1", orderStatus: "pending", orderAmount: 500, customerEmail: "t@example.com" } }],
        expect: { normal: { processed: 2 }, PremiumOrdersPipe: { filtered: 1 } },
      }),
    );
    const r = await runCli(["local", "--stack", "dev", "--scenario", file, "--quiet"]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /not as expected:\n  - normal: expected processed 2, got 1/);
  });

  it("a bad scenario file is refused naming the file and the step", () => {
    assert.throws(() => parseScenario({ steps: [{ put: { orderStatus: "x" } }] }, "story.yaml"), /story\.yaml: steps\[0\]: put needs an item with a string orderId/);
    assert.throws(() => parseScenario({ steps: [{ upsert: {} }] }, "story.yaml"), /steps\[0\]: unknown step "upsert"/);
    assert.throws(() => parseScenario({ steps: [{ wait: 5 }], expect: { X: { done: 1 } } }, "s.yaml"), /expect\.X\.done: unknown outcome/);
  });

  it("says how to install Java when it is missing", async () => {
    const saved = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      await assert.rejects(startDynamoLocal(), (err: Error) => err.message === JAVA_MISSING && /openjdk-17/.test(err.message));
    } finally {
      process.env.PATH = saved;
    }
  });
});
