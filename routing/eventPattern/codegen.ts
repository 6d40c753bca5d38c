import type { LeafNode, ObjectNode } from "./compile";
import { JsonNumber } from "./json";
import { matchLeaf } from "./match";

// The walk over a parsed event for one branch of a pattern (compile.ts, branchTree), written out
// as JavaScript. Each pattern object becomes a function that reads its fields with constant
// property names, so V8 caches every read for the shape of the events it sees; an interpreted
// walk reads all fields through one generic site and pays a lookup each time.
//
// Where the event holds an array, an object pattern must match within one element (event-ruler's
// array consistency); a leaf matches if any scalar, at any depth of arrays, does. On events
// without dotted keys that join pattern keys, this decides as the complete definition does
// (fields.ts; tests/eventPatternMatching.test.ts compares them on generated events).
//
// Keys enter the generated source only through JSON.stringify, as string literals.

export interface GeneratedMatcher {
  /** The match, following each pattern key as one event key (dotted event keys not seen). */
  walk(value: unknown): boolean;
  /**
   * With `undecidedOnArray`: whether the last walk met an array where it expected an object
   * holding a test of absence, and so answered nothing (absence under an array depends on which
   * elements the other fields were found in; only the complete definition decides that).
   */
  undecided(): boolean;
  /**
   * Whether an object the walk visits has a key joining pattern keys with a dot
   * (ObjectNode.dottedKeys): only then can a dotted route add values the walk did not see.
   */
  findDotted(value: unknown): boolean;
}

function guardsAbsence(node: ObjectNode): boolean {
  return node.children.some((c) => (c.kind === "leaf" ? c.existsFalse : guardsAbsence(c)));
}

export function generateMatcher(root: ObjectNode, undecidedOnArray = false): GeneratedMatcher {
  const leaves: LeafNode[] = [];
  const leafIndex = new Map<LeafNode, number>();
  const nodes: ObjectNode[] = [];
  const index = new Map<ObjectNode, number>();
  const visit = (node: ObjectNode): number => {
    const known = index.get(node);
    if (known !== undefined) return known;
    const id = nodes.length;
    index.set(node, id);
    nodes.push(node);
    node.children.forEach((c) => {
      if (c.kind === "object") visit(c);
      else if (!leafIndex.has(c)) leafIndex.set(c, leaves.push(c) - 1);
    });
    return id;
  };
  visit(root);

  // A subtree where no dotted event key can matter needs no detection; one with too many to
  // list is assumed to have one.
  const needsDetection = nodes.map((n) => n.dottedKeys === undefined || n.dottedKeys.length > 0);
  const lines: string[] = ['"use strict";', "let undecided = false;"];
  leaves.forEach((_, i) => lines.push(`const L${i} = leaves[${i}], T${i} = L${i}.test;`));

  const read = (node: ObjectNode, i: number, obj: string) => {
    const key = JSON.stringify(node.keys[i]);
    return node.inherited[i] ? `(hasOwn.call(${obj}, ${key}) ? ${obj}[${key}] : undefined)` : `${obj}[${key}]`;
  };

  nodes.forEach((node, id) => {
    // walk
    lines.push(`function n${id}(v) {`);
    lines.push(`  if (typeof v === "object" && v !== null) {`);
    // Only an array above a test of absence leaves the walk undecided: the fields below any other
    // array are in no array the absent field's values could be in.
    if (undecidedOnArray && guardsAbsence(node)) lines.push(`    if (Array.isArray(v)) { undecided = true; return false; }`);
    else lines.push(`    if (Array.isArray(v)) { for (let k = 0; k < v.length; k++) if (n${id}(v[k])) return true; return false; }`);
    lines.push(`    if (v instanceof JsonNumber) v = undefined;`);
    lines.push(`  } else v = undefined;`);
    node.children.forEach((child, i) => {
      const value = `(v === undefined ? undefined : ${read(node, i, "v")})`;
      if (child.kind === "leaf") {
        const l = leafIndex.get(child)!;
        // Strings are the usual leaf value: test them inline, the rest in matchLeaf.
        const onString = child.existsTrue ? "false" : `!T${l}(f)`;
        lines.push(`  { const f = ${value}; if (typeof f === "string" ? ${onString} : !matchLeaf(L${l}, f)) return false; }`);
      } else {
        lines.push(`  if (!n${index.get(child)}(${value})) return false;`);
      }
    });
    lines.push(`  return true;`, `}`);

    // detection
    lines.push(`function d${id}(v) {`);
    if (!needsDetection[id]) {
      lines.push(`  return false;`, `}`);
      return;
    }
    if (node.dottedKeys === undefined) {
      lines.push(`  return true;`, `}`);
      return;
    }
    lines.push(`  if (typeof v !== "object" || v === null || v instanceof JsonNumber) return false;`);
    lines.push(`  if (Array.isArray(v)) { for (let k = 0; k < v.length; k++) if (d${id}(v[k])) return true; return false; }`);
    // Dotted keys are never inherited from Object.prototype: a plain read is an own read.
    for (const key of node.dottedKeys) lines.push(`  if (v[${JSON.stringify(key)}] !== undefined) return true;`);
    node.children.forEach((child, i) => {
      if (child.kind === "object" && needsDetection[index.get(child)!]) lines.push(`  if (d${index.get(child)}(${read(node, i, "v")})) return true;`);
    });
    lines.push(`  return false;`, `}`);
  });
  lines.push(`return { walk(v) { undecided = false; return n0(v); }, undecided: () => undecided, findDotted: d0 };`);
  const factory = new Function("leaves", "JsonNumber", "hasOwn", "matchLeaf", lines.join("\n")) as (
    leaves: LeafNode[],
    jsonNumber: typeof JsonNumber,
    hasOwn: typeof Object.prototype.hasOwnProperty,
    matchLeaf: (leaf: LeafNode, v: unknown) => boolean,
  ) => GeneratedMatcher;
  return factory(leaves, JsonNumber, Object.prototype.hasOwnProperty, matchLeaf);
}
