import Big from "big.js";

// DynamoDB numbers carry up to 38 significant digits and arrive as strings ({"N": "..."}).
// Comparing them through a float would make 100.00000000000000000001 equal to 100, so every
// amount comparison goes through exact decimal arithmetic (big.js).

export type Decimal = Big;

/** Parses decimal text (`12`, `-0.5`, `1e3`); undefined for anything else (NaN, Infinity, "", " 1"). */
export function parseDecimal(text: string): Decimal | undefined {
  try {
    return new Big(text);
  } catch {
    return undefined;
  }
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareDecimal(a: Decimal, b: Decimal): -1 | 0 | 1 {
  return a.cmp(b) as -1 | 0 | 1;
}
