// An AWS event-pattern engine: EventBridge's content filtering, as used by event buses and
// by EventBridge Pipes filters. Written here because no npm library matches AWS closely
// enough: the candidates miss operators (cidr, wildcard, anything-but variants, $or), do
// not validate patterns the way AWS does, or crash on null. aws/event-ruler's README and
// the EventBridge docs are the specification; tests/eventPattern* cite them case by case.
//
// Matching several patterns against JSON text: compile them together, and each text is read
// once, keeping only the fields some pattern names (scan.ts):
//
//   const filters = compilePatterns(patterns, "pipes");
//   const m = filters.matchText(line);       // JsonSyntaxError if the line is not JSON
//   const passes = m.matched.some(Boolean);  // m.matched[i]: pattern i matches
//
// An event already parsed (parseEvent, or any plain object) is matched with `matchEvent`, or
// with one compiled pattern's `matches`.
import { type Branch, branchTree, compilePattern, type Dialect, PatternError, type Scalar } from "./compile";
import { JsonSyntaxError, type JsonValue, parseJsonPreservingNumbers } from "./json";
import * as json from "./json";
import { generateMatcher, type GeneratedMatcher } from "./codegen";
import { type FieldBranch, fieldBranch, Fields, PathTrie } from "./fields";
import * as fields from "./fields";
import { NotJson, type NotAnObject } from "./scan";
import * as scan from "./scan";

// Bound once, not read through a getter at every use (see scan.ts): used for every event matched.
const { JsonNumber } = json;
const { branchMatches, collectFields } = fields;
const { scanEvent } = scan;

export { type Dialect, PatternError, type Scalar } from "./compile";
export { type NotAnObject } from "./scan";
export { JsonNumber, JsonSyntaxError, type JsonValue, MAX_JSON_DEPTH, parseJsonPreservingNumbers } from "./json";

/** A pipe accepts at most this many filters, each at most this long (botocore pipes model). */
export const PIPES_MAX_FILTERS = 5;
export const PIPES_MAX_PATTERN_LENGTH = 4096;

export interface CompiledPattern {
  /**
   * Whether the pattern matches the event. A string is JSON text, read without being built
   * (numbers keep their spelling); anything else is an event already parsed, preferably by
   * parseEvent. Only a JSON object is an event: anything else matches nothing. Throws
   * JsonSyntaxError for text that is not JSON.
   */
  matches(event: string | unknown): boolean;
}

/**
 * Parses an event's JSON text once, for matching against several compiled patterns: numbers
 * keep their exact text (JsonNumber), as AWS compares them. Same as parseJsonPreservingNumbers.
 * Throws JsonSyntaxError with position and line, also past MAX_JSON_DEPTH levels of nesting.
 */
export function parseEvent(text: string): JsonValue {
  return parseJsonPreservingNumbers(text);
}

