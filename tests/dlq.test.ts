import { strict as assert } from "node:assert";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { quarantineMessage } from "../handlers/quarantine";
import { type DlqQueue, listDlq, redriveDlq, resolvePointer } from "../local/dlq";
import type { PointerMessage } from "../local/localPipe";
import type { InvokeResult } from "../local/processorHost";
import { evaluateProgram } from "../local/evaluateProgram";
import { localQueueAttributes, planFromDeclared } from "../local/plan";
import { sqsClientConfig, type SqsLocal, startSqsLocal } from "../local/sqsLocal";
import { routeEvaluator } from "../routing/decide";
import { routesFromSettings } from "../routing/route";
import { image, inserted } from "./support/records";

// The DLQ tools against a real SQS API (fauxqs) and a scripted stream: a listing never hides
// messages from another reader, a pointer resolves by its sequence range across pages, and
// a quarantined record is redriven from the table's current version of its item.

const STREAM = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/x";

/** A stream whose shard `s1` holds records with sequence numbers 1001.., served `pageSize` at a time (with an empty page after the first). */
function scriptedStreams(sequences: number[], pageSize: number): DynamoDBStreamsClient & { pages: number } {
  const records = sequences.map((seq) => ({
    eventID: `e${seq}`,
    eventName: "INSERT",
    eventSource: "aws:dynamodb",
    dynamodb: { Keys: { orderId: { S: `o-${seq}` } }, SequenceNumber: String(seq) },
  }));
  const client = {
    pages: 0,
    send: async (command: { constructor: { name: string }; input: Record<string, string> }) => {
      if (command.constructor.name === "GetShardIteratorCommand") {
        const at = records.findIndex((r) => r.dynamodb.SequenceNumber === command.input.SequenceNumber);
        if (at < 0) throw Object.assign(new Error("trimmed"), { name: "TrimmedDataAccessException" });
        return { ShardIterator: `${at}:0` };
      }
      if (command.constructor.name === "GetRecordsCommand") {
        client.pages++;
        const [pos, servedEmpty] = command.input.ShardIterator.split(":").map(Number);
        // The second page is empty, as GetRecords may answer mid-shard.
        if (client.pages === 2 && !servedEmpty) return { Records: [], NextShardIterator: `${pos}:1` };
        const page = records.slice(pos, pos + pageSize);
        return { Records: page, NextShardIterator: `${pos + page.length}:${servedEmpty}` };
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  };
  return client as unknown as DynamoDBStreamsClient & { pages: number };
}

const pointer = (start: number, end: number, batchSize: number): PointerMessage => ({
  context: { partnerResourceArn: "arn:aws:pipes:us-east-1:123456789012:pipe/NormalOrdersPipe", condition: "RetryAttemptsExhausted" },
  version: "1.0",
  timestamp: "2026-11-25T10:00:00.000Z",
  DDBStreamBatchInfo: {
    shardId: "s1",
    startSequenceNumber: String(start),
    endSequenceNumber: String(end),
    approximateArrivalOfFirstRecord: "2026-11-25T10:00:00.000Z",
    approximateArrivalOfLastRecord: "2026-11-25T10:00:00.000Z",
    batchSize,
    streamArn: STREAM,
  },
});

describe("resolving a pipe pointer", () => {
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it("reads every record of start..end across small pages, though the pipe's batchSize counted fewer (filtered ones in between)", async () => {
    const streams = scriptedStreams(range(1001, 1012), 2);
    // 7 records in 1002..1008; the pipe dead-lettered 5 of them (2 were filtered out).
    const r = await resolvePointer({ streams, sqs: undefined as never }, pointer(1002, 1008, 5));
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.records.map((x) => x.dynamodb.SequenceNumber), ["1002", "1003", "1004", "1005", "1006", "1007", "1008"]);
    assert.ok(streams.pages >= 5, `${streams.pages} pages`);
  });

  it("compares sequence numbers as numbers, not text (a longer number is a later one)", async () => {
    const streams = scriptedStreams([998, 999, 1000, 1001], 1);
    const r = await resolvePointer({ streams, sqs: undefined as never }, pointer(999, 1000, 2));
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.records.map((x) => x.dynamodb.SequenceNumber), ["999", "1000"]);
  });

  it("refuses a range whose end the stream does not hold, rather than redriving part of it", async () => {
    const streams = scriptedStreams(range(1001, 1004), 3);
    const r = await resolvePointer({ streams, sqs: undefined as never }, pointer(1002, 1009, 8));
    assert.ok(!r.ok);
    assert.match(r.reason, /only up to sequence 1004: the rest is missing, so nothing is redriven/);
  });

  it("says when the stream no longer holds the records", async () => {
    const streams = scriptedStreams(range(1001, 1004), 3);
    const r = await resolvePointer({ streams, sqs: undefined as never }, pointer(900, 905, 6));
    assert.ok(!r.ok);
    assert.match(r.reason, /the stream no longer holds these records \(TrimmedDataAccessException\): streams keep records for 24 hours/);
  });
});

