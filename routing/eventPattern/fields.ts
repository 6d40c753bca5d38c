import type { Branch, LeafNode, Scalar } from "./compile";
import * as json from "./json";

// Bound once, not read through a getter at every use (see scan.ts).
const { JsonNumber } = json;

// The complete definition of a match, as aws/event-ruler decides it (Event.java, ACFinder and
// StructuredFinder, NameState.getNameTransitions):
//
// - The event is read as fields: a path (the object keys leading to a value, joined with dots;
//   array positions are not part of it) and a scalar value (string, number, true, false, null).
//   Objects and arrays are not values; an empty array or object gives no field. A key with
//   dots names the same path as the nested keys ("a.b" is a > b, eb-create-pattern.html), and
//   a key given twice gives both values.
// - Each field remembers the array elements it is inside (its membership): every array that
//   holds it through an object or an inner array, and at which index. A scalar directly in an
//   array does not count that array (Event.traverseArray records membership only for the objects
//   and arrays it descends into).
// - A branch matches when its paths, taken in sorted order, can each be given a field whose
//   value passes the path's test, all of them in the same element of any array they share
//   ("refuse to recognize any match in which any two fields are within JSON objects that are
//   in different elements of the same array", event-ruler's README). A path whose test allows
//   absence (exists: false) is absent when no field at it shares the array elements of the
//   fields chosen so far.
//
// Only the paths some pattern names are collected (PathTrie), from a parsed event here and from
// JSON text by scan.ts.

/** The paths patterns name, as a tree of key segments; `id` is the path's number, -1 if it is only a prefix. */
export class PathTrie {
  readonly children = new Map<string, PathTrie>();
  /** Children as a list, for comparing keys against JSON text in place (scan.ts). */
  readonly list: { key: string; node: PathTrie }[] = [];
  id = -1;

  /** The node for path (dotted), created if missing. */
  add(path: string): PathTrie {
    let node: PathTrie = this;
    for (const segment of path.split(".")) {
      let next = node.children.get(segment);
      if (next === undefined) {
        next = new PathTrie();
        node.children.set(segment, next);
        node.list.push({ key: segment, node: next });
      }
      node = next;
    }
    return node;
  }

  /** The node an event key leads to from here, a dotted key followed segment by segment. */
  step(key: string): PathTrie | undefined {
    const direct = this.children.get(key);
    if (direct !== undefined || key.indexOf(".") === -1) return direct;
    let node: PathTrie | undefined = this;
    for (const segment of key.split(".")) {
      node = node.children.get(segment);
      if (node === undefined) return undefined;
    }
    return node;
  }
}

/** Pairs (array number, index) of the array elements a field is inside; null when none. */
export type Membership = readonly number[] | null;

/** The fields found for the collected paths, in the order found. */
export class Fields {
  path: number[] = [];
  value: Scalar[] = [];
  membership: Membership[] = [];
  length = 0;
  /** Arrays numbered so far. */
  arrays = 0;
  /** Pairs of the array elements being read (shared, copied into each field's membership). */
  readonly inside: number[] = [];

  reset(): void {
    this.length = 0;
    this.arrays = 0;
    this.inside.length = 0;
  }

  add(path: number, value: Scalar): void {
    const i = this.length++;
    this.path[i] = path;
    this.value[i] = value;
    this.membership[i] = this.inside.length === 0 ? null : this.inside.slice();
  }

  /** The last value found at path, or undefined (what JSON.parse would keep of a repeated key). */
  last(path: number): Scalar | undefined {
    for (let i = this.length - 1; i >= 0; i--) if (this.path[i] === path) return this.value[i];
    return undefined;
  }
}

