import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
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
import { findStreamRecord, isSequenceNumber, type Resolved, resolvePointer as resolvePointerIn } from "./streamRecords";
import { plural } from "./plural";
import { imageToWire, type WireRecord } from "./wireFormat";

// Reading and redriving a processor's DLQ, the same way against AWS and locally. A DLQ holds
// two kinds of message: the pipe's pointers to records that ran out of retries (the records
// themselves are only in the stream, for 24 hours) and the processor's quarantined records
// (whole or by reference, with the reasons). A message is deleted only after its records
// succeeded, or once the table shows there is nothing left to do for it.
//
// A message is only a claim. Anyone who may send to the queue can write one, so redrive
// trusts nothing in it that it can check: the message must sit in the DLQ of the route it
// names, a pointer must name this stack's pipe and stream, and the records sent to the
// processor come from this stack's stream and table, never from the message alone.

export interface DlqQueue {
  readonly pipe: string;
  readonly processor: string;
  readonly url: string;
  /** The routes the processor serves (its pipe's), to tell whether a quarantined record would now pass. */
  readonly evaluators: readonly RouteEvaluator[];
  /** The pipes whose dead letters go to this queue: a pointer must name one of them. */
  readonly pipeArns: readonly string[];
  /** This stack's stream: records are read from it alone (undefined: not known, nothing is redriven). */
  readonly streamArn: string | undefined;
  invoke(records: unknown[]): Promise<InvokeResult>;
  /** The table's current version of the item with this key (wire format), undefined if there is none. */
  readItem(key: Record<string, unknown>): Promise<Record<string, unknown> | undefined>;
}

export interface DlqAccess extends Pick<DlqQueue, "invoke" | "readItem" | "streamArn"> {
  /** The pipe's ARN where it differs from the declared one (the deployed account's). */
  readonly pipeArn?: string;
}

/** A declared pipe's DLQ; the routes its processor serves come from its declared environment. */
export function dlqQueueFor(plan: PipePlan, url: string, access: DlqAccess): DlqQueue {
  return {
    pipe: plan.name,
    processor: plan.processor.name,
    url,
    evaluators: routesFromEnvironment(plan.processor.environment).map(routeEvaluator),
    pipeArns: [access.pipeArn ?? plan.arn],
    streamArn: access.streamArn,
    invoke: access.invoke,
    readItem: access.readItem,
  };
}

/** The evaluator of `route` if the queue is its DLQ (a DLQ serves the routes of its pipe). */
function servedRoute(queue: DlqQueue, route: unknown): RouteEvaluator | undefined {
  return queue.evaluators.find((e) => e.route.name === route);
}

/** "the premium route", "the normal and audit routes". */
function routesServed(queue: DlqQueue): string {
  const names = queue.evaluators.map((e) => e.route.name);
  return names.length === 1 ? `the ${names[0]} route` : `the ${names.slice(0, -1).join(", ")} and ${names[names.length - 1]} routes`;
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

/** What a listing saw, against what the queue said it held when the listing began (approximate on AWS). */
export interface DlqCounts {
  readonly seen: number;
  /** ApproximateNumberOfMessages: visible, so a listing can receive them. */
  readonly visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received by another reader and not deleted yet. */
  readonly notVisible: number;
  readonly delayed: number;
}

const jitter = () => new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20)));

async function queueCounts(sqs: SQSClient, url: string): Promise<Omit<DlqCounts, "seen">> {
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
    }),
  );
  const a = attrs.Attributes ?? {};
  return { visible: Number(a.ApproximateNumberOfMessages ?? 0), notVisible: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0), delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0) };
}

/**
 * Visits every message in the queue, without taking any from another reader: each receive
 * uses a visibility timeout of 0, so a message stays visible to everyone while it is read
 * (ReceiveMessage: "VisibilityTimeout ... 0 to 43,200", a message with visibility 0 is
 * immediately visible again), and successive receives return the others. There is no cap: the
 * listing goes on until it has seen every visible message the queue reported, or until
 * receives stop returning new ones (short polling samples SQS's servers, so the last few can
 * take many receives; the allowance grows with the queue). Only message ids are kept, so a
 * large queue of large messages is listed in bounded memory. `visit` returning true stops.
 */
