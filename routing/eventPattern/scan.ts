import { type Fields, type PathTrie } from "./fields";
import * as json from "./json";

// Bound once here: in the CLI's build (esbuild's CommonJS output) each use of an imported name
// reads it through a getter, and these are read for every object, array or number scanned and
// every field tested (scanning the bench's records: ~1.25x faster bound, issue 20).
const { JsonNumber, MAX_JSON_DEPTH } = json;

// Reading JSON text for matching without building it: the text is checked as JSON all through
// (the same grammar as json.ts, so what one refuses the other refuses), but only the values at
// the paths some pattern names are kept, as fields (fields.ts), numbers with their exact text.
// Everything else is tokenized and passed over, as event-ruler does with Jackson
// (Event.traverseObject skips a step no rule uses): a stream record is mostly keys and values
// no filter asks about, and building them was most of the cost of deciding from text.
//
// The scanner is synchronous and not re-entrant; its state lives in module variables.

/** Thrown when the text is not JSON; the caller parses it with json.ts for the exact message. */
export class NotJson extends Error {}

let src = "";
let pos = 0;
let depth = 0;
let out: Fields;

// Where the next backslash, control character and dot are, searched natively and only again
// once passed (as in json.ts): most strings have none of them.
let nextBackslash = Infinity;
let nextControl = Infinity;
let nextDot = Infinity;
const CONTROL = /[\u0000-\u001f]/g;
/** Any control character: the search of a whole text, which a non-global search runs faster. */
const ANY_CONTROL = /[\u0000-\u001f]/;

function after(at: number): number {
  return at === -1 ? Infinity : at;
}
function findControl(from: number): number {
  CONTROL.lastIndex = from;
  return CONTROL.exec(src)?.index ?? -1;
}

function invalid(): never {
  throw new NotJson();
}

function skipWhitespace(): void {
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 32 || c === 10 || c === 13 || c === 9) pos++;
    else return;
  }
}

/** End (closing quote) of the string starting at start if it is plain: no escape, no control character; else -1. */
function plainStringEnd(start: number): number {
  const end = src.indexOf('"', start);
  if (end === -1) return -1;
  if (nextBackslash < start) nextBackslash = after(src.indexOf("\\", start));
  if (nextBackslash < end) return -1;
  if (nextControl < start) nextControl = after(findControl(start));
  if (nextControl < end) return -1;
  return end;
}

const HEX = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** A string with an escape or a control character, or with no end: checked, then decoded if asked. pos at the quote. */
function slowString(decode: boolean): string {
  const quote = pos++;
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 34) break;
    if (c !== c || c < 32) invalid(); // past the end, or a control character
    if (c === 92) {
      const e = src.charCodeAt(pos + 1);
      if (e === 117) {
        if (!(HEX(src.charCodeAt(pos + 2)) && HEX(src.charCodeAt(pos + 3)) && HEX(src.charCodeAt(pos + 4)) && HEX(src.charCodeAt(pos + 5)))) invalid();
        pos += 6;
        continue;
      }
      // " \ / b f n r t
      if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
        pos += 2;
        continue;
      }
      invalid();
    }
    pos++;
  }
  pos++;
  return decode ? (JSON.parse(src.slice(quote, pos)) as string) : "";
}

function skipString(): void {
  const end = plainStringEnd(pos + 1);
  if (end === -1) slowString(false);
  else pos = end + 1;
}

