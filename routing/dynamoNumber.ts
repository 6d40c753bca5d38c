import type Big from "big.js";

// What a DynamoDB number can be (DynamoDB developer guide, HowItWorks.NamingRulesDataTypes,
// "Number"): up to 38 significant digits, magnitude from 1E-130 to
// 9.9999999999999999999999999999999999999E+125, or zero. One rule for the processors (an
// amount outside it did not come from DynamoDB) and for scenarios (DynamoDB would refuse it).

export const MAX_SIGNIFICANT_DIGITS = 38;
export const DYNAMO_NUMBER_RANGE = "1E-130 to 9.9999999999999999999999999999999999999E+125";
/** Decimal exponent of the leading digit: 9.99…E+125 is the largest, 1E-130 the smallest. */
const MAX_EXPONENT = 125;
const MIN_EXPONENT = -130;

export type DynamoNumberProblem = { readonly kind: "digits"; readonly significant: number } | { readonly kind: "range" };

/** Why DynamoDB cannot store this exact decimal, or undefined if it can. */
export function dynamoNumberProblem(n: Big): DynamoNumberProblem | undefined {
  if (n.eq(0)) return undefined;
  if (n.c.length > MAX_SIGNIFICANT_DIGITS) return { kind: "digits", significant: n.c.length };
  if (n.e > MAX_EXPONENT || n.e < MIN_EXPONENT) return { kind: "range" };
  return undefined;
}
