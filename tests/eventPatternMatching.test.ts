import { strict as assert } from "node:assert";
import { compile, parseEvent } from "../routing/eventPattern";
import { compilePattern } from "../routing/eventPattern/compile";
import { branchMatches, collectFields, fieldBranch, Fields, PathTrie } from "../routing/eventPattern/fields";
import { parseJsonPreservingNumbers } from "../routing/eventPattern/json";
import { seededRandom } from "../bench/records";

/** The complete definition (fields.ts), straight: every branch over the fields of the parsed event. */
function complete(patternText: string, eventText: string): boolean {
  const trie = new PathTrie();
  const ids = new Map<string, number>();
  const id = (path: string) => {
    const node = trie.add(path);
    if (node.id < 0) node.id = ids.size;
    ids.set(path, node.id);
    return node.id;
  };
  const branches = compilePattern(parseJsonPreservingNumbers(patternText), "eventbus").map((b) => fieldBranch(b, id));
  const fields = new Fields();
  collectFields(trie, parseJsonPreservingNumbers(eventText), fields);
  return branches.some((b) => branchMatches(b, fields));
}

// The fast paths of matching against the complete definition (fields.ts), on generated patterns
// and events: the walk generated per branch over a parsed event, and the scanner that reads JSON
// text keeping only the fields patterns name; and the dotted-name rule as a property: spelling a
// nested key with a dot, in the event or in the pattern, never changes a decision.

function generator(seed: number) {
  const { rand, pick } = seededRandom(seed);
  const KEYS = ["a", "b", "c", "constructor", "__proto__"];
  const SCALARS: unknown[] = ["x", "y", "X", "xyz", 1, 2, 2.5, null, true, false, ""];
  const OPERANDS: unknown[] = [
    "x",
    "y",
    1,
    2,
    null,
    true,
    "",
    { prefix: "x" },
    { suffix: "z" },
    { "equals-ignore-case": "X" },
    { "anything-but": "x" },
    { "anything-but": [1, 2] },
    { "anything-but": { prefix: ["x", "y"] } },
    { exists: true },
    { exists: false },
    { numeric: [">", 1] },
    { numeric: [">=", 1, "<", 2.5] },
    { wildcard: "*y*" },
  ];
  const event = (depth: number): unknown => {
    const kind = depth === 0 ? 5 : rand(depth > 3 ? 3 : 6); // an event is an object
    if (kind <= 1) return pick(SCALARS);
    if (kind === 2) return Array.from({ length: rand(3) }, () => pick(SCALARS));
    if (kind === 3) return Array.from({ length: 1 + rand(2) }, () => event(depth + 1));
    const obj: Record<string, unknown> = {};
    for (const key of KEYS) if (rand(4) > 0) Object.defineProperty(obj, key, { value: event(depth + 1), enumerable: true, writable: true, configurable: true });
    return obj;
  };
  const pattern = (depth: number): Record<string, unknown> => {
    const obj: Record<string, unknown> = {};
    for (let n = 1 + rand(2); n > 0; n--) {
      const key = pick(KEYS);
      const value = depth < 3 && rand(3) === 0 ? pattern(depth + 1) : Array.from({ length: 1 + rand(2) }, () => pick(OPERANDS));
      Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
    }
    if (depth < 2 && rand(5) === 0) obj.$or = [pattern(depth + 1), pattern(depth + 1)];
    return obj;
  };
  /** Moves some nested object keys up into their parent as "key.inner"; arrays are left alone. */
  const fold = (v: unknown, inPattern: boolean): unknown => {
    if (Array.isArray(v)) return inPattern ? v : v.map((e) => fold(e, inPattern));
    if (v === null || typeof v !== "object") return v;
    const out: Record<string, unknown> = {};
    const put = (k: string, value: unknown) => Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    for (const [k, child] of Object.entries(v)) {
      if (k === "$or" && Array.isArray(child)) {
        put(k, child.map((alt) => fold(alt, inPattern)));
        continue;
      }
      const folded = fold(child, inPattern);
      if (folded !== null && typeof folded === "object" && !Array.isArray(folded) && rand(2) === 0) {
        const rest: Record<string, unknown> = {};
        for (const [inner, value] of Object.entries(folded)) {
          if (inner !== "$or" && rand(2) === 0) put(`${k}.${inner}`, value);
          else Object.defineProperty(rest, inner, { value, enumerable: true, writable: true, configurable: true });
        }
        if (Object.keys(rest).length > 0) put(k, rest);
      } else {
        put(k, folded);
      }
    }
    return out;
  };
  return { event: () => event(0), pattern: () => pattern(0), fold };
}

const asText = (v: unknown) => JSON.stringify(v);

describe("matching: the fast paths against the complete definition", () => {
  it("decides 20000 generated pattern/event pairs as the complete definition does, from the parsed event and from its text", () => {
    const g = generator(3);
    let matched = 0;
    for (let n = 0; n < 20000; n++) {
      const patternText = asText(g.pattern());
      const eventText = asText(g.event());
      const expected = complete(patternText, eventText);
      const pattern = compile(patternText, "eventbus");
      assert.equal(pattern.matches(parseEvent(eventText)), expected, `parsed: ${patternText} on ${eventText}`);
      assert.equal(pattern.matches(eventText), expected, `text: ${patternText} on ${eventText}`);
      if (expected) matched++;
    }
    // Both outcomes are represented by hundreds of pairs, so the comparison says something.
    assert.ok(matched > 500 && matched < 19500, `${matched} of 20000 matched`);
  });
});

describe("matching: a dot in a name is the same as nesting (EventBridge joins keys with dots)", () => {
  it("folding nested event keys into dotted keys never changes a decision (10000 pairs)", () => {
    const g = generator(17);
    let folds = 0;
    for (let n = 0; n < 10000; n++) {
      const pattern = compile(asText(g.pattern()), "eventbus");
      const event = g.event();
      const folded = asText(g.fold(event, false));
      if (folded !== asText(event)) folds++;
      assert.equal(pattern.matches(parseEvent(folded)), pattern.matches(parseEvent(asText(event))), `${folded} vs ${asText(event)}`);
    }
    assert.ok(folds > 1000, `only ${folds} events had a key to fold`);
  });

  it("folding nested pattern keys into dotted keys never changes a decision (10000 pairs)", () => {
    const g = generator(29);
    for (let n = 0; n < 10000; n++) {
      const pattern = g.pattern();
      const event = parseEvent(asText(g.event()));
      const folded = asText(g.fold(pattern, true));
      assert.equal(compile(folded, "eventbus").matches(event), compile(asText(pattern), "eventbus").matches(event), `${folded} vs ${asText(pattern)}`);
    }
  });
});
