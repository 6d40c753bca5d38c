import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_STATE_DIR, type LocalState } from "../local/localState";
import { CliProcess, killJava } from "./support/cliProcess";
import { sh } from "./support/spawn";

// Large records through the local runtime, as a user meets them: `local --watch` in its own
// process, orders near DynamoDB's 400 KB item limit written through the printed endpoint, and
// the DLQ read with `node cli/bin.js dlq ...` as the README spells it. A malformed
// MODIFY of a ~400 KB item (two images, ~800 KB) is quarantined whole in the 1 MiB DLQ; a record
// over 1 MiB in the wire format is quarantined by reference, and `dlq show` reads it back from
// the stream. Addresses are masked unless --show-email is given.

const STATE = path.join(LOCAL_STATE_DIR, "dev.json");
const READY = /watching: write orders/;
const cli = (args: string) => sh(`node cli/bin.js ${args}`, { timeoutMs: 120000 });

describe("large records end to end (local --watch, process level)", function () {
  this.timeout(240000);
  let watch: CliProcess;
  let port = 0;
  let state: LocalState;
  let list = "";

  before(async () => {
    watch = new CliProcess(["local", "--stack", "dev", "--watch"]);
    const [, , p] = await watch.waitFor(/ready in \d+ ms: table \S+ at (http:\/\/127\.0\.0\.1:(\d+))/);
    port = Number(p);
    await watch.waitFor(READY);
    state = JSON.parse(fs.readFileSync(STATE, "utf8"));
    const dynamo = new DynamoDBClient({ endpoint: state.dynamodbEndpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    try {
      // ~395 KB of notes: the item is just under DynamoDB's 400 KB; a string amount makes it malformed.
      const big = { orderId: { S: "o-big" }, orderStatus: { S: "pending" }, orderAmount: { S: "lots" }, customerEmail: { S: "ann.big@example.com" }, notes: { S: "x".repeat(395_000) } };
      await dynamo.send(new PutItemCommand({ TableName: state.tableName, Item: big }));
      await dynamo.send(new UpdateItemCommand({ TableName: state.tableName, Key: { orderId: { S: "o-big" } }, UpdateExpression: "SET orderStatus = :s", ExpressionAttributeValues: { ":s": { S: "shipped" } } }));
      // 180,000 control characters: 1 byte each in DynamoDB, 6 in JSON (\u0001): over 1 MiB as a record.
      const huge = { orderId: { S: "o-ref" }, orderStatus: { S: "pending" }, orderAmount: { S: "lots" }, customerEmail: { S: "ann.ref@example.com" }, notes: { S: "\u0001".repeat(180_000) } };
      await dynamo.send(new PutItemCommand({ TableName: state.tableName, Item: huge }));
    } finally {
      dynamo.destroy();
    }
    // Three rejections on the normal route (o-big INSERT and MODIFY, o-ref), one on premium (o-big MODIFY).
    const deadline = Date.now() + 90000;
    const rejected = () => (watch.output.match(/✗ \S+: rejected o-(big|ref)/g) ?? []).length;
    while (rejected() < 4) {
      if (Date.now() > deadline || !watch.running) throw new Error(`not all large records were rejected:\n${watch.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await cli("dlq list --stack dev --local");
    assert.equal(r.code, 0, r.stderr);
    list = r.stdout;
  });

  after(async () => {
    watch?.signal("SIGINT");
    await watch?.exit().catch(() => undefined);
    await watch?.kill();
    if (port) killJava(port);
  });

  it("the local DLQs have the declared MaximumMessageSize: SQS's 1 MiB", async () => {
    const sqs = new SQSClient({ endpoint: state.sqsEndpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    try {
      for (const name of ["NormalOrdersProcessor", "PremiumOrdersProcessor"]) {
        const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: `${name}-dlq` }));
        const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["MaximumMessageSize"] }));
        assert.equal(attrs.Attributes?.MaximumMessageSize, "1048576", name);
      }
    } finally {
      sqs.destroy();
    }
  });

  it("a MODIFY of a ~400 KB item is quarantined whole on both routes: never retried, never dead-lettered", () => {
    assert.doesNotMatch(watch.output, /↻|☠/, "no record blocked its shard");
    assert.match(list, /NormalOrdersProcessor DLQ \(.*\): 3 messages\n/);
    assert.match(list, /PremiumOrdersProcessor DLQ \(.*\): 1 message\n  quarantine +\S+ +record \S+: NewImage\.orderAmount is a string/);
    const whole = list.match(/quarantine +\S+ +record \S+: NewImage\.orderAmount/g) ?? [];
    assert.equal(whole.length, 3, list);
  });

  it("a record over 1 MiB is quarantined by reference, and the listing says so and until when the stream holds it", () => {
    assert.match(list, /quarantine +\S+ +record \S+ by reference \(\d{7} bytes, too large for a message; the stream holds it until \d{4}-\d\d-\d\dT[\d:.]+Z\): NewImage\.orderAmount is a string/);
  });

  it("dlq show (no --route) reads a reference back from the stream, with the address masked", async () => {
    const id = /quarantine +(\S+) +record \S+ by reference/.exec(list)?.[1] as string;
    const r = await cli(`dlq show --stack dev --local --message ${id}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"reference": \{/);
    assert.match(r.stdout, /the record, read back from the stream \(shard \S+\):\n\{\n  "eventID"/);
    assert.ok((r.stdout.match(/\\u0001/g) ?? []).length >= 180_000, "the whole record, notes included");
    assert.match(r.stdout, /"customerEmail": \{\n\s+"S": "a\*\*\*@example\.com"/);
    assert.ok(!r.stdout.includes("ann.ref@example.com"), "the address is masked, as in the processors' logs");
  });

  it("dlq show --show-email prints the address in full; a whole quarantined record is masked too", async () => {
    const ids = [...list.matchAll(/quarantine +(\S+) +record \S+: NewImage/g)].map((m) => m[1]);
    const masked = await cli(`dlq show --stack dev --local --message ${ids[0]}`);
    assert.equal(masked.code, 0, masked.stderr);
    assert.ok(!masked.stdout.includes("ann.big@example.com"));
    assert.match(masked.stdout, /a\*\*\*@example\.com/);
    const full = await cli(`dlq show --stack dev --local --message ${ids[0]} --show-email`);
    assert.equal(full.code, 0, full.stderr);
    assert.ok(full.stdout.includes("ann.big@example.com"));
  });

  it("dlq redrive --message ID without --route finds the message in the premium DLQ and reports its outcome", async () => {
    const premium = list.slice(list.indexOf("PremiumOrdersProcessor DLQ"));
    const id = /quarantine +(\S+)/.exec(premium)?.[1] as string;
    const r = await cli(`dlq redrive --stack dev --local --message ${id}`);
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    assert.doesNotMatch(r.stderr, /no message/);
    assert.match(r.stdout, new RegExp(`^PremiumOrdersProcessor DLQ: 1 message\\n  kept +quarantine ${id}: still malformed: NewImage\\.orderAmount is a string`));
    assert.doesNotMatch(r.stdout, /NormalOrdersProcessor/);
  });
});
