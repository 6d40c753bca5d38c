import { strict as assert } from "node:assert";
import { compile, JsonNumber, JsonSyntaxError, MAX_JSON_DEPTH, parseEvent, parseJsonPreservingNumbers } from "../routing/eventPattern";
import { seededRandom } from "../bench/records";

// The number-preserving parser against two references on many generated and hand-picked
// inputs: JSON.parse (same values, numbers aside) and the straightforward parser it replaced
// (same objects, numbers as JsonNumber, same errors at the same positions).

/** The previous implementation, kept as the reference for output and error messages. */
function referenceParse(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at position ${i} (line ${text.slice(0, i).split("\n").length})`, i);
  };
  const ws = () => {
    while (i < text.length && " \n\r\t".includes(text[i])) i++;
  };
  const str = (): string => {
    const start = i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") i++;
      else if (text.charCodeAt(i) < 0x20) fail("control character in a string");
      i++;
    }
    if (i >= text.length) fail("unterminated string");
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail("invalid escape in a string");
    }
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === "}") return i++, obj;
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a field name");
        const key = str();
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        Object.defineProperty(obj, key, { value: value(), enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") return i++, obj;
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === "]") return i++, arr;
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") return i++, arr;
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith("true", i)) return (i += 4), true;
    if (text.startsWith("false", i)) return (i += 5), false;
    if (text.startsWith("null", i)) return (i += 4), null;
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) return (i += m[0].length), new JsonNumber(m[0]);
    return fail(c === undefined ? "unexpected end of input" : `unexpected character ${JSON.stringify(c)}`);
  };
  const result = value();
  ws();
  if (i < text.length) fail("unexpected text after the JSON value");
  return result;
}

/** Everything observable about a parsed value: prototypes, own property descriptors in order, number texts. */
function observable(v: unknown): unknown {
  if (v instanceof JsonNumber) return { number: v.text };
  if (Array.isArray(v)) return { array: v.map(observable) };
  if (v !== null && typeof v === "object") {
    return {
      proto: Object.getPrototypeOf(v) === Object.prototype ? "Object.prototype" : "other",
      own: Reflect.ownKeys(v).map((k) => {
        const d = Object.getOwnPropertyDescriptor(v, k)!;
        return [String(k), d.enumerable, d.writable, d.configurable, observable(d.value)];
      }),
    };
  }
  return v;
}

/** JSON.parse's view of a parsed value: numbers as doubles. */
function asJsonParseWould(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}

function outcome(parse: (text: string) => unknown, text: string): { value: unknown } | { error: string; position: number } {
  try {
    return { value: observable(parse(text)) };
  } catch (err) {
    assert.ok(err instanceof JsonSyntaxError, `${JSON.stringify(text)}: threw ${String(err)}, not a JsonSyntaxError`);
    return { error: err.message, position: err.position };
  }
}

function assertSameAsReference(text: string): void {
  const expected = outcome(referenceParse, text);
  const actual = outcome(parseJsonPreservingNumbers, text);
  if ("position" in expected && expected.position > text.length) {
    // The reference reported an unterminated string ending in a backslash one past the end;
    // the end of the text is where the string runs out.
    assert.deepEqual(actual, { error: expected.error.replace(`position ${expected.position}`, `position ${text.length}`), position: text.length }, JSON.stringify(text));
    return;
  }
  assert.deepEqual(actual, expected, JSON.stringify(text));
  let jsonParse: unknown;
  try {
    jsonParse = JSON.parse(text);
  } catch {
    assert.ok("error" in actual, `${JSON.stringify(text)}: JSON.parse refuses it, the parser accepted it`);
    return;
  }
  assert.ok("value" in actual, `${JSON.stringify(text)}: JSON.parse accepts it, the parser refused it`);
  assert.deepEqual(asJsonParseWould(parseJsonPreservingNumbers(text)), asJsonParseWould(jsonParse), JSON.stringify(text));
}

// A seeded generator of JSON texts with every feature the grammar has.
function generator(seed: number) {
  const { rand, pick } = seededRandom(seed);
  const ws = () => (rand(4) === 0 ? pick([" ", "\n", "\t", "\r\n", "  \n\t "]) : "");
  const CHARS = ["a", "Z", "0", " ", ".", "é", "ü", "中", "😀", "\u2028", "\u00a0", "/", "'", "__proto__"];
  const ESCAPES = ['\\"', "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0041", "\\u00e9", "\\ud83d\\ude00", "\\ud800", "\\udfff", "\\u0000", "\\u002e"];
  const str = () => {
    let s = '"';
    const n = rand(8);
    for (let i = 0; i < n; i++) s += rand(3) === 0 ? pick(ESCAPES) : pick(CHARS);
    return `${s}"`;
  };
  const KEYS = ['"a"', '"b"', '"a.b"', '"__proto__"', '"constructor"', '"toString"', '"0"', '"10"', '"-1"', '""', '"S"', '"N"', '"orderStatus"'];
  const num = () => {
    const int = pick(["0", "1", "7", "42", "1500", "12345678901234567890123456789012345678"]);
    const frac = rand(3) === 0 ? `.${pick(["0", "5", "50", "000000000000000000001"])}` : "";
    const exp = rand(4) === 0 ? `${pick(["e", "E"])}${pick(["", "+", "-"])}${pick(["0", "2", "308", "309", "400"])}` : "";
    return `${rand(3) === 0 ? "-" : ""}${int}${frac}${exp}`;
  };
  const value = (depth: number): string => {
    const kind = rand(depth > 4 ? 6 : 8);
    if (kind === 0) return str();
    if (kind === 1) return num();
    if (kind === 2) return pick(["true", "false", "null"]);
    if (kind === 3 || kind === 4) return rand(2) === 0 ? str() : num();
    if (kind === 5) return pick(["[]", "{}", "[ ]", "{ \n}"]);
    if (kind === 6) {
      const n = rand(5);
      return `[${ws()}${Array.from({ length: n }, () => `${value(depth + 1)}${ws()}`).join(`,${ws()}`)}]`;
    }
    const n = rand(6);
    return `{${ws()}${Array.from({ length: n }, () => `${rand(3) === 0 ? str() : pick(KEYS)}${ws()}:${ws()}${value(depth + 1)}${ws()}`).join(`,${ws()}`)}}`;
  };
  const MUTATIONS = [",", "]", "}", ":", '"', "\\", "\u0001", "\n", "-", ".", "e", "x", "tru", "0", "{", "["];
  const mutate = (text: string) => {
    const at = rand(text.length + 1);
    switch (rand(3)) {
      case 0:
        return text.slice(0, at); // truncated
      case 1:
        return text.slice(0, at) + pick(MUTATIONS) + text.slice(at); // something inserted
      default:
        return text.slice(0, at) + text.slice(at + 1); // a character dropped
    }
  };
  return { text: () => `${ws()}${value(0)}${ws()}`, mutate };
}