export async function forEachDlqEntry(clients: DlqClients, queue: DlqQueue, visit: (entry: DlqEntry) => boolean | void, signal?: AbortSignal): Promise<DlqCounts> {
  const counts = await queueCounts(clients.sqs, queue.url);
  const seen = new Set<string>();
  // Another reader's receives hide messages for a moment; a random pause between receives
  // keeps two listings from falling into step.
  const allowance = 25 + Math.ceil(counts.visible / 10);
  for (let fruitless = 0; seen.size < Math.max(counts.visible, 1) && fruitless < allowance && !signal?.aborted; ) {
    const out = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0, MessageAttributeNames: ["All"] }),
    );
    const fresh = (out.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
    for (const m of fresh) {
      seen.add(m.MessageId as string);
      if (visit(classify(m)) === true) return { ...counts, seen: seen.size };
    }
    if (fresh.length > 0) {
      fruitless = 0;
    } else {
      fruitless++;
      if (counts.visible + counts.notVisible + counts.delayed === 0 && fruitless >= 2) break;
      await jitter();
    }
  }
  return { ...counts, seen: seen.size };
}

export interface DlqListing {
  readonly entries: DlqEntry[];
  /** What the queue said it held when the listing began (visible, held and delayed; approximate on AWS). */
  readonly expected: number;
  readonly counts: DlqCounts;
}

/** Every message of the queue (see forEachDlqEntry), kept in memory: for small queues and tests. */
export async function listDlq(clients: DlqClients, queue: DlqQueue): Promise<DlqListing> {
  const entries: DlqEntry[] = [];
  const counts = await forEachDlqEntry(clients, queue, (e) => void entries.push(e));
  return { entries, expected: counts.visible + counts.notVisible + counts.delayed, counts };
}

/** The message with this id, if the queue holds it and it is visible. */
export async function findDlqEntry(clients: DlqClients, queue: DlqQueue, messageId: string): Promise<DlqEntry | undefined> {
  let found: DlqEntry | undefined;
  await forEachDlqEntry(clients, queue, (e) => {
    if (e.messageId !== messageId) return false;
    found = e;
    return true;
  });
  return found;
}

/**
 * The messages this process holds (received with a visibility timeout and neither deleted nor
 * released yet), so that an interrupted redrive gives them back at once instead of leaving
 * them invisible for the whole hold.
 */
export class DlqHolds {
  private readonly held = new Map<string, { url: string; receiptHandle: string }>();

  add(url: string, receiptHandle: string): void {
    this.held.set(receiptHandle, { url, receiptHandle });
  }

  drop(receiptHandle: string): void {
    this.held.delete(receiptHandle);
  }

  get size(): number {
    return this.held.size;
  }

  /** ChangeMessageVisibility 0 for everything held: visible again to every reader. */
  async releaseAll(sqs: SQSClient): Promise<void> {
    const byQueue = new Map<string, string[]>();
    for (const { url, receiptHandle } of this.held.values()) byQueue.set(url, [...(byQueue.get(url) ?? []), receiptHandle]);
    this.held.clear();
    await Promise.all([...byQueue].map(([url, handles]) => release(sqs, url, handles)));
  }
}

async function release(sqs: SQSClient, url: string, receiptHandles: readonly string[]): Promise<void> {
  for (let i = 0; i < receiptHandles.length; i += 10) {
    const chunk = receiptHandles.slice(i, i + 10);
    await sqs
      .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: chunk.map((h, n) => ({ Id: String(n), ReceiptHandle: h, VisibilityTimeout: 0 })) }))
      .catch(() => undefined); // already visible again or deleted: nothing to release
  }
}

export type { Resolved } from "./streamRecords";

