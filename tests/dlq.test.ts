import { strict as assert } from "node:assert";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { quarantineMessage } from "../handlers/quarantine";
import { DlqHolds, type DlqQueue, listDlq, redriveDlq, resolvePointer } from "../local/dlq";
import { evaluateProgram } from "../local/evaluateProgram";
import type { PointerMessage } from "../local/localPipe";
import { maskEmails } from "../local/maskRecord";
import { localQueueAttributes, planFromDeclared } from "../local/plan";
import type { InvokeResult } from "../local/processorHost";
import { type SqsLocal } from "../local/sqsLocal";
import { withSqsLocal } from "./support/sqsLocal";
import { routeEvaluator } from "../routing/decide";
import { routeNamed, routesFromSettings } from "../routing/stackRoutes";
import { image, inserted, modified } from "./support/records";

// The DLQ tools against a real SQS API (fauxqs) and a scripted stream: a listing never hides
// messages from another reader and sees them all, a pointer resolves by its sequence range
// across pages, a quarantined record is redriven from the stream's record and the table's
// current version of its item, a message is checked before anything is sent to a processor,
// and every message gets its own outcome.

const STREAM = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/x";
const PIPE = "arn:aws:pipes:us-east-1:123456789012:pipe/NormalOrdersPipe";

type StreamRecord = { eventID: string; dynamodb: { SequenceNumber: string } & Record<string, unknown> } & Record<string, unknown>;

/**
 * A stream whose shard `s1` holds `records` (in the SDK's shape), served `pageSize` at a time,
 * with an empty page after the first, as GetRecords may answer mid-shard. It counts calls, and
 * a GetShardIterator for shard "broken" fails as an unexpected service error would.
 */