describe("the local DLQs refuse what AWS would refuse (declared MaximumMessageSize)", function () {
  this.timeout(30000);
  let sqsLocal: SqsLocal;
  let sqs: SQSClient;
  before(async () => {
    sqsLocal = await startSqsLocal();
    sqs = new SQSClient(sqsClientConfig(sqsLocal.endpoint));
  });
  after(async () => {
    sqs?.destroy();
    await sqsLocal?.stop();
  });

  const send = (url: string, bytes: number) => sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x".repeat(bytes) }));

  it("the declared DLQs: 1 MiB, the largest SQS accepts; one byte more is refused with SQS's error", async () => {
    const plan = planFromDeclared(await evaluateProgram("dev"));
    for (const p of plan.pipes) {
      assert.equal(p.processor.dlqMaxMessageSize, 1048576, p.processor.dlqName);
      const { queueUrl } = sqsLocal.createQueue(`${p.processor.dlqName}-limit`, localQueueAttributes(p.processor));
      await send(queueUrl, 1048576);
      await assert.rejects(send(queueUrl, 1048577), /Message must be shorter than 1048576 bytes/);
    }
  });

  it("a queue declared without maxMessageSize gets the provider's default, 256 KiB, locally too", async () => {
    const declared = await evaluateProgram("dev");
    const resources = declared.resources.map((r) => (r.type === "aws:sqs/queue:Queue" ? { ...r, state: { ...r.state, maxMessageSize: undefined } } : r));
    const [p] = planFromDeclared({ ...declared, resources }).pipes;
    const { queueUrl } = sqsLocal.createQueue("undeclared-limit", localQueueAttributes(p.processor));
    await send(queueUrl, 262144);
    await assert.rejects(send(queueUrl, 262145), /Message must be shorter than 262144 bytes/);
  });
});

