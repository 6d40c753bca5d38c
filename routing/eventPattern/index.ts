// An AWS event-pattern engine: EventBridge's content filtering, as used by event buses and
// by EventBridge Pipes filters. Written here because no npm library matches AWS closely
// enough: the candidates miss operators (cidr, wildcard, anything-but variants, $or), do
// not validate patterns the way AWS does, or crash on null. aws/event-ruler's README and
// the EventBridge docs are the specification; tests/eventPattern* cite them case by case.
//
// Matching many patterns against JSON text: parse the text once with parseEvent and pass the
// result to each compiled pattern's `matches`; passing the text itself parses it again for
// every pattern.
//
//   const filters = patterns.map((p) => compile(p, "pipes"));
//   const event = parseEvent(line);          // JsonSyntaxError if the line is not JSON
//   const passes = filters.some((f) => f.matches(event));
import { compilePattern, type Dialect, type ObjectNode, PatternError } from "./compile";
import { JsonNumber, JsonSyntaxError, type JsonValue, parseJsonPreservingNumbers } from "./json";
import { generateMatcher, type GeneratedMatcher } from "./codegen";
import { matchWithDottedKeys } from "./match";

export { type Dialect, PatternError } from "./compile";
export { JsonNumber, JsonSyntaxError, type JsonValue, MAX_JSON_DEPTH, parseJsonPreservingNumbers } from "./json";

/** A pipe accepts at most this many filters, each at most this long (botocore pipes model). */
export const PIPES_MAX_FILTERS = 5;
export const PIPES_MAX_PATTERN_LENGTH = 4096;

export interface CompiledPattern {
  /**
   * Whether the pattern matches the event. A string is JSON text and is parsed first (numbers
   * keep their spelling); anything else is an event already parsed, preferably by parseEvent.
   * Throws JsonSyntaxError for text that is not JSON.
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

function hasExistsFalse(node: ObjectNode): boolean {
  return node.children.some((c) => (c.kind === "leaf" ? c.existsFalse : hasExistsFalse(c))) || node.ors.some((alts) => alts.some(hasExistsFalse));
}

class Pattern implements CompiledPattern {
  /** A match found by the plain walk stands unless the pattern asks for a field's absence. */
  private readonly plainMatchIsFinal: boolean;
  /** The pattern names nested fields, so a dotted event key could name one of them. */
  private readonly dottedKeysMatter: boolean;

  private readonly plain: GeneratedMatcher;

  constructor(private readonly root: ObjectNode) {
    this.plainMatchIsFinal = !hasExistsFalse(root);
    this.dottedKeysMatter = root.dottedKeys === undefined || root.dottedKeys.length > 0;
    this.plain = generateMatcher(root);
  }

  matches(event: string | unknown): boolean {
    const value = typeof event === "string" ? parseJsonPreservingNumbers(event) : event;
    const plain = this.plain.walk(value);
    if (plain && this.plainMatchIsFinal) return true;
    if (!this.dottedKeysMatter || !this.plain.findDotted(value)) return plain;
    return matchWithDottedKeys(this.root, [value]);
  }
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

/** A pipe's filter list: 1 to 5 patterns, each valid for Pipes. */
export function validateFilterList(patterns: readonly (string | object)[]): void {
  if (patterns.length === 0) throw new PatternError("", "a filtered pipe needs at least one filter pattern");
  if (patterns.length > PIPES_MAX_FILTERS) {
    throw new PatternError("", `a pipe accepts at most ${PIPES_MAX_FILTERS} filters; got ${patterns.length} (combine them with "$or")`);
  }
  patterns.forEach((p, i) => {
    try {
      compile(p, "pipes");
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