function scriptedStream(records: StreamRecord[], pageSize = 1000): DynamoDBStreamsClient & { pages: number; calls: number } {
  const client = {
    pages: 0,
    calls: 0,
    send: async (command: { constructor: { name: string }; input: Record<string, string> }) => {
      client.calls++;
      if (command.input.StreamArn !== undefined && command.input.StreamArn !== STREAM) throw Object.assign(new Error("no such stream"), { name: "ResourceNotFoundException" });
      if (command.constructor.name === "DescribeStreamCommand") {
        return { StreamDescription: { Shards: [{ ShardId: "s1", SequenceNumberRange: { StartingSequenceNumber: records[0]?.dynamodb.SequenceNumber } }] } };
      }
      if (command.constructor.name === "GetShardIteratorCommand") {
        if (command.input.ShardId === "broken") throw Object.assign(new Error("1 validation error detected"), { name: "ValidationException" });
        const at = records.findIndex((r) => r.dynamodb.SequenceNumber === command.input.SequenceNumber);
        if (at < 0) throw Object.assign(new Error("trimmed"), { name: "TrimmedDataAccessException" });
        return { ShardIterator: `${at}:0` };
      }
      if (command.constructor.name === "GetRecordsCommand") {
        client.pages++;
        const [pos, servedEmpty] = command.input.ShardIterator.split(":").map(Number);
        if (client.pages === 2 && !servedEmpty) return { Records: [], NextShardIterator: `${pos}:1` };
        const page = records.slice(pos, pos + Math.min(pageSize, Number(command.input.Limit ?? pageSize)));
        return { Records: page, NextShardIterator: `${pos + page.length}:${servedEmpty}` };
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  };
  return client as unknown as DynamoDBStreamsClient & { pages: number; calls: number };
}

/** Bare INSERT records with these sequence numbers, from this test's stream. */
const bare = (sequences: number[]): StreamRecord[] =>
  sequences.map((seq) => ({ eventID: `e${seq}`, eventName: "INSERT", eventSource: "aws:dynamodb", eventSourceARN: STREAM, dynamodb: { Keys: { orderId: { S: `o-${seq}` } }, SequenceNumber: String(seq) } }));

/** Well-formed orders the normal route processes, with these sequence numbers. */
const orders = (sequences: number[]): StreamRecord[] =>
  sequences.map((seq) => {
    const r = inserted({ orderId: `o-${seq}` }, `e${seq}`) as unknown as StreamRecord;
    r.eventSourceARN = STREAM;
    r.dynamodb.SequenceNumber = String(seq);
    return r;
  });

const pointer = (start: number | string, end: number | string, batchSize: number, over: { streamArn?: string; shardId?: string; pipe?: string } = {}): PointerMessage => ({
  context: { partnerResourceArn: over.pipe ?? PIPE, condition: "RetryAttemptsExhausted" },
  version: "1.0",
  timestamp: "2026-11-25T10:00:00.000Z",
  DDBStreamBatchInfo: {
    shardId: over.shardId ?? "s1",
    startSequenceNumber: String(start),
    endSequenceNumber: String(end),
    approximateArrivalOfFirstRecord: "2026-11-25T10:00:00.000Z",
    approximateArrivalOfLastRecord: "2026-11-25T10:00:00.000Z",
    batchSize,
    streamArn: over.streamArn ?? STREAM,
  },
});

const here = { streamArn: STREAM };

describe("resolving a pipe pointer", () => {
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it("reads every record of start..end across small pages, though the pipe's batchSize counted fewer (filtered ones in between)", async () => {
    const streams = scriptedStream(bare(range(1001, 1012)), 2);
    // 7 records in 1002..1008; the pipe dead-lettered 5 of them (2 were filtered out).
    const r = await resolvePointer({ streams, sqs: undefined as never }, here, pointer(1002, 1008, 5));
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.records.map((x) => x.dynamodb.SequenceNumber), ["1002", "1003", "1004", "1005", "1006", "1007", "1008"]);
    assert.ok(streams.pages >= 5, `${streams.pages} pages`);
  });

  it("compares sequence numbers as numbers, not text (a longer number is a later one)", async () => {
    const streams = scriptedStream(bare([998, 999, 1000, 1001]), 1);
    const r = await resolvePointer({ streams, sqs: undefined as never }, here, pointer(999, 1000, 2));
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.records.map((x) => x.dynamodb.SequenceNumber), ["999", "1000"]);
  });

  it("refuses a range whose end the stream does not hold, rather than redriving part of it", async () => {
    const streams = scriptedStream(bare(range(1001, 1004)), 3);
    const r = await resolvePointer({ streams, sqs: undefined as never }, here, pointer(1002, 1009, 8));
    assert.ok(!r.ok);
    assert.match(r.reason, /only up to sequence 1004: the rest is missing, so nothing is redriven/);
  });

  it("says when the stream no longer holds the records", async () => {
    const streams = scriptedStream(bare(range(1001, 1004)), 3);
    const r = await resolvePointer({ streams, sqs: undefined as never }, here, pointer(900, 905, 6));
    assert.ok(!r.ok);
    assert.match(r.reason, /the stream no longer holds these records \(TrimmedDataAccessException\): streams keep records for 24 hours/);
  });

  // What a pointer may name → whether its stream is read at all (by hand: only this stack's
  // stream, only decimal sequence numbers, a range that does not end before it starts).
  const refused: [string, PointerMessage, RegExp][] = [
    ["another table's stream", pointer(1001, 1002, 2, { streamArn: "arn:aws:dynamodb:us-east-1:123456789012:table/Payroll/stream/y" }), /names stream .*Payroll.*not this stack's stream/],
    ["a hexadecimal sequence number", pointer("0x3e9", 1002, 2), /sequence numbers are not numbers/],
    ["a negative sequence number", pointer(-1, 1002, 2), /sequence numbers are not numbers/],
    ["a sequence number with spaces", pointer(" 1001", 1002, 2), /sequence numbers are not numbers/],
    ["an exponent", pointer("1e3", 1002, 2), /sequence numbers are not numbers/],
    ["a range ending before it starts", pointer(1002, 1001, 2), /ends before it starts/],
  ];
  for (const [what, p, reason] of refused) {
    it(`refuses, without reading the stream, a pointer with ${what}`, async () => {
      const streams = scriptedStream(bare(range(1001, 1004)));
      const r = await resolvePointer({ streams, sqs: undefined as never }, here, p);
      assert.ok(!r.ok);
      assert.match(r.reason, reason);
      assert.equal(streams.calls, 0);
    });
  }
});

describe("the local DLQs refuse what AWS would refuse (declared MaximumMessageSize)", function () {
  this.timeout(30000);
  let sqsLocal: SqsLocal;
  let sqs: SQSClient;
  withSqsLocal((started) => ({ sqsLocal, sqs } = started));

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
  this.timeout(60000);
  let sqsLocal: SqsLocal;
  let sqs: SQSClient;
  let queueNumber = 0;

  withSqsLocal((started) => ({ sqsLocal, sqs } = started));

  const routes = routesFromSettings({ testEmailDomains: ["test.com"], routeValues: {} });
  const newQueue = (access: Partial<Pick<DlqQueue, "invoke" | "readItem">> = {}, route: "normal" | "premium" = "normal"): DlqQueue => ({
    pipe: route === "normal" ? "NormalOrdersPipe" : "PremiumOrdersPipe",
    processor: route === "normal" ? "NormalOrdersProcessor" : "PremiumOrdersProcessor",
    url: sqsLocal.createQueue(`test-dlq-${++queueNumber}`).queueUrl,
    evaluators: [routeEvaluator(routeNamed(routes, route))],
    pipeArns: [route === "normal" ? PIPE : PIPE.replace("Normal", "Premium")],
    streamArn: STREAM,
    invoke: access.invoke ?? (async () => assert.fail("the processor is not invoked")),
    readItem: access.readItem ?? (async () => assert.fail("the table is not read")),
  });
  const clients = (records: StreamRecord[] = []) => ({ sqs, streams: scriptedStream(records) });
  const send = (queue: DlqQueue, body: unknown) => sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: typeof body === "string" ? body : JSON.stringify(body) }));
  const queueCounts = async (queue: DlqQueue) => {
    const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }))).Attributes ?? {};
    return { visible: Number(a.ApproximateNumberOfMessages), held: Number(a.ApproximateNumberOfMessagesNotVisible) };
  };

  it("two listings at once both see every message, and neither hides one from a consumer", async () => {
    const queue = newQueue();
    for (let i = 0; i < 25; i++) await send(queue, { n: i });
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

  it("lists every message of a queue of 1,107, not the first 1,000, and none is said to be held by another reader", async () => {
    const queue = newQueue();
    for (let i = 0; i < 1107; i += 10) {
      const entries = Array.from({ length: Math.min(10, 1107 - i) }, (_, n) => ({ Id: String(n), MessageBody: JSON.stringify({ n: i + n }) }));
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries }));
    }
    const listing = await listDlq(clients(), queue);
    assert.equal(new Set(listing.entries.map((e) => e.messageId)).size, 1107);
    assert.deepEqual({ seen: listing.counts.seen, visible: listing.counts.visible, notVisible: listing.counts.notVisible }, { seen: 1107, visible: 1107, notVisible: 0 });
  });

  // A quarantined INSERT of o-9 whose amount is a string, as the stream holds it; what the
  // table holds now → what redrive does.
  const bad = inserted({ orderId: "o-9", amount: { S: "lots" } }, "ev-quarantined") as unknown as StreamRecord;
  bad.eventSourceARN = STREAM;
  const reasons = ["NewImage.orderAmount is a string (S), expected a number (N)"];
  const good = image({ orderId: "o-9", status: "pending", amount: "250", email: "ann@example.com" });
  const ok: InvokeResult = { ok: true, result: { batchItemFailures: [] } };
  const cases: { name: string; current: Record<string, unknown> | undefined; invoke?: InvokeResult; deleted: boolean; detail: string; invokedAmount?: string }[] = [
    { name: "the item was deleted", current: undefined, deleted: false, detail: "orderId=o-9 is no longer in the table (deleted since): nothing to process; left in place" },
    {
      name: "the item is unchanged",
      current: (bad.dynamodb as unknown as { NewImage: Record<string, unknown> }).NewImage,
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
      detail: "the table holds a newer version of orderId=o-9, which no route's filter on this pipe passes: nothing to process; message deleted",
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
      await send(queue, quarantineMessage("normal", bad, "ev-quarantined", reasons, new Date()));
      const [outcome] = await redriveDlq(clients([bad]), queue);
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

  it("a quarantined record sent by reference is redriven from the stream's record and the table's current item", async () => {
    const invoked: unknown[][] = [];
    const queue = newQueue({ readItem: async () => good, invoke: async (records) => (invoked.push(records), ok) });
    const { record: _whole, ...envelope } = quarantineMessage("normal", bad, "ev-quarantined", reasons, new Date());
    await send(queue, { ...envelope, reference: { streamArn: STREAM, sequenceNumber: bad.dynamodb.SequenceNumber, keys: { orderId: { S: "o-9" } }, sizes: { record: 2_000_000 }, maxMessageBytes: 1048576 } });
    const [outcome] = await redriveDlq(clients([bad]), queue);
    assert.equal(outcome.detail, "the table holds a newer version of orderId=o-9, valid: processed with it; message deleted");
    assert.equal((invoked[0][0] as { eventID: string }).eventID, "ev-quarantined");
  });

  // Forged and misplaced messages (issue 18, "dlq redrive trusts the message"): each is kept
  // and explained; nothing is sent to the processor, and a forged record is never read from
  // the table as if it were real.
  describe("a message is checked before anything is redriven", () => {
    const victimShipped = modified("shipped", { orderId: "victim", status: "shipped", amount: "5000" }, "ev-victim") as unknown as StreamRecord;
    victimShipped.eventSourceARN = STREAM;
    const victimCurrent = (victimShipped.dynamodb as unknown as { NewImage: Record<string, unknown> }).NewImage;

    it("an envelope in the premium DLQ that names the normal route", async () => {
      const queue = newQueue({}, "premium");
      const forged = modified("pending", { orderId: "victim", status: "shipped", amount: "5000" }, "ev-victim");
      await send(queue, quarantineMessage("normal", forged, "ev-victim", reasons, new Date()));
      const [o] = await redriveDlq(clients([victimShipped]), queue);
      assert.equal(o.deleted, false);
      assert.match(o.detail, /quarantined by the "normal" route, but this is the DLQ of the premium route: not redriven/);
    });

    it("an envelope whose OldImage says pending where the stream's record says otherwise: the stream's record decides", async () => {
      const queue = newQueue({ readItem: async () => victimCurrent }, "premium");
      // Same sequence number and eventID as the real change (shipped → shipped), images forged.
      const forged = modified("pending", { orderId: "victim", status: "shipped", amount: { S: "x" } }, "ev-victim") as unknown as StreamRecord;
      forged.dynamodb.SequenceNumber = victimShipped.dynamodb.SequenceNumber;
      forged.eventSourceARN = STREAM;
      await send(queue, quarantineMessage("premium", forged, "ev-victim", reasons, new Date()));
      const [o] = await redriveDlq(clients([victimShipped]), queue);
      assert.equal(o.deleted, false);
      assert.match(o.detail, /is not one the premium route rejects \(it is filtered there\): not a quarantined record of this route; not redriven/);
    });

    it("an envelope with a new eventID for a change the stream holds under another one", async () => {
      const queue = newQueue();
      const forged = { ...bad, eventID: "ev-brand-new" };
      await send(queue, quarantineMessage("normal", forged, "ev-brand-new", reasons, new Date()));
      const [o] = await redriveDlq(clients([bad]), queue);
      assert.equal(o.deleted, false);
      assert.match(o.detail, /at sequence \d+ the stream holds eventID ev-quarantined \(orderId=o-9\), the message claims ev-brand-new: not redriven/);
    });

    it("an envelope whose change the stream does not hold (made up, or older than 24 hours)", async () => {
      const queue = newQueue();
      const madeUp = { ...bad, dynamodb: { ...bad.dynamodb, SequenceNumber: "424242" } };
      await send(queue, quarantineMessage("normal", madeUp, "ev-quarantined", reasons, new Date()));
      const [o] = await redriveDlq(clients([bad]), queue);
      assert.equal(o.deleted, false);
      assert.match(o.detail, /the stream no longer holds the record at sequence 424242 .*not redriven \(write the order again to make a new change\)/);
    });

    it("an envelope from another table's stream", async () => {
      const queue = newQueue();
      await send(queue, quarantineMessage("normal", { ...bad, eventSourceARN: "arn:aws:dynamodb:us-east-1:123456789012:table/Payroll/stream/y" }, "ev-quarantined", reasons, new Date()));
      const [o] = await redriveDlq(clients([bad]), queue);
      assert.match(o.detail, /comes from stream .*Payroll.*not this stack's stream .*: not redriven/);
    });

    it("a pointer naming another table's stream: that stream is never read, nothing is invoked", async () => {
      const queue = newQueue();
      await send(queue, pointer(1001, 1001, 1, { streamArn: "arn:aws:dynamodb:us-east-1:123456789012:table/Payroll/stream/y" }));
      const streams = scriptedStream(bare([1001]));
      const [o] = await redriveDlq({ sqs, streams }, queue);
      assert.equal(o.deleted, false);
      assert.match(o.detail, /names stream .*Payroll.*not this stack's stream .*: not read; left in place/);
      assert.equal(streams.calls, 0);
    });

    it("a pointer naming another pipe", async () => {
      const queue = newQueue();
      await send(queue, pointer(1001, 1001, 1, { pipe: "arn:aws:pipes:us-east-1:123456789012:pipe/SomeoneElsesPipe" }));
      const [o] = await redriveDlq(clients(bare([1001])), queue);
      assert.match(o.detail, /names pipe .*SomeoneElsesPipe.*whose dead letters do not come to this DLQ/);
    });
  });

  it("every message gets its own outcome: a malformed pointer or a failing read does not stop the others", async () => {
    const redriven: string[] = [];
    const queue = newQueue({ invoke: async (records) => (redriven.push(...(records as { eventID: string }[]).map((r) => r.eventID)), ok) });
    const bodies: unknown[] = [
      pointer("0x3e9", 1001, 1),
      pointer(1001, 1001, 1, { shardId: "broken" }),
      pointer(1001, 1001, 1), // the redrivable one
      pointer("1001 ", "1001", 1),
      "not json",
      { something: "else" },
      pointer(-5, 1001, 1),
    ];
    for (const b of bodies) await send(queue, b);
    const seen: string[] = [];
    const outcomes = await redriveDlq(clients(orders([1001])), queue, { onOutcome: (o) => seen.push(o.messageId) });
    assert.equal(outcomes.length, 7, outcomes.map((o) => o.detail).join("\n"));
    assert.deepEqual(seen, outcomes.map((o) => o.messageId), "each outcome is reported as it happens");
    assert.deepEqual(redriven, ["e1001"]);
    assert.equal(outcomes.filter((o) => o.deleted).length, 1);
    assert.ok(outcomes.some((o) => /could not be redriven: ValidationException/.test(o.detail)), outcomes.map((o) => o.detail).join("\n"));
    assert.equal(outcomes.filter((o) => /sequence numbers are not numbers/.test(o.detail)).length, 3);
  });

  it("an interrupted redrive stops before the next message and leaves nothing held", async () => {
    const controller = new AbortController();
    const holds = new DlqHolds();
    const queue = newQueue({
      invoke: async () => {
        controller.abort(); // Ctrl-C while the processor runs
        return ok;
      },
    });
    for (let i = 0; i < 5; i++) await send(queue, pointer(1001, 1001, 1));
    const outcomes = await redriveDlq(clients(orders([1001])), queue, { signal: controller.signal, holds });
    assert.equal(outcomes.length, 1, "the message in progress finishes; no other starts");
    assert.equal(holds.size, 0);
    assert.deepEqual(await queueCounts(queue), { visible: 4, held: 0 });
  });

  it("releaseAll gives back everything held at once (a second Ctrl-C)", async () => {
    const queue = newQueue();
    for (let i = 0; i < 12; i++) await send(queue, { n: i });
    const holds = new DlqHolds();
    for (let i = 0; i < 2; i++) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: 960 }));
      for (const m of out.Messages ?? []) holds.add(queue.url, m.ReceiptHandle as string);
    }
    assert.equal((await queueCounts(queue)).held, 12);
    await holds.releaseAll(sqs);
    assert.deepEqual(await queueCounts(queue), { visible: 12, held: 0 });
  });
});

