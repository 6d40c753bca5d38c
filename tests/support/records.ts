// Builders for DynamoDB stream records in the pipe's wire format (aws-facts section 1).

export type AttributeValue = Record<string, unknown>;
export type Image = Record<string, AttributeValue>;

export interface OrderFields {
  orderId?: string;
  status?: string;
  /** Written as {"N": amount}; pass an AttributeValue to write another type. */
  amount?: string | AttributeValue;
  email?: string | AttributeValue;
}

export function image(fields: OrderFields): Image {
  const img: Image = {};
  if (fields.orderId !== undefined) img.orderId = { S: fields.orderId };
  if (fields.status !== undefined) img.orderStatus = { S: fields.status };
  if (fields.amount !== undefined) img.orderAmount = typeof fields.amount === "string" ? { N: fields.amount } : fields.amount;
  if (fields.email !== undefined) img.customerEmail = typeof fields.email === "string" ? { S: fields.email } : fields.email;
  return img;
}

let sequence = 100;

export function record(opts: {
  eventID?: string;
  eventName: "INSERT" | "MODIFY" | "REMOVE";
  newImage?: Image;
  oldImage?: Image;
  orderId?: string;
}): Record<string, unknown> {
  sequence += 1;
  const orderId = opts.orderId ?? (opts.newImage?.orderId?.S as string | undefined) ?? (opts.oldImage?.orderId?.S as string | undefined) ?? "o-1";
  const dynamodb: Record<string, unknown> = {
    ApproximateCreationDateTime: 1767225600,
    Keys: { orderId: { S: orderId } },
    SequenceNumber: String(sequence),
    SizeBytes: 100,
    StreamViewType: "NEW_AND_OLD_IMAGES",
  };
  if (opts.newImage) dynamodb.NewImage = opts.newImage;
  if (opts.oldImage) dynamodb.OldImage = opts.oldImage;
  return {
    eventID: opts.eventID ?? `ev-${sequence}`,
    eventVersion: "1.1",
    eventName: opts.eventName,
    eventSource: "aws:dynamodb",
    awsRegion: "us-east-1",
    eventSourceARN: "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2026-01-01T00:00:00.000",
    dynamodb,
  };
}

/** A new order (INSERT) with all fields well-formed unless overridden. */
export function inserted(fields: OrderFields, eventID?: string) {
  return record({ eventID, eventName: "INSERT", newImage: image({ orderId: "o-1", status: "pending", amount: "250", email: "ann@example.com", ...fields }) });
}

/** A status change (MODIFY) from `from` to the new fields. */
export function modified(from: string, fields: OrderFields, eventID?: string) {
  const next = image({ orderId: "o-1", status: "shipped", amount: "1500", email: "ann@example.com", ...fields });
  const prev = { ...next, orderStatus: { S: from } };
  return record({ eventID, eventName: "MODIFY", newImage: next, oldImage: prev });
}
