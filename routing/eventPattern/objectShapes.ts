// Building parsed objects fast. Adding properties one by one with computed keys is the
// slowest part of a JSON parser written in JavaScript: every store looks the key up again.
// Events of one stream have few shapes (the same keys in the same order), so the parser
// follows a tree of the key sequences it has seen and, for a sequence seen a few times,
// compiles a function that creates the whole object from one object literal, which V8 builds
// from a ready-made template. The result is the same object as with assignment: same keys,
// same order, same values; a duplicate key keeps its first position and its last value.

type Entries = { [key: string]: unknown };
type Factory = (values: unknown[], base: number) => Entries;

/** Shapes after which the tree stops growing, so hostile input cannot exhaust memory. */
const MAX_SHAPES = 20_000;
/** Compiled shapes at most (each holds a small function). */
const MAX_FACTORIES = 2_000;
/** Objects with more keys than this are built by assignment. */
const MAX_COMPILED_KEYS = 64;
/** A sequence is compiled once it has been seen this many times. */
const COMPILE_AFTER = 3;
/** Successors kept in a list, compared in place against the source text; more go in a Map. */
const LISTED_SUCCESSORS = 16;

let shapeCount = 0;
let factoryCount = 0;

export class ObjectShape {
  private readonly successors: ObjectShape[] = [];
  private others: Map<string, ObjectShape> | undefined = undefined;
  private seen = 0;
  private factory: Factory | undefined = undefined;

  constructor(
    /** The shape before the last key; undefined for the empty object. */
    private readonly parent: ObjectShape | undefined,
    /** The key that leads here. */
    readonly key: string,
    readonly size: number,
    /** Built by assignment: "__proto__" among the keys, too many keys, or the tree is full. */
    readonly open: boolean,
  ) {}

  /** The successor whose key is text[start..end), without slicing the text; undefined if none is listed. */
  find(text: string, start: number, end: number): ObjectShape | undefined {
    const length = end - start;
    const successors = this.successors;
    for (let i = 0; i < successors.length; i++) {
      const s = successors[i];
      if (s.key.length === length && text.startsWith(s.key, start)) {
        // Move it one place forward: the frequent keys end up first.
        if (i > 0) {
          successors[i] = successors[i - 1];
          successors[i - 1] = s;
        }
        return s;
      }
    }
    return undefined;
  }

  next(key: string): ObjectShape {
    const listed = this.successors.find((s) => s.key === key) ?? this.others?.get(key);
    if (listed !== undefined) return listed;
    if (this.open || shapeCount >= MAX_SHAPES) return new ObjectShape(undefined, key, this.size + 1, true);
    shapeCount++;
    const shape = new ObjectShape(this, key, this.size + 1, key === "__proto__" || this.size + 1 > MAX_COMPILED_KEYS);
    if (this.successors.length < LISTED_SUCCESSORS) this.successors.push(shape);
    else (this.others ??= new Map()).set(key, shape);
    return shape;
  }

  /** The object whose keys are keys[base..top) and values values[base..top). */
  build(keys: readonly string[], values: unknown[], base: number, top: number): Entries {
    if (this.factory !== undefined) return this.factory(values, base);
    if (!this.open && ++this.seen >= COMPILE_AFTER && factoryCount < MAX_FACTORIES) {
      factoryCount++;
      // JSON.stringify makes each key a safe string literal; "__proto__" never gets here
      // (as a literal key it would set the prototype).
      const fields: string[] = [];
      for (let s: ObjectShape = this, i = this.size - 1; s.parent !== undefined; s = s.parent, i--) fields.unshift(`${JSON.stringify(s.key)}: v[b + ${i}]`);
      this.factory = new Function("v", "b", `"use strict"; return {${fields.join(", ")}};`) as Factory;
      return this.factory(values, base);
    }
    const obj: Entries = {};
    for (let i = base; i < top; i++) {
      const key = keys[i];
      // Assignment to "__proto__" would set the prototype; JSON.parse makes it an own property.
      if (key === "__proto__") Object.defineProperty(obj, key, { value: values[i], enumerable: true, writable: true, configurable: true });
      else obj[key] = values[i];
    }
    return obj;
  }
}

/** The shape of an object before its first key. */
export const EMPTY_SHAPE = new ObjectShape(undefined, "", 0, false);
