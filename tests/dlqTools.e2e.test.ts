import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record } from "@aws-sdk/client-dynamodb-streams";
import {
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { LOCAL_STATE_DIR, type LocalState } from "../local/localState";
import { toWireRecord } from "../local/wireFormat";
import { CliProcess, killJava } from "./support/cliProcess";
import { sh } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// The DLQ tools against a running `local --watch`, as the battery of issue 18 attacked them:
// forged and misplaced messages, a malformed pointer among others, a queue of 1,107, Ctrl-C in
// the middle of a redrive of 201, and a DLQ that cannot be reached. Each command is spawned as
// the README spells it (`node cli/bin.js`, its quickest spelling: tests/cliProcess.test.ts holds
// npm run and npx to the same behaviour); messages are planted in the local SQS through its endpoint.

const STATE = path.join(LOCAL_STATE_DIR, "dev.json");
const cli = (args: string) => sh(`node cli/bin.js ${args}`, { timeoutMs: 180000 });
const credentials = { accessKeyId: "local", secretAccessKey: "local" };

describe("dlq tools against a running local stack (process level)", function () {
  this.timeout(300000);
  let watch: CliProcess;
  let port = 0;
  let state: LocalState;
  let sqs: SQSClient;
  let normalUrl = "";
  let premiumUrl = "";
  /** The stream's records, in the pipe's wire format, by orderId. */
  const records = new Map<string, ReturnType<typeof toWireRecord>[]>();
  let quarantinedBody = "";

  const send = async (url: string, bodies: string[]) => {
    for (let i = 0; i < bodies.length; i += 10) {
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: bodies.slice(i, i + 10).map((b, n) => ({ Id: String(n), MessageBody: b })) }));
    }
  };
  const counts = async (url: string) => {
    const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }))).Attributes ?? {};
    return { visible: Number(a.ApproximateNumberOfMessages), held: Number(a.ApproximateNumberOfMessagesNotVisible) };
  };
  const pointerTo = (r: ReturnType<typeof toWireRecord>, over: { streamArn?: string; start?: string } = {}) =>
    JSON.stringify({
      context: { partnerResourceArn: "arn:aws:pipes:us-east-1:123456789012:pipe/NormalOrdersPipe-dev", condition: "RetryAttemptsExhausted" },
      version: "1.0",
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId: shardOf.get(r.eventID),
        startSequenceNumber: over.start ?? r.dynamodb.SequenceNumber,
        endSequenceNumber: r.dynamodb.SequenceNumber,
        approximateArrivalOfFirstRecord: new Date().toISOString(),
        approximateArrivalOfLastRecord: new Date().toISOString(),
        batchSize: 1,
        streamArn: over.streamArn ?? state.streamArn,
      },
    });
  const shardOf = new Map<string, string>();

  before(async () => {
    const dir = tempDir("orders-dlq-tools-");
    const scenario = path.join(dir, "tools.yaml");
    fs.writeFileSync(
      scenario,
      [
        "name: dlq tools",
        "faults: { o-dlq: -1 }",
        "steps:",
        "  - put: { orderId: o-ok, orderStatus: pending, orderAmount: 250, customerEmail: ann@example.com }",
        "  - put: { orderId: o-bad, orderStatus: pending, orderAmount: lots, customerEmail: bob@example.com }",
        "",
      ].join("\n"),
    );
    watch = new CliProcess(["local", "--stack", "dev", "--watch", "--scenario", scenario]);
    const [, , p] = await watch.waitFor(/ready in \d+ ms: table \S+ at (http:\/\/127\.0\.0\.1:(\d+))/);
    port = Number(p);
    await watch.waitFor(/watching: write orders/);
    state = JSON.parse(fs.readFileSync(STATE, "utf8"));
    sqs = new SQSClient({ endpoint: state.sqsEndpoint, region: "us-east-1", credentials });
    normalUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: "NormalOrdersProcessor-dlq" }))).QueueUrl as string;
    premiumUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: "PremiumOrdersProcessor-dlq" }))).QueueUrl as string;
    // The genuine quarantine message of o-bad, and every record of the stream.
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: normalUrl, VisibilityTimeout: 0 }));
    quarantinedBody = got.Messages?.[0]?.Body as string;
    assert.match(quarantinedBody, /orders\.quarantined-record/);
    const streams = new DynamoDBStreamsClient({ endpoint: state.dynamodbEndpoint, region: "us-east-1", credentials });
    try {
      const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: state.streamArn }))).StreamDescription?.Shards ?? [];
      for (const shard of shards) {
        let it = (await streams.send(new GetShardIteratorCommand({ StreamArn: state.streamArn, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
        for (let n = 0; it && n < 5; n++) {
          const out = await streams.send(new GetRecordsCommand({ ShardIterator: it }));
          for (const raw of out.Records ?? ([] as _Record[])) {
            const r = toWireRecord(raw, state.streamArn as string);
            const id = (r.dynamodb.Keys?.orderId as { S: string }).S;
            records.set(id, [...(records.get(id) ?? []), r]);
            shardOf.set(r.eventID, shard.ShardId as string);
          }
          it = out.NextShardIterator;
        }
      }
    } finally {
      streams.destroy();
    }
    assert.ok(records.get("o-ok")?.length && records.get("o-bad")?.length, "the scenario's records are in the stream");
  });

  beforeEach(async () => {
    for (const url of [normalUrl, premiumUrl]) await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
  });

  after(async () => {
    sqs?.destroy();
    watch?.signal("SIGINT");
    await watch?.exit().catch(() => undefined);
    await watch?.kill();
    if (port) killJava(port);
  });

  it("redrive refuses a forged envelope in the premium DLQ that names the normal route and a made-up pending→shipped change", async () => {
    const real = (records.get("o-ok") as ReturnType<typeof toWireRecord>[])[0];
    const forged = JSON.parse(quarantinedBody);
    forged.route = "normal";
    forged.eventID = real.eventID;
    forged.record = {
      ...real,
      eventName: "MODIFY",
      dynamodb: {
        ...real.dynamodb,
        NewImage: { ...real.dynamodb.NewImage, orderStatus: { S: "shipped" }, orderAmount: { N: "5000" } },
        OldImage: { ...real.dynamodb.NewImage, orderStatus: { S: "pending" } },
      },
    };
    await send(premiumUrl, [JSON.stringify(forged)]);
    const r = await cli("dlq redrive --stack dev --local --route premium");
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /kept +quarantine \S+: the message says it was quarantined by the "normal" route, but this is the DLQ of the premium route: not redriven/);
    // Named as premium, the same forgery is refused by the stream's record.
    forged.route = "premium";
    await send(premiumUrl, [JSON.stringify(forged)]);
    const again = await cli("dlq redrive --stack dev --local --route premium");
    assert.match(again.stdout, /the stream's record \S+ is not one the premium route rejects \(it is filtered there\)/);
  });

  it("redrive refuses a pointer naming another table's stream, and an envelope with a new eventID for an order already processed", async () => {
    const ok = (records.get("o-ok") as ReturnType<typeof toWireRecord>[])[0];
    const otherStream = "arn:aws:dynamodb:us-east-1:000000000000:table/Payroll/stream/2026-01-01T00:00:00.000";
    const replay = JSON.parse(quarantinedBody);
    replay.eventID = "ev-brand-new";
    replay.record = { ...ok, eventID: "ev-brand-new" };
    await send(normalUrl, [pointerTo(ok, { streamArn: otherStream }), JSON.stringify(replay)]);
    const r = await cli("dlq redrive --stack dev --local --route normal");
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /kept +pointer \S+: the pointer names stream ".*Payroll.*", not this stack's stream .*: not read; left in place/);
    assert.match(r.stdout, new RegExp(`kept +quarantine \\S+: the message does not match this stack's stream: at sequence ${ok.dynamodb.SequenceNumber} the stream holds eventID ${ok.eventID} \\(orderId=o-ok\\), the message claims ev-brand-new: not redriven`));
    assert.match(r.stdout, /^NormalOrdersProcessor DLQ: 2 messages\n/);
    assert.match(r.stdout, /\n  0 deleted, 2 kept\n/);
  });

  it("one malformed pointer among 7 messages: every message gets its own outcome line, the redrivable one is redriven", async () => {
    const ok = (records.get("o-ok") as ReturnType<typeof toWireRecord>[])[0];
    await send(normalUrl, [pointerTo(ok, { start: "-1" }), pointerTo(ok), quarantinedBody, "not json", pointerTo(ok, { start: "1e3" }), quarantinedBody, JSON.stringify({ hello: 1 })]);
    const r = await cli("dlq redrive --stack dev --local --route normal");
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const lines = r.stdout.split("\n").filter((l) => /^  (deleted|kept   )  /.test(l));
    assert.equal(lines.length, 7, r.stdout);
    assert.equal(lines.filter((l) => /^  deleted  pointer \S+: 1 record processed; message deleted$/.test(l)).length, 1, r.stdout);
    assert.equal(lines.filter((l) => /sequence numbers are not numbers/.test(l)).length, 2, r.stdout);
    assert.match(r.stdout, /^NormalOrdersProcessor DLQ: 7 messages\n/);
    assert.match(r.stdout, /\n  1 deleted, 6 kept\n/);
  });

  it("dlq list shows all 1,107 messages of a queue no one else reads, and does not claim another reader holds some", async () => {
    await send(normalUrl, Array.from({ length: 1107 }, (_, i) => JSON.stringify({ n: i })));
    const r = await cli("dlq list --stack dev --local --route normal");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /NormalOrdersProcessor DLQ \(.*\): 1107 messages\n/);
    assert.doesNotMatch(r.stdout, /held by another reader/);
    assert.equal(r.stdout.split("\n").filter((l) => l.startsWith("  unknown ")).length, 1107);
  });

  it("Ctrl-C during a redrive of 201 messages: exit 130, the outcomes so far are printed, and no message is left invisible", async () => {
    await send(normalUrl, Array.from({ length: 201 }, () => quarantinedBody));
    const redrive = new CliProcess(["dlq", "redrive", "--stack", "dev", "--local", "--route", "normal"]);
    try {
      await redrive.waitFor(/kept +quarantine \S+: still malformed/, 120000);
      redrive.signal("SIGINT");
      // Ends by the Ctrl-C it received, after its report (a shell shows 130).
      const { signal } = await redrive.exit(60000);
      assert.equal(signal, "SIGINT", redrive.output);
      assert.match(redrive.stdout, /interrupted: the messages not redriven were not touched and are visible/);
      assert.match(redrive.stdout, /\n  0 deleted, \d+ kept, \d+ not redriven \(interrupted\)\n/);
      const done = redrive.stdout.split("\n").filter((l) => /^  kept +quarantine /.test(l)).length;
      assert.ok(done >= 1 && done < 201, `${done} outcome lines`);
      // Nothing is held for the 960 s of a redrive's hold.
      assert.deepEqual(await counts(normalUrl), { visible: 201, held: 0 });
    } finally {
      await redrive.kill();
    }
  });

  // (That it goes once the DLQ is back is tested on the pipe itself, localPipe.test.ts: the local
  // SQS cannot re-create a deleted queue under the URL the running stack uses.)
  it("while the DLQ cannot be reached, the pipe says so at every attempt, and keeps trying", async () => {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: normalUrl }));
    const from = watch.output.length;
    const dynamo = new DynamoDBClient({ endpoint: state.dynamodbEndpoint, region: "us-east-1", credentials });
    try {
      // o-dlq always fails (the scenario's fault): 5 retries, then the dead letter.
      await dynamo.send(new PutItemCommand({ TableName: state.tableName, Item: { orderId: { S: "o-dlq" }, orderStatus: { S: "pending" }, orderAmount: { N: "300" }, customerEmail: { S: "cat@example.com" } } }));
    } finally {
      dynamo.destroy();
    }
    await watch.waitFor(/retry 5 of 5 for o-dlq/, 60000);
    const says = /! NormalOrdersPipe: cannot send the dead letter for 1 record from orderId=o-dlq \(RetryAttemptsExhausted\) to the DLQ: .*; attempt 2, retrying in [\d.]+ s/;
    const deadline = Date.now() + 30000;
    while (!says.test(watch.output.slice(from))) {
      if (Date.now() > deadline) throw new Error(`the failing dead-letter send was not said:\n${watch.output.slice(from)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.doesNotMatch(watch.output.slice(from), /☠ normal: o-dlq .*dead-lettered/, "nothing is said to be dead-lettered that is not");
  });
});
