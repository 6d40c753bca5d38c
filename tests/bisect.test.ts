import { strict as assert } from "node:assert";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { loadStackFileSettings } from "../config/stackFile";
import { createHandler } from "../handlers/lambda";
import { LocalPipe, type PointerMessage } from "../local/localPipe";
import { routeEvaluator } from "../routing/decide";
import { metricsOf, routeNamed, routesFromSettings } from "../routing/stackRoutes";
import { captureStdout } from "./support/capture";
import { handlerTestEnvironment } from "./support/handlerEnv";
import { inserted } from "./support/records";

// A record whose business step always fails, in the middle of a batch, through the real
// handler and the local pipe with AUTOMATIC_BISECT. A partial batch response is split at the
// first failed record, not halved (localPipe.ts, from the Lambda developer guide), so if the
// handler answered a failure at the head of its batch with a partial response, the pipe would
// retry the same records until they all went to the DLQ together. The handler fails the
// invocation instead, the pipe halves the batch, and only the failing record is dead-lettered.

const STREAM = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/x";

function streamOf(records: Record<string, unknown>[]): DynamoDBStreamsClient {
  return {
    send: async (command: { constructor: { name: string }; input: Record<string, string> }) => {
      switch (command.constructor.name) {
        case "DescribeStreamCommand":
          return { StreamDescription: { Shards: [{ ShardId: "s1" }] } };
        case "GetShardIteratorCommand":
          return { ShardIterator: "0" };
        case "GetRecordsCommand": {
          const at = Number(command.input.ShardIterator);
          const page = records.slice(at, at + 100);
          return { Records: page, NextShardIterator: page.length === 0 ? undefined : String(at + page.length) };
        }
        default:
          throw new Error(`unexpected ${command.constructor.name}`);
      }
    },
  } as unknown as DynamoDBStreamsClient;
}

describe("a poison record among good ones (real handler, local pipe, AUTOMATIC_BISECT)", function () {
  this.timeout(30000);

  it("only the failing record is dead-lettered; the records behind it in its batch are processed", async () => {
    const route = routeNamed(routesFromSettings(loadStackFileSettings("dev")), "normal");
    const saved = { ...process.env };
    Object.assign(process.env, handlerTestEnvironment(route));
    const processed: string[] = [];
    const dlq: PointerMessage[] = [];
    let pipe: LocalPipe | undefined;
    try {
      const handler = createHandler({
        normal: {
          step: async (order) => {
            if (order.orderId === "o-poison") throw new Error("the business system refuses o-poison");
            processed.push(order.orderId);
          },
          metrics: metricsOf("normal"),
        },
      });
      const records = ["o-1", "o-poison", "o-3", "o-4", "o-5"].map((orderId, i) => {
        const r = inserted({ orderId }, `ev-${orderId}`) as { dynamodb: { SequenceNumber: string; ApproximateCreationDateTime: number } };
        r.dynamodb.SequenceNumber = String(1000 + i);
        r.dynamodb.ApproximateCreationDateTime = Math.floor(Date.now() / 1000);
        return r;
      });
      assert.ok(records.every((r) => routeEvaluator(route).decide(r).outcome === "processed"), "every record is an order the route processes");
      await captureStdout(async () => {
        pipe = new LocalPipe(
          { name: "NormalOrdersPipe", arn: "arn:aws:pipes:us-east-1:123456789012:pipe/NormalOrdersPipe-dev", filters: routeEvaluator(route).filters, startingPosition: "TRIM_HORIZON", batchSize: 10, batchingWindowSeconds: 0, maximumRetryAttempts: 5, maximumRecordAgeSeconds: 3600, bisectOnFailure: true },
          {
            streams: streamOf(records),
            streamArn: STREAM,
            target: {
              invoke: async (payload) => {
                try {
                  return { ok: true, result: await handler(payload) };
                } catch (err) {
                  return { ok: false, error: (err as Error).message };
                }
              },
            },
            sendToDlq: async (m) => void dlq.push(m),
            pollIntervalMs: 5,
            retryDelayMs: 1,
          },
        );
        pipe.start();
        const deadline = Date.now() + 20000;
        while (!(pipe.counts.read === records.length && pipe.idle)) {
          if (Date.now() > deadline) throw new Error(`the pipe did not settle: ${JSON.stringify(pipe.counts)}`);
          await new Promise((r) => setTimeout(r, 5));
        }
        await pipe.stop();
      });
    } finally {
      await pipe?.stop();
      process.env = saved;
    }
    assert.deepEqual(dlq.map((m) => [m.DDBStreamBatchInfo.startSequenceNumber, m.DDBStreamBatchInfo.endSequenceNumber, m.DDBStreamBatchInfo.batchSize]), [["1001", "1001", 1]]);
    assert.deepEqual([...new Set(processed)], ["o-1", "o-3", "o-4", "o-5"]);
  });
});
