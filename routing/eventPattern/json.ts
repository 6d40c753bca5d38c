// A JSON parser that keeps each number's exact text, so `300.0` in an event and `300` in a
// pattern compare as the same number, and 38-digit decimals are not rounded through a float.
// JSON.parse cannot do that; everything else about the syntax is plain RFC 8259.
//
// Written for speed (it sits in front of every `route --jsonl` line): one pass over the text,
// strings without escapes found with indexOf and sliced as they are, keys recognised in place
// and objects built from the key sequences seen before (objectShapes.ts). The output is the
// same as JSON.parse's, numbers aside; `__proto__` stays an own data property, as there.

import { EMPTY_SHAPE } from "./objectShapes";

export class JsonNumber {
  constructor(readonly text: string) {}
  toJSON(): number {
    return Number(this.text);
  }
}

export type JsonValue = string | boolean | null | number | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = "JsonSyntaxError";
  }
}

/**
 * Deepest nesting of arrays and objects the parser accepts. Jackson, the parser event-ruler
 * (and so EventBridge) reads JSON with, refuses documents nested deeper than 1000 by default
 * (StreamReadConstraints.DEFAULT_MAX_DEPTH); a DynamoDB item nests at most 32 levels, about 70
 * in a stream record. Past the limit the error says so instead of overflowing the stack.
 */
export const MAX_JSON_DEPTH = 1000;

// The parser is synchronous and not re-entrant, so its state lives in module variables.
let src = "";
let pos = 0;
let depth = 0;

function fail(what: string, at: number = pos): never {
  const line = src.slice(0, at).split("\n").length;
  throw new JsonSyntaxError(`${what} at position ${at} (line ${line})`, at);
}

function tooDeep(): never {
  return fail(`nested deeper than ${MAX_JSON_DEPTH} levels`);
}

function skipWhitespace(): void {
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 32 || c === 10 || c === 13 || c === 9) pos++;
    else return;
  }
}

// Where the next backslash and the next control character are, searched natively and only
// again once passed: most strings have neither, so a string is found with one indexOf.
let nextBackslash = Infinity;
let nextControl = Infinity;
const CONTROL = /[\u0000-\u001f]/g;

function search(from: number, find: (from: number) => number): number {
  const at = find(from);
  return at === -1 ? Infinity : at;
}
const findBackslash = (from: number) => src.indexOf("\\", from);
const findControl = (from: number) => {
  CONTROL.lastIndex = from;
  return CONTROL.exec(src)?.index ?? -1;
};

/** End (closing quote) of the string starting at start if it is plain: no escape, no control character. */
function plainStringEnd(start: number): number {
  const end = src.indexOf('"', start);
  if (end === -1) return -1;
  if (nextBackslash < start) nextBackslash = search(start, findBackslash);
  if (nextBackslash < end) return -1;
  if (nextControl < start) nextControl = search(start, findControl);
  if (nextControl < end) return -1;
  return end;
}

/** pos is at the opening quote; returns the string and leaves pos after the closing quote. */
function parseString(): string {
  const start = pos + 1;
  const end = plainStringEnd(start);
  if (end === -1) return parseStringSlowly();
  pos = end + 1;
  return src.slice(start, end);
}

/** A string with an escape, a control character or no end: walk it, then let JSON.parse decode it. */
function parseStringSlowly(): string {
  const quote = pos++;
  let escaped = false;
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 34) break;
    if (c !== c) fail("unterminated string", src.length); // NaN: past the end
    if (c === 92) {
      escaped = true;
      pos++;
    } else if (c < 32) fail("control character in a string");
    pos++;
  }
  pos++;
  let value = src.slice(quote + 1, pos - 1);
  if (escaped) {
    try {
      value = JSON.parse(src.slice(quote, pos)) as string;
    } catch {
      fail("invalid escape in a string");
    }
  }
  return value;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** RFC 8259 number at pos (known to start with '-' or a digit), or undefined if none. */
function parseNumber(): JsonNumber | undefined {
  const start = pos;
  let p = pos;
  if (src.charCodeAt(p) === 45) p++;
  const first = src.charCodeAt(p);
  if (first === 48) p++;
  else if (first >= 49 && first <= 57) {
    p++;
    while (isDigit(src.charCodeAt(p))) p++;
  } else return undefined;
  // A fraction or exponent counts only when digits follow; otherwise the number ends before
  // it and the next token is reported as unexpected.
  if (src.charCodeAt(p) === 46 && isDigit(src.charCodeAt(p + 1))) {
    p += 2;
    while (isDigit(src.charCodeAt(p))) p++;
  }
  const e = src.charCodeAt(p);
  if (e === 101 || e === 69) {
    let q = p + 1;
    const sign = src.charCodeAt(q);
    if (sign === 43 || sign === 45) q++;
    if (isDigit(src.charCodeAt(q))) {
      p = q + 1;
      while (isDigit(src.charCodeAt(p))) p++;
    }
  }
  pos = p;
  return new JsonNumber(src.slice(start, p));
}

