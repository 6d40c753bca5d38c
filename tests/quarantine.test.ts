import { strict as assert } from "node:assert";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { loadStackFileSettings } from "../config/stackFile";
import { METRICS_NAMESPACE, QUARANTINED_BY_REFERENCE_METRIC } from "../handlers/constants";
import { createHandler } from "../handlers/lambda";
import {
  DLQ_MAX_MESSAGE_BYTES,
  QUARANTINE_ATTRIBUTES,
  type QuarantineMessage,
  quarantineBody,
  quarantineMessage,
  sqsMessageBytes,
} from "../handlers/quarantine";
import { catalogProblem } from "../infra/metricCatalog";
import { type SqsLocal } from "../local/sqsLocal";
import { withSqsLocal } from "./support/sqsLocal";
import { metricsOf, routeNamed, routesFromSettings } from "../routing/stackRoutes";
import { captureStdout } from "./support/capture";
import { handlerTestEnvironment } from "./support/handlerEnv";
import { modified } from "./support/records";

// A quarantined record goes whole when the message fits in the DLQ's 1 MiB, as a reference to
// the stream when it does not; the reference says where the record is and what was left out,
// and a distinct metric counts it.

/** A malformed MODIFY (amount a string) whose images carry `notes` of `bytes` characters. */
function bigModify(notes: string, eventID = "ev-big") {
  const r = modified("pending", { orderId: "o-big", amount: { S: "lots" } }, eventID) as { dynamodb: { NewImage: Record<string, unknown>; OldImage: Record<string, unknown> } };
  r.dynamodb.NewImage.notes = { S: notes };
  r.dynamodb.OldImage.notes = { S: notes };
  return r;
}

/** The normal route's processor with a business step that accepts every order. */
const acceptAll = { normal: { step: async () => undefined, metrics: metricsOf("normal") } };

const reasons = ["NewImage.orderAmount is a string (S), expected a number (N)"];
const at = new Date("2026-11-25T10:00:00.000Z");

describe("quarantine envelopes and SQS's message size", () => {
  it("counts a message as SQS does: UTF-8 bytes of the body plus every attribute's name, type and value", () => {
    assert.equal(sqsMessageBytes("é", {}), 2);
    assert.equal(sqsMessageBytes("ab", QUARANTINE_ATTRIBUTES), 2 + "kind".length + "String".length + "orders.quarantined-record".length);
  });

  it("a MODIFY of a ~400 KB item (both images ~800 KB) goes whole in one message", () => {
    const m = quarantineMessage("normal", bigModify("x".repeat(395_000)), "ev-big", reasons, at);
    const { body, delivery } = quarantineBody(m);
    assert.equal(delivery, "whole");
    assert.ok(Buffer.byteLength(body) > 790_000, `${Buffer.byteLength(body)} bytes`);
    assert.deepEqual(JSON.parse(body), JSON.parse(JSON.stringify(m)));
  });

  it("the limit is exact: a message of exactly the limit goes whole, one byte more goes as a reference", () => {
    const m = quarantineMessage("normal", bigModify("x".repeat(1000)), "ev-edge", reasons, at);
    const exact = sqsMessageBytes(JSON.stringify(m), QUARANTINE_ATTRIBUTES);
    assert.equal(quarantineBody(m, exact).delivery, "whole");
    assert.equal(quarantineBody(m, exact - 1).delivery, "reference");
  });

  it("a record that does not fit is sent as a reference: keys, eventID, sequence number, stream, reasons and the sizes left out", () => {
    // A control character is 1 byte in DynamoDB and 6 in JSON (\u0001): 180,000 of them per image
    // make an item well under 400 KB whose record is over 2 MB in the wire format.
    const record = bigModify("\u0001".repeat(180_000), "ev-ref") as Record<string, any>;
    const { body, delivery } = quarantineBody(quarantineMessage("premium", record, "ev-ref", reasons, at));
    assert.equal(delivery, "reference");
    assert.ok(sqsMessageBytes(body, QUARANTINE_ATTRIBUTES) < 2000, `${body.length} bytes`);
    const sent = JSON.parse(body) as QuarantineMessage;
    assert.equal(sent.record, undefined);
    assert.deepEqual(
      { kind: sent.kind, version: sent.version, route: sent.route, eventID: sent.eventID, reasons: sent.reasons, quarantinedAt: sent.quarantinedAt },
      { kind: "orders.quarantined-record", version: 1, route: "premium", eventID: "ev-ref", reasons, quarantinedAt: "2026-11-25T10:00:00.000Z" },
    );
    const ref = sent.reference as NonNullable<QuarantineMessage["reference"]>;
    assert.deepEqual(ref.keys, { orderId: { S: "o-big" } });
    assert.equal(ref.sequenceNumber, record.dynamodb.SequenceNumber);
    assert.equal(ref.streamArn, record.eventSourceARN);
    assert.equal(ref.eventName, "MODIFY");
    assert.equal(ref.shardId, undefined, "a processor does not know the shard");
    assert.equal(ref.maxMessageBytes, DLQ_MAX_MESSAGE_BYTES);
    assert.equal(ref.sizes.record, Buffer.byteLength(JSON.stringify(record)));
    assert.equal(ref.sizes.NewImage, Buffer.byteLength(JSON.stringify(record.dynamodb.NewImage)));
    assert.equal(ref.sizes.OldImage, Buffer.byteLength(JSON.stringify(record.dynamodb.OldImage)));
  });
});

