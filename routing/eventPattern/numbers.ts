import Big from "big.js";
import { JsonNumber } from "./json";

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
  const c = value.cmp(bound);
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
