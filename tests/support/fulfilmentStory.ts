// Run as a script in a copy of the project with the fulfilment example wired in
// (tests/fulfilmentExample.e2e.test.ts): the declared stack on DynamoDB Local, every path by
// which a change reaches the normal route's step again, and then what the fulfilment table
// holds. Prints one JSON line on stdout.
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from "@aws-sdk/client-dynamodb-streams";
import { FAULTS_ENV } from "../../handlers/constants";
import { bundleProcessor } from "../../infra/bundle";
import { dlqQueueFor, listDlq, redriveDlq } from "../../local/dlq";
import { localEnvironment } from "../../local/plan";
import { ProcessorHost } from "../../local/processorHost";
import { LocalPipeline } from "../../local/runtime";
import type { Step } from "../../local/scenario";
import { runStep } from "../../local/scenarioSteps";
import { toWireRecord } from "../../local/wireFormat";

const put = (orderId: string, orderAmount: unknown, orderStatus = "pending"): Step => ({ put: { orderId, orderStatus, orderAmount, customerEmail: `${orderId}@example.com` } });

async function main(): Promise<void> {
  const pipeline = await LocalPipeline.start({ stack: "dev", faults: { "f-7": 2, "f-8": -1 }, pollIntervalMs: 50, retryDelayMs: 10 });
  try {
    const write = (step: Step) => runStep(step, pipeline.dynamo, pipeline.tableName, (id, at) => pipeline.recordWrite(id, at));
    // Ten orders in one batch: f-7 fails twice (the pipe retries and bisects), f-8 always
    // (dead-lettered as a pointer), f-9 is malformed (quarantined whole).
    for (const id of ["f-1", "f-2", "f-3", "f-4", "f-5", "f-6", "f-7", "f-8"]) await write(put(id, 250));
    await write(put("f-9", "lots"));
    await write({ update: { orderId: "f-1", set: { orderStatus: "shipped" } } }); // a new effect of the route; the step's write finds the item
    await pipeline.settle({ timeoutMs: 90000 });
    // Records the pipe retried after another order's failure, though their step had run beside it.
    const repeatsOfRetries = pipeline.report().routes.find((r) => r.route === "normal")?.counts.repeats;

    const clients = { sqs: pipeline.sqs, streams: pipeline.streams };
    const normal = pipeline.route("NormalOrdersPipe");
    // The dead-lettered pointer, redriven once the failure is gone (the same bundle and environment, no injected fault).
    const environment = localEnvironment(normal.plan.processor, normal.dlqUrl, pipeline.services);
    delete environment[FAULTS_ENV];
    const fixed = new ProcessorHost({ functionName: "NormalOrdersProcessor-fixed", code: bundleProcessor(normal.plan.processor.steps).code, environment, timeoutMs: 30000, onLog: (line) => pipeline.processorLog("NormalOrdersPipe", line) });
    const queue = dlqQueueFor(normal.plan, normal.dlqUrl, { invoke: (records) => fixed.invoke(records), readItem: pipeline.dlqQueue("NormalOrdersPipe").readItem, streamArn: pipeline.streamArn });
    const pointers = (await redriveDlq(clients, queue)).filter((o) => o.kind === "pointer");
    // The quarantined order, fixed, then redriven: the fix's own record creates its item first.
    await write({ update: { orderId: "f-9", set: { orderAmount: 300 } } });
    await pipeline.settle({ timeoutMs: 60000 });
    const quarantined = (await redriveDlq(clients, queue)).filter((o) => o.kind === "quarantine");
    // The same changes delivered again, as a replaced pipe reading from TRIM_HORIZON would.
    const stream = await pipeline.streams.send(new DescribeStreamCommand({ StreamArn: pipeline.streamArn }));
    const replayed = [];
    for (const shard of stream.StreamDescription?.Shards ?? []) {
      let iterator = (await pipeline.streams.send(new GetShardIteratorCommand({ StreamArn: pipeline.streamArn, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
      while (iterator) {
        const page = await pipeline.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        replayed.push(...(page.Records ?? []).map((r) => toWireRecord(r, pipeline.streamArn)).filter((r) => queue.evaluators.some((e) => e.passesFilter(r))));
        if ((page.Records ?? []).length === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    const replay = [];
    for (let i = 0; i < replayed.length; i += 10) replay.push(await fixed.invoke(replayed.slice(i, i + 10)));
    await new Promise((r) => setTimeout(r, 500)); // the last report lines
    await fixed.stop();

    const items = await pipeline.dynamo.send(new ScanCommand({ TableName: "Fulfilment" }));
    const left = await listDlq(clients, queue);
    const route = pipeline.report().routes.find((r) => r.route === "normal");
    process.stdout.write(
      `${JSON.stringify({
        items: (items.Items ?? []).map((i) => ({ orderId: i.orderId.S, status: i.status.S, amount: i.amount.N })).sort((a, b) => String(a.orderId).localeCompare(String(b.orderId))),
        pointers: pointers.map((o) => ({ deleted: o.deleted, detail: o.detail })),
        quarantined: quarantined.map((o) => ({ deleted: o.deleted, detail: o.detail })),
        replayed: replayed.length,
        replayFailures: replay.filter((r) => !r.ok || ((r.result as { batchItemFailures: unknown[] }).batchItemFailures ?? []).length > 0).length,
        dlqLeft: left.entries.map((e) => (e.kind === "quarantine" ? `quarantine ${(e.quarantine.record as { dynamodb: { Keys: { orderId: { S: string } } } }).dynamodb.Keys.orderId.S}` : e.kind)),
        retried: route?.retried,
        processed: route?.counts.processed,
        repeats: route?.counts.repeats,
        repeatsOfRetries,
      })}\n`,
    );
  } finally {
    await pipeline.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
