// An AWS event-pattern engine: EventBridge's content filtering, as used by event buses and
// by EventBridge Pipes filters. Written here because no npm library matches AWS closely
// enough: the candidates miss operators (cidr, wildcard, anything-but variants, $or), do
// not validate patterns the way AWS does, or crash on null. aws/event-ruler's README and
// the EventBridge docs are the specification; tests/eventPattern cite them case by case.
import { compilePattern, type Dialect, PatternError } from "./compile";
import { JsonNumber, JsonSyntaxError, type JsonValue, parseJsonPreservingNumbers } from "./json";
import { matchObject } from "./match";

export { type Dialect, PatternError } from "./compile";
export { JsonNumber, parseJsonPreservingNumbers } from "./json";

/** A pipe accepts at most this many filters, each at most this long (botocore pipes model). */
export const PIPES_MAX_FILTERS = 5;
export const PIPES_MAX_PATTERN_LENGTH = 4096;

export interface CompiledPattern {
  /** The event as JSON text (number spelling kept) or as an already-parsed value. */
  matches(event: string | unknown): boolean;
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

/** JSON text with object keys sorted at every level, arrays in order: the same pattern always serializes the same. */
export function canonicalPatternJson(pattern: object): string {
  return sortKeys(pattern);
}

function parsePattern(pattern: string | object): { value: JsonValue; length: number } {
  if (typeof pattern !== "string") return { value: pattern as JsonValue, length: canonicalPatternJson(pattern).length };
  try {
    return { value: parseJsonPreservingNumbers(pattern), length: pattern.length };
  } catch (err) {
    throw new PatternError("", `the pattern is not valid JSON: ${(err as JsonSyntaxError).message}`);
  }
}

/** Validates and compiles; throws PatternError saying which operator, where, and why. */
export function compile(pattern: string | object, dialect: Dialect): CompiledPattern {
  const { value, length } = parsePattern(pattern);
  if (dialect === "pipes" && length > PIPES_MAX_PATTERN_LENGTH) {
    throw new PatternError("", `the pattern is ${length} characters; a pipe filter pattern is at most ${PIPES_MAX_PATTERN_LENGTH}`);
  }
  const root = compilePattern(value, dialect);
  return {
    matches(event) {
      const parsed = typeof event === "string" ? parseJsonPreservingNumbers(event) : event;
      return matchObject(root, parsed);
    },
  };
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
