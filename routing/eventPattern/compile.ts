import type Big from "big.js";
import * as cidr from "./cidr";
import * as json from "./json";
import * as numbers from "./numbers";
import { wildcardMatcher, wildcardProblem } from "./wildcard";

// Bound once, not read through a getter at every use (see scan.ts): the tests compiled here
// run for every field an event is matched on.
const { inCidr, parseCidr } = cidr;
const { JsonNumber } = json;
const { compare, COMPARISONS, exactInteger, exactIntegerBound, holds, isJsonNumber, toDecimal } = numbers;
type Cidr = cidr.Cidr;
type JsonNumber = json.JsonNumber;
type JsonValue = json.JsonValue;
type Comparison = numbers.Comparison;

// Validation and compilation of an event pattern, following aws/event-ruler's README and the
// EventBridge pattern docs. A pattern is validated once, when compiled, into branches: `$or`
// is expanded the way event-ruler's JsonRuleCompiler does it, so a pattern is a list of
// branches, each a set of field paths ("dynamodb.NewImage.orderStatus.S") with a test each,
// all of which must hold (fields.ts says how), and the pattern matches if a branch does.

export type Dialect = "eventbus" | "pipes";

/** A pattern AWS would refuse; `path` is the field path (dynamodb.NewImage.orderAmount.N). */
export class PatternError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `${path}: ${reason}` : reason);
    this.name = "PatternError";
  }
}

export type Scalar = string | boolean | null | number | JsonNumber;
type Test = (v: Scalar) => boolean;

export interface LeafNode {
  readonly kind: "leaf";
  /** True if some value of the pattern's list matches this event value. */
  readonly test: Test;
  readonly existsTrue: boolean;
  readonly existsFalse: boolean;
}

/** One branch of a pattern: paths in event-ruler's order (sorted, as GenericMachine.addRule sorts them), a test each. */
export interface Branch {
  readonly paths: readonly string[];
  readonly leaves: readonly LeafNode[];
  /** The same paths in the order the pattern first names them: the walk tests them in that order (the writer's). */
  readonly written: readonly string[];
}

/** A branch as a tree of keys, for the walk over a parsed event (codegen.ts). */
export interface ObjectNode {
  readonly kind: "object";
  /** One key per field; a key may appear twice, once for a leaf and once for an object ({"a": [..], "a.b": [..]}). */
  readonly keys: readonly string[];
  readonly children: readonly (LeafNode | ObjectNode)[];
  /** Keys that objects inherit from Object.prototype ("constructor", "__proto__"): read with an own-property check. */
  readonly inherited: readonly boolean[];
  /**
   * Event keys that would name a field of this subtree through a dot ("NewImage.orderStatus"
   * for the path NewImage > orderStatus): if an event object has none of them, the plain walk
   * sees every value the pattern asks about. Undefined when there are too many to list
   * (MAX_DOTTED_KEYS; a deeply nested pattern): then any event gets the complete definition.
   */
  readonly dottedKeys: readonly string[] | undefined;
}

/**
 * Most branches one pattern may expand to. event-ruler expands every `$or` into branches too
 * (JsonRuleCompiler.parseIntoOrRelationship), so nested `$or`s multiply; AWS publishes no limit
 * (it refuses rules it finds too complex), so this one only keeps a hostile pattern from
 * exhausting memory.
 */
export const MAX_BRANCHES = 4096;