/** The records a pointer names, read back from this queue's stack stream (see streamRecords.ts). */
export async function resolvePointer(clients: DlqClients, queue: Pick<DlqQueue, "streamArn">, pointer: PointerMessage): Promise<Resolved> {
  if (!queue.streamArn) return { ok: false, reason: "this stack's stream ARN is not known (no streamArn output): cannot check or read the pointer's records" };
  return resolvePointerIn(clients.streams, queue.streamArn, pointer);
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

export interface RedriveOptions {
  /** Only these messages (by id); every visible message when absent. */
  readonly messageIds?: readonly string[];
  /** Stops before the next message (and the search for it); what is held is released. */
  readonly signal?: AbortSignal;
  /** How many messages will be redriven, once they are listed. */
  readonly onListed?: (count: number) => void;
  /** Each message's outcome as soon as it is known. */
  readonly onOutcome?: (outcome: RedriveOutcome) => void;
  /** Where held messages are registered, for release on an interrupt. */
  readonly holds?: DlqHolds;
}

/**
 * Redrives each message (or only `messageIds`): re-invokes the processor with its records and
 * deletes the message only when they succeeded, or when the table shows nothing is left to do.
 * Every message gets its own outcome: one that cannot be redriven (a malformed pointer, an
 * error while reading its records) is left in place and reported, and the others go on.
 */
export async function redriveDlq(clients: DlqClients, queue: DlqQueue, opts: RedriveOptions = {}): Promise<RedriveOutcome[]> {
  const holds = opts.holds ?? new DlqHolds();
  const wanted = opts.messageIds ? new Set(opts.messageIds) : undefined;
  const listed: { messageId: string; kind: DlqEntry["kind"] }[] = [];
  await forEachDlqEntry(clients, queue, (e) => void ((!wanted || wanted.has(e.messageId)) && listed.push({ messageId: e.messageId, kind: e.kind })), opts.signal);
  opts.onListed?.(listed.length);
  const outcomes: RedriveOutcome[] = [];
  const report = (o: RedriveOutcome) => {
    outcomes.push(o);
    opts.onOutcome?.(o);
  };
  for (const { messageId, kind } of listed) {
    if (opts.signal?.aborted) break;
    // Hold the message while it is redriven, so that no other reader redrives it too.
    const entry = await take(clients, queue, messageId, holds, opts.signal);
    if (!entry) {
      if (!opts.signal?.aborted) report({ messageId, kind, deleted: false, records: 0, detail: "the message is gone or held by another reader" });
      continue;
    }
    let outcome: RedriveOutcome;
    try {
      outcome = await redriveOne(clients, queue, entry);
    } catch (err) {
      outcome = { messageId, kind: entry.kind, deleted: false, records: 0, detail: `could not be redriven: ${(err as Error).name}: ${(err as Error).message}; left in place` };
    }
    if (outcome.deleted) {
      await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: entry.receiptHandle }));
    } else {
      await release(clients.sqs, queue.url, [entry.receiptHandle]);
    }
    holds.drop(entry.receiptHandle);
    report(outcome);
  }
  return outcomes;
}

/** Receives until `messageId` comes; every other message is released as soon as it is seen. */
async function take(clients: DlqClients, queue: DlqQueue, messageId: string, holds: DlqHolds, signal?: AbortSignal): Promise<DlqEntry | undefined> {
  for (let i = 0, fruitless = 0; i < 1000 && fruitless < 25 && !signal?.aborted; i++) {
    const out = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: REDRIVE_HOLD_SECONDS, WaitTimeSeconds: 0 }));
    const got = (out.Messages ?? []).map(classify);
    for (const e of got) holds.add(queue.url, e.receiptHandle);
    const hit = signal?.aborted ? undefined : got.find((e) => e.messageId === messageId);
    const others = got.filter((e) => e !== hit).map((e) => e.receiptHandle);
    await release(clients.sqs, queue.url, others);
    for (const h of others) holds.drop(h);
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

type Result = Omit<RedriveOutcome, "messageId" | "kind">;
const kept = (detail: string, records = 0): Result => ({ deleted: false, records, detail });

/** Where the message says its record is: sequence number, eventID, keys, stream. */
function quarantineClaim(q: QuarantineMessage) {
  const record = (q.record ?? null) as Partial<WireRecord> | null;
  return {
    sequenceNumber: record?.dynamodb?.SequenceNumber ?? q.reference?.sequenceNumber,
    eventID: q.eventID ?? record?.eventID,
    keys: record?.dynamodb?.Keys ?? q.reference?.keys,
    streamArn: record?.eventSourceARN ?? q.reference?.streamArn,
  };
}

/**
 * The quarantined record as this stack's stream holds it, checked against what the message
 * claims; or why the message is not redriven.
 */
