// How a stream reader (an EventBridge pipe or a Lambda event source mapping) turns records
// into Lambda invocations and billable requests: the arrival and batching model of the cost
// command, written down so it can be checked and argued with.
//
// - A month is 730 hours, as AWS's pricing pages count it.
// - Records arrive evenly over the month, spread evenly over the stream's shards (the shard
//   count is an assumption of the estimate, cost/assumptions.ts); each reader reads every
//   shard with parallelizationFactor 1 (the stack sets it).
// - The reader filters first, then batches what passed: "If a record ... satisfies one or more
//   of your filters, Lambda includes the record in the next event it sends to your function"
//   (docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html; Pipes filtering
//   "works in the same way", eb-pipes-event-filtering.html).
// - A batch opens with its first record and gathers for the batching window, or for one poll
//   interval when the window is shorter: both readers poll a shard "at a base rate of four
//   times per second" (Pipes: eb-pipes-dynamodb.html; Lambda: with-ddb.html). With records
//   arriving on a shard at rate r, a batch holds 1 + r x gather records on average, never more
//   than the batch size. Fast traffic fills batches; slow traffic gets about one invocation
//   per window, or one per record when even a window rarely sees two.
// - A pipe hands a batch to its Lambda target "in one request" as a JSON array
//   (eb-pipes-batching-concurrency.html) and each 64 KB of a payload is one billed unit
//   (aws.amazon.com/eventbridge/pricing): a batch is ceil(payload bytes / 64 KB) requests.
//   (Whether the unit is the batch's payload or each event's is an assumption, see
//   cost/assumptions.ts.)

export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
export const POLLS_PER_SECOND = 4;
/** One GetRecords call returns at most this many records (API_streams_GetRecords: "a maximum of 1 MB of data or 1000 stream records"). */
export const RECORDS_PER_GET_RECORDS = 1000;
export const PAYLOAD_CHUNK_BYTES = 64 * 1024;

/** Average records per invocation for `recordsPerMonth` records passing a reader's filter, spread over `shards`. */
export function recordsPerBatch(recordsPerMonth: number, batchSize: number, windowSeconds: number, shards = 1): number {
  if (recordsPerMonth <= 0) return 0;
  const perSecondPerShard = recordsPerMonth / SECONDS_PER_MONTH / shards;
  const gather = Math.max(windowSeconds, 1 / POLLS_PER_SECOND);
  return Math.min(batchSize, 1 + perSecondPerShard * gather);
}

export function chunks(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / PAYLOAD_CHUNK_BYTES));
}

/** Bytes of a JSON array of records of these sizes: brackets and commas. */
export function batchPayloadBytes(recordBytes: number, records: number): number {
  return recordBytes + 2 + Math.max(0, records - 1);
}

/** GetRecords calls one reader makes in a month: four polls a second on each shard, more only if 1000-record pages run out. */
export function streamReadsPerMonth(recordsPerMonth: number, shards = 1): number {
  return shards * Math.max(POLLS_PER_SECOND * SECONDS_PER_MONTH, Math.ceil(recordsPerMonth / shards / RECORDS_PER_GET_RECORDS));
}
