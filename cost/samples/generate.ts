import { benchRecords } from "../../bench/records";
import { type Item, normalizeItem, streamRecordSize } from "../dynamoItem";

// Writes the realistic sample the README's cost example uses (cost/samples/orders-1000.jsonl):
//   npx ts-node --transpile-only cost/samples/generate.ts 1000 > cost/samples/orders-1000.jsonl
// The records are the benchmarks' (bench/records.ts: inserts, status changes and removals,
// amounts around both thresholds, customers at real and test domains), with the two fields
// the benchmarks do not make realistic set as DynamoDB would: numbers normalized (`12.50` ->
// `12.5`), SizeBytes from the item-size rules, a 22-digit SequenceNumber (the benchmarks'
// number literal overflows to "4e+21") and a 32-hex-digit eventID.

const count = Number(process.argv[2] ?? 1000);
const lines = benchRecords(count).map((record, i) => {
  const d = record.dynamodb as { Keys: Item; NewImage?: Item; OldImage?: Item; SequenceNumber: string; SizeBytes: number };
  if (d.NewImage) d.NewImage = normalizeItem(d.NewImage);
  if (d.OldImage) d.OldImage = normalizeItem(d.OldImage);
  record.eventID = i.toString(16).padStart(32, "0");
  d.SequenceNumber = (4n * 10n ** 21n + BigInt(i)).toString();
  d.SizeBytes = streamRecordSize(d.Keys, d.NewImage, d.OldImage);
  return JSON.stringify(record);
});
process.stdout.write(`${lines.join("\n")}\n`);
