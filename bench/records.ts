// Realistic DynamoDB stream records for the benchmarks: a mix of inserts, status changes and
// removals, amounts around both thresholds, customers at real and test domains.

const STATUSES = ["pending", "shipped", "cancelled", "delivered"];
const DOMAINS = ["example.com", "shop.example.org", "test.com", "qa.test.com", "mail.example.net"];

export function benchRecords(count: number, seed = 7): Record<string, unknown>[] {
  let x = seed;
  // A seeded LCG, so every run measures the same records; the high bits are the random ones.
  const rand = (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return Math.floor((x / 2147483648) * n);
  };
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const kind = rand(10);
    const eventName = kind < 4 ? "INSERT" : kind < 9 ? "MODIFY" : "REMOVE";
    const orderId = `o-${100000 + i}`;
    const amount = `${rand(3000)}.${String(rand(100)).padStart(2, "0")}`;
    const email = `customer${i}@${DOMAINS[rand(DOMAINS.length)]}`;
    const newStatus = STATUSES[rand(STATUSES.length)];
    const oldStatus = rand(2) === 0 ? "pending" : STATUSES[rand(STATUSES.length)];
    const img = (status: string) => ({
      orderId: { S: orderId },
      orderStatus: { S: status },
      orderAmount: { N: amount },
      customerEmail: { S: email },
      createdAt: { S: "2026-11-24T10:00:00Z" },
      items: { L: [{ M: { sku: { S: `sku-${rand(500)}` }, qty: { N: String(1 + rand(4)) } } }] },
    });
    const dynamodb: Record<string, unknown> = {
      ApproximateCreationDateTime: 1767225600 + i,
      Keys: { orderId: { S: orderId } },
      SequenceNumber: String(4000000000000000000000 + i),
      SizeBytes: 180,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    };
    if (eventName !== "REMOVE") dynamodb.NewImage = img(newStatus);
    if (eventName !== "INSERT") dynamodb.OldImage = img(oldStatus);
    out.push({
      eventID: `e${i.toString(16).padStart(8, "0")}`,
      eventVersion: "1.1",
      eventName,
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      eventSourceARN: "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2026-01-01T00:00:00.000",
      dynamodb,
    });
  }
  return out;
}

/** Runs fn repeatedly for about `seconds`; returns operations per second. */
export function opsPerSecond(fn: () => void, opsPerCall: number, seconds = 1): number {
  for (let i = 0; i < 3; i++) fn(); // warm up
  let calls = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    fn();
    calls++;
    elapsed = process.hrtime.bigint() - start;
  }
  return (calls * opsPerCall) / (Number(elapsed) / 1e9);
}

export async function opsPerSecondAsync(fn: () => Promise<void>, opsPerCall: number, seconds = 1): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  let calls = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    await fn();
    calls++;
    elapsed = process.hrtime.bigint() - start;
  }
  return (calls * opsPerCall) / (Number(elapsed) / 1e9);
}

/** The middle value of the samples (the upper middle for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