function isContainer(v: unknown): v is object {
  return typeof v === "object" && v !== null && !(v instanceof JsonNumber);
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Collects the fields of a parsed event (or part of it) under `node`. `everyKey`: look at every
 * key of each object (a dotted key names nested fields); without it, only the keys the trie
 * names are read, which is right when no object holds a dotted key that joins them.
 */
export function collectFields(node: PathTrie, v: unknown, out: Fields, everyKey = true): void {
  if (Array.isArray(v)) {
    const id = out.arrays++;
    for (let i = 0; i < v.length; i++) {
      const e = v[i];
      if (isContainer(e)) {
        out.inside.push(id, i);
        collectFields(node, e, out, everyKey);
        out.inside.length -= 2;
      } else if (node.id >= 0 && e !== undefined) out.add(node.id, e as Scalar);
    }
  } else if (isContainer(v)) {
    if (node.list.length === 0) return;
    const obj = v as Record<string, unknown>;
    if (everyKey) {
      for (const key of Object.keys(obj)) {
        const child = node.step(key);
        if (child !== undefined) collectFields(child, obj[key], out, everyKey);
      }
    } else {
      for (const { key, node: child } of node.list) if (hasOwn.call(obj, key)) collectFields(child, obj[key], out, everyKey);
    }
  } else if (node.id >= 0 && v !== undefined) {
    out.add(node.id, v as Scalar);
  }
}

/** The merged membership, or undefined if a and b are in different elements of one array. */
function merge(a: Membership, b: Membership): Membership | undefined {
  if (b === null) return a;
  if (a === null) return b;
  let merged: number[] | undefined;
  for (let j = 0; j < b.length; j += 2) {
    let found = false;
    for (let i = 0; i < a.length; i += 2) {
      if (a[i] === b[j]) {
        if (a[i + 1] !== b[j + 1]) return undefined;
        found = true;
        break;
      }
    }
    if (!found) (merged ??= a.slice()).push(b[j], b[j + 1]);
  }
  return merged ?? a;
}

function accepts(leaf: LeafNode, value: Scalar): boolean {
  return leaf.existsTrue || leaf.test(value);
}

/** A compiled branch over path numbers (those of the PathTrie the fields were collected with). */
export interface FieldBranch {
  readonly ids: readonly number[];
  readonly leaves: readonly LeafNode[];
}

export function fieldBranch(branch: Branch, ids: (path: string) => number): FieldBranch {
  return { ids: branch.paths.map(ids), leaves: branch.leaves };
}

/** Whether the branch matches the fields (the complete definition above). */
export function branchMatches(branch: FieldBranch, fields: Fields): boolean {
  // Almost always: no field is inside an array element, so every choice is consistent and
  // each path is decided on its own.
  let flat = true;
  for (let i = 0; i < fields.length; i++) {
    if (fields.membership[i] !== null) {
      flat = false;
      break;
    }
  }
  if (flat) {
    for (let k = 0; k < branch.ids.length; k++) {
      const id = branch.ids[k];
      const leaf = branch.leaves[k];
      let present = false;
      let ok = false;
      for (let i = 0; i < fields.length; i++) {
        if (fields.path[i] !== id) continue;
        present = true;
        if (accepts(leaf, fields.value[i])) {
          ok = true;
          break;
        }
      }
      if (!ok && !(leaf.existsFalse && !present)) return false;
    }
    return true;
  }
  return search(branch, fields, 0, null);
}

function search(branch: FieldBranch, fields: Fields, k: number, membership: Membership): boolean {
  if (k === branch.ids.length) return true;
  const id = branch.ids[k];
  const leaf = branch.leaves[k];
  if (leaf.existsFalse) {
    let present = false;
    for (let i = 0; i < fields.length && !present; i++) {
      if (fields.path[i] === id && merge(membership, fields.membership[i]) !== undefined) present = true;
    }
    if (!present && search(branch, fields, k + 1, membership)) return true;
  }
  for (let i = 0; i < fields.length; i++) {
    if (fields.path[i] !== id || !accepts(leaf, fields.value[i])) continue;
    const merged = merge(membership, fields.membership[i]);
    if (merged !== undefined && search(branch, fields, k + 1, merged)) return true;
  }
  return false;
}
