import { strict as assert } from "node:assert";
import Big from "big.js";
import { compile, compilePatterns, parseEvent } from "../routing/eventPattern";

// Numeric matching compares exact decimals; integers against integer bounds take a shortcut
// through doubles (routing/eventPattern/numbers.ts). Every answer here is held to Big's
// comparison of the same decimals, on values around the shortcut's limits: 15 and 16 digits,
// Number.MAX_SAFE_INTEGER, -0, decimals and exponents that equal integers, and bounds that are
// not integers (1.00000000000000001, which no double tells from 1) or not safe ones.

const OPS = ["<", "<=", "=", ">", ">="] as const;
type Op = (typeof OPS)[number];

function holds(value: Big, op: Op, bound: Big): boolean {
  const c = value.cmp(bound);
  return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === "=" ? c === 0 : op === ">" ? c > 0 : c >= 0;
}

describe("numeric matching: the integer shortcut agrees with exact decimals", () => {
  let seed = 11;
  const random = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const digits = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? 1 + random(9) : random(10))).join("");
  const near = ["0", "-0", "1", "-1", "99", "100", "101", "999999999999999", "1000000000000000", "9007199254740991", "9007199254740992", "9007199254740993", "-9007199254740993"];
  const number = (): string => {
    switch (random(7)) {
      case 0:
        return near[random(near.length)];
      case 1:
        return `${random(2) ? "-" : ""}${digits(1 + random(20))}`;
      case 2:
        return `${digits(1 + random(16))}.${random(2) ? "0" : digits(1 + random(3))}`;
      case 3:
        return `${digits(1 + random(3))}e${random(18)}`;
      case 4:
        return `${near[random(near.length)]}.0`;
      case 5:
        return random(2) ? String(random(2000) - 1000) : `${random(2) ? "-" : ""}${random(200)}.${"0".repeat(12 + random(8))}1`; // a hair off an integer: no double tells them apart
      default:
        return `${digits(15)}`;
    }
  };

  it("a hair off an integer is not the integer, on either side (no double tells them apart)", () => {
    // [numeric operand, event value as written, match]
    const rows: [string, string, boolean][] = [
      ['["<", 1.00000000000000001]', "1", true],
      ['["=", 1.00000000000000001]', "1", false],
      ['[">=", 1.00000000000000001]', "1", false],
      ['[">", 1]', "1.00000000000000001", true],
      ['["=", 1]', "1.00000000000000001", false],
      ['["<=", 1]', "1.00000000000000001", false],
      ['["=", 100]', "100.0", true],
      ['["=", 100]', "1e2", true],
      ['["<", 0]', "-0", false],
      ['[">=", 0, "<", 9007199254740991]', "999999999999999", true],
      ['[">", 999999999999999]', "999999999999999.5", true],
    ];
    for (const [operand, value, match] of rows) {
      const pattern = `{"n": [{"numeric": ${operand}}]}`;
      assert.equal(compile(pattern, "eventbus").matches(parseEvent(`{"n": ${value}}`)), match, `${operand} on ${value}`);
      assert.equal(compilePatterns([pattern], "eventbus").matchText(`{"n": ${value}}`).matched[0], match, `${operand} on ${value}, from text`);
    }
  });

  it("on 20,000 random values against random bounds, from text, parsed, and as JavaScript numbers", () => {
    let shortcut = 0;
    for (let p = 0; p < 400; p++) {
      const lower = number();
      const upper = new Big(lower).plus(new Big(number()).abs().plus(1)).toFixed();
      const op = OPS[random(5)];
      const operand = op === "=" || random(2) ? `["${op}", ${lower}]` : `[">${random(2) ? "=" : ""}", ${lower}, "<${random(2) ? "=" : ""}", ${upper}]`;
      const pattern = `{"n": [{"numeric": ${operand}}]}`;
      const pairs = JSON.parse(operand) as unknown[];
      // The bounds as written (JSON.parse would round them to doubles).
      const bounds = operand.match(/-?[\d.]+(?:e\d+)?/g)!.map((b) => new Big(b));
      const ops = pairs.filter((_, i) => i % 2 === 0) as Op[];
      const one = compile(pattern, "eventbus");
      const set = compilePatterns([pattern], "eventbus");
      for (let v = 0; v < 50; v++) {
        const text = number();
        const expected = ops.every((o, i) => holds(new Big(text), o, bounds[i]));
        const event = `{"n": ${text}}`;
        assert.equal(one.matches(parseEvent(event)), expected, `${pattern} on ${text}`);
        assert.equal(set.matchText(event).matched[0], expected, `${pattern} on ${text}, from text`);
        const asDouble = Number(text);
        if (Number.isSafeInteger(asDouble)) {
          shortcut++;
          assert.equal(one.matches({ n: asDouble }), ops.every((o, i) => holds(new Big(asDouble), o, bounds[i])), `${pattern} on the number ${asDouble}`);
        }
      }
    }
    assert.ok(shortcut > 2000, `integers in range are exercised (${shortcut})`);
  });
});