const OPERATORS = ["prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "cidr", "wildcard"] as const;
const PIPES_LIMITATION = "is accepted on an event bus but not by EventBridge Pipes";

function isObject(v: unknown): v is { [key: string]: JsonValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

function describe(v: unknown): string {
  if (v instanceof JsonNumber) return `the number ${v.text}`;
  if (typeof v === "number") return `the number ${v}`;
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * A number AWS can compare: event-ruler turns numeric bounds and anything-but numbers into
 * doubles and refuses the pattern when that fails (JsonRuleCompiler: processNumericMatchExpression,
 * processAnythingButListMatchExpression), so 1E309, which is no finite double, is invalid there.
 */
function finiteDecimal(v: number | JsonNumber, where: string, what: string): Big {
  if (!Number.isFinite(v instanceof JsonNumber ? Number(v.text) : v)) {
    throw new PatternError(where, `${what} ${v instanceof JsonNumber ? v.text : String(v)} is not a finite number; AWS compares numbers as doubles`);
  }
  return toDecimal(v);
}

const isString = (v: Scalar): v is string => typeof v === "string";
const lower = (s: string) => s.toLowerCase();

/** The branches being built: each maps a dotted path to its test; a later spelling of a path replaces an earlier one. */
type Rules = Map<string, LeafNode>[];

class Compiler {
  constructor(private readonly dialect: Dialect) {}

  /**
   * Adds the fields of a pattern object to every branch in `rules`, in document order, as
   * event-ruler's JsonRuleCompiler does: a field is written into each branch (replacing the
   * same path written before: "if multiple patterns are specified for the same JSON field,
   * EventBridge only uses the last one", eb-create-pattern.html), and a `$or` forks every
   * branch into one per alternative. So a field both outside and inside a `$or` alternative is
   * replaced inside that alternative by whichever comes later in the text.
   */
  object(obj: { [key: string]: JsonValue }, path: string[], rules: Rules): void {
    const where = path.join(".");
    const keys = Object.keys(obj);
    if (keys.length === 0) throw new PatternError(where, "an empty object matches nothing; name at least one field");
    for (const key of keys) {
      const value = obj[key];
      const at = [...path, key];
      // "$or" is the OR primitive only with an array; with an object event-ruler keeps it as an
      // ordinary field name (its README, "backward compatibility").
      if (key === "$or" && !isObject(value)) {
        if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
          throw new PatternError(where, '"$or" takes an array of at least two objects, each a pattern');
        }
        const before = rules.splice(0, rules.length);
        for (const alt of value) {
          const forked: Rules = before.length === 0 ? [new Map()] : before.map((r) => new Map(r));
          this.object(alt as { [key: string]: JsonValue }, path, forked);
          rules.push(...forked);
          if (rules.length > MAX_BRANCHES) {
            throw new PatternError(where, `the "$or" alternatives combine into more than ${MAX_BRANCHES} branches; use fewer nested "$or"`);
          }
        }
        continue;
      }
      // EventBridge joins keys with dots to name a field, so "a.b" and {"a": {"b": ...}} are the
      // same field (eb-create-pattern.html, "Considerations when creating event patterns").
      if (Array.isArray(value)) {
        const leaf = this.leaf(value, at);
        if (rules.length === 0) rules.push(new Map());
        const name = at.join(".");
        for (const rule of rules) rule.set(name, leaf);
      } else if (isObject(value)) {
        this.object(value, at, rules);
      } else {
        throw new PatternError(at.join("."), `a field must be an array of values to match or an object of fields, not ${describe(value)}`);
      }
    }
  }

  leaf(values: JsonValue[], path: string[]): LeafNode {
    const where = path.join(".");
    if (values.length === 0) throw new PatternError(where, "an empty array matches nothing; list at least one value");
    const exact: string[] = [];
    const tests: Test[] = [];
    const flags = { existsTrue: false, existsFalse: false };
    for (const v of values) {
      if (typeof v === "string") exact.push(v);
      // A plain number compares by value; event-ruler keeps a number it cannot turn into a
      // double as exact text (JsonRuleCompiler.writeRules), so 1E309 stays valid here.
      else if (isJsonNumber(v)) tests.push(numberEquals(toDecimal(v)));
      else if (typeof v === "boolean" || v === null) tests.push((x) => x === v);
      else if (Array.isArray(v)) throw new PatternError(where, "arrays inside a value array are not allowed");
      else this.operator(v, where, tests, flags);
    }
    if (exact.length > 0) tests.unshift(exactStrings(exact));
    return { kind: "leaf", test: anyOf(tests), ...flags };
  }

  operator(op: { [key: string]: JsonValue }, where: string, tests: Test[], flags: { existsTrue: boolean; existsFalse: boolean }): void {
    const keys = Object.keys(op);
    if (keys.length !== 1) {
      throw new PatternError(where, `a matching object has exactly one operator, got ${keys.length === 0 ? "none" : keys.map((k) => `"${k}"`).join(", ")}`);
    }
    const name = keys[0];
    const operand = op[name];
    const need = (ok: boolean, what: string) => {
      if (!ok) throw new PatternError(where, `"${name}" takes ${what}, not ${describe(operand)}`);
    };
    switch (name) {
      case "prefix":
      case "suffix": {
        const test = name === "prefix" ? (s: string, p: string) => s.startsWith(p) : (s: string, p: string) => s.endsWith(p);
        if (typeof operand === "string") {
          tests.push((x) => isString(x) && test(x, operand));
        } else if (isObject(operand) && Object.keys(operand).length === 1 && typeof operand["equals-ignore-case"] === "string") {
          const p = lower(operand["equals-ignore-case"] as string);
          tests.push((x) => isString(x) && test(lower(x), p));
        } else {
          need(false, `a string or {"equals-ignore-case": "<string>"}`);
        }
        return;
      }
      case "equals-ignore-case": {
        need(typeof operand === "string", "a string");
        const s = lower(operand as string);
        tests.push((x) => isString(x) && lower(x) === s);
        return;
      }
      case "anything-but":
        tests.push(this.anythingBut(operand, where));
        return;
      case "numeric":
        tests.push(numeric(operand, where));
        return;
      case "exists":
        need(typeof operand === "boolean", "true or false");
        if (operand === true) flags.existsTrue = true;
        else flags.existsFalse = true;
        return;
      case "cidr": {
        if (this.dialect === "pipes") throw new PatternError(where, `"cidr" ${PIPES_LIMITATION}`);
        need(typeof operand === "string", 'a CIDR block string such as "10.0.0.0/24"');
        const block: Cidr | undefined = parseCidr(operand as string);
        if (!block) throw new PatternError(where, `"cidr" ${JSON.stringify(operand)} is not a valid IPv4 or IPv6 CIDR block`);
        tests.push((x) => isString(x) && inCidr(block, x));
        return;
      }
      case "wildcard": {
        if (this.dialect === "pipes") throw new PatternError(where, `"wildcard" ${PIPES_LIMITATION}`);
        need(typeof operand === "string", "a string");
        tests.push(wildcard(operand as string, where));
        return;
      }
      default: {
        const near = OPERATORS.find((o) => o.toLowerCase() === name.toLowerCase() || o.replace(/-/g, "") === name.toLowerCase());
        throw new PatternError(where, `unrecognized operator "${name}"${near ? `; did you mean "${near}"? (operators are case-sensitive)` : `; known operators: ${OPERATORS.join(", ")}`}`);
      }
    }
  }

  anythingBut(operand: JsonValue, where: string): Test {
    if (typeof operand === "string") return (x) => !(x === operand);
    if (isJsonNumber(operand)) {
      const eq = numberEquals(finiteDecimal(operand, where, '"anything-but" number'));
      return (x) => !eq(x);
    }
    if (Array.isArray(operand)) {
      if (operand.length === 0) throw new PatternError(where, '"anything-but" list is empty');
      const strings = operand.filter((v) => typeof v === "string").length;
      if (strings > 0 && strings < operand.length) {
        throw new PatternError(where, '"anything-but" list must be all strings or all numbers, not a mix');
      }
      const tests = operand.map((v) => {
        if (typeof v === "string") return (x: Scalar) => x === v;
        if (isJsonNumber(v)) return numberEquals(finiteDecimal(v, where, '"anything-but" number'));
        throw new PatternError(where, `"anything-but" list takes strings and numbers, not ${describe(v)}`);
      });
      return (x) => !tests.some((t) => t(x));
    }
    if (isObject(operand)) {
      const keys = Object.keys(operand);
      if (keys.length !== 1) throw new PatternError(where, `"anything-but" takes one operator, got ${keys.length}`);
      const inner = keys[0];
      const value = operand[inner];
      if (["prefix", "suffix", "equals-ignore-case", "wildcard"].includes(inner) && this.dialect === "pipes") {
        throw new PatternError(where, `"anything-but" with "${inner}" ${PIPES_LIMITATION}`);
      }
      // Each nested form takes one string or a list of strings; the value matches if it matches
      // none of them. event-ruler: JsonRuleCompiler.processAnythingButValuesSetMatchExpression
      // (lists for equals-ignore-case, prefix, suffix and wildcard); AWS-validated in LocalStack's
      // event-pattern templates content_anything_prefix_list / content_anything_suffix_list.
      const strings = (): string[] => {
        const list = Array.isArray(value) ? value : [value];
        // An empty list: event-ruler takes it (and then excludes nothing); AWS has not said. It is
        // refused here, as before, being almost surely a mistake.
        if (list.length === 0 || !list.every((s) => typeof s === "string")) {
          throw new PatternError(where, `"anything-but" with "${inner}" takes a string or a list of strings, not ${describe(value)}`);
        }
        return list as string[];
      };
      switch (inner) {
        case "prefix":
        case "suffix": {
          const affixes = strings();
          // "Null prefix/suffix not allowed": event-ruler refuses an empty one here (and only here;
          // a plain {"prefix": ""} is valid). LocalStack's AWS-validated content_anything_prefix_empty_EXC.
          if (affixes.includes("")) throw new PatternError(where, `"anything-but" with "${inner}" takes non-empty strings; an empty ${inner} is not allowed`);
          const has = inner === "prefix" ? (s: string, a: string) => s.startsWith(a) : (s: string, a: string) => s.endsWith(a);
          return (x) => !(isString(x) && affixes.some((a) => has(x, a)));
        }
        case "equals-ignore-case": {
          const set = new Set(strings().map(lower));
          return (x) => !(isString(x) && set.has(lower(x)));
        }
        case "wildcard": {
          const tests = strings().map((w) => wildcard(w, where));
          return (x) => !tests.some((t) => t(x));
        }
        default:
          throw new PatternError(where, `"anything-but" does not accept "${inner}"; it takes a value, a list, or one of prefix, suffix, equals-ignore-case, wildcard`);
      }
    }
    throw new PatternError(where, `"anything-but" takes a string, a number, a list, or an operator object, not ${describe(operand)}`);
  }
}

function numberEquals(n: Big): Test {
  return (x) => isJsonNumber(x) && toDecimal(x).eq(n);
}

/** Exact string values: a few comparisons, or a Set for longer lists. */
function exactStrings(values: string[]): Test {
  const [a, b, c] = values;
  switch (values.length) {
    case 1:
      return (x) => x === a;
    case 2:
      return (x) => x === a || x === b;
    case 3:
      return (x) => x === a || x === b || x === c;
    default: {
      const set = new Set(values);
      return (x) => typeof x === "string" && set.has(x);
    }
  }
}

function anyOf(tests: Test[]): Test {
  if (tests.length === 0) return () => false;
  if (tests.length === 1) return tests[0];
  return (x) => {
    for (let i = 0; i < tests.length; i++) if (tests[i](x)) return true;
    return false;
  };
}

function wildcard(pattern: string, where: string): Test {
  const problem = wildcardProblem(pattern);
  if (problem) throw new PatternError(where, `"wildcard" ${JSON.stringify(pattern)}: ${problem}`);
  const matches = wildcardMatcher(pattern);
  return (x) => isString(x) && matches(x);
}

function numeric(operand: JsonValue, where: string): Test {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    throw new PatternError(where, `"numeric" takes [op, number] or [op, number, op, number], e.g. [">", 0, "<=", 5]`);
  }
  const pairs: [Comparison, Big][] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    const bound = operand[i + 1];
    if (typeof op !== "string" || !(COMPARISONS as readonly string[]).includes(op)) {
      throw new PatternError(where, `"numeric" comparison ${JSON.stringify(op)} is not one of ${COMPARISONS.join(" ")}`);
    }
    if (!isJsonNumber(bound)) throw new PatternError(where, `"numeric" ${op} takes a number, not ${describe(bound)}`);
    pairs.push([op as Comparison, finiteDecimal(bound, where, `"numeric" ${op} bound`)]);
  }
  if (pairs.length === 2) {
    if (pairs.some(([op]) => op === "=")) throw new PatternError(where, '"numeric" "=" cannot be combined with another comparison');
    const lowers = pairs.filter(([op]) => op === ">" || op === ">=");
    const uppers = pairs.filter(([op]) => op === "<" || op === "<=");
    if (lowers.length !== 1 || uppers.length !== 1) {
      throw new PatternError(where, '"numeric" range needs one lower bound (> or >=) and one upper bound (< or <=)');
    }
    if (!lowers[0][1].lt(uppers[0][1])) {
      throw new PatternError(where, `"numeric" range is empty: lower bound ${lowers[0][1]} is not below upper bound ${uppers[0][1]}`);
    }
  }
  // Integer bounds compare plain integers as doubles (numbers.ts: exactly as decimals); any
  // other value is made a decimal once for all the bounds.
  const ops = pairs.map(([op]) => op);
  const integerBounds = pairs.map(([, bound]) => exactIntegerBound(bound));
  const integers = integerBounds.every((b) => b !== undefined) ? (integerBounds as number[]) : undefined;
  return (x) => {
    if (!isJsonNumber(x)) return false;
    const n = integers ? exactInteger(x) : undefined;
    if (n !== undefined) {
      for (let i = 0; i < ops.length; i++) {
        const bound = (integers as number[])[i];
        if (!holds(n < bound ? -1 : n > bound ? 1 : 0, ops[i])) return false;
      }
      return true;
    }
    const value = toDecimal(x);
    return pairs.every(([op, bound]) => compare(value, op, bound));
  };
}

