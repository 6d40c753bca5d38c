import type Big from "big.js";
import { type Cidr, inCidr, parseCidr } from "./cidr";
import { JsonNumber, type JsonValue } from "./json";
import { compare, COMPARISONS, type Comparison, isJsonNumber, toDecimal } from "./numbers";
import { wildcardProblem, wildcardRegExp } from "./wildcard";

// Validation and compilation of an event pattern into a matcher tree, following
// aws/event-ruler's README and the EventBridge pattern docs. A pattern is validated once,
// when compiled, so matching is a walk over the event with precomputed tests.

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
  readonly tests: Test[];
  existsTrue: boolean;
  existsFalse: boolean;
}

export interface ObjectNode {
  readonly kind: "object";
  readonly fields: [string, LeafNode | ObjectNode][];
  /** Each entry is one `$or`: the object matches only if some alternative of each matches. */
  readonly ors: ObjectNode[][];
}

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

const isString = (v: Scalar): v is string => typeof v === "string";
const lower = (s: string) => s.toLowerCase();

class Compiler {
  constructor(private readonly dialect: Dialect) {}

  object(obj: { [key: string]: JsonValue }, path: string[]): ObjectNode {
    const where = path.join(".");
    const keys = Object.keys(obj);
    if (keys.length === 0) throw new PatternError(where, "an empty object matches nothing; name at least one field");
    const node: ObjectNode = { kind: "object", fields: [], ors: [] };
    for (const key of keys) {
      const value = obj[key];
      const at = [...path, key];
      // "$or" is the OR primitive only with an array; with an object event-ruler keeps it as an
      // ordinary field name (its README, "backward compatibility").
      if (key === "$or" && !isObject(value)) {
        if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
          throw new PatternError(where, '"$or" takes an array of at least two objects, each a pattern');
        }
        node.ors.push(value.map((alt) => this.object(alt as { [key: string]: JsonValue }, path)));
      } else if (Array.isArray(value)) {
        node.fields.push([key, this.leaf(value, at)]);
      } else if (isObject(value)) {
        node.fields.push([key, this.object(value, at)]);
      } else {
        throw new PatternError(at.join("."), `a field must be an array of values to match or an object of fields, not ${describe(value)}`);
      }
    }
    return node;
  }

  leaf(values: JsonValue[], path: string[]): LeafNode {
    const where = path.join(".");
    if (values.length === 0) throw new PatternError(where, "an empty array matches nothing; list at least one value");
    const leaf: LeafNode = { kind: "leaf", tests: [], existsTrue: false, existsFalse: false };
    for (const v of values) {
      if (typeof v === "string") leaf.tests.push((x) => x === v);
      else if (isJsonNumber(v)) leaf.tests.push(numberEquals(toDecimal(v)));
      else if (typeof v === "boolean" || v === null) leaf.tests.push((x) => x === v);
      else if (Array.isArray(v)) throw new PatternError(where, "arrays inside a value array are not allowed");
      else this.operator(v, where, leaf);
    }
    return leaf;
  }

  operator(op: { [key: string]: JsonValue }, where: string, leaf: LeafNode): void {
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
          leaf.tests.push((x) => isString(x) && test(x, operand));
        } else if (isObject(operand) && Object.keys(operand).length === 1 && typeof operand["equals-ignore-case"] === "string") {
          const p = lower(operand["equals-ignore-case"] as string);
          leaf.tests.push((x) => isString(x) && test(lower(x), p));
        } else {
          need(false, `a string or {"equals-ignore-case": "<string>"}`);
        }
        return;
      }
      case "equals-ignore-case": {
        need(typeof operand === "string", "a string");
        const s = lower(operand as string);
        leaf.tests.push((x) => isString(x) && lower(x) === s);
        return;
      }
      case "anything-but":
        leaf.tests.push(this.anythingBut(operand, where));
        return;
      case "numeric":
        leaf.tests.push(numeric(operand, where));
        return;
      case "exists":
        need(typeof operand === "boolean", "true or false");
        if (operand === true) leaf.existsTrue = true;
        else leaf.existsFalse = true;
        return;
      case "cidr": {
        if (this.dialect === "pipes") throw new PatternError(where, `"cidr" ${PIPES_LIMITATION}`);
        need(typeof operand === "string", 'a CIDR block string such as "10.0.0.0/24"');
        const block: Cidr | undefined = parseCidr(operand as string);
        if (!block) throw new PatternError(where, `"cidr" ${JSON.stringify(operand)} is not a valid IPv4 or IPv6 CIDR block`);
        leaf.tests.push((x) => isString(x) && inCidr(block, x));
        return;
      }
      case "wildcard": {
        if (this.dialect === "pipes") throw new PatternError(where, `"wildcard" ${PIPES_LIMITATION}`);
        need(typeof operand === "string", "a string");
        leaf.tests.push(wildcard(operand as string, where));
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
      const eq = numberEquals(toDecimal(operand));
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
        if (isJsonNumber(v)) return numberEquals(toDecimal(v));
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
      const strings = (what: string): string[] => {
        const list = Array.isArray(value) ? value : [value];
        if (list.length === 0 || !list.every((s) => typeof s === "string")) {
          throw new PatternError(where, `"anything-but" with "${inner}" takes ${what}, not ${describe(value)}`);
        }
        return list as string[];
      };
      switch (inner) {
        case "prefix": {
          if (typeof value !== "string") throw new PatternError(where, `"anything-but" with "prefix" takes a string, not ${describe(value)}`);
          return (x) => !(isString(x) && x.startsWith(value));
        }
        case "suffix": {
          if (typeof value !== "string") throw new PatternError(where, `"anything-but" with "suffix" takes a string, not ${describe(value)}`);
          return (x) => !(isString(x) && x.endsWith(value));
        }
        case "equals-ignore-case": {
          const set = new Set(strings("a string or a list of strings").map(lower));
          return (x) => !(isString(x) && set.has(lower(x)));
        }
        case "wildcard": {
          const tests = strings("a string or a list of strings").map((w) => wildcard(w, where));
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

function wildcard(pattern: string, where: string): Test {
  const problem = wildcardProblem(pattern);
  if (problem) throw new PatternError(where, `"wildcard" ${JSON.stringify(pattern)}: ${problem}`);
  const re = wildcardRegExp(pattern);
  return (x) => isString(x) && re.test(x);
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
    pairs.push([op as Comparison, toDecimal(bound)]);
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
  return (x) => isJsonNumber(x) && pairs.every(([op, bound]) => compare(toDecimal(x), op, bound));
}

export function compilePattern(pattern: JsonValue, dialect: Dialect): ObjectNode {
  if (!isObject(pattern)) throw new PatternError("", `an event pattern must be a JSON object, not ${describe(pattern)}`);
  return new Compiler(dialect).object(pattern, []);
}
