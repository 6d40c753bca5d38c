import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type ShardIteratorType,
} from "@aws-sdk/client-dynamodb-streams";
import { compile } from "../routing/eventPattern";
import { readBatchResponse } from "./batchResponse";
import { Distribution } from "./distribution";
import type { InvokeResult } from "./processorHost";
import { toWireRecord, type WireRecord } from "./wireFormat";

// A local EventBridge pipe from a DynamoDB stream to a processor, with the semantics the
// deployed pipe has (aws-facts sections 2 and 5): it reads every shard through the real
// DynamoDB Streams API (parents before children, order kept within a shard), applies the
// filters, batches (batch size, batching window), invokes the target synchronously, honours
// batchItemFailures (retry from the first failed eventID), bisects a failed invocation until
// the failing record is alone (AUTOMATIC_BISECT), gives up after maximumRetryAttempts or
// maximumRecordAgeInSeconds and then sends a pointer message in AWS's shape to the DLQ,
// retrying that send (and saying so) until it succeeds.

export interface LocalPipeSpec {
  readonly name: string;
  readonly arn: string;
  readonly filters: readonly string[];
  readonly startingPosition: "TRIM_HORIZON" | "LATEST";
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly maximumRetryAttempts: number;
  readonly maximumRecordAgeSeconds: number;
  readonly bisectOnFailure: boolean;
}

export interface PipeTarget {
  invoke(payload: unknown): Promise<InvokeResult>;
}

export interface PipeCounts {
  /** Stream records the pipe read. */
  read: number;
  /** Dropped by the pipe's filter (never reach the processor, not billed on AWS). */
  filtered: number;
  /** Passed the filter and were handed to the processor at least once. */
  delivered: number;
  /** Re-deliveries after a failed attempt (one per record per retry). */
  retried: number;
  /** Given up on (retries exhausted or too old) and sent to the DLQ as pointers. */
  deadLettered: number;
  invocations: number;
  failedInvocations: number;
}

/** The longest wait between two attempts to send a dead letter. */
const DLQ_RETRY_CAP_MS = 5000;

/** An idle pipe's time between polls: 4 a second, as Lambda polls a DynamoDB stream. */
export const IDLE_POLL_MS = 250;
/** A pipe is idle when no poll found records for this long. */
const IDLE_AFTER_MS = 1000;

/** What became of records the pipe is done with (for the runtime's bookkeeping). */
export type SettledAs = "filtered" | "delivered" | "deadLettered";

export interface PointerMessage {
  context: { partnerResourceArn: string; condition: string };
  version: "1.0";
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

export interface LocalPipeDeps {
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly target: PipeTarget;
  readonly sendToDlq: (message: PointerMessage) => Promise<void>;
  /** Called for every record read, before filtering (latency tracking, progress). */
  readonly onRead?: (record: WireRecord) => void;
  /** Called once the pipe is done with records: filtered out, handled by the target, or dead-lettered. */
  readonly onSettled?: (records: readonly WireRecord[], as: SettledAs, detail?: { readonly condition?: string }) => void;
  readonly onEvent?: (event: string, detail: Record<string, unknown>) => void;
  /** Between polls while records flow (default 100 ms); an idle pipe polls at most 4 times a second (IDLE_POLL_MS). */
  readonly pollIntervalMs?: number;
  /** Base delay between retries of a failed batch (doubles per attempt, capped at 2 s). */
  readonly retryDelayMs?: number;
}

interface ShardState {
  readonly shardId: string;
  readonly parentId?: string;
  iterator?: string;
  lastSequence?: string;
  closed: boolean;
  done: boolean;
  buffer: WireRecord[];
  firstBufferedAt?: number;
}

/** Resolves after `ms`, or at once when `signal` aborts (a stopping pipe does not wait out a backoff). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/** A record's key for messages: "orderId=o-1". */
function keyOf(record: WireRecord): string {
  return Object.entries(record.dynamodb.Keys ?? {})
    .map(([name, value]) => `${name}=${Object.values(value as Record<string, unknown>)[0]}`)
    .join(",");
}

/** How many records' keys an event names (the live line says how many more). */
const KEYS_NAMED = 5;

/** The records' key values (an order's orderId), the first KEYS_NAMED: what a live line names. */
function keysOf(records: readonly WireRecord[]): string[] {
  return records.slice(0, KEYS_NAMED).map((r) => Object.values(r.dynamodb.Keys ?? {}).map((v) => String(Object.values(v as Record<string, unknown>)[0])).join("/"));
}

export class LocalPipe {
  readonly counts: PipeCounts = { read: 0, filtered: 0, delivered: 0, retried: 0, deadLettered: 0, invocations: 0, failedInvocations: 0 };
  /** Records per invocation of the target. */
  readonly batchSizes = new Distribution();
  /** Records that passed the filter and are neither handled nor dead-lettered yet (buffered or being delivered). */
  inFlight = 0;
  private readonly shards = new Map<string, ShardState>();
  private readonly matchers;
  private running = false;
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;
  private delivering = false;
  /** When the last poll began, if it found nothing new (undefined: it found records, or none ran yet). */
  private emptyPollStartedAt?: number;
  /** When a poll last found records. */
  private foundAt = 0;
  private polls = 0;
  private readyResolve?: () => void;
  /** Resolves once every shard known at start has an iterator (records written after this are seen). */
  readonly ready: Promise<void>;
  error?: Error;

