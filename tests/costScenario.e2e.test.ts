import { strict as assert } from "node:assert";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from "@aws-sdk/client-dynamodb-streams";
import { simulateScenario } from "../cost/scenarioRecords";
import { type DynamoLocal, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoLocal } from "../local/dynamoLocal";
import { parseScenario } from "../local/scenario";
import { runStep } from "../local/scenarioSteps";
import { toWireRecord } from "../local/wireFormat";

// The scenario simulation of `cost --scenario` against the real thing: the same writes go to
// DynamoDB Local (AWS's jar) through the local runtime's own step runner, and the stream it
// produces must carry the same records: event names, keys, images (normalized numbers, sorted
// sets) and SizeBytes. Only eventIDs, sequence numbers and times differ.

const SCENARIO = parseScenario(
  {
    name: "every kind of write",
    steps: [
      { put: { orderId: "o-1", orderStatus: "pending", orderAmount: { $number: "1500.50" }, customerEmail: "ann@example.com", items: [{ sku: "sku-1", qty: 2 }], gift: true, note: null } },
      { put: { orderId: "o-1", orderStatus: "pending", orderAmount: { $number: "1500.500" }, customerEmail: "ann@example.com", items: [{ sku: "sku-1", qty: 2 }], gift: true, note: null } },
      { update: { orderId: "o-1", set: { orderStatus: "shipped", shippedAt: "2026-11-25T10:00:00Z" } } },
      { update: { orderId: "o-1", set: { orderStatus: "shipped" } } },
      // DynamoDB Local keeps an UpdateItem value's spelling ("0012.0") in the stream where it
      // normalizes a PutItem's; the simulation normalizes both, as DynamoDB documents numbers
      // (aws-facts section 1). So updates here use normalized numbers.
      { update: { orderId: "o-2", set: { orderStatus: "pending", orderAmount: 12 } } },
      { put: { orderId: "o-3", orderStatus: "pending", orderAmount: { $number: "1E2" }, customerEmail: "bo@test.com", tags: { nested: { deep: [1, "two", { three: 3.10 }] } } } },
      { put: { orderId: "o-3", orderStatus: "cancelled", orderAmount: { $number: "-0.50" }, customerEmail: "bo@test.com" } },
      { delete: { orderId: "o-9" } },
      { delete: { orderId: "o-1" } },
    ],
  },
  "every-write.yaml",
);

describe("cost --scenario: simulated stream records equal DynamoDB Local's", function () {
  this.timeout(120000);
  let local: DynamoLocal | undefined;
  after(async () => local?.stop());

  it("same event names, keys, images and SizeBytes, write for write", async () => {
    local = await startDynamoLocal();
    const config = { endpoint: local.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    const db = new DynamoDBClient(config);
    const streams = new DynamoDBStreamsClient(config);
    await db.send(
      new CreateTableCommand({
        TableName: "Orders",
        AttributeDefinitions: [{ AttributeName: "orderId", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "orderId", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
        StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
      }),
    );
    for (const step of SCENARIO.steps) if (!("wait" in step)) await runStep(step, db, "Orders", () => {});
    const streamArn = (await db.send(new DescribeTableCommand({ TableName: "Orders" }))).Table?.LatestStreamArn as string;
    const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription?.Shards ?? [];
    const real: Record<string, unknown>[] = [];
    for (const shard of shards) {
      const it = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }));
      const got = await streams.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
      for (const r of got.Records ?? []) real.push(toWireRecord(r, streamArn) as unknown as Record<string, unknown>);
    }
    db.destroy();
    streams.destroy();

    const simulated = simulateScenario(SCENARIO, LOCAL_REGION).records;
    const essence = (r: Record<string, unknown>) => {
      const d = r.dynamodb as Record<string, unknown>;
      return { eventName: r.eventName, Keys: d.Keys, NewImage: d.NewImage, OldImage: d.OldImage, SizeBytes: d.SizeBytes, StreamViewType: d.StreamViewType };
    };
    assert.equal(real.length, 6, "9 steps: a repeated put, a no-op update and a delete of a missing key make no record");
    assert.deepEqual(simulated.map(essence), real.map(essence));
  });
});