function literal(word: string, value: JsonValue): JsonValue | undefined {
  if (!src.startsWith(word, pos)) return undefined;
  pos += word.length;
  return value;
}

function parseValue(): JsonValue {
  if (src.charCodeAt(pos) <= 32) skipWhitespace();
  const c = src.charCodeAt(pos);
  if (c === 34) return parseString();
  if (c === 123) return parseObject();
  if (c === 91) return parseArray();
  const word = c === 116 ? literal("true", true) : c === 102 ? literal("false", false) : c === 110 ? literal("null", null) : undefined;
  if (word !== undefined) return word;
  const number = c === 45 || isDigit(c) ? parseNumber() : undefined;
  if (number !== undefined) return number;
  return fail(c !== c ? "unexpected end of input" : `unexpected character ${JSON.stringify(src[pos])}`);
}

// Keys and values of the objects being parsed, shared by all levels: an object's entries sit
// above those of the objects that contain it and are removed when it is built.
const keyStack: string[] = [];
const valueStack: JsonValue[] = [];
let top = 0;
/** Highest `top` of this parse: the entries to clear afterwards. */
let peak = 0;

function parseObject(): { [key: string]: JsonValue } {
  if (++depth > MAX_JSON_DEPTH) tooDeep();
  pos++;
  if (src.charCodeAt(pos) <= 32) skipWhitespace();
  if (src.charCodeAt(pos) === 125) {
    pos++;
    depth--;
    return {};
  }
  const base = top;
  let shape = EMPTY_SHAPE;
  for (;;) {
    if (src.charCodeAt(pos) <= 32) skipWhitespace();
    if (src.charCodeAt(pos) !== 34) fail("expected a field name");
    const start = pos + 1;
    const end = plainStringEnd(start);
    let key: string;
    if (end === -1) {
      key = parseStringSlowly();
      shape = shape.next(key);
    } else {
      // A key the shape has seen before is recognised in place, without slicing it.
      const known = shape.find(src, start, end);
      if (known !== undefined) shape = known;
      else shape = shape.next(src.slice(start, end));
      key = shape.key;
      pos = end + 1;
    }
    if (src.charCodeAt(pos) <= 32) skipWhitespace();
    if (src.charCodeAt(pos) !== 58) fail("expected ':'");
    pos++;
    const value = parseValue();
    keyStack[top] = key;
    valueStack[top++] = value;
    if (src.charCodeAt(pos) <= 32) skipWhitespace();
    const c = src.charCodeAt(pos);
    if (c === 44) {
      pos++;
      continue;
    }
    if (c === 125) {
      pos++;
      depth--;
      const obj = shape.build(keyStack, valueStack, base, top) as { [key: string]: JsonValue };
      if (top > peak) peak = top;
      top = base;
      return obj;
    }
    fail("expected ',' or '}'");
  }
}

function parseArray(): JsonValue[] {
  if (++depth > MAX_JSON_DEPTH) tooDeep();
  pos++;
  const arr: JsonValue[] = [];
  if (src.charCodeAt(pos) <= 32) skipWhitespace();
  if (src.charCodeAt(pos) === 93) {
    pos++;
    depth--;
    return arr;
  }
  for (;;) {
    arr.push(parseValue());
    if (src.charCodeAt(pos) <= 32) skipWhitespace();
    const c = src.charCodeAt(pos);
    if (c === 44) {
      pos++;
      continue;
    }
    if (c === 93) {
      pos++;
      depth--;
      return arr;
    }
    fail("expected ',' or ']'");
  }
}

/**
 * Parses RFC 8259 JSON text; numbers become JsonNumber (their exact text kept). Throws
 * JsonSyntaxError naming the position and line, also for JSON nested deeper than
 * MAX_JSON_DEPTH.
 */
export function parseJsonPreservingNumbers(text: string): JsonValue {
  src = text;
  pos = 0;
  depth = 0;
  top = 0;
  peak = 0;
  nextBackslash = search(0, findBackslash);
  nextControl = search(0, findControl);
  try {
    const result = parseValue();
    skipWhitespace();
    if (pos < src.length) fail("unexpected text after the JSON value");
    return result;
  } finally {
    // Do not keep the input or its values alive.
    src = "";
    valueStack.fill(null, 0, Math.max(peak, top));
    top = 0;
  }
}