function sortKeys(value: unknown): string {
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(sortKeys).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortKeys(obj[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

function isPatternObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The pattern without the fields a later one overrides. "a.b" and {"a": {"b": ...}} name the
 * same field and only the last one counts (compile.ts); sorting the keys could change which
 * is last, so the overridden one is dropped before sorting. Each $or alternative is its own scope.
 */
function withoutOverriddenFields(pattern: Record<string, unknown>): Record<string, unknown> {
  const names: string[] = [];
  const collect = (obj: Record<string, unknown>, prefix: string) => {
    for (const [key, value] of Object.entries(obj)) {
      if (key === "$or" && Array.isArray(value)) continue;
      if (Array.isArray(value)) names.push(prefix + key);
      else if (isPatternObject(value)) collect(value, `${prefix}${key}.`);
    }
  };
  collect(pattern, "");
  const last = new Map(names.map((name, i) => [name, i]));
  let position = 0;
  const rebuild = (obj: Record<string, unknown>, prefix: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(obj)) {
      if (key === "$or" && Array.isArray(value)) put(out, key, value.map((alt) => (isPatternObject(alt) ? withoutOverriddenFields(alt) : alt)));
      else if (Array.isArray(value)) {
        if (last.get(prefix + key) === position++) put(out, key, value);
      } else if (isPatternObject(value)) {
        const inner = rebuild(value, `${prefix}${key}.`);
        if (Object.keys(inner).length > 0 || Object.keys(value).length === 0) put(out, key, inner);
      } else put(out, key, value);
    }
    return out;
  };
  return rebuild(pattern, "");
}

/**
 * JSON text with object keys sorted at every level, arrays in order: the same pattern always
 * serializes the same, and means what it meant (a field overridden by a later spelling of the
 * same dotted name is left out).
 */
export function canonicalPatternJson(pattern: object): string {
  return sortKeys(isPatternObject(pattern) ? withoutOverriddenFields(pattern) : pattern);
}

function parsePattern(pattern: string | object): { value: JsonValue; length: number } {
  if (typeof pattern !== "string") return { value: pattern as JsonValue, length: canonicalPatternJson(pattern).length };
  try {
    return { value: parseJsonPreservingNumbers(pattern), length: pattern.length };
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw new PatternError("", err.message.startsWith("nested deeper") ? `the pattern is ${err.message}` : `the pattern is not valid JSON: ${err.message}`);
    }
    throw err;
  }
}

/** More branches than this are decided by the complete definition alone (no walk generated per branch). */
const MAX_WALKED_BRANCHES = 64;

function isEventObject(v: unknown): v is object {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

/** The text as JSON, or the JsonSyntaxError json.ts gives for it (the scanner refuses the same texts). */
function rethrowAsSyntaxError(text: string): never {
  parseJsonPreservingNumbers(text);
  throw new Error("internal: the scanner refused JSON text the parser accepts");
}

/** Some patterns compiled for matching together: their paths in one trie, each pattern's branches over it. */
class Compiled {
  readonly trie = new PathTrie();
  readonly fields = new Fields();
  readonly patterns: FieldBranch[][];

  /** Path numbers of the `extract` paths (TextMatch.value). */
  readonly extra: number[];

  constructor(patterns: readonly Branch[][], extra: readonly string[] = []) {
    let paths = 0;
    const id = (path: string) => {
      const node = this.trie.add(path);
      if (node.id < 0) node.id = paths++;
      return node.id;
    };
    this.patterns = patterns.map((branches) => branches.map((b) => fieldBranch(b, id)));
    this.extra = extra.map(id);
  }

  /** Fields of a parsed event object (everyKey: see collectFields). */
  collect(event: object, everyKey = true): Fields {
    this.fields.reset();
    collectFields(this.trie, event, this.fields, everyKey);
    return this.fields;
  }

  /** Fields of JSON text; the kind of value if it is no object. */
  scan(text: string): NotAnObject | undefined {
    try {
      return scanEvent(text, this.trie, this.fields);
    } catch (err) {
      if (err instanceof NotJson) rethrowAsSyntaxError(text);
      throw err;
    }
  }

  matches(pattern: number, fields: Fields): boolean {
    const branches = this.patterns[pattern];
    for (let b = 0; b < branches.length; b++) if (branchMatches(branches[b], fields)) return true;
    return false;
  }
}

/** The walk generated for one branch; `exact` when it has no test of absence. */
interface Walk {
  readonly matcher: GeneratedMatcher;
  readonly exact: boolean;
}

class Pattern implements CompiledPattern {
  private readonly compiled: Compiled;
  /** Per branch, the walk over a parsed event (compile.ts, branchTree); undefined where it cannot decide. */
  private readonly walks: (Walk | undefined)[];

  constructor(readonly branches: Branch[]) {
    this.compiled = new Compiled([branches]);
    this.walks =
      branches.length > MAX_WALKED_BRANCHES
        ? branches.map(() => undefined)
        : branches.map((b) => {
            const tree = branchTree(b);
            const exact = !b.leaves.some((l) => l.existsFalse);
            return tree && { matcher: generateMatcher(tree, !exact), exact };
          });
  }

  matches(event: string | unknown): boolean {
    if (typeof event === "string") return this.compiled.scan(event) === undefined && this.compiled.matches(0, this.compiled.fields);
    if (!isEventObject(event)) return false;
    const only = this.walks.length === 1 ? this.walks[0] : undefined;
    if (only !== undefined && only.exact) {
      // The usual pattern: one branch, no test of absence.
      if (only.matcher.walk(event)) return true;
      return only.matcher.findDotted(event) && this.compiled.matches(0, this.compiled.collect(event));
    }
    // The walks decide almost every event; the complete definition (fields.ts) decides the rest.
    let undecided = false;
    let everyKey = false;
    for (const walk of this.walks) {
      if (walk === undefined) {
        undecided = everyKey = true;
        continue;
      }
      const hit = walk.matcher.walk(event);
      if (walk.exact) {
        // A match the walk finds stands (a dotted key only adds values); a no-match stands unless
        // a dotted event key could hold values the walk did not see.
        if (hit) return true;
        if (walk.matcher.findDotted(event)) undecided = everyKey = true;
      } else if (walk.matcher.findDotted(event)) undecided = everyKey = true;
      else if (walk.matcher.undecided()) undecided = true;
      else if (hit) return true;
    }
    return undecided && this.compiled.matches(0, this.compiled.collect(event, everyKey));
  }
}

/** What one event text is for a set of patterns (PatternSet.matchText). */
export interface TextMatch {
  /** matched[i]: pattern i matches; all false for a value that is not an object. */
  readonly matched: readonly boolean[];
  /** Undefined for a JSON object (an event); else what the value is ("a number", "an array", ...). */
  readonly notAnObject: NotAnObject | undefined;
  /**
   * The value at one of the `extract` paths given to compilePatterns: the last one the text
   * holds (as JSON.parse keeps the last of a repeated key), undefined if there is none or it
   * is an object or array. Read it before the next matchText of the same set.
   */
  value(path: string): Scalar | undefined;
}

/** Patterns compiled together: each event is read once for all of them. */
export interface PatternSet {
  readonly size: number;
  /** Which patterns match the event's JSON text. Throws JsonSyntaxError if the text is not JSON. */
  matchText(text: string): TextMatch;
  /** Which patterns match an event already parsed (anything but a JSON object matches none). */
  matchEvent(event: unknown): boolean[];
}

/**
 * Compiles patterns for matching together; throws PatternError naming the pattern (by position)
 * and what is wrong. `extract`: dotted paths whose values TextMatch.value gives (eventID).
 */
export function compilePatterns(patterns: readonly (string | object)[], dialect: Dialect, opts: { extract?: readonly string[] } = {}): PatternSet {
  const singles = patterns.map((p, i) => {
    try {
      return compile(p, dialect) as Pattern;
    } catch (err) {
      if (err instanceof PatternError && patterns.length > 1) {
        const located = new PatternError(err.path, err.reason);
        located.message = `pattern ${i + 1} of ${patterns.length}: ${err.message}`;
        throw located;
      }
      throw err;
    }
  });
  const compiled = new Compiled(
    singles.map((s) => s.branches),
    opts.extract ?? [],
  );
  const extract = new Map((opts.extract ?? []).map((path, i) => [path, compiled.extra[i]]));
  const fields = compiled.fields;
  const value = (path: string) => {
    const id = extract.get(path);
    if (id === undefined) throw new Error(`${path} was not among the paths to extract`);
    return fields.last(id);
  };
  return {
    size: patterns.length,
    matchText(text) {
      const notAnObject = compiled.scan(text);
      const matched = singles.map((_, i) => notAnObject === undefined && compiled.matches(i, fields));
      return { matched, notAnObject, value };
    },
    matchEvent(event) {
      return singles.map((s) => s.matches(event));
    },
  };
}

/** Validates and compiles; throws PatternError saying which operator, where, and why. */
export function compile(pattern: string | object, dialect: Dialect): CompiledPattern {
  const { value, length } = parsePattern(pattern);
  if (dialect === "pipes" && length > PIPES_MAX_PATTERN_LENGTH) {
    throw new PatternError("", `the pattern is ${length} characters; a pipe filter pattern is at most ${PIPES_MAX_PATTERN_LENGTH}`);
  }
  return new Pattern(compilePattern(value, dialect));
}

export function validate(pattern: string | object, dialect: Dialect): { ok: true } | { ok: false; message: string } {
  try {
    compile(pattern, dialect);
    return { ok: true };
  } catch (err) {
    if (err instanceof PatternError) return { ok: false, message: err.message };
    throw err;
  }
}

export function match(pattern: string | object, event: string | unknown, dialect: Dialect = "eventbus"): boolean {
  return compile(pattern, dialect).matches(event);
}

/** A pipe's filter list: 1 to 5 patterns, each valid for Pipes; returns them compiled (a processor's init compiles each once). */
export function validateFilterList(patterns: readonly (string | object)[]): CompiledPattern[] {
  if (patterns.length === 0) throw new PatternError("", "a filtered pipe needs at least one filter pattern");
  if (patterns.length > PIPES_MAX_FILTERS) {
    throw new PatternError("", `a pipe accepts at most ${PIPES_MAX_FILTERS} filters; got ${patterns.length} (combine them with "$or")`);
  }
  return patterns.map((p, i) => {
    try {
      return compile(p, "pipes");
    } catch (err) {
      if (err instanceof PatternError) {
        const located = new PatternError(err.path, err.reason);
        located.message = `filter ${i + 1} of ${patterns.length}: ${err.message}`;
        throw located;
      }
      throw err;
    }
  });
}
