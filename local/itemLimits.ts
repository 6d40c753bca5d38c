// What DynamoDB refuses in an item, checked on a scenario's values before the stack starts, so
// that a bad story fails at once, naming the file, the step and the attribute, instead of
// half-way with only DynamoDB's message. Sources (AWS DynamoDB developer guide):
// - numbers: "up to 38 digits of precision", positive range 1E-130 to
//   9.9999999999999999999999999999999999999E+125, negative range the same
//   (HowItWorks.NamingRulesDataTypes, "Number"); leading and trailing zeroes are trimmed;
// - item size at most 400 KB, the sum of attribute names' and values' lengths
//   (ServiceQuotas, "Item size"; CapacityUnitCalculations for how each type counts);
// - nested attributes up to 32 levels deep (ServiceQuotas, "Nested attribute depth"; DynamoDB
//   Local accepts 31 nested lists/maps inside an item, and refuses 32);
// - a partition key string is 1 to 2048 bytes; an attribute name at least one character;
//   sets may not be empty (HowItWorks.NamingRulesDataTypes).
// What only DynamoDB can judge (an update that makes the stored item too large) is refused
// by DynamoDB itself at run time, and the runner names the step.

import Big from "big.js";
import { DYNAMO_NUMBER_RANGE, dynamoNumberProblem, MAX_SIGNIFICANT_DIGITS } from "../routing/dynamoNumber";

export const MAX_ITEM_BYTES = 400 * 1024;
const MAX_NESTED_CONTAINERS = 31;
const MAX_KEY_BYTES = 2048;

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Why DynamoDB would refuse this number text, or undefined if it stores it. */
export function numberTextProblem(text: string): string | undefined {
  if (!NUMBER_TEXT.test(text)) return `${JSON.stringify(text)} is not a number (expected digits with an optional sign, decimal point and exponent, e.g. "100.5" or "1E-3")`;
  const problem = dynamoNumberProblem(new Big(text.replace(/^\+/, "")));
  if (problem?.kind === "digits") return `${JSON.stringify(text)} has ${problem.significant} significant digits; DynamoDB keeps at most ${MAX_SIGNIFICANT_DIGITS}`;
  if (problem?.kind === "range") return `${JSON.stringify(text)} is out of DynamoDB's range (magnitude ${DYNAMO_NUMBER_RANGE})`;
  return undefined;
}

function numberProblem(n: number): string | undefined {
  if (Number.isNaN(n)) return "is .nan (not a number); DynamoDB stores only finite numbers";
  if (!Number.isFinite(n)) return `is ${n > 0 ? "" : "-"}.inf (infinite); DynamoDB stores only finite numbers`;
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) {
    return `is ${n}, an integer too large to be kept exactly in JSON or YAML; write it as {"$number": "<digits>"}`;
  }
  const problem = numberTextProblem(String(n));
  return problem && `is ${problem}`;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Set) && !Buffer.isBuffer(v) && !(v instanceof Uint8Array);

const isExactNumber = (v: unknown): v is { $number: unknown } => isPlainObject(v) && Object.keys(v).length === 1 && "$number" in v;

/**
 * Problems with one attribute value (as written in a scenario), each naming its path; adds
 * the value's least possible size in bytes to `size`.
 */
function valueProblems(value: unknown, at: string, depth: number, size: { bytes: number }): string[] {
  if (typeof value === "number") {
    size.bytes += 1;
    const p = numberProblem(value);
    return p ? [`${at} ${p}`] : [];
  }
  if (typeof value === "string") {
    size.bytes += Buffer.byteLength(value);
    return [];
  }
  if (typeof value === "boolean" || value === null || value === undefined) {
    size.bytes += 1;
    return [];
  }
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    size.bytes += value.byteLength;
    return [];
  }
  if (isExactNumber(value)) {
    size.bytes += 1;
    if (typeof value.$number !== "string") return [`${at}: {"$number": ...} takes the number as a string, e.g. {"$number": "100.5"}`];
    const p = numberTextProblem(value.$number);
    return p ? [`${at}: ${p}`] : [];
  }
  if (value instanceof Set) {
    if (value.size === 0) return [`${at} is an empty set; DynamoDB refuses empty sets`];
    return [...value].flatMap((v, i) => valueProblems(v, `${at}[${i}]`, depth, size));
  }
  if (depth >= MAX_NESTED_CONTAINERS) return [`${at} nests lists and maps more than 32 levels deep (counting the item); DynamoDB's limit is 32`];
  if (Array.isArray(value)) return value.flatMap((v, i) => valueProblems(v, `${at}[${i}]`, depth + 1, size));
  if (isPlainObject(value)) {
    return Object.entries(value).flatMap(([name, v]) => {
      size.bytes += Buffer.byteLength(name);
      return name === "" ? [`${at} has an attribute with an empty name`] : valueProblems(v, `${at}.${name}`, depth + 1, size);
    });
  }
  return [`${at} is a ${typeof value}, which a scenario cannot write`];
}

/** Problems with attributes written by a put (the whole item) or an update's set, each naming the attribute. */
export function attributeProblems(attributes: Record<string, unknown>, whole: boolean): string[] {
  const size = { bytes: 0 };
  const problems = Object.entries(attributes).flatMap(([name, value]) => {
    size.bytes += Buffer.byteLength(name);
    return name === "" ? ["an attribute has an empty name"] : valueProblems(value, name, 0, size);
  });
  if (size.bytes > MAX_ITEM_BYTES) {
    problems.push(`the ${whole ? "item takes" : "update's values take"} at least ${Math.ceil(size.bytes / 1024)} KB; DynamoDB refuses items over 400 KB`);
  }
  return problems;
}

/** Problems with an orderId used as the table's partition key. */
export function keyProblems(orderId: string): string[] {
  if (orderId === "") return ["orderId is empty; DynamoDB refuses an empty key"];
  const bytes = Buffer.byteLength(orderId);
  return bytes > MAX_KEY_BYTES ? [`orderId is ${bytes} bytes; a partition key is at most ${MAX_KEY_BYTES}`] : [];
}
