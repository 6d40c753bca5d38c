import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { isQuarantineMessage, type QuarantineMessage } from "../handlers/quarantine";
import { type RouteEvaluator, routeEvaluator } from "../routing/decide";
import { routeFromEnvironment } from "../routing/environment";
import type { PointerMessage } from "./localPipe";
import type { PipePlan } from "./plan";
import type { InvokeResult } from "./processorHost";
import { toWireRecord, type WireRecord } from "./wireFormat";

// Reading and redriving a processor's DLQ, the same way against AWS and locally. A DLQ holds
// two kinds of message: the pipe's pointers to records that ran out of retries (the records
// themselves are only in the stream, for 24 hours) and the processor's quarantined records
// (whole, with the reasons). A message is deleted only after its records succeeded.

export interface DlqQueue {
  readonly pipe: string;
  readonly processor: string;
  readonly url: string;
  /** The route the processor applies, to tell whether a quarantined record would now pass. */
  readonly evaluator: RouteEvaluator;
  invoke(records: unknown[]): Promise<InvokeResult>;
}

/** A declared route's DLQ; the route the processor applies comes from its declared environment. */
export function dlqQueueFor(plan: PipePlan, url: string, invoke: DlqQueue["invoke"]): DlqQueue {
  return {
    pipe: plan.name,
    processor: plan.processor.name,
    url,
    evaluator: routeEvaluator(routeFromEnvironment(plan.processor.environment)),
    invoke,
  };
}

export interface DlqClients {
  readonly sqs: SQSClient;
  readonly streams: DynamoDBStreamsClient;
}

export type DlqEntry =
  | { readonly kind: "pointer"; readonly messageId: string; readonly receiptHandle: string; readonly pointer: PointerMessage }
  | { readonly kind: "quarantine"; readonly messageId: string; readonly receiptHandle: string; readonly quarantine: QuarantineMessage }
  | { readonly kind: "unknown"; readonly messageId: string; readonly receiptHandle: string; readonly body: string };

function isPointer(body: unknown): body is PointerMessage {
  const b = body as PointerMessage | null;
  return typeof b === "object" && b !== null && typeof b.DDBStreamBatchInfo?.shardId === "string" && typeof b.DDBStreamBatchInfo?.startSequenceNumber === "string";
}

function classify(m: Message): DlqEntry {
  const base = { messageId: m.MessageId ?? "", receiptHandle: m.ReceiptHandle ?? "" };
  let body: unknown;
  try {
    body = JSON.parse(m.Body ?? "");
  } catch {
    return { kind: "unknown", ...base, body: m.Body ?? "" };
  }
  if (isQuarantineMessage(body)) return { kind: "quarantine", ...base, quarantine: body };
  if (isPointer(body)) return { kind: "pointer", ...base, pointer: body };
  return { kind: "unknown", ...base, body: m.Body ?? "" };
}

/**
 * Every message in the queue, without consuming any: messages are received with a short
 * visibility timeout (so successive receives return new ones) and released at the end.
 */
export async function listDlq(clients: DlqClients, queue: DlqQueue, max = 1000): Promise<DlqEntry[]> {
  const seen = new Map<string, DlqEntry>();
  for (let empty = 0; empty < 2 && seen.size < max; ) {
    const out = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 0, MessageAttributeNames: ["All"] }),
    );
    const fresh = (out.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (fresh.length === 0) empty++;
    for (const m of fresh) seen.set(m.MessageId as string, classify(m));
  }
  const entries = [...seen.values()];
  await releaseAll(clients, queue, entries);
  return entries;
}

async function releaseAll(clients: DlqClients, queue: DlqQueue, entries: readonly DlqEntry[]): Promise<void> {
  for (const e of entries) {
    await clients.sqs
      .send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: e.receiptHandle, VisibilityTimeout: 0 }))
      .catch(() => undefined); // already visible again or deleted: nothing to release
  }
}

export type Resolved = { readonly ok: true; readonly records: WireRecord[] } | { readonly ok: false; readonly reason: string };

