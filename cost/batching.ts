// How a pipe turns records into Lambda invocations and billable requests: the arrival and
// batching model of the cost command, written down so it can be checked and argued with.
//
// - A month is 730 hours, as AWS's pricing pages count it.
// - Records arrive evenly over the month on ONE stream shard (a table that fits one
//   partition; more shards mean more, smaller batches), and each pipe reads its shard with
//   parallelizationFactor 1 (the stack sets it).
// - The pipe filters first, then batches what passed: "If a record ... satisfies one or more
//   of your filters, Lambda includes the record in the next event it sends to your function"
//   (docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html; Pipes filtering
//   "works in the same way", eb-pipes-event-filtering.html).
// - A batch opens with its first record and gathers for the batching window, or for one poll
//   interval when the window is shorter (EventBridge "polls shards in your DynamoDB stream
//   for records at a base rate of four times per second", eb-pipes-dynamodb.html). With
//   records arriving at rate r, it holds 1 + r x gather records on average, never more than
//   the batch size. So fast traffic fills batches (invocations = records / batch size) and
//   slow traffic gets about one invocation per window, or one per record when even a window
//   rarely sees two.
// - A batch reaches the Lambda target "in one request" as a JSON array
//   (eb-pipes-batching-concurrency.html) and each 64 KB of a payload is one billed unit
//   (aws.amazon.com/eventbridge/pricing): a batch is ceil(payload bytes / 64 KB) requests.

export const SECONDS_PER_MONTH = 730 * 3600;
export const POLLS_PER_SECOND = 4;
export const SHARDS = 1;
/** One GetRecords call returns at most this many records (CostOptimization_StreamsUsage). */
export const RECORDS_PER_GET_RECORDS = 1000;
export const PAYLOAD_CHUNK_BYTES = 64 * 1024;

/** Average records per invocation for `recordsPerMonth` records passing a pipe's filter. */
export function recordsPerBatch(recordsPerMonth: number, batchSize: number, windowSeconds: number): number {
  if (recordsPerMonth <= 0) return 0;
  const perSecondPerShard = recordsPerMonth / SECONDS_PER_MONTH / SHARDS;
  const gather = Math.max(windowSeconds, 1 / POLLS_PER_SECOND);
  return Math.min(batchSize, 1 + perSecondPerShard * gather);
}

export function chunks(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / PAYLOAD_CHUNK_BYTES));
}

/**
 * Mean 64 KB chunks per batch of `size` records drawn from the sample as it repeats over the
 * month: the average over every starting record of the next `size` records, wrapping around,
 * so each sample record counts equally. A fractional size blends the two whole sizes around it.
 */
export function chunksPerBatch(recordBytes: readonly number[], size: number): number {
  const n = recordBytes.length;
  if (n === 0 || size <= 0) return 0;
  const prefix = [0];
  for (let i = 0; i < 2 * n; i++) prefix.push(prefix[i] + recordBytes[i % n]);
  const total = prefix[n];
  const meanFor = (k: number): number => {
    if (k === 0) return 0;
    const laps = Math.floor(k / n);
    const rest = k % n;
    let sum = 0;
    for (let start = 0; start < n; start++) {
      const bytes = laps * total + (prefix[start + rest] - prefix[start]);
      sum += chunks(bytes + 2 + (k - 1));
    }
    return sum / n;
  };
  const lo = Math.floor(size);
  const hi = Math.ceil(size);
  return lo === hi ? meanFor(lo) : meanFor(lo) * (hi - size) + meanFor(hi) * (size - lo);
}

/** GetRecords calls a pipe makes on its shard in a month: four polls a second, more only if 1000-record pages run out. */
export function streamReadsPerMonth(recordsPerMonth: number): number {
  return Math.max(POLLS_PER_SECOND * SECONDS_PER_MONTH * SHARDS, Math.ceil(recordsPerMonth / RECORDS_PER_GET_RECORDS));
}