  constructor(
    readonly spec: LocalPipeSpec,
    private readonly deps: LocalPipeDeps,
  ) {
    this.matchers = spec.filters.map((f) => compile(f, "pipes"));
    this.ready = new Promise((resolve) => (this.readyResolve = resolve));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Stops reading and delivering: a backoff or a stream call in progress is abandoned, no
   * retry starts; an invocation in flight is left to its target (the runtime stops that).
   * Records not yet handled stay counted in `inFlight`.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    await this.loop;
  }

  /** Nothing buffered, no batch in flight, and the last poll of every shard found nothing new. */
  get idle(): boolean {
    return !this.delivering && this.emptyPollStartedAt !== undefined && [...this.shards.values()].every((s) => s.buffer.length === 0);
  }

  /**
   * Idle, with a poll begun after `at` (ms since the epoch) that found nothing new: the pipe has
   * read every record written before `at` (DynamoDB Local's stream holds a record once its write
   * has returned: 100 of 100 writes read back at once here), and handled each.
   */
  caughtUpWith(at: number): boolean {
    return this.idle && this.emptyPollStartedAt !== undefined && this.emptyPollStartedAt > at;
  }

  private passes(record: WireRecord): boolean {
    return this.matchers.some((m) => m.matches(record));
  }

  private async run(): Promise<void> {
    try {
      while (this.running) {
        const startedAt = Date.now();
        const found = await this.pollOnce();
        this.emptyPollStartedAt = found === 0 ? startedAt : undefined;
        if (found > 0) this.foundAt = Date.now();
        this.readyResolve?.();
        // A shard that had records may have more: read on at once (draining a backlog). Soon
        // after records, poll often; idle, as AWS does: "AWS Lambda polls the stream at a rate
        // of 4 times per second" (Lambda developer guide, with-ddb). An idle local stack's
        // polling took ~15 % of a core here (the JVM and this process) at 10 polls a second.
        if (found === 0) {
          const busy = this.deps.pollIntervalMs ?? 100;
          await sleep(Date.now() - this.foundAt < IDLE_AFTER_MS ? busy : Math.max(busy, IDLE_POLL_MS), this.stopping.signal);
        }
      }
    } catch (err) {
      this.readyResolve?.();
      if (!this.running) return; // stopped while a stream call was in flight
      this.error = err as Error;
      this.deps.onEvent?.("pipe.error", { pipe: this.spec.name, error: (err as Error).message });
    }
  }