/** More dotted keys than this in one subtree are not listed (ObjectNode.dottedKeys). */
const MAX_DOTTED_KEYS = 256;

/**
 * Joins of two or more consecutive keys along the paths of a subtree, from its children's:
 * a child object under "k" contributes "k.x" for each of its keys and dotted keys x.
 */
function dottedKeysOf(keys: readonly string[], children: readonly (LeafNode | ObjectNode)[]): string[] | undefined {
  const out = new Set<string>();
  for (let i = 0; i < keys.length; i++) {
    const child = children[i];
    if (child.kind !== "object") continue;
    if (child.dottedKeys === undefined) return undefined;
    for (const rest of [...child.keys, ...child.dottedKeys]) out.add(`${keys[i]}.${rest}`);
    if (out.size > MAX_DOTTED_KEYS) return undefined;
  }
  return [...out];
}

/** A pattern: its branches (at least one). */
export function compilePattern(pattern: JsonValue, dialect: Dialect): Branch[] {
  if (!isObject(pattern)) throw new PatternError("", `an event pattern must be a JSON object, not ${describe(pattern)}`);
  const rules: Rules = [];
  new Compiler(dialect).object(pattern, [], rules);
  return rules.map((rule) => {
    const written = [...rule.keys()];
    const paths = [...written].sort();
    return { paths, leaves: paths.map((p) => rule.get(p) as LeafNode), written };
  });
}