describe("the processor quarantines a record too large for a message (handler, real SQS API)", function () {
  this.timeout(30000);
  let sqsLocal: SqsLocal;
  let sqs: SQSClient;
  withSqsLocal((started) => ({ sqsLocal, sqs } = started));

  it("sends the reference, acknowledges the record, and counts it in RecordsQuarantinedByReference", async () => {
    const queue = sqsLocal.createQueue("reference-test-dlq", { MaximumMessageSize: String(DLQ_MAX_MESSAGE_BYTES) });
    const route = routeNamed(routesFromSettings(loadStackFileSettings("dev")), "normal");
    const saved = { ...process.env };
    Object.assign(process.env, handlerTestEnvironment(route), {
      ORDERS_DLQ_URL: queue.queueUrl,
      AWS_ENDPOINT_URL_SQS: sqsLocal.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    });
    let result: unknown;
    let lines: string[];
    try {
      const handler = createHandler(acceptAll);
      ({ lines } = await captureStdout(async () => {
        result = await handler([bigModify("\u0001".repeat(180_000), "ev-ref"), bigModify("y".repeat(100), "ev-small")]);
      }));
    } finally {
      process.env = saved;
    }
    assert.deepEqual(result, { batchItemFailures: [] }, "both records acknowledged");
    const emf = lines.map((l) => JSON.parse(l)).find((d) => d._aws);
    assert.equal(emf[QUARANTINED_BY_REFERENCE_METRIC], 1);
    assert.equal(emf.RecordsQuarantined, 2);
    assert.equal(catalogProblem(METRICS_NAMESPACE, QUARANTINED_BY_REFERENCE_METRIC, ["service"]), undefined);

    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"] }));
    const bodies = (out.Messages ?? []).map((m) => JSON.parse(m.Body as string) as QuarantineMessage).sort((a, b) => String(a.eventID).localeCompare(String(b.eventID)));
    assert.deepEqual(bodies.map((b) => [b.eventID, b.record === undefined, b.reference === undefined]), [["ev-ref", true, false], ["ev-small", false, true]]);
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.queueUrl, AttributeNames: ["MaximumMessageSize"] }));
    assert.equal(attrs.Attributes?.MaximumMessageSize, "1048576");
  });

  it("a clean batch writes no RecordsQuarantinedByReference (a rare metric is not billed every month for zeros)", async () => {
    const route = routeNamed(routesFromSettings(loadStackFileSettings("dev")), "normal");
    const saved = { ...process.env };
    Object.assign(process.env, handlerTestEnvironment(route));
    try {
      const handler = createHandler(acceptAll);
      const { lines } = await captureStdout(() => handler([modified("pending", { orderId: "o-1", status: "pending", amount: "250" }, "ev-ok")]));
      const emf = lines.map((l) => JSON.parse(l)).find((d) => d._aws);
      assert.ok(!(QUARANTINED_BY_REFERENCE_METRIC in emf), JSON.stringify(emf));
    } finally {
      process.env = saved;
    }
  });
});