/** The records a pointer names, read back from the stream (AT_SEQUENCE_NUMBER, GetRecords). */
export async function resolvePointer(clients: DlqClients, pointer: PointerMessage): Promise<Resolved> {
  const info = pointer.DDBStreamBatchInfo;
  let iterator: string | undefined;
  try {
    const out = await clients.streams.send(
      new GetShardIteratorCommand({ StreamArn: info.streamArn, ShardId: info.shardId, ShardIteratorType: "AT_SEQUENCE_NUMBER", SequenceNumber: info.startSequenceNumber }),
    );
    iterator = out.ShardIterator;
  } catch (err) {
    const name = (err as Error).name;
    if (name === "TrimmedDataAccessException" || name === "ResourceNotFoundException") {
      return { ok: false, reason: `the stream no longer holds these records (${name}): streams keep records for 24 hours; the pointer names shard ${info.shardId}, sequence ${info.startSequenceNumber} to ${info.endSequenceNumber}` };
    }
    throw err;
  }
  const records: WireRecord[] = [];
  const end = BigInt(info.endSequenceNumber);
  for (let reads = 0; iterator && reads < 100 && records.length < info.batchSize; reads++) {
    const out = await clients.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    for (const r of out.Records ?? []) {
      const wire = toWireRecord(r, info.streamArn);
      if (BigInt(wire.dynamodb.SequenceNumber) > end) return { ok: true, records };
      records.push(wire);
    }
    if ((out.Records ?? []).length === 0) break; // caught up with the shard
    iterator = out.NextShardIterator;
  }
  if (records.length === 0) return { ok: false, reason: `the stream returned no records from sequence ${info.startSequenceNumber}: they have aged out` };
  return { ok: true, records };
}

export interface RedriveOutcome {
  readonly messageId: string;
  readonly kind: DlqEntry["kind"];
  readonly redriven: boolean;
  readonly records: number;
  readonly detail: string;
}

/**
 * Re-invokes the processor with each message's records (or only `messageId`'s); deletes a
 * message only when the invocation succeeded with no batch item failures.
 */
export async function redriveDlq(clients: DlqClients, queue: DlqQueue, messageId?: string): Promise<RedriveOutcome[]> {
  const entries = (await listDlq(clients, queue)).filter((e) => !messageId || e.messageId === messageId);
  if (messageId && entries.length === 0) throw new Error(`no message ${messageId} in ${queue.url}`);
  const outcomes: RedriveOutcome[] = [];
  for (const listed of entries) {
    // Take the message for the duration of the redrive (another receive gives a fresh handle).
    const entry = await take(clients, queue, listed.messageId);
    if (!entry) {
      outcomes.push({ messageId: listed.messageId, kind: listed.kind, redriven: false, records: 0, detail: "the message is gone or taken by another consumer" });
      continue;
    }
    const outcome = await redriveOne(clients, queue, entry);
    if (outcome.redriven) {
      await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: entry.receiptHandle }));
    } else {
      await releaseAll(clients, queue, [entry]);
    }
    outcomes.push(outcome);
  }
  return outcomes;
}

async function take(clients: DlqClients, queue: DlqQueue, messageId: string): Promise<DlqEntry | undefined> {
  const others: DlqEntry[] = [];
  try {
    for (let i = 0; i < 100; i++) {
      const out = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: 60, WaitTimeSeconds: 0 }));
      const got = (out.Messages ?? []).map(classify);
      if (got.length === 0) return undefined;
      const hit = got.find((e) => e.messageId === messageId);
      others.push(...got.filter((e) => e !== hit));
      if (hit) return hit;
    }
    return undefined;
  } finally {
    await releaseAll(clients, queue, others);
  }
}

async function redriveOne(clients: DlqClients, queue: DlqQueue, entry: DlqEntry): Promise<RedriveOutcome> {
  const base = { messageId: entry.messageId, kind: entry.kind };
  let records: unknown[];
  if (entry.kind === "unknown") return { ...base, redriven: false, records: 0, detail: "not a pipe pointer nor a quarantined record: left in place" };
  if (entry.kind === "quarantine") {
    const decision = queue.evaluator.decide(entry.quarantine.record);
    if (decision.outcome === "rejected") {
      return { ...base, redriven: false, records: 1, detail: `still malformed: ${decision.reasons.join("; ")} (fix the item, then redrive)` };
    }
    records = [entry.quarantine.record];
  } else {
    const resolved = await resolvePointer(clients, entry.pointer);
    if (!resolved.ok) return { ...base, redriven: false, records: 0, detail: resolved.reason };
    records = resolved.records;
  }
  const result = await queue.invoke(records);
  if (!result.ok) return { ...base, redriven: false, records: records.length, detail: `the processor failed: ${result.error}` };
  const failures = (result.result as { batchItemFailures?: unknown[] } | null)?.batchItemFailures ?? [];
  if (failures.length > 0) return { ...base, redriven: false, records: records.length, detail: `the processor reported ${failures.length} failed record(s) again` };
  return { ...base, redriven: true, records: records.length, detail: `${records.length} record(s) processed; message deleted` };
}
