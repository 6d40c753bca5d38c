import { JsonNumber } from "./json";
import type { LeafNode, ObjectNode, Scalar } from "./compile";

// Walks an event against a compiled pattern. Where the event holds an array, a field
// matches if any element matches; an object pattern under an array must match within one
// element (event-ruler's array consistency), never across elements.

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

function scalarsOf(v: unknown, out: Scalar[]): void {
  if (Array.isArray(v)) for (const e of v) scalarsOf(e, out);
  else if (!isPlainObject(v) && v !== undefined) out.push(v as Scalar);
}

function matchLeaf(leaf: LeafNode, v: unknown): boolean {
  if (v === undefined || isPlainObject(v)) return leaf.existsFalse; // absent, or not a leaf
  if (!Array.isArray(v)) return leaf.existsTrue || leaf.tests.some((t) => t(v as Scalar));
  const values: Scalar[] = [];
  scalarsOf(v, values);
  if (values.length === 0) return leaf.existsFalse;
  return leaf.existsTrue || values.some((x) => leaf.tests.some((t) => t(x)));
}

export function matchObject(node: ObjectNode, value: unknown): boolean {
  if (Array.isArray(value)) return value.some((element) => matchObject(node, element));
  const obj = isPlainObject(value) ? value : {};
  for (const [key, child] of node.fields) {
    const v = own(obj, key);
    if (!(child.kind === "leaf" ? matchLeaf(child, v) : matchObject(child, v))) return false;
  }
  for (const alternatives of node.ors) {
    if (!alternatives.some((alt) => matchObject(alt, value))) return false;
  }
  return true;
}