async function quarantinedRecord(clients: DlqClients, queue: DlqQueue, q: QuarantineMessage): Promise<{ ok: true; record: WireRecord } | { ok: false; result: Result }> {
  const named = servedRoute(queue, q.route);
  if (!named) {
    return { ok: false, result: kept(`the message says it was quarantined by the ${JSON.stringify(q.route)} route, but this is the DLQ of ${routesServed(queue)}: not redriven (a forged or misplaced message)`) };
  }
  if (!queue.streamArn) return { ok: false, result: kept("this stack's stream ARN is not known (no streamArn output): the record cannot be checked against the stream; not redriven") };
  const claim = quarantineClaim(q);
  if (claim.streamArn !== undefined && claim.streamArn !== queue.streamArn) {
    return { ok: false, result: kept(`the record comes from stream ${JSON.stringify(claim.streamArn)}, not this stack's stream ${queue.streamArn}: not redriven`) };
  }
  if (!isSequenceNumber(claim.sequenceNumber)) return { ok: false, result: kept(`the message names no valid sequence number (${JSON.stringify(claim.sequenceNumber)}): not redriven`) };
  const found = await findStreamRecord(clients.streams, queue.streamArn, claim.sequenceNumber);
  if (!found.ok) {
    return { ok: false, result: kept(`${found.reason}; the quarantined change cannot be checked, so it is not redriven (write the order again to make a new change)`, 1) };
  }
  const record = found.record;
  if (record.eventID !== claim.eventID || canonical(record.dynamodb.Keys ?? {}) !== canonical(claim.keys ?? {})) {
    return {
      ok: false,
      result: kept(`the message does not match this stack's stream: at sequence ${claim.sequenceNumber} the stream holds eventID ${record.eventID} (${keyText(record.dynamodb.Keys ?? {})}), the message claims ${claim.eventID}: not redriven`, 1),
    };
  }
  // The route quarantines only what it rejects: a record it would filter, skip or process
  // was never quarantined by it.
  const decision = named.decide(record);
  if (decision.outcome !== "rejected") {
    return { ok: false, result: kept(`the stream's record ${record.eventID} is not one the ${named.route.name} route rejects (it is ${decision.outcome} there): not a quarantined record of this route; not redriven`, 1) };
  }
  return { ok: true, record };
}

async function redriveQuarantined(clients: DlqClients, queue: DlqQueue, q: QuarantineMessage): Promise<Result> {
  const checked = await quarantinedRecord(clients, queue, q);
  if (!checked.ok) return checked.result;
  const record = checked.record;
  const key = record.dynamodb.Keys;
  if (!key || Object.keys(key).length === 0) return kept("the quarantined record has no key to read its item by: left in place", 1);
  const order = keyText(key);
  const current = await queue.readItem(key);
  if (!current) {
    return kept(`${order} is no longer in the table (deleted since): nothing to process; left in place`, 1);
  }
  const unchanged = canonical(current) === canonical(record.dynamodb.NewImage ?? {});
  // The record's own change, as the stream holds it, carrying the item as the table holds it now.
  const revised: WireRecord = { ...record, dynamodb: { ...record.dynamodb, NewImage: current } };
  const decision = summarize(decideAll(queue.evaluators, revised));
  const now = unchanged ? "the table still holds the quarantined version" : "the table holds a newer version";
  switch (decision.outcome) {
    case "rejected":
      return kept(`still malformed: ${decision.reasons.join("; ")}; ${now} (fix the item, then redrive)`, 1);
    case "filtered":
      return { deleted: true, records: 1, detail: `${now} of ${order}, which no route's filter on this pipe passes: nothing to process; message deleted` };
    case "skipped":
      return { deleted: true, records: 1, detail: `${now} of ${order}, valid but skipped by the route's guard (${decision.reason}): nothing to process; message deleted` };
    case "processed": {
      const result = await queue.invoke([revised]);
      if (!result.ok) return kept(`${now} of ${order}, valid; the processor failed: ${result.error}; left in place`, 1);
      const failures = (result.result as { batchItemFailures?: unknown } | null)?.batchItemFailures;
      if (Array.isArray(failures) && failures.length > 0) return kept(`${now} of ${order}, valid; the processor reported it failed again; left in place`, 1);
      return { deleted: true, records: 1, detail: `${now} of ${order}, valid: processed with it; message deleted` };
    }
  }
}

