import { CreateTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { localClientConfig, startDynamoLocal } from "../local/dynamoLocal";

// What keeping DynamoDB Local off the network costs (local/dynamoLocal.ts): its JVM in a
// network namespace of its own, reached through its watchdog's relay on 127.0.0.1, against
// the JVM listening directly (ORDERS_LOCAL_ISOLATION=none, every interface). Same run,
// alternating samples, median of each: the time until DynamoDB Local answers, and plain
// PutItem calls from 8 concurrent writers.

const SAMPLES = 5;
const WRITERS = 8;
const PUTS = 3000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (v: number) => Math.round(v * 100) / 100;

async function sample(isolation: "namespace" | "none"): Promise<{ startMs: number; putsPerSecond: number }> {
  const saved = process.env.ORDERS_LOCAL_ISOLATION;
  process.env.ORDERS_LOCAL_ISOLATION = isolation;
  const t0 = process.hrtime.bigint();
  const ddb = await startDynamoLocal();
  const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (saved === undefined) delete process.env.ORDERS_LOCAL_ISOLATION;
  else process.env.ORDERS_LOCAL_ISOLATION = saved;
  if (ddb.isolation !== isolation) throw new Error(`asked for isolation ${isolation}, got ${ddb.isolation} (${ddb.exposure})`);
  const client = new DynamoDBClient(localClientConfig(ddb.endpoint));
  try {
    await client.send(new CreateTableCommand({ TableName: "Bench", KeySchema: [{ AttributeName: "k", KeyType: "HASH" }], AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }], BillingMode: "PAY_PER_REQUEST" }));
    const put = (i: number) => client.send(new PutItemCommand({ TableName: "Bench", Item: { k: { S: `k-${i}` }, orderStatus: { S: "pending" }, orderAmount: { N: String(150 + i) }, customerEmail: { S: `c${i}@example.com` } } }));
    for (let i = 0; i < 500; i++) await put(-i - 1); // warm the JVM and the connections
    let next = 0;
    const t1 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: WRITERS }, async () => {
      while (next < PUTS) await put(next++);
    }));
    return { startMs, putsPerSecond: PUTS / (Number(process.hrtime.bigint() - t1) / 1e9) };
  } finally {
    client.destroy();
    await ddb.stop();
  }
}

export async function runIsolationBench(): Promise<Record<string, number | string>[]> {
  const direct: { startMs: number; putsPerSecond: number }[] = [];
  const isolated: { startMs: number; putsPerSecond: number }[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    direct.push(await sample("none"));
    isolated.push(await sample("namespace"));
  }
  const d = { start: median(direct.map((s) => s.startMs)), puts: median(direct.map((s) => s.putsPerSecond)) };
  const n = { start: median(isolated.map((s) => s.startMs)), puts: median(isolated.map((s) => s.putsPerSecond)) };
  return [
    { what: "DynamoDB Local on every interface: start until it answers (ms)", median: Math.round(d.start), ratio: 1 },
    { what: "in its own network namespace, behind the relay: start until it answers (ms)", median: Math.round(n.start), ratio: round(n.start / d.start) },
    { what: `on every interface: PutItem/s from ${WRITERS} writers`, median: Math.round(d.puts), ratio: 1 },
    { what: "behind the relay: PutItem/s", median: Math.round(n.puts), ratio: round(n.puts / d.puts) },
  ];
}