describe("DLQ listing and redrive against an SQS API (fauxqs)", function () {
  this.timeout(30000);
  let sqsLocal: SqsLocal;
  let sqs: SQSClient;
  let queueNumber = 0;

  before(async () => {
    sqsLocal = await startSqsLocal();
    sqs = new SQSClient(sqsClientConfig(sqsLocal.endpoint));
  });
  after(async () => {
    sqs?.destroy();
    await sqsLocal?.stop();
  });

  const evaluator = routeEvaluator(
    routesFromSettings({ normalMinAmount: "100", premiumMinAmount: "1000", normalStatuses: ["pending", "shipped"], testEmailDomains: ["test.com"], premiumExcludesTestCustomers: false }).normal,
  );
  const newQueue = (access: Partial<Pick<DlqQueue, "invoke" | "readItem">> = {}): DlqQueue => ({
    pipe: "NormalOrdersPipe",
    processor: "NormalOrdersProcessor",
    url: sqsLocal.createQueue(`test-dlq-${++queueNumber}`).queueUrl,
    evaluator,
    invoke: access.invoke ?? (async () => assert.fail("the processor is not invoked")),
    readItem: access.readItem ?? (async () => assert.fail("the table is not read")),
  });
  const clients = () => ({ sqs, streams: undefined as never });

  it("two listings at once both see every message, and neither hides one from a consumer", async () => {
    const queue = newQueue();
    for (let i = 0; i < 25; i++) await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify({ n: i }) }));
    const [a, b] = await Promise.all([listDlq(clients(), queue), listDlq(clients(), queue)]);
    assert.equal(a.entries.length, 25);
    assert.equal(b.entries.length, 25);
    assert.equal(a.expected, 25);
    // Right after the listings, every message can be received at once: none is held.
    const received = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
      for (const m of out.Messages ?? []) received.add(m.MessageId as string);
    }
    assert.equal(received.size, 25);
  });

  // A quarantined INSERT of o-9 whose amount is a string; what the table holds now → what redrive does.
  const bad = inserted({ orderId: "o-9", amount: { S: "lots" } }, "ev-quarantined");
  const good = image({ orderId: "o-9", status: "pending", amount: "250", email: "ann@example.com" });
  const ok: InvokeResult = { ok: true, result: { batchItemFailures: [] } };
  const cases: { name: string; current: Record<string, unknown> | undefined; invoke?: InvokeResult; deleted: boolean; detail: string; invokedAmount?: string }[] = [
    { name: "the item was deleted", current: undefined, deleted: false, detail: "orderId=o-9 is no longer in the table (deleted since): nothing to process; left in place" },
    {
      name: "the item is unchanged",
      current: (bad.dynamodb as { NewImage: Record<string, unknown> }).NewImage,
      deleted: false,
      detail: "still malformed: NewImage.orderAmount is a string (S), expected a number (N); the table still holds the quarantined version (fix the item, then redrive)",
    },
    {
      name: "the item changed but is still malformed",
      current: image({ orderId: "o-9", status: "pending", amount: "250", email: "no-at-sign" }),
      deleted: false,
      detail: "still malformed: NewImage.customerEmail has no domain (expected name@domain, without spaces in the domain); the table holds a newer version (fix the item, then redrive)",
    },
    { name: "the item was fixed", current: good, invoke: ok, deleted: true, detail: "the table holds a newer version of orderId=o-9, valid: processed with it; message deleted", invokedAmount: "250" },
    {
      name: "the item was fixed but the processor fails",
      current: good,
      invoke: { ok: false, error: "boom" },
      deleted: false,
      detail: "the table holds a newer version of orderId=o-9, valid; the processor failed: boom; left in place",
      invokedAmount: "250",
    },
    {
      name: "the item was fixed to an amount the route skips",
      current: image({ orderId: "o-9", status: "pending", amount: "50", email: "ann@example.com" }),
      deleted: true,
      detail: "the table holds a newer version of orderId=o-9, valid but skipped by the route's guard (orderAmount 50 is not above 100): nothing to process; message deleted",
    },
    {
      name: "the item moved to a status the route's filter drops",
      current: image({ orderId: "o-9", status: "cancelled", amount: "250", email: "ann@example.com" }),
      deleted: true,
      detail: "the table holds a newer version of orderId=o-9, which this route's filter does not pass: nothing to process; message deleted",
    },
  ];
  for (const c of cases) {
    it(`redrive of a quarantined record when ${c.name}: ${c.deleted ? "deleted" : "kept"}`, async () => {
      const invoked: unknown[][] = [];
      const keys: unknown[] = [];
      const queue = newQueue({
        readItem: async (key) => (keys.push(key), c.current),
        invoke: async (records) => (invoked.push(records), c.invoke ?? assert.fail("the processor is not invoked")),
      });
      const reasons = ["NewImage.orderAmount is a string (S), expected a number (N)"];
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(quarantineMessage("normal", bad, "ev-quarantined", reasons, new Date())) }));
      const [outcome] = await redriveDlq(clients(), queue);
      assert.equal(outcome.detail, c.detail);
      assert.equal(outcome.deleted, c.deleted);
      assert.deepEqual(keys, [{ orderId: { S: "o-9" } }]);
      if (c.invokedAmount) {
        // The record's own change (same eventID), carrying the item as the table holds it now.
        assert.equal(invoked.length, 1);
        const sent = invoked[0][0] as { eventID: string; dynamodb: { NewImage: { orderAmount: { N: string } } } };
        assert.equal(sent.eventID, "ev-quarantined");
        assert.equal(sent.dynamodb.NewImage.orderAmount.N, c.invokedAmount);
      } else {
        assert.equal(invoked.length, 0);
      }
      assert.equal((await listDlq(clients(), queue)).entries.length, c.deleted ? 0 : 1);
    });
  }
});