async function redrivePointer(clients: DlqClients, queue: DlqQueue, pointer: PointerMessage): Promise<Result> {
  const partner = pointer.context?.partnerResourceArn;
  if (!queue.pipeArns.includes(partner)) {
    return kept(`the pointer names pipe ${JSON.stringify(partner)}, whose dead letters do not come to this DLQ (it serves ${queue.pipeArns.join(", ")}): not redriven`);
  }
  const resolved = await resolvePointer(clients, queue, pointer);
  if (!resolved.ok) return kept(`${resolved.reason}; left in place`);
  // The range also holds records the pipe's filter dropped: they were never the pipe's to deliver.
  const records = resolved.records.filter((r) => queue.evaluators.some((e) => e.passesFilter(r)));
  if (records.length === 0) return { deleted: true, records: 0, detail: "no record of the range passes the pipe's filter: nothing to process; message deleted" };
  const result = await queue.invoke(records);
  if (!result.ok) return kept(`the processor failed: ${result.error}; left in place`, records.length);
  const failures = (result.result as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (Array.isArray(failures) && failures.length > 0) return kept(`the processor reported ${plural(failures.length, "failed record")} again; left in place`, records.length);
  return { deleted: true, records: records.length, detail: `${plural(records.length, "record")} processed; message deleted` };
}

async function redriveOne(clients: DlqClients, queue: DlqQueue, entry: DlqEntry): Promise<RedriveOutcome> {
  const base = { messageId: entry.messageId, kind: entry.kind };
  if (entry.kind === "unknown") return { ...base, ...kept("not a pipe pointer nor a quarantined record: left in place") };
  if (entry.kind === "quarantine") return { ...base, ...(await redriveQuarantined(clients, queue, entry.quarantine)) };
  return { ...base, ...(await redrivePointer(clients, queue, entry.pointer)) };
}

/** A quarantined record for display: the message's own record, or, for a reference, the stream's while it holds it. */
/** A record's key values as a listing names it: an order's orderId. */
function keyValues(keys: unknown): string | undefined {
  if (typeof keys !== "object" || keys === null) return undefined;
  const values = Object.values(keys as Record<string, Record<string, unknown>>).map((v) => String(Object.values(v ?? {})[0]));
  return values.length > 0 ? values.join("/") : undefined;
}

/** The orders a DLQ message holds, each with the routes it is on, for `dlq list`. */
export type OrdersInMessage = { readonly ok: true; readonly orders: readonly { readonly orderId: string; readonly routes: readonly string[] }[] } | { readonly ok: false; readonly reason: string };

/**
 * Which orders a message is about, on which routes: a quarantine names its route and carries
 * the record (or its keys); a pointer names only stream positions, so its records are read
 * back from the stream and each is put on the routes of this pipe whose filter passes it.
 */
export async function ordersInMessage(clients: DlqClients, queue: DlqQueue, entry: DlqEntry): Promise<OrdersInMessage> {
  if (entry.kind === "quarantine") {
    const q = entry.quarantine;
    const record = q.record as { dynamodb?: { Keys?: unknown } } | undefined;
    const orderId = keyValues(record?.dynamodb?.Keys) ?? keyValues(q.reference?.keys);
    return orderId === undefined ? { ok: false, reason: "the message carries no key" } : { ok: true, orders: [{ orderId, routes: [String(q.route)] }] };
  }
  if (entry.kind !== "pointer") return { ok: false, reason: "not a message of this stack" };
  const resolved = await resolvePointer(clients, queue, entry.pointer);
  if (!resolved.ok) return resolved;
  return {
    ok: true,
    orders: resolved.records.map((r) => ({
      orderId: keyValues(r.dynamodb.Keys) ?? r.eventID,
      routes: decideAll(queue.evaluators, r).flatMap((d, i) => (d.outcome === "filtered" ? [] : [queue.evaluators[i].route.name])),
    })),
  };
}

export async function quarantinedRecordForShow(clients: DlqClients, queue: DlqQueue, q: QuarantineMessage): Promise<{ ok: true; record: WireRecord; shardId: string } | { ok: false; reason: string }> {
  if (!queue.streamArn) return { ok: false, reason: "this stack's stream ARN is not known (no streamArn output)" };
  const claim = quarantineClaim(q);
  if (claim.streamArn !== undefined && claim.streamArn !== queue.streamArn) {
    return { ok: false, reason: `the reference names stream ${JSON.stringify(claim.streamArn)}, not this stack's stream ${queue.streamArn}: not read` };
  }
  if (!isSequenceNumber(claim.sequenceNumber)) return { ok: false, reason: `the reference names no valid sequence number (${JSON.stringify(claim.sequenceNumber)})` };
  const found = await findStreamRecord(clients.streams, queue.streamArn, claim.sequenceNumber);
  if (!found.ok) return found;
  if (found.record.eventID !== claim.eventID) {
    return { ok: false, reason: `at sequence ${claim.sequenceNumber} the stream holds eventID ${found.record.eventID}, not ${claim.eventID}` };
  }
  return found;
}