  private async refreshShards(): Promise<void> {
    let start: string | undefined;
    const all: Shard[] = [];
    do {
      const out = await this.deps.streams.send(new DescribeStreamCommand({ StreamArn: this.deps.streamArn, ExclusiveStartShardId: start }), { abortSignal: this.stopping.signal });
      all.push(...(out.StreamDescription?.Shards ?? []));
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    for (const shard of all) {
      if (shard.ShardId && !this.shards.has(shard.ShardId)) {
        this.shards.set(shard.ShardId, { shardId: shard.ShardId, parentId: shard.ParentShardId, closed: false, done: false, buffer: [] });
      }
    }
  }

  private async pollOnce(): Promise<number> {
    // New shards appear when DynamoDB splits or rolls over a shard: look again now and then.
    if (this.polls++ % 10 === 0) await this.refreshShards();
    let found = 0;
    for (const shard of this.shards.values()) {
      if (!this.running) break;
      if (shard.done) continue;
      const parent = shard.parentId ? this.shards.get(shard.parentId) : undefined;
      if (parent && !parent.done) continue; // order: a child shard's records come after its parent's
      if (!shard.iterator) {
        const type: ShardIteratorType = shard.lastSequence
          ? "AFTER_SEQUENCE_NUMBER"
          : parent || this.polls > 1
            ? "TRIM_HORIZON" // a shard that appeared while we were reading: read all of it
            : this.spec.startingPosition;
        const out = await this.deps.streams.send(
          new GetShardIteratorCommand({ StreamArn: this.deps.streamArn, ShardId: shard.shardId, ShardIteratorType: type, SequenceNumber: shard.lastSequence }),
          { abortSignal: this.stopping.signal },
        );
        shard.iterator = out.ShardIterator;
        if (!shard.iterator) {
          shard.closed = true;
        }
      }
      if (shard.iterator) {
        const out = await this.deps.streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }), { abortSignal: this.stopping.signal });
        shard.iterator = out.NextShardIterator;
        if (!shard.iterator) shard.closed = true;
        for (const raw of out.Records ?? []) {
          const record = toWireRecord(raw, this.deps.streamArn);
          found++;
          this.counts.read++;
          shard.lastSequence = record.dynamodb.SequenceNumber;
          this.deps.onRead?.(record);
          if (this.passes(record)) {
            if (shard.buffer.length === 0) shard.firstBufferedAt = Date.now();
            shard.buffer.push(record);
            this.inFlight++;
          } else {
            this.counts.filtered++;
            this.deps.onSettled?.([record], "filtered");
          }
        }
      }
      await this.flush(shard);
      if (shard.closed && shard.buffer.length === 0) shard.done = true;
    }
    return found;
  }

  /** Delivers full batches, and a partial one once the batching window has passed. */
  private async flush(shard: ShardState): Promise<void> {
    const windowMs = this.spec.batchingWindowSeconds * 1000;
    const due = () =>
      shard.buffer.length >= this.spec.batchSize ||
      (shard.buffer.length > 0 && (shard.closed || Date.now() - (shard.firstBufferedAt ?? 0) >= windowMs));
    while (this.running && due()) {
      const batch = shard.buffer.splice(0, this.spec.batchSize);
      shard.firstBufferedAt = shard.buffer.length > 0 ? Date.now() : undefined;
      this.delivering = true;
      try {
        await this.deliver(batch, shard.shardId);
      } finally {
        this.delivering = false;
      }
    }
  }

  private async deliver(records: WireRecord[], shardId: string): Promise<void> {
    this.counts.delivered += records.length;
    // attempts count the failures of the record a retry starts from; when a retry gets past
    // it (progress), the next failing record starts its own count.
    // `retry`: the records were in a failed invocation and are delivered again.
    const pending: { records: WireRecord[]; attempts: number; failingEventID?: string; retry?: boolean }[] = [{ records, attempts: 0 }];
    while (pending.length > 0 && this.running) {
      const item = pending[0];
      const cutoff = Date.now() / 1000 - this.spec.maximumRecordAgeSeconds;
      const expired = item.records.filter((r) => (r.dynamodb.ApproximateCreationDateTime ?? Infinity) < cutoff);
      if (expired.length > 0) {
        // The condition AWS writes for an aged-out record of a stream source (aws-facts
        // section 5: LocalStack's AWS-validated snapshot of
        // test_kinesis_maximum_record_age_exceeded).
        await this.deadLetter(expired, shardId, "RecordAgeExceeded");
        item.records = item.records.filter((r) => !expired.includes(r));
        if (item.records.length === 0) {
          pending.shift();
          continue;
        }
      }
      if (item.retry) this.counts.retried += item.records.length;
      const result = await this.deps.target.invoke(item.records);
      // Stopped meanwhile: the outcome of this invocation is not waited for nor retried.
      if (!this.running) return;
      this.counts.invocations++;
      this.batchSizes.add(item.records.length);
      const verdict = result.ok ? readBatchResponse(item.records.map((r) => r.eventID), result.result) : { ok: false as const, from: 0, partial: false, why: result.error };
      if (verdict.ok) {
        this.settle(item.records, "delivered");
        pending.shift();
        continue;
      }
      this.counts.failedInvocations++;
      if (verdict.from > 0) this.settle(item.records.slice(0, verdict.from), "delivered");
      const remaining = item.records.slice(verdict.from);
      const failingEventID = remaining[0].eventID;
      const attempts = failingEventID === item.failingEventID ? item.attempts + 1 : 1;
      this.deps.onEvent?.("pipe.batch_failed", {
        pipe: this.spec.name,
        attempt: attempts,
        // A partial batch response (ExecutionPartiallyFailed on AWS) or a failed invocation.
        partial: verdict.partial,
        records: remaining.length,
        firstEventID: remaining[0].eventID,
        firstKey: keyOf(remaining[0]),
        keys: keysOf(remaining),
        maximumRetryAttempts: this.spec.maximumRetryAttempts,
        error: verdict.why,
      });
      if (attempts > this.spec.maximumRetryAttempts) {
        await this.deadLetter(remaining, shardId, "RetryAttemptsExhausted");
        pending.shift();
        continue;
      }
      await sleep(Math.min(2000, (this.deps.retryDelayMs ?? 50) * 2 ** (attempts - 1)), this.stopping.signal);
      // AUTOMATIC_BISECT: halve a failed invocation and retry each half, until the failing
      // record is alone; records behind it wait, so order within the shard is kept. A partial
      // response is not halved: the batch is split at the first failed record (above) and the
      // rest retried together. AWS's Pipes pages are silent on the combination; this is the
      // rule of the stream poller Pipes shares with Lambda (Lambda developer guide,
      // services-ddb-batchfailurereporting, "Bisecting a batch": "When a partial batch success
      // response is received and both BisectBatchOnFunctionError and ReportBatchItemFailures
      // are turned on, the batch is bisected at the returned sequence number and Lambda
      // retries only the remaining records"; a failed invocation "is bisected regardless").
      if (this.spec.bisectOnFailure && !verdict.partial && remaining.length > 1) {
        const half = Math.ceil(remaining.length / 2);
        pending.splice(0, 1, { records: remaining.slice(0, half), attempts, failingEventID, retry: true }, { records: remaining.slice(half), attempts: 0, retry: true });
      } else {
        pending[0] = { records: remaining, attempts, failingEventID, retry: true };
      }
    }
  }

  private settle(records: readonly WireRecord[], as: SettledAs, detail?: { readonly condition?: string }): void {
    if (records.length === 0) return;
    this.inFlight -= records.length;
    this.deps.onSettled?.(records, as, detail);
  }

  private async deadLetter(records: WireRecord[], shardId: string, condition: string): Promise<void> {
    const iso = (r: WireRecord) => new Date((r.dynamodb.ApproximateCreationDateTime ?? 0) * 1000).toISOString();
    const first = records[0];
    const last = records[records.length - 1];
    const message: PointerMessage = {
      context: { partnerResourceArn: this.spec.arn, condition },
      version: "1.0",
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first.dynamodb.SequenceNumber,
        endSequenceNumber: last.dynamodb.SequenceNumber,
        approximateArrivalOfFirstRecord: iso(first),
        approximateArrivalOfLastRecord: iso(last),
        batchSize: records.length,
        streamArn: this.deps.streamArn,
      },
    };
    // A dead letter must not be lost. AWS documents no special case for a DLQ that cannot be
    // reached; a failed send is a failure of the pipe's own step, which "EventBridge Pipes
    // retries ... an indefinite number of times, and stops only when the record expires in the
    // source" (eb-pipes-error-troubleshooting, "Pipe internal errors"), holding the shard
    // behind it. So: retry with backoff while the pipe runs, and say so at every attempt (a
    // stopped pipe leaves the records in flight: they are still in the stream).
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.sendToDlq(message);
        if (attempt > 1) this.deps.onEvent?.("pipe.dlq_send_recovered", { pipe: this.spec.name, attempts: attempt, records: records.length, firstKey: keyOf(first) });
        break;
      } catch (err) {
        if (!this.running) return;
        const retryInMs = Math.min(DLQ_RETRY_CAP_MS, (this.deps.retryDelayMs ?? 200) * 2 ** Math.min(attempt - 1, 16));
        this.deps.onEvent?.("pipe.dlq_send_failed", { pipe: this.spec.name, attempt, condition, records: records.length, firstKey: keyOf(first), error: (err as Error).message, retryInMs });
        await sleep(retryInMs, this.stopping.signal);
      }
    }
    this.counts.deadLettered += records.length;
    this.settle(records, "deadLettered", { condition });
    this.deps.onEvent?.("pipe.dead_lettered", { pipe: this.spec.name, condition, records: records.length, firstEventID: first.eventID, firstKey: keyOf(first) });
  }
}
