// Realistic DynamoDB stream records for the benchmarks: a mix of inserts, status changes and
// removals, amounts around both thresholds, customers at real and test domains, one or two
// line items, a shipping city and timestamps: about 860 bytes of JSON per record on average
// (an insert carries one image, a status change two).

const STATUSES = ["pending", "shipped", "cancelled", "delivered"];
const DOMAINS = ["example.com", "shop.example.org", "test.com", "qa.test.com", "mail.example.net"];
const CITIES: [city: string, country: string][] = [
  ["Lyon", "FR"],
  ["Hamburg", "DE"],
  ["Porto", "PT"],
  ["Utrecht", "NL"],
];

/**
 * A seeded random source (an LCG; the high bits are the random ones), so that benches and
 * generated tests see the same data on every run: rand(n) is 0..n-1, pick(items) one of them.
 */
export function seededRandom(seed: number): { rand: (n: number) => number; pick: <T>(items: readonly T[]) => T } {
  let x = seed;
  const rand = (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return Math.floor((x / 2147483648) * n);
  };
  return { rand, pick: (items) => items[rand(items.length)] };
}

export function benchRecords(count: number, seed = 7): Record<string, unknown>[] {
  const { rand } = seededRandom(seed);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const kind = rand(10);
    const eventName = kind < 4 ? "INSERT" : kind < 9 ? "MODIFY" : "REMOVE";
    const orderId = `o-${100000 + i}`;
    const amount = `${rand(3000)}.${String(rand(100)).padStart(2, "0")}`;
    const email = `customer${i}@${DOMAINS[rand(DOMAINS.length)]}`;
    const newStatus = STATUSES[rand(STATUSES.length)];
    const oldStatus = rand(2) === 0 ? "pending" : STATUSES[rand(STATUSES.length)];
    const [city, country] = CITIES[rand(CITIES.length)];
    const address = { M: { city: { S: city }, country: { S: country } } };
    const items = Array.from({ length: rand(3) === 0 ? 2 : 1 }, () => ({
      M: { sku: { S: `sku-${rand(500)}` }, qty: { N: String(1 + rand(4)) } },
    }));
    const img = (status: string, createdAt: string) => ({
      orderId: { S: orderId },
      orderStatus: { S: status },
      orderAmount: { N: amount },
      customerEmail: { S: email },
      shippingAddress: address,
      items: { L: items },
      createdAt: { S: createdAt },
    });
    const dynamodb: Record<string, unknown> = {
      ApproximateCreationDateTime: 1767225600 + i,
      Keys: { orderId: { S: orderId } },
      SequenceNumber: String(400000000000000000000n + BigInt(i)),
      SizeBytes: 420,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    };
    const createdAt = new Date(Date.UTC(2026, 10, 24, 10, 0, i)).toISOString();
    if (eventName !== "REMOVE") dynamodb.NewImage = img(newStatus, createdAt);
    if (eventName !== "INSERT") dynamodb.OldImage = img(oldStatus, createdAt);
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

/** Median of numbers (the middle one, or the mean of the two middle ones). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface RateComparison {
  baselinePerSecond: number;
  candidatePerSecond: number;
  /** Candidate speed over baseline speed: 2 means twice as many operations per second. */
  ratio: number;
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Operations per second of CPU time while calling fn for about `micros` of CPU time. */
function cpuRate(fn: () => void, opsPerCall: number, micros: number): number {
  const start = cpuMicros();
  let calls = 0;
  let now = start;
  while ((now = cpuMicros()) - start < micros) {
    fn();
    calls++;
  }
  return (calls * opsPerCall) / ((now - start) / 1e6);
}

/**
 * Baseline and candidate measured in the same run, alternately, `samples` times each; the
 * ratio is the median of the per-sample ratios, each rate the median of its samples. Time is
 * the process's CPU time, not wall time: the development machine is shared, and CPU time is
 * what other processes disturb least.
 */
export function compareRates(baseline: () => void, candidate: () => void, opsPerCall: number, samples = 9, sampleMicros = 150_000): RateComparison {
  for (let i = 0; i < 5; i++) {
    baseline();
    candidate();
  }
  const base: number[] = [];
  const cand: number[] = [];
  const ratios: number[] = [];
  for (let s = 0; s < samples; s++) {
    const b = cpuRate(baseline, opsPerCall, sampleMicros);
    const c = cpuRate(candidate, opsPerCall, sampleMicros);
    base.push(b);
    cand.push(c);
    ratios.push(c / b);
  }
  return { baselinePerSecond: median(base), candidatePerSecond: median(cand), ratio: median(ratios) };
}
