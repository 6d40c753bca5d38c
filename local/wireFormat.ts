import type { _Record as StreamRecord } from "@aws-sdk/client-dynamodb-streams";

// What the DynamoDB Streams API returns (through the SDK) turned into what a pipe delivers
// to its target (aws-facts section 1): epoch-seconds creation time, the stream ARN as
// eventSourceARN, binary values base64-encoded as in the JSON wire format.

function attributeToWire(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(attributeToWire);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = attributeToWire(v);
    return out;
  }
  return value;
}

/** An item or image as the SDK returns it, in the JSON wire format a pipe delivers. */
export function imageToWire(image: Record<string, unknown>): Record<string, unknown> {
  return attributeToWire(image) as Record<string, unknown>;
}

export interface WireRecord {
  eventID: string;
  eventName: string;
  eventVersion?: string;
  eventSource: string;
  awsRegion?: string;
  eventSourceARN: string;
  dynamodb: {
    ApproximateCreationDateTime?: number;
    Keys?: Record<string, unknown>;
    NewImage?: Record<string, unknown>;
    OldImage?: Record<string, unknown>;
    SequenceNumber: string;
    SizeBytes?: number;
    StreamViewType?: string;
  };
}

export function toWireRecord(record: StreamRecord, streamArn: string): WireRecord {
  const d = record.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  const dynamodb: WireRecord["dynamodb"] = {
    ApproximateCreationDateTime: created instanceof Date ? Math.floor(created.getTime() / 1000) : (created as number | undefined),
    Keys: attributeToWire(d.Keys) as Record<string, unknown> | undefined,
    NewImage: attributeToWire(d.NewImage) as Record<string, unknown> | undefined,
    OldImage: attributeToWire(d.OldImage) as Record<string, unknown> | undefined,
    SequenceNumber: d.SequenceNumber ?? "",
    SizeBytes: d.SizeBytes,
    StreamViewType: d.StreamViewType,
  };
  for (const key of Object.keys(dynamodb) as (keyof typeof dynamodb)[]) if (dynamodb[key] === undefined) delete dynamodb[key];
  return {
    eventID: record.eventID ?? "",
    eventName: record.eventName ?? "",
    eventVersion: record.eventVersion,
    eventSource: record.eventSource ?? "aws:dynamodb",
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb,
  };
}
