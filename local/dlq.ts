import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { type AttributeValue, type DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { isQuarantineMessage, type QuarantineMessage } from "../handlers/quarantine";
import { type Decision, decideAll, type RouteEvaluator, routeEvaluator } from "../routing/decide";
import { routesFromEnvironment } from "../routing/environment";
import type { PointerMessage } from "./localPipe";
import type { PipePlan } from "./plan";
import type { InvokeResult } from "./processorHost";
import { imageToWire, toWireRecord, type WireRecord } from "./wireFormat";

// Reading and redriving a processor's DLQ, the same way against AWS and locally. A DLQ holds
// two kinds of message: the pipe's pointers to records that ran out of retries (the records
// themselves are only in the stream, for 24 hours) and the processor's quarantined records
// (whole, with the reasons). A message is deleted only after its records succeeded, or once
// the table shows there is nothing left to do for it.

export interface DlqQueue {
  readonly pipe: string;
  readonly processor: string;
  readonly url: string;
  /** The routes the processor serves (its pipe's), to tell whether a quarantined record would now pass. */
  readonly evaluators: readonly RouteEvaluator[];
  invoke(records: unknown[]): Promise<InvokeResult>;
  /** The table's current version of the item with this key (wire format), undefined if there is none. */
  readItem(key: Record<string, unknown>): Promise<Record<string, unknown> | undefined>;
}

/** A declared pipe's DLQ; the routes its processor serves come from its declared environment. */
export function dlqQueueFor(plan: PipePlan, url: string, access: Pick<DlqQueue, "invoke" | "readItem">): DlqQueue {
  return {
    pipe: plan.name,
    processor: plan.processor.name,
    url,
    evaluators: routesFromEnvironment(plan.processor.environment).map(routeEvaluator),
    invoke: access.invoke,
    readItem: access.readItem,
  };
}

/** Reads an item's current version (strongly consistent) from `tableName`, in wire format. */
export function tableItemReader(dynamo: DynamoDBClient, tableName: string): DlqQueue["readItem"] {
  return async (key) => {
    // A wire-format key carries binary values base64-encoded; the SDK takes bytes.
    const sdkKey = Object.fromEntries(
      Object.entries(key).map(([name, value]) => {
        const v = value as { B?: string };
        return [name, typeof v.B === "string" ? { B: Buffer.from(v.B, "base64") } : value];
      }),
    ) as Record<string, AttributeValue>;
    const out = await dynamo.send(new GetItemCommand({ TableName: tableName, Key: sdkKey, ConsistentRead: true }));
    return out.Item ? imageToWire(out.Item) : undefined;
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

export interface DlqListing {
  readonly entries: DlqEntry[];
  /** What the queue said it held when the listing began (approximate on AWS). */
  readonly expected: number;
}

const jitter = () => new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20)));

/**
 * Every message in the queue, without taking any from another reader: each receive uses a
 * visibility timeout of 0, so a message stays visible to everyone while it is read
 * (ReceiveMessage: "VisibilityTimeout ... 0 to 43,200", a message with visibility 0 is
 * immediately visible again), and successive receives return the others. The listing stops
 * when it has seen as many messages as the queue said it held, or when receives stop
 * returning new ones.
 */
export async function listDlq(clients: DlqClients, queue: DlqQueue, max = 1000): Promise<DlqListing> {
  const attrs = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queue.url,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
    }),
  );
  const a = attrs.Attributes ?? {};
  const expected = Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
  const seen = new Map<string, DlqEntry>();
  // Enough fruitless receives to get past another reader's receives; a random pause between
  // them keeps two listings from falling into step.
  for (let fruitless = 0; seen.size < Math.min(max, Math.max(expected, 1)) && fruitless < 25; ) {
    const out = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0, MessageAttributeNames: ["All"] }),
    );
    const fresh = (out.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
    for (const m of fresh) seen.set(m.MessageId as string, classify(m));
    if (fresh.length > 0) {
      fruitless = 0;
    } else {
      fruitless++;
      if (expected === 0 && fruitless >= 2) break;
      await jitter();
    }
  }
  return { entries: [...seen.values()].slice(0, max), expected };
}

async function release(clients: DlqClients, queue: DlqQueue, entries: readonly DlqEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await clients.sqs
    .send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queue.url,
        Entries: entries.map((e, i) => ({ Id: String(i), ReceiptHandle: e.receiptHandle, VisibilityTimeout: 0 })),
      }),
    )
    .catch(() => undefined); // already visible again or deleted: nothing to release
}

