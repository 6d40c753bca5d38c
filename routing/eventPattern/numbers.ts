import Big from "big.js";
import * as json from "./json";

// Bound once, not read through a getter at every use (see scan.ts): these run per number compared.
const { JsonNumber } = json;
type JsonNumber = json.JsonNumber;

// Numbers compare as exact decimals, whatever their spelling (300, 300.0, 3e2).

export function isJsonNumber(v: unknown): v is number | JsonNumber {
  return v instanceof JsonNumber || (typeof v === "number" && Number.isFinite(v));
}

export function toDecimal(v: number | JsonNumber): Big {
  return new Big(v instanceof JsonNumber ? v.text : String(v));
}

export type Comparison = "<" | "<=" | "=" | ">" | ">=";
export const COMPARISONS: readonly Comparison[] = ["<", "<=", "=", ">", ">="];

export function compare(value: Big, op: Comparison, bound: Big): boolean {
  return holds(value.cmp(bound), op);
}

/** Whether `op` holds for a comparison's outcome `c` (negative, zero, positive; as Big's cmp). */
export function holds(c: number, op: Comparison): boolean {
  switch (op) {
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case "=":
      return c === 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
  }
}

// An integer of at most 15 digits is exactly a double, and so is an integer bound no larger
// than Number.MAX_SAFE_INTEGER: compared as doubles, they order exactly as the decimals do.
// A record's numbers (times, sizes, counts) mostly are such integers; comparing them without
// making a decimal each time was ~10 % of deciding the bench's mixed patterns from text.
const PLAIN_INTEGER = /^-?(?:0|[1-9]\d{0,14})$/;

/** The exact double of a number that is a plain integer (see above), else undefined. */
export function exactInteger(v: number | JsonNumber): number | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) ? v : undefined;
  return PLAIN_INTEGER.test(v.text) ? Number(v.text) : undefined;
}

/** A bound as an exact double when it is an integer no larger than Number.MAX_SAFE_INTEGER, else undefined. */
export function exactIntegerBound(bound: Big): number | undefined {
  return bound.eq(bound.round(0, Big.roundDown)) && bound.abs().lte(Number.MAX_SAFE_INTEGER) ? Number(bound.toFixed(0)) : undefined;
}