function readString(): string {
  const start = pos + 1;
  const end = plainStringEnd(start);
  if (end === -1) return slowString(true);
  pos = end + 1;
  return src.slice(start, end);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** An RFC 8259 number at pos, as json.ts reads it; refuses what it refuses. */
function skipNumber(): void {
  let p = pos;
  if (src.charCodeAt(p) === 45) p++;
  const first = src.charCodeAt(p);
  if (first === 48) p++;
  else if (first >= 49 && first <= 57) {
    p++;
    while (isDigit(src.charCodeAt(p))) p++;
  } else invalid();
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
}

function literal(word: string): void {
  if (!src.startsWith(word, pos)) invalid();
  pos += word.length;
}

/** Passes over one value, checking it. */
function skipValue(): void {
  let c = src.charCodeAt(pos);
  if (c <= 32) {
    skipWhitespace();
    c = src.charCodeAt(pos);
  }
  if (c === 34) skipString();
  else if (c === 123) skipObject();
  else if (c === 91) skipArray();
  else if (c === 116) literal("true");
  else if (c === 102) literal("false");
  else if (c === 110) literal("null");
  else skipNumber();
}

function skipObject(): void {
  if (++depth > MAX_JSON_DEPTH) invalid();
  pos++;
  if (src.charCodeAt(pos) <= 32) skipWhitespace();
  if (src.charCodeAt(pos) === 125) {
    pos++;
    depth--;
    return;
  }
  for (;;) {
    if (src.charCodeAt(pos) <= 32) skipWhitespace();
    if (src.charCodeAt(pos) !== 34) invalid();
    skipString();
    if (src.charCodeAt(pos) <= 32) skipWhitespace();
    if (src.charCodeAt(pos) !== 58) invalid();
    pos++;
    skipValue();
    if (src.charCodeAt(pos) <= 32) skipWhitespace();
    const c = src.charCodeAt(pos);
    if (c === 44) {
      pos++;
      continue;
    }
    if (c === 125) {
      pos++;
      depth--;
      return;
    }
    invalid();
  }
}

function skipArray(): void {
  if (++depth > MAX_JSON_DEPTH) invalid();
  pos++;
  if (src.charCodeAt(pos) <= 32) skipWhitespace();
  if (src.charCodeAt(pos) === 93) {
    pos++;
    depth--;
    return;
  }
  for (;;) {
    skipValue();
    if (src.charCodeAt(pos) <= 32) skipWhitespace();
    const c = src.charCodeAt(pos);
    if (c === 44) {
      pos++;
      continue;
    }
    if (c === 93) {
      pos++;
      depth--;
      return;
    }
    invalid();
  }
}

/** Reads one value under `node`: kept as a field where node is a named path, followed where it leads to one. */
function readValue(node: PathTrie): void {
  let c = src.charCodeAt(pos);
  if (c <= 32) {
    skipWhitespace();
    c = src.charCodeAt(pos);
  }
  if (c === 123) readObject(node);
  else if (c === 91) readArray(node);
  else if (node.id < 0) skipValue();
  else if (c === 34) out.add(node.id, readString());
  else if (c === 116) {
    literal("true");
    out.add(node.id, true);
  } else if (c === 102) {
    literal("false");
    out.add(node.id, false);
  } else if (c === 110) {
    literal("null");
    out.add(node.id, null);
  } else {
    const start = pos;
    skipNumber();
    out.add(node.id, new JsonNumber(src.slice(start, pos)));
  }
}

/** The child of node that the key text[start..end) leads to, compared in place. */
function childFor(node: PathTrie, start: number, end: number): PathTrie | undefined {
  const length = end - start;
  const list = node.list;
  for (let i = 0; i < list.length; i++) {
    const entry = list[i];
    if (entry.key.length === length && src.startsWith(entry.key, start)) return entry.node;
  }
  // A dotted key ("NewImage.orderStatus") names nested fields.
  if (nextDot < start) nextDot = after(src.indexOf(".", start));
  if (nextDot >= end) return undefined;
  return node.step(src.slice(start, end));
}

function readObject(node: PathTrie): void {
  if (node.list.length === 0) {
    skipObject();
    return;
  }
  if (++depth > MAX_JSON_DEPTH) invalid();
  pos++;
  if (src.charCodeAt(pos) <= 32) skipWhitespace();
  if (src.charCodeAt(pos) === 125) {
    pos++;
    depth--;
    return;
  }
  for (;;) {
    if (src.charCodeAt(pos) <= 32) skipWhitespace();
    if (src.charCodeAt(pos) !== 34) invalid();
    const start = pos + 1;
    const end = plainStringEnd(start);
    let child: PathTrie | undefined;
    if (end === -1) child = node.step(slowString(true));
    else {
      child = childFor(node, start, end);
      pos = end + 1;
    }
    if (src.charCodeAt(pos) <= 32) skipWhitespace();
    if (src.charCodeAt(pos) !== 58) invalid();
    pos++;
    if (child === undefined) skipValue();
    else readValue(child);
    if (src.charCodeAt(pos) <= 32) skipWhitespace();
    const c = src.charCodeAt(pos);
    if (c === 44) {
      pos++;
      continue;
    }
    if (c === 125) {
      pos++;
      depth--;
      return;
    }
    invalid();
  }
}

function readArray(node: PathTrie): void {
  if (++depth > MAX_JSON_DEPTH) invalid();
  pos++;
  if (src.charCodeAt(pos) <= 32) skipWhitespace();
  if (src.charCodeAt(pos) === 93) {
    pos++;
    depth--;
    return;
  }
  const id = out.arrays++;
  const inside = out.inside;
  for (let i = 0; ; i++) {
    if (src.charCodeAt(pos) <= 32) skipWhitespace();
    const c = src.charCodeAt(pos);
    // Elements that are objects or arrays count this array in their fields' membership;
    // scalars directly in it do not (fields.ts).
    if (c === 123 || c === 91) {
      inside.push(id, i);
      readValue(node);
      inside.length -= 2;
    } else readValue(node);
    if (src.charCodeAt(pos) <= 32) skipWhitespace();
    const d = src.charCodeAt(pos);
    if (d === 44) {
      pos++;
      continue;
    }
    if (d === 93) {
      pos++;
      depth--;
      return;
    }
    invalid();
  }
}

/** What a JSON value that is not an object is, in the words of routing/jsonKind.ts. */
export type NotAnObject = "a string" | "a number" | "an array" | "a boolean" | "null";

/**
 * Checks `text` as JSON and collects into `fields` the values at the paths of `root`.
 * Returns undefined for an object, else what the value is (an event is a JSON object, and
 * nothing is collected from anything else). Throws NotJson if the text is not JSON (nested
 * deeper than MAX_JSON_DEPTH included).
 */
export function scanEvent(text: string, root: PathTrie, fields: Fields): NotAnObject | undefined {
  src = text;
  pos = 0;
  depth = 0;
  out = fields;
  fields.reset();
  nextBackslash = after(text.indexOf("\\"));
  nextControl = after(text.search(ANY_CONTROL));
  nextDot = -1;
  try {
    skipWhitespace();
    const c = src.charCodeAt(pos);
    let kind: NotAnObject | undefined;
    if (c === 123) readObject(root);
    else {
      kind = c === 34 ? "a string" : c === 91 ? "an array" : c === 116 || c === 102 ? "a boolean" : c === 110 ? "null" : "a number";
      skipValue();
    }
    skipWhitespace();
    if (pos < src.length) invalid();
    return kind;
  } finally {
    src = "";
  }
}