export type Resolved = { readonly ok: true; readonly records: WireRecord[] } | { readonly ok: false; readonly reason: string };

/**
 * The records a pointer names, read back from the stream (GetShardIterator
 * AT_SEQUENCE_NUMBER, then GetRecords page after page): every record whose sequence number is
 * in start..end, inclusive. The pointer's batchSize is not used to stop: the range also holds
 * records the pipe's filter dropped, and a page may hold few records or none.
 */
export async function resolvePointer(clients: DlqClients, pointer: PointerMessage): Promise<Resolved> {
  const info = pointer.DDBStreamBatchInfo;
  const where = `shard ${info.shardId}, sequence ${info.startSequenceNumber} to ${info.endSequenceNumber}`;
  let start: bigint;
  let end: bigint;
  try {
    start = BigInt(info.startSequenceNumber);
    end = BigInt(info.endSequenceNumber);
  } catch {
    return { ok: false, reason: `the pointer's sequence numbers are not numbers (${where})` };
  }
  let iterator: string | undefined;
  try {
    const out = await clients.streams.send(
      new GetShardIteratorCommand({ StreamArn: info.streamArn, ShardId: info.shardId, ShardIteratorType: "AT_SEQUENCE_NUMBER", SequenceNumber: info.startSequenceNumber }),
    );
    iterator = out.ShardIterator;
  } catch (err) {
    const name = (err as Error).name;
    if (name === "TrimmedDataAccessException" || name === "ResourceNotFoundException") {
      return { ok: false, reason: `the stream no longer holds these records (${name}): streams keep records for 24 hours; the pointer names ${where}` };
    }
    throw err;
  }
  const records: WireRecord[] = [];
  let last: bigint | undefined;
  // An open shard answers an empty page once it is read to its end; a few in a row mean the
  // range's end is not coming.
  for (let reads = 0, empty = 0; iterator && reads < 10000 && empty < 3; reads++) {
    const out = await clients.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    const page = out.Records ?? [];
    empty = page.length === 0 ? empty + 1 : 0;
    for (const r of page) {
      const sequence = BigInt(r.dynamodb?.SequenceNumber ?? "0");
      if (sequence < start) continue;
      if (sequence > end) return complete(records, last, end, where);
      records.push(toWireRecord(r, info.streamArn));
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

export interface RedriveOutcome {
  readonly messageId: string;
  readonly kind: DlqEntry["kind"];
  /** The message was deleted: its records were handled, or there is nothing left to handle. */
  readonly deleted: boolean;
  readonly records: number;
  readonly detail: string;
}

/** How long a message is held while it is redriven: the processor's own timeout is at most 900 s. */
const REDRIVE_HOLD_SECONDS = 960;

/**
 * Redrives each message (or only `messageId`): re-invokes the processor with its records and
 * deletes the message only when they succeeded, or when the table shows nothing is left to do.
 */
export async function redriveDlq(clients: DlqClients, queue: DlqQueue, messageId?: string): Promise<RedriveOutcome[]> {
  const entries = (await listDlq(clients, queue)).entries.filter((e) => !messageId || e.messageId === messageId);
  if (messageId && entries.length === 0) throw new Error(`no message ${messageId} in ${queue.url}`);
  const outcomes: RedriveOutcome[] = [];
  for (const listed of entries) {
    // Hold the message while it is redriven, so that no other reader redrives it too.
    const entry = await take(clients, queue, listed.messageId);
    if (!entry) {
      outcomes.push({ messageId: listed.messageId, kind: listed.kind, deleted: false, records: 0, detail: "the message is gone or held by another reader" });
      continue;
    }
    let outcome: RedriveOutcome;
    try {
      outcome = await redriveOne(clients, queue, entry);
    } catch (err) {
      await release(clients, queue, [entry]);
      throw err;
    }
    if (outcome.deleted) {
      await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: entry.receiptHandle }));
    } else {
      await release(clients, queue, [entry]);
    }
    outcomes.push(outcome);
  }
  return outcomes;
}

/** Receives until `messageId` comes; every other message is released as soon as it is seen. */
async function take(clients: DlqClients, queue: DlqQueue, messageId: string): Promise<DlqEntry | undefined> {
  for (let i = 0, fruitless = 0; i < 1000 && fruitless < 25; i++) {
    const out = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: REDRIVE_HOLD_SECONDS, WaitTimeSeconds: 0 }));
    const got = (out.Messages ?? []).map(classify);
    const hit = got.find((e) => e.messageId === messageId);
    await release(clients, queue, got.filter((e) => e !== hit));
    if (hit) return hit;
    if (got.length === 0) {
      fruitless++;
      await jitter();
    }
  }
  return undefined;
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, value) =>
    value && typeof value === "object" && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b))) : value,
  );