describe("JSON parser: same output as before and as JSON.parse", () => {
  it("on 4000 generated documents (escapes, surrogates, unicode, big numbers, whitespace, odd keys)", () => {
    const g = generator(11);
    for (let n = 0; n < 4000; n++) assertSameAsReference(g.text());
  });

  it("on 8000 broken documents (truncated, a character inserted or dropped): same error, same position", () => {
    const g = generator(23);
    for (let n = 0; n < 8000; n++) assertSameAsReference(g.mutate(g.text()));
  });

  it("on repeated documents, whose objects the parser builds from remembered shapes", () => {
    const g = generator(5);
    const texts = Array.from({ length: 50 }, () => g.text());
    for (let round = 0; round < 6; round++) for (const text of texts) assertSameAsReference(text);
  });

  const edges: string[] = [
    "",
    " ",
    "0",
    "-0",
    "01",
    "1.",
    ".5",
    "1e",
    "1e+",
    "-",
    "+1",
    "0x10",
    "NaN",
    "Infinity",
    "1E309",
    "-1e-400",
    "100.00000000000000000001",
    '"\\u12"',
    '"\\x41"',
    '"abc',
    '"abc\\',
    '"tab\there"',
    '"\u2028"',
    '"\\ud83d"',
    "tru",
    "truex",
    "nul",
    "[1,]",
    "[,1]",
    '{"a":1,}',
    '{"a" 1}',
    '{a:1}',
    "{'a':1}",
    '{"a":1}}',
    '{"__proto__": {"polluted": true}, "x": 1}',
    '{"a": 1, "a": 2, "b": 3, "a": 4}',
    '{"2": "b", "1": "a", "x": "c", "0": "z"}',
    `{${Array.from({ length: 70 }, (_, i) => `"k${i}": ${i}`).join(",")}}`,
    "[[[[]]]]",
    "\ufeff{}",
    "{}\u0000",
  ];
  for (const text of edges) it(`edge case ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`, () => assertSameAsReference(text));
});

