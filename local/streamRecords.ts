import { DescribeStreamCommand, type DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type Shard } from "@aws-sdk/client-dynamodb-streams";
import type { PointerMessage } from "./localPipe";
import { toWireRecord, type WireRecord } from "./wireFormat";

// Reading records back from this stack's stream, the only place a dead-lettered record
// lives (for 24 hours): a pipe pointer's range, or one quarantined record by its sequence
// number. Every read names the stack's own stream; what a message says is only where to look.

/** A DynamoDB Streams sequence number: decimal digits (up to 40 in practice). */
const SEQUENCE = /^[0-9]{1,64}$/;

export function isSequenceNumber(value: unknown): value is string {
  return typeof value === "string" && SEQUENCE.test(value);
}

export type Resolved = { readonly ok: true; readonly records: WireRecord[] } | { readonly ok: false; readonly reason: string };

const GONE = new Set(["TrimmedDataAccessException", "ResourceNotFoundException", "ExpiredIteratorException"]);

/**
 * The records a pointer names, read back from `streamArn` (GetShardIterator
 * AT_SEQUENCE_NUMBER, then GetRecords page after page): every record whose sequence number is
 * in start..end, inclusive. The pointer's batchSize is not used to stop: the range also holds
 * records the pipe's filter dropped, and a page may hold few records or none. A pointer that
 * names another stream, or whose sequence numbers are not numbers, is refused without a read.
 */
export async function resolvePointer(streams: DynamoDBStreamsClient, streamArn: string, pointer: PointerMessage): Promise<Resolved> {
  const info = pointer.DDBStreamBatchInfo;
  const where = `shard ${info.shardId}, sequence ${info.startSequenceNumber} to ${info.endSequenceNumber}`;
  if (info.streamArn !== streamArn) {
    return { ok: false, reason: `the pointer names stream ${JSON.stringify(info.streamArn)}, not this stack's stream ${streamArn}: not read` };
  }
  if (!isSequenceNumber(info.startSequenceNumber) || !isSequenceNumber(info.endSequenceNumber)) {
    return { ok: false, reason: `the pointer's sequence numbers are not numbers (${where})` };
  }
  const start = BigInt(info.startSequenceNumber);
  const end = BigInt(info.endSequenceNumber);
  if (start > end) return { ok: false, reason: `the pointer's range ends before it starts (${where})` };
  let iterator: string | undefined;
  try {
    const out = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: info.shardId, ShardIteratorType: "AT_SEQUENCE_NUMBER", SequenceNumber: info.startSequenceNumber }));
    iterator = out.ShardIterator;
  } catch (err) {
    const name = (err as Error).name;
    if (GONE.has(name)) {
      return { ok: false, reason: `the stream no longer holds these records (${name}): streams keep records for 24 hours; the pointer names ${where}` };
    }
    throw err;
  }
  const records: WireRecord[] = [];
  let last: bigint | undefined;
  // An open shard answers an empty page once it is read to its end; a few in a row mean the
  // range's end is not coming.
  for (let reads = 0, empty = 0; iterator && reads < 10000 && empty < 3; reads++) {
    const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    const page = out.Records ?? [];
    empty = page.length === 0 ? empty + 1 : 0;
    for (const r of page) {
      const sequence = BigInt(r.dynamodb?.SequenceNumber ?? "0");
      if (sequence < start) continue;
      if (sequence > end) return complete(records, last, end, where);
      records.push(toWireRecord(r, streamArn));
      last = sequence;
      if (sequence === end) return complete(records, last, end, where);
    }
    iterator = out.NextShardIterator;
  }
  return complete(records, last, end, where);
}

function complete(records: WireRecord[], last: bigint | undefined, end: bigint, where: string): Resolved {
  if (records.length === 0) return { ok: false, reason: `the stream returned no records of ${where}: they have aged out` };
  if (last !== end) return { ok: false, reason: `the stream returned records of ${where} only up to sequence ${last}: the rest is missing, so nothing is redriven` };
  return { ok: true, records };
}

export type Found = { readonly ok: true; readonly record: WireRecord; readonly shardId: string } | { readonly ok: false; readonly reason: string };

async function shardsOf(streams: DynamoDBStreamsClient, streamArn: string): Promise<Shard[]> {
  const all: Shard[] = [];
  let start: string | undefined;
  do {
    const out = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
    all.push(...(out.StreamDescription?.Shards ?? []));
    start = out.StreamDescription?.LastEvaluatedShardId;
  } while (start);
  return all;
}

/** Whether `sequence` can be in the shard (its range; an open shard has no end). */
function mayHold(shard: Shard, sequence: bigint): boolean {
  const range = shard.SequenceNumberRange;
  if (!isSequenceNumber(range?.StartingSequenceNumber)) return true;
  if (sequence < BigInt(range.StartingSequenceNumber)) return false;
  return !isSequenceNumber(range.EndingSequenceNumber) || sequence <= BigInt(range.EndingSequenceNumber);
}

/**
 * The record with this sequence number in `streamArn`, found without knowing its shard (a
 * processor is not told it): each shard whose range may hold it is asked for the record AT that
 * sequence number.
 */
export async function findStreamRecord(streams: DynamoDBStreamsClient, streamArn: string, sequenceNumber: string): Promise<Found> {
  if (!isSequenceNumber(sequenceNumber)) return { ok: false, reason: `sequence number ${JSON.stringify(sequenceNumber)} is not a number` };
  const sequence = BigInt(sequenceNumber);
  let shards: Shard[];
  try {
    shards = await shardsOf(streams, streamArn);
  } catch (err) {
    if (GONE.has((err as Error).name)) return { ok: false, reason: `this stack's stream ${streamArn} is gone (${(err as Error).name})` };
    throw err;
  }
  for (const shard of shards.filter((s) => s.ShardId && mayHold(s, sequence))) {
    let iterator: string | undefined;
    try {
      const out = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: "AT_SEQUENCE_NUMBER", SequenceNumber: sequenceNumber }));
      iterator = out.ShardIterator;
    } catch {
      continue; // not in this shard, or trimmed from it
    }
    // The first record from an AT_SEQUENCE_NUMBER iterator is that record; a page may be empty.
    for (let reads = 0; iterator && reads < 5; reads++) {
      const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1 }));
      const [first] = out.Records ?? [];
      if (first) {
        if (first.dynamodb?.SequenceNumber !== sequenceNumber) break;
        return { ok: true, record: toWireRecord(first, streamArn), shardId: shard.ShardId as string };
      }
      iterator = out.NextShardIterator;
    }
  }
  return { ok: false, reason: `the stream no longer holds the record at sequence ${sequenceNumber} (streams keep records for 24 hours)` };
}
