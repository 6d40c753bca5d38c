import { PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { percentile } from "../local/report";
import { LocalPipeline } from "../local/runtime";

// The local pipeline under load, all in one run: DynamoDB Local's own write rate while the
// load is written, sustained records per second through both pipes (first write until the
// last record is handled), and write-to-processing latency.

/** Each order: put (pending); every 4th also shipped, above the premium threshold. */
async function writeOrders(pipeline: LocalPipeline, prefix: string, orders: number, concurrency: number): Promise<{ writes: number; seconds: number }> {
  let next = 0;
  let writes = 0;
  const start = process.hrtime.bigint();
  const write = async (send: () => Promise<unknown>, orderId: string) => {
    const startedAt = Date.now();
    await send();
    writes++;
    pipeline.recordWrite(orderId, startedAt);
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < orders) {
        const i = next++;
        const orderId = `${prefix}-${i}`;
        const item = { orderId, orderStatus: "pending", orderAmount: i % 4 === 0 ? 1500 + i : 150 + i, customerEmail: `c${i}@example.com` };
        await write(() => pipeline.dynamo.send(new PutItemCommand({ TableName: pipeline.tableName, Item: marshall(item) })), orderId);
        if (i % 4 === 0) {
          await write(
            () =>
              pipeline.dynamo.send(
                new UpdateItemCommand({
                  TableName: pipeline.tableName,
                  Key: marshall({ orderId }),
                  UpdateExpression: "SET orderStatus = :s",
                  ExpressionAttributeValues: marshall({ ":s": "shipped" }),
                }),
              ),
            orderId,
          );
        }
      }
    }),
  );
  return { writes, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

export async function runLocalBench(orders = 1000, concurrency = 8): Promise<Record<string, number | string>[]> {
  const pipeline = await LocalPipeline.start({ stack: "dev", pollIntervalMs: 50 });
  const quietMs = 1500;
  try {
    // Warm-up (JVM JIT, worker init), not measured.
    await writeOrders(pipeline, "warm", 200, concurrency);
    await pipeline.settle({ timeoutMs: 120000, quietMs });
    const before = pipeline.report();
    const start = process.hrtime.bigint();
    const load = await writeOrders(pipeline, "o", orders, concurrency);
    await pipeline.settle({ timeoutMs: 120000, quietMs });
    const drainSeconds = Number(process.hrtime.bigint() - start) / 1e9 - quietMs / 1000;
    const writeRate = load.writes / load.seconds;
    const rows: Record<string, number | string>[] = [
      { what: `DynamoDB Local writes (${load.writes}, ${concurrency} writers)`, perSecond: Math.round(writeRate), ratio: 1, p50ms: "", p99ms: "" },
    ];
    for (const r of pipeline.report()) {
      const b = before.find((x) => x.pipe === r.pipe);
      const read = r.pipeCounts.read - (b?.pipeCounts.read ?? 0);
      const lat = r.latenciesMs.slice(b?.latenciesMs.length ?? 0);
      const rate = read / drainSeconds;
      rows.push({
        what: `${r.pipe}: ${read} records read, ${lat.length} processed`,
        perSecond: Math.round(rate),
        ratio: Math.round((rate / writeRate) * 100) / 100,
        p50ms: lat.length ? Math.round(percentile(lat, 50) as number) : "n/a",
        p99ms: lat.length ? Math.round(percentile(lat, 99) as number) : "n/a",
      });
    }
    return rows;
  } finally {
    await pipeline.stop();
  }
}

if (require.main === module) runLocalBench().then((rows) => console.table(rows));
