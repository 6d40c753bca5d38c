import * as json from "./json";
import type { LeafNode, Scalar } from "./compile";

// Bound once, not read through a getter at every use (see scan.ts).
const { JsonNumber } = json;

// A leaf's test against the value the walk over a parsed event found for it (codegen.ts): a
// scalar, or an array whose scalars at any depth are the values; an object is not a value.

/** Values of a leaf: scalars, any depth of arrays flattened; objects are not values. */
function testArray(leaf: LeafNode, values: unknown[], state: { count: number }): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Array.isArray(v)) {
      if (testArray(leaf, v, state)) return true;
    } else if (v === null || typeof v !== "object" || v instanceof JsonNumber) {
      state.count++;
      if (leaf.test(v as Scalar)) return true;
    }
  }
  return false;
}

export function matchLeaf(leaf: LeafNode, v: unknown): boolean {
  if (v === undefined) return leaf.existsFalse;
  if (v === null || typeof v !== "object" || v instanceof JsonNumber) return leaf.existsTrue || leaf.test(v as Scalar);
  if (!Array.isArray(v)) return leaf.existsFalse; // an object is not a leaf value
  const state = { count: 0 };
  if (testArray(leaf, v, state)) return true;
  return state.count === 0 ? leaf.existsFalse : leaf.existsTrue;
}
