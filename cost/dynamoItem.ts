import Big from "big.js";

// What DynamoDB does to an item on its way into a stream record, so that simulated records
// have the spelling and size real ones have. Each rule was checked against DynamoDB Local
// (AWS's own jar), writing items and reading them back from its stream:
// - numbers come back normalized: `1500.50` -> `1500.5`, `1E2` -> `100`, `1e-7` ->
//   `0.0000001`, `0012` -> `12`, `-0` -> `0` (aws-facts section 1 saw `1500.50` -> `1500.5`).
//   DynamoDB Local does so for PutItem but keeps an UpdateItem value's spelling in the
//   stream; the simulation normalizes both (unverified on AWS which one it does for updates);
// - number and string sets come back sorted, numbers in a set normalized;
// - `SizeBytes` follows the item-size rules of the DynamoDB Developer Guide
//   (docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html:
//   an attribute is its name's UTF-8 length plus its value; a string its UTF-8 length, a
//   number about 1 byte per two significant digits plus 1, binary its length, boolean and
//   null 1 byte, a list or map 3 bytes plus 1 per element plus the elements; a set the sum
//   of its elements). Numbers count base-100 digit pairs, plus 1 byte if negative: the
//   exact rule that reproduced every SizeBytes DynamoDB Local reported.

export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

/** DynamoDB's spelling of a number; throws naming the text if it is not a number. */
export function normalizeNumber(text: string): string {
  let value: Big;
  try {
    value = new Big(text);
  } catch {
    throw new Error(`${JSON.stringify(text)} is not a DynamoDB number`);
  }
  return value.eq(0) ? "0" : value.toFixed();
}

/** Bytes DynamoDB counts for a number: base-100 digit pairs from the first to the last significant one, +1, +1 if negative. */
export function numberSize(text: string): number {
  const value = new Big(text);
  if (value.eq(0)) return 1;
  const first = value.e; // power of ten of the first significant digit
  const last = value.e - value.c.length + 1;
  const pairs = Math.floor(first / 2) - Math.floor(last / 2) + 1;
  return pairs + 1 + (value.s < 0 ? 1 : 0);
}

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");

/** Base64 text (the wire format of B) or raw bytes: the binary length. */
function binaryLength(value: unknown): number {
  if (typeof value === "string") return Buffer.from(value, "base64").length;
  if (value instanceof Uint8Array) return value.length;
  throw new Error(`binary value ${JSON.stringify(value)} is neither base64 text nor bytes`);
}

export function valueSize(value: AttributeValue): number {
  const [type, v] = Object.entries(value)[0] ?? [];
  switch (type) {
    case "S":
      return utf8(v as string);
    case "N":
      return numberSize(v as string);
    case "B":
      return binaryLength(v);
    case "BOOL":
    case "NULL":
      return 1;
    case "SS":
      return (v as string[]).reduce((n, s) => n + utf8(s), 0);
    case "NS":
      return (v as string[]).reduce((n, s) => n + numberSize(s), 0);
    case "BS":
      return (v as unknown[]).reduce((n: number, b) => n + binaryLength(b), 0);
    case "L":
      return 3 + (v as AttributeValue[]).reduce((n, e) => n + 1 + valueSize(e), 0);
    case "M":
      return 3 + Object.entries(v as Item).reduce((n, [k, e]) => n + 1 + utf8(k) + valueSize(e), 0);
    default:
      throw new Error(`unknown DynamoDB attribute type ${JSON.stringify(type)}`);
  }
}

export function itemSize(item: Item): number {
  return Object.entries(item).reduce((n, [name, value]) => n + utf8(name) + valueSize(value), 0);
}

/** A stream record's SizeBytes: its keys plus the images it carries. */
export function streamRecordSize(keys: Item, newImage?: Item, oldImage?: Item): number {
  return itemSize(keys) + (newImage ? itemSize(newImage) : 0) + (oldImage ? itemSize(oldImage) : 0);
}

/** The value as DynamoDB stores it: numbers normalized, sets sorted (as DynamoDB Local returns them). */
export function normalizeValue(value: AttributeValue): AttributeValue {
  const [type, v] = Object.entries(value)[0] ?? [];
  switch (type) {
    case "N":
      return { N: normalizeNumber(v as string) };
    case "NS":
      return { NS: [...new Set((v as string[]).map(normalizeNumber))].sort((a, b) => new Big(a).cmp(new Big(b))) };
    case "SS":
      return { SS: [...(v as string[])].sort() };
    case "L":
      return { L: (v as AttributeValue[]).map(normalizeValue) };
    case "M":
      return { M: normalizeItem(v as Item) };
    default:
      return value;
  }
}

export function normalizeItem(item: Item): Item {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, normalizeValue(v)]));
}

/** Same stored value: what decides whether a write changed the item (and so makes a stream record). */
export function sameItem(a: Item, b: Item): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString("base64"));
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj).sort().map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
