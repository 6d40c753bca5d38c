import { marshall } from "@aws-sdk/util-dynamodb";
import { exactNumbers, type Scenario } from "../local/scenario";
import { type Item, normalizeItem, sameItem, streamRecordSize } from "./dynamoItem";

// A scenario's writes turned into the stream records DynamoDB would produce, without
// starting anything: an in-memory Orders table (key orderId) applies each put/update/delete
// as DynamoDB does, and every write that changes the item yields one record in the pipe's
// wire format (aws-facts section 1).
//
// DynamoDB Streams semantics encoded here (docs.aws.amazon.com/amazondynamodb/latest/
// developerguide/Streams.html, "StreamViewType" and "stream records"; each checked against
// DynamoDB Local):
// - a write to a new key is INSERT with NewImage; to an existing key, MODIFY with OldImage and
//   NewImage; a delete of an existing item, REMOVE with OldImage;
// - "If you perform a PutItem or UpdateItem operation that does not change any data in an
//   item, DynamoDB Streams does not write a stream record for that operation" (same page):
//   so a put of an identical item, an update to the same values, or a delete of a missing
//   key yields nothing;
// - UpdateItem on a missing key creates the item (INSERT);
// - numbers are normalized, sets sorted (cost/dynamoItem.ts).

export const SIMULATED_ACCOUNT = "123456789012";
/** 2026-01-01T00:00:00Z, the clock the simulated writes start at (waits advance it). */
export const SIMULATED_START_EPOCH_SECONDS = 1767225600;

export interface SimulatedStream {
  readonly records: Record<string, unknown>[];
  /** put/update/delete steps. */
  readonly writes: number;
  /** Writes that changed nothing, so produced no record. */
  readonly unchanged: number;
}

function toItem(values: Record<string, unknown>, where: string): Item {
  try {
    return normalizeItem(marshall(exactNumbers(values) as Record<string, unknown>, { removeUndefinedValues: true }) as unknown as Item);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
}

export function simulateScenario(scenario: Scenario, region: string, source = scenario.name): SimulatedStream {
  const table = new Map<string, Item>();
  const records: Record<string, unknown>[] = [];
  let clock = SIMULATED_START_EPOCH_SECONDS * 1000;
  let writes = 0;
  let unchanged = 0;

  const emit = (orderId: string, eventName: "INSERT" | "MODIFY" | "REMOVE", newImage?: Item, oldImage?: Item) => {
    const n = records.length + 1;
    const keys: Item = { orderId: { S: orderId } };
    const dynamodb: Record<string, unknown> = { ApproximateCreationDateTime: Math.floor(clock / 1000), Keys: keys };
    if (newImage) dynamodb.NewImage = newImage;
    if (oldImage) dynamodb.OldImage = oldImage;
    // AWS's sequence numbers are 21+ digit strings and its eventIDs 32 hex digits; the same
    // lengths keep the payload bytes realistic.
    dynamodb.SequenceNumber = (10n ** 20n + BigInt(n)).toString();
    dynamodb.SizeBytes = streamRecordSize(keys, newImage, oldImage);
    dynamodb.StreamViewType = "NEW_AND_OLD_IMAGES";
    records.push({
      eventID: n.toString(16).padStart(32, "0"),
      eventName,
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: region,
      eventSourceARN: `arn:aws:dynamodb:${region}:${SIMULATED_ACCOUNT}:table/Orders/stream/2026-01-01T00:00:00.000`,
      dynamodb,
    });
  };

  scenario.steps.forEach((step, i) => {
    const where = `${source}: steps[${i}]`;
    if ("wait" in step) {
      clock += step.wait;
      return;
    }
    writes++;
    if ("put" in step) {
      const orderId = step.put.orderId as string;
      const next = toItem(step.put, where);
      const prev = table.get(orderId);
      table.set(orderId, next);
      if (prev && sameItem(prev, next)) unchanged++;
      else emit(orderId, prev ? "MODIFY" : "INSERT", next, prev);
    } else if ("update" in step) {
      const { orderId, set } = step.update;
      const prev = table.get(orderId);
      const next = { ...(prev ?? { orderId: { S: orderId } }), ...toItem(set, where) };
      table.set(orderId, next);
      if (prev && sameItem(prev, next)) unchanged++;
      else emit(orderId, prev ? "MODIFY" : "INSERT", next, prev);
    } else {
      const { orderId } = step.delete;
      const prev = table.get(orderId);
      table.delete(orderId);
      if (prev) emit(orderId, "REMOVE", undefined, prev);
      else unchanged++;
    }
  });
  return { records, writes, unchanged };
}
