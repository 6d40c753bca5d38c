import type { RouteName } from "../routing/route";

// A record the processor can never handle (malformed) must not block its shard, and must
// not be lost: it goes to the processor's DLQ in this envelope, and is acknowledged. The
// envelope is distinct from the pipe's own DLQ messages, which are pointers
// ({"context": ..., "DDBStreamBatchInfo": ...}) to records that exhausted their retries.
//
// An envelope carries the whole stream record when it fits in an SQS message; when it does
// not (both images of an item near DynamoDB's 400 KB, in the JSON wire format: binary values
// in base64, escaped characters), it carries a reference instead: where the record is in the
// stream, its keys, and the sizes left out. The stream keeps the record 24 hours (`dlq show`
// reads it back); `dlq redrive` works from the table's current item.

export const QUARANTINE_KIND = "orders.quarantined-record";

/**
 * The DLQs' MaximumMessageSize, and what a quarantine message must fit in: SQS's largest,
 * "1 MiB or 1,048,576 bytes" (SendMessage API reference, MessageBody; queue attribute
 * MaximumMessageSize "1,024 bytes (1 KiB) up to 1,048,576 bytes (1 MiB)", @pulumi/aws
 * sqs.Queue maxMessageSize, whose default is 262,144). infra/processorWithDlq.ts declares it.
 */
export const DLQ_MAX_MESSAGE_BYTES = 1_048_576;

/** The message attribute that tells a quarantine message from a pipe pointer without parsing it. */
export const QUARANTINE_ATTRIBUTES = { kind: { DataType: "String", StringValue: QUARANTINE_KIND } } as const;

/** Where a record left out of its envelope is, and how much was left out. */
export interface QuarantineReference {
  /** The stream the record was read from (the record's eventSourceARN). */
  readonly streamArn?: string;
  /** Not known to a processor (a pipe delivers no shard id); `dlq show` finds it by sequence number. */
  readonly shardId?: string;
  readonly sequenceNumber?: string;
  readonly eventName?: string;
  readonly keys?: Record<string, unknown>;
  readonly approximateCreationDateTime?: number;
  /** Bytes (UTF-8 JSON) of what was left out: the whole record, and each image. */
  readonly sizes: { readonly record: number; readonly NewImage?: number; readonly OldImage?: number };
  /** The limit the whole envelope would have exceeded. */
  readonly maxMessageBytes: number;
}

export interface QuarantineMessage {
  /** Always QUARANTINE_KIND: tells this message from a pipe's pointer message. */
  readonly kind: typeof QUARANTINE_KIND;
  readonly version: 1;
  readonly route: RouteName;
  readonly eventID?: string;
  /** Why the record cannot be processed, one reason per problem. */
  readonly reasons: readonly string[];
  readonly quarantinedAt: string;
  /** The stream record exactly as the pipe delivered it (absent when sent by reference). */
  readonly record?: unknown;
  /** Present instead of `record` when the record did not fit in a message. */
  readonly reference?: QuarantineReference;
}

/** How a quarantined record was sent: whole, or as a reference to the stream. */
export type QuarantineDelivery = "whole" | "reference";

export type QuarantineSender = (message: QuarantineMessage) => Promise<QuarantineDelivery>;

export function quarantineMessage(route: RouteName, record: unknown, eventID: string | undefined, reasons: readonly string[], now: Date): QuarantineMessage {
  return { kind: QUARANTINE_KIND, version: 1, route, eventID, reasons, quarantinedAt: now.toISOString(), record };
}

export function isQuarantineMessage(body: unknown): body is QuarantineMessage {
  return typeof body === "object" && body !== null && (body as { kind?: unknown }).kind === QUARANTINE_KIND;
}

/**
 * A message's size as SQS counts it against MaximumMessageSize: the body's UTF-8 bytes, and
 * every part of every message attribute ("All parts of the message attribute, including
 * Name, Type, and Value, are part of the message size restriction", SQS API reference,
 * MessageAttributeValue).
 */
export function sqsMessageBytes(body: string, attributes: Readonly<Record<string, { DataType: string; StringValue?: string }>>): number {
  let bytes = Buffer.byteLength(body, "utf8");
  for (const [name, a] of Object.entries(attributes)) bytes += Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue ?? "");
  return bytes;
}

const jsonBytes = (v: unknown) => (v === undefined ? undefined : Buffer.byteLength(JSON.stringify(v), "utf8"));

/** The envelope without the record: where to find it, and what was left out. */
export function quarantineReference(message: QuarantineMessage, maxMessageBytes: number): QuarantineMessage {
  const record = (message.record ?? {}) as { eventName?: unknown; eventSourceARN?: unknown; dynamodb?: Record<string, unknown> };
  const d = (typeof record.dynamodb === "object" && record.dynamodb !== null ? record.dynamodb : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  const reference: QuarantineReference = {
    streamArn: text(record.eventSourceARN),
    sequenceNumber: text(d.SequenceNumber),
    eventName: text(record.eventName),
    keys: typeof d.Keys === "object" && d.Keys !== null ? (d.Keys as Record<string, unknown>) : undefined,
    approximateCreationDateTime: typeof d.ApproximateCreationDateTime === "number" ? d.ApproximateCreationDateTime : undefined,
    sizes: { record: jsonBytes(message.record) ?? 0, NewImage: jsonBytes(d.NewImage), OldImage: jsonBytes(d.OldImage) },
    maxMessageBytes,
  };
  const { record: _left, ...rest } = message;
  return { ...rest, reference };
}

/**
 * The body to send for `message`: the whole record when the message fits in `maxMessageBytes`,
 * a reference otherwise. A reference that still does not fit (a key or reasons of that size)
 * is an error: the caller reports the record as failed rather than lose it.
 */
export function quarantineBody(message: QuarantineMessage, maxMessageBytes = DLQ_MAX_MESSAGE_BYTES): { body: string; delivery: QuarantineDelivery } {
  const whole = JSON.stringify(message);
  if (sqsMessageBytes(whole, QUARANTINE_ATTRIBUTES) <= maxMessageBytes) return { body: whole, delivery: "whole" };
  const body = JSON.stringify(quarantineReference(message, maxMessageBytes));
  const bytes = sqsMessageBytes(body, QUARANTINE_ATTRIBUTES);
  if (bytes > maxMessageBytes) throw new Error(`even a reference to record ${message.eventID ?? "(no eventID)"} is ${bytes} bytes, over the DLQ's ${maxMessageBytes}`);
  return { body, delivery: "reference" };
}
