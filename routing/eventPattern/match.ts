import { JsonNumber } from "./json";
import type { LeafNode, ObjectNode, Scalar } from "./compile";

// Matching an event against a compiled pattern. Where the event holds an array, a field
// matches if any element matches; an object pattern under an array must match within one
// element (event-ruler's array consistency), never across elements.
//
// Two walks. The plain one follows the pattern's keys one level at a time and is what almost
// every event needs; codegen.ts writes it out per pattern. EventBridge also names a field by
// joining keys with dots, so an event key "a.b" holds the field a > b as well
// (eb-create-pattern.html, "Considerations when creating event patterns"; event-ruler's
// Event.java names fields by Path.name, and GenericMachine.isFieldStepUsed expects dots inside
// event keys);
// `matchWithDottedKeys` follows those routes too. It is the complete definition of a match, and
// runs only when the plain walk might be wrong: an event with a key that joins pattern keys.

const hasOwn = Object.prototype.hasOwnProperty;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

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

/** What the event holds under `key` in obj: obj[key], and for each key "key.rest", {rest: value}. */
function valuesUnder(obj: Record<string, unknown>, key: string, out: unknown[]): void {
  if (hasOwn.call(obj, key)) out.push(obj[key]);
  const prefix = `${key}.`;
  for (const k of Object.keys(obj)) {
    if (k.startsWith(prefix)) {
      const rest: Record<string, unknown> = Object.create(null);
      rest[k.slice(prefix.length)] = obj[k];
      out.push(rest);
    }
  }
}

function leafValues(values: unknown[], out: Scalar[]): void {
  for (const v of values) {
    if (Array.isArray(v)) leafValues(v, out);
    else if (v === null || (typeof v !== "object" && v !== undefined) || v instanceof JsonNumber) out.push(v as Scalar);
  }
}

/**
 * The walk with dotted names: `parts` are the event values that together hold this pattern
 * object's fields (the object under the plain key and every {rest: value} from a dotted key).
 * Values reached through different parts are not in the same array, so they combine freely;
 * an array among the parts still has to match within one element.
 */
export function matchWithDottedKeys(node: ObjectNode, parts: unknown[]): boolean {
  const arrayAt = parts.findIndex((p) => Array.isArray(p));
  if (arrayAt !== -1) {
    return (parts[arrayAt] as unknown[]).some((element) => matchWithDottedKeys(node, parts.map((p, i) => (i === arrayAt ? element : p))));
  }
  for (let i = 0; i < node.keys.length; i++) {
    const under: unknown[] = [];
    for (const part of parts) if (isPlainObject(part)) valuesUnder(part, node.keys[i], under);
    const child = node.children[i];
    if (child.kind === "leaf") {
      const scalars: Scalar[] = [];
      leafValues(under, scalars);
      const ok = scalars.length === 0 ? child.existsFalse : child.existsTrue || scalars.some((s) => child.test(s));
      if (!ok) return false;
    } else if (!matchWithDottedKeys(child, under)) {
      return false;
    }
  }
  return node.ors.every((alternatives) => alternatives.some((alt) => matchWithDottedKeys(alt, parts)));
}
