import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { DynamoDBClient, PutItemCommand, ScanCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { LocalPipeline, type RuntimeEvent } from "../local/runtime";
import { cliProcesses } from "./support/cliProcess";
import { checkReportShape } from "./support/reportShape";
import { tempDir } from "./support/tempDir";

// The canary on the local runtime (issue 18 §2), as a user runs it: the declared schedules
// written into DynamoDB Local, each route's heartbeat reaching its processor, the report's
// order counts without them, the watch quiet about them unless asked, and no heartbeat ever
// recorded as a business effect.

const STORY = {
  name: "orders and heartbeats",
  steps: [
    { put: { orderId: "o-1", orderStatus: "pending", orderAmount: 250, customerEmail: "ann@example.com" } },
    { put: { orderId: "o-2", orderStatus: "pending", orderAmount: 50, customerEmail: "bob@example.com" } },
    { put: { orderId: "o-3", orderStatus: "pending", orderAmount: 1500, customerEmail: "cy@example.com" } },
    { update: { orderId: "o-3", set: { orderStatus: "shipped" } } },
  ],
  // Exactly what the same story does without the canary: heartbeats are never orders.
  expect: { normal: { processed: 3, skipped: 1, filtered: 0, rejected: 0 }, premium: { processed: 1, filtered: 3, skipped: 0 } },
};

describe("the canary on the local runtime", function () {
  this.timeout(180000);
  let dir: string;
  const run = cliProcesses();
  before(() => (dir = tempDir("orders-canary-")));

  it("local --canary --show-heartbeats: every route's heartbeat is seen, a line each; the order counts, the expectations and cost --from-report are as without it", async () => {
    const story = path.join(dir, "story.json");
    fs.writeFileSync(story, JSON.stringify(STORY));
    const reportFile = path.join(dir, "report.json");
    const p = run(["local", "--stack", "dev", "--scenario", story, "--canary", "--show-heartbeats", "--report-json", reportFile]);
    const { code } = await p.exit(120000);
    assert.equal(code, 0, p.output);
    assert.match(p.stdout, /the story ran as expected ✓/);
    // Asked for: a line per heartbeat, one per route and round.
    assert.equal(p.stdout.match(/♥ normal: heartbeat \(write → processed \d+ ms\)\n/g)?.length, 1, p.stdout);
    assert.equal(p.stdout.match(/♥ premium: heartbeat \(write → processed \d+ ms\)\n/g)?.length, 1, p.stdout);
    assert.doesNotMatch(p.stdout, /__canary#/, "no order line names a heartbeat");
    assert.match(p.stdout, /read 4, filtered out 0, delivered 4, .*; and 3 heartbeat records of the canary\n/);
    assert.match(p.stdout, /read 4, filtered out 3, delivered 1, .*; and 3 heartbeat records of the canary\n/);
    assert.match(p.stdout, /  normal route\n(.*\n){2}    orders     skipped o-2\n    canary     1 heartbeat seen in 1 round, write → processed p50 \d+ ms, p99 \d+ ms \(not counted above\)\n +accounted +4 read = 0 filtered \+ 1 skipped \+ 3 processed \+ 0 rejected \+ 0 dead-lettered +✓/);
    assert.match(p.stdout, /  premium route\n(.*\n){2}    canary     1 heartbeat seen in 1 round, .*\n +accounted +4 read = 3 filtered \+ 0 skipped \+ 1 processed \+ 0 rejected \+ 0 dead-lettered +✓/);

    const json = checkReportShape(JSON.parse(fs.readFileSync(reportFile, "utf8")));
    const pipes = Object.fromEntries(json.pipes.map((x: { pipe: string }) => [x.pipe, x]));
    const routes = Object.fromEntries(json.routes.map((x: { route: string }) => [x.route, x]));
    // Per round the canary writes normal's beat, premium's prepare and premium's beat: both pipes read all three.
    assert.deepEqual([pipes.NormalOrdersPipe.heartbeatRecords, pipes.PremiumOrdersPipe.heartbeatRecords], [3, 3]);
    assert.deepEqual(pipes.NormalOrdersPipe.counts, { read: 4, filtered: 0, delivered: 4, retried: 0, deadLettered: 0 });
    assert.deepEqual(pipes.PremiumOrdersPipe.counts, { read: 4, filtered: 3, delivered: 1, retried: 0, deadLettered: 0 });
    assert.deepEqual(routes.normal.counts, { read: 4, filtered: 0, skipped: 1, processed: 3, rejected: 0, deadLettered: 0 });
    assert.deepEqual(routes.premium.counts, { read: 4, filtered: 3, skipped: 0, processed: 1, rejected: 0, deadLettered: 0 });
    assert.deepEqual([routes.normal.heartbeats.count, routes.premium.heartbeats.count], [1, 1]);
    assert.equal(routes.normal.latencyMs.count, 3, "latency of the processed orders only");

    // The report stays a valid input of cost: its counts add up without the heartbeats.
    const cost = run(["cost", "--stack", "dev", "--from-report", reportFile, "--per-month", "1000000"]);
    assert.equal((await cost.exit()).code, 0, cost.output);
    assert.match(cost.stdout, /orders processed +[\d,]+/);
  });

  it("local --watch runs the canary quietly: orders have their lines, heartbeats none, and the report on Ctrl-C counts them apart", async () => {
    const watch = run(["local", "--stack", "dev", "--watch"]);
    const [, endpoint] = await watch.waitFor(/AWS_ENDPOINT_URL_DYNAMODB=(http:\/\/127\.0\.0\.1:\d+)/);
    const dynamo = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    try {
      // The first round was written before "ready"; one stream shard per table locally, so
      // these orders come after the heartbeats on both pipes.
      await dynamo.send(new PutItemCommand({ TableName: "Orders", Item: { orderId: { S: "o-w" }, orderStatus: { S: "pending" }, orderAmount: { N: "1500" }, customerEmail: { S: "w@example.com" } } }));
      await dynamo.send(new UpdateItemCommand({ TableName: "Orders", Key: { orderId: { S: "o-w" } }, UpdateExpression: "SET orderStatus = :s", ExpressionAttributeValues: { ":s": { S: "shipped" } } }));
    } finally {
      dynamo.destroy();
    }
    await watch.waitFor(/✓ premium: processed o-w \(shipped\)/);
    await watch.waitFor(/✓ normal: processed o-w \(shipped\)/);
    assert.match(watch.stdout, /  canary: each route's heartbeat every 5 min, quietly \(a line if a route's stop; --show-heartbeats for one each\)\n/);
    assert.doesNotMatch(watch.stdout, /♥|__canary#/, "no live line per heartbeat unless asked");
    // A live line comes from the processor's log, just before its invocation returns to the
    // pipe: under load, a Ctrl-C at once finds that invocation in flight (and says so).
    await new Promise((r) => setTimeout(r, 1500));
    watch.signal("SIGINT");
    await watch.exit();
    assert.match(watch.stdout, /  normal route\n(.*\n){2}    canary     1 heartbeat seen in 1 round, .*\n +accounted +2 read = 0 filtered \+ 0 skipped \+ 2 processed/);
    assert.match(watch.stdout, /  premium route\n(.*\n){2}    canary     1 heartbeat seen in 1 round, .*\n +accounted +2 read = 1 filtered \+ 0 skipped \+ 1 processed/);
  });

  it("heartbeats are never business effects: the idempotency table holds the orders' effects only", async () => {
    const events: RuntimeEvent[] = [];
    const pipeline = await LocalPipeline.start({ stack: "dev", canary: true, onEvent: (e) => events.push(e) });
    try {
      await pipeline.dynamo.send(new PutItemCommand({ TableName: "Orders", Item: { orderId: { S: "o-e" }, orderStatus: { S: "pending" }, orderAmount: { N: "250" }, customerEmail: { S: "e@example.com" } } }));
      await pipeline.settle({ timeoutMs: 60000 });
      const seen = events.filter((e) => e.event === "canary.heartbeat").map((e) => e.detail.route);
      assert.deepEqual(seen.sort(), ["normal", "premium"]);
      assert.deepEqual(events.filter((e) => e.event.startsWith("order.")).map((e) => `${e.event} ${e.detail.route} ${e.detail.orderId}`).sort(), ["order.filtered premium o-e", "order.processed normal o-e"]);
      const effects = await pipeline.dynamo.send(new ScanCommand({ TableName: "OrderEffects" }));
      assert.equal(effects.Count, 1, JSON.stringify(effects.Items));
      const orders = await pipeline.dynamo.send(new ScanCommand({ TableName: "Orders" }));
      assert.deepEqual(orders.Items?.map((i) => i.orderId.S).sort(), ["__canary#normal", "__canary#premium", "o-e"], "the heartbeat items live in the Orders table");
    } finally {
      await pipeline.stop();
    }
  });
});