describe("JSON parser: errors people can act on", () => {
  const rows: [text: string, message: string][] = [
    ['{"a": [1,}', 'unexpected character "}" at position 9 (line 1)'],
    ['{\n  "a": 1\n  "b": 2\n}', "expected ',' or '}' at position 13 (line 3)"],
    ['{"a": "x', "unterminated string at position 8 (line 1)"],
    ['"a\u0001"', "control character in a string at position 2 (line 1)"],
    ['"\\q"', "invalid escape in a string at position 4 (line 1)"],
    ["[1] 2", "unexpected text after the JSON value at position 4 (line 1)"],
    ["", "unexpected end of input at position 0 (line 1)"],
  ];
  for (const [text, message] of rows) {
    it(`${JSON.stringify(text)} → ${message}`, () => assert.throws(() => parseJsonPreservingNumbers(text), (err: unknown) => err instanceof JsonSyntaxError && err.message === message));
  }

  it("__proto__ stays an own data property and never becomes the prototype", () => {
    const parsed = parseJsonPreservingNumbers('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
    assert.deepEqual(Object.keys(parsed), ["__proto__"]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // also once the shape of such objects has been seen often
    for (let i = 0; i < 10; i++) assert.equal(Object.getPrototypeOf(parseJsonPreservingNumbers('[{"__proto__": {"x": 1}}]') as object[]), Array.prototype);
  });
});

describe(`JSON parser: nesting limit of ${MAX_JSON_DEPTH} levels`, () => {
  const nested = (levels: number, open: string, close: string, inner = "1") => open.repeat(levels) + inner + close.repeat(levels);

  it(`accepts ${MAX_JSON_DEPTH} levels of arrays and of objects`, () => {
    assert.doesNotThrow(() => parseJsonPreservingNumbers(nested(MAX_JSON_DEPTH, "[", "]")));
    assert.doesNotThrow(() => parseJsonPreservingNumbers(nested(MAX_JSON_DEPTH, '{"a":', "}")));
  });

  for (const levels of [MAX_JSON_DEPTH + 1, 100_000]) {
    it(`refuses ${levels} levels with a JsonSyntaxError saying so, not a stack overflow`, () => {
      for (const [open, close] of [
        ["[", "]"],
        ['{"a":', "}"],
      ]) {
        assert.throws(
          () => parseJsonPreservingNumbers(nested(levels, open, close)),
          (err: unknown) => err instanceof JsonSyntaxError && new RegExp(`^nested deeper than ${MAX_JSON_DEPTH} levels at position ${MAX_JSON_DEPTH * open.length} \\(line 1\\)$`).test(err.message),
        );
      }
    });
  }

  it("a pattern or an event nested past the limit is refused the same way by compile and matches", () => {
    assert.throws(() => compile(nested(MAX_JSON_DEPTH + 1, '{"a":', "}", "[1]"), "eventbus"), /the pattern is nested deeper than 1000 levels/);
    assert.throws(() => compile('{"a": [1]}', "eventbus").matches(nested(MAX_JSON_DEPTH + 1, "[", "]")), /nested deeper than 1000 levels/);
  });

  it("matches events and patterns at the limit without overflowing the stack", () => {
    const deepEvent = parseEvent(nested(MAX_JSON_DEPTH - 1, '{"a":', "}", "[1]"));
    const deepPattern = compile(nested(MAX_JSON_DEPTH - 1, '{"a":', "}", "[1]"), "eventbus");
    assert.equal(deepPattern.matches(deepEvent), true);
    assert.equal(compile('{"a": {"a": [1]}}', "eventbus").matches(parseEvent(`{"a": {"a": ${nested(MAX_JSON_DEPTH - 2, "[", "]")}}}`)), true);
  });
});

describe("JSON parser: past the limits of its remembered shapes", () => {
  it("parses objects of 25 000 different key sets the same as before (the shape tree stops growing at 20 000)", () => {
    for (let n = 0; n < 25_000; n++) {
      const text = `{"k${n}": {"a": ${n}, "k${n}": [1, {"b": "x"}]}, "z": null}`;
      if (n % 97 === 0 || n > 24_900) assertSameAsReference(text);
      else parseJsonPreservingNumbers(text);
    }
  });
});