describe("dlq show masks customer addresses as the logs do", () => {
  it("every customerEmail, in both images, at any depth; nothing else changes; the input is untouched", () => {
    const record = modified("pending", { orderId: "o-1", email: "ann.lee@example.com" }, "ev-1") as Record<string, any>;
    const message = { kind: "orders.quarantined-record", reasons: ["x"], record, notes: { customerEmail: { S: "bob@example.org" } } };
    const masked = maskEmails(message) as any;
    assert.equal(masked.record.dynamodb.NewImage.customerEmail.S, "a***@example.com");
    assert.equal(masked.record.dynamodb.OldImage.customerEmail.S, "a***@example.com");
    assert.equal(masked.notes.customerEmail.S, "b***@example.org");
    assert.deepEqual(masked.record.dynamodb.NewImage.orderAmount, record.dynamodb.NewImage.orderAmount);
    assert.equal(record.dynamodb.NewImage.customerEmail.S, "ann.lee@example.com", "the message itself is not changed");
    assert.ok(!JSON.stringify(masked).includes("ann.lee"));
  });

  it("an address of another type or without an @ is masked too", () => {
    assert.deepEqual(maskEmails({ customerEmail: { N: "12" } }), { customerEmail: { N: "***" } });
    assert.deepEqual(maskEmails({ customerEmail: { S: "no-at-sign" } }), { customerEmail: { S: "***" } });
    assert.deepEqual(maskEmails([{ customerEmail: "ann@example.com" }]), [{ customerEmail: "a***@example.com" }]);
  });
});