/**
 * The branch as a tree for the walk over parsed events, or undefined where the walk would not
 * decide as the complete definition does (fields.ts): a path that is both a field and the
 * parent of one ("a" and "a.b": their values share the event's arrays). A test of absence
 * (exists: false) under an array is not decided by the walk either (GeneratedMatcher.undecided).
 */
export function branchTree(branch: Branch): ObjectNode | undefined {
  type Draft = Map<string, LeafNode | Draft>;
  const root: Draft = new Map();
  const leafOf = new Map(branch.paths.map((p, i) => [p, branch.leaves[i]]));
  for (const path of branch.written) {
    const segments = path.split(".");
    let node = root;
    for (const segment of segments.slice(0, -1)) {
      const next = node.get(segment) ?? new Map();
      if (!(next instanceof Map)) return undefined;
      node.set(segment, next);
      node = next;
    }
    const last = segments[segments.length - 1];
    if (node.has(last)) return undefined;
    node.set(last, leafOf.get(path) as LeafNode);
  }
  const finish = (draft: Draft): ObjectNode => {
    const keys = [...draft.keys()];
    const children = keys.map((k) => {
      const c = draft.get(k) as LeafNode | Draft;
      return c instanceof Map ? finish(c) : c;
    });
    return { kind: "object", keys, children, inherited: keys.map((k) => k in Object.prototype), dottedKeys: dottedKeysOf(keys, children) };
  };
  return finish(root);
}