function keyText(key: Record<string, unknown>): string {
  return Object.entries(key)
    .map(([name, value]) => `${name}=${Object.values((value ?? {}) as Record<string, unknown>)[0]}`)
    .join(",");
}

/**
 * One verdict for a record on a pipe's routes: rejected if malformed, processed if any route
 * processes it (the processor then runs every route again), else skipped or filtered.
 */
function summarize(decisions: readonly Decision[]): Decision {
  return (
    decisions.find((d) => d.outcome === "rejected") ??
    decisions.find((d) => d.outcome === "processed") ??
    decisions.find((d) => d.outcome === "skipped") ??
    decisions[0]
  );
}

async function redriveQuarantined(queue: DlqQueue, q: QuarantineMessage): Promise<Omit<RedriveOutcome, "messageId" | "kind">> {
  const record = q.record as WireRecord | null;
  const key = record?.dynamodb?.Keys;
  if (!record || typeof key !== "object" || key === null || Object.keys(key).length === 0) {
    return { deleted: false, records: 1, detail: "the quarantined record has no key to read its item by: left in place" };
  }
  const order = keyText(key);
  const current = await queue.readItem(key);
  if (!current) {
    return { deleted: false, records: 1, detail: `${order} is no longer in the table (deleted since): nothing to process; left in place` };
  }
  const unchanged = canonical(current) === canonical(record.dynamodb.NewImage ?? {});
  // The record's own change, carrying the item as the table holds it now.
  const revised: WireRecord = { ...record, dynamodb: { ...record.dynamodb, NewImage: current } };
  const decision = summarize(decideAll(queue.evaluators, revised));
  const now = unchanged ? "the table still holds the quarantined version" : "the table holds a newer version";
  switch (decision.outcome) {
    case "rejected":
      return { deleted: false, records: 1, detail: `still malformed: ${decision.reasons.join("; ")}; ${now} (fix the item, then redrive)` };
    case "filtered":
      return { deleted: true, records: 1, detail: `${now} of ${order}, which no route's filter on this pipe passes: nothing to process; message deleted` };
    case "skipped":
      return { deleted: true, records: 1, detail: `${now} of ${order}, valid but skipped by the route's guard (${decision.reason}): nothing to process; message deleted` };
    case "processed": {
      const result = await queue.invoke([revised]);
      if (!result.ok) return { deleted: false, records: 1, detail: `${now} of ${order}, valid; the processor failed: ${result.error}; left in place` };
      const failures = (result.result as { batchItemFailures?: unknown } | null)?.batchItemFailures;
      if (Array.isArray(failures) && failures.length > 0) return { deleted: false, records: 1, detail: `${now} of ${order}, valid; the processor reported it failed again; left in place` };
      return { deleted: true, records: 1, detail: `${now} of ${order}, valid: processed with it; message deleted` };
    }
  }
}

async function redriveOne(clients: DlqClients, queue: DlqQueue, entry: DlqEntry): Promise<RedriveOutcome> {
  const base = { messageId: entry.messageId, kind: entry.kind };
  if (entry.kind === "unknown") return { ...base, deleted: false, records: 0, detail: "not a pipe pointer nor a quarantined record: left in place" };
  if (entry.kind === "quarantine") return { ...base, ...(await redriveQuarantined(queue, entry.quarantine)) };
  const resolved = await resolvePointer(clients, entry.pointer);
  if (!resolved.ok) return { ...base, deleted: false, records: 0, detail: `${resolved.reason}; left in place` };
  // The range also holds records the pipe's filter dropped: they were never the pipe's to deliver.
  const records = resolved.records.filter((r) => queue.evaluators.some((e) => e.passesFilter(r)));
  if (records.length === 0) return { ...base, deleted: true, records: 0, detail: "no record of the range passes the pipe's filter: nothing to process; message deleted" };
  const result = await queue.invoke(records);
  if (!result.ok) return { ...base, deleted: false, records: records.length, detail: `the processor failed: ${result.error}; left in place` };
  const failures = (result.result as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (Array.isArray(failures) && failures.length > 0) return { ...base, deleted: false, records: records.length, detail: `the processor reported ${failures.length} failed record(s) again; left in place` };
  return { ...base, deleted: true, records: records.length, detail: `${records.length} record(s) processed; message deleted` };
}
