import { strict as assert } from "node:assert";
import { benchRecords, seededRandom } from "../bench/records";
import { compile, compilePatterns, JsonNumber, JsonSyntaxError, parseEvent, parseJsonPreservingNumbers } from "../routing/eventPattern";
import { sh } from "./support/spawn";

// Issue 20, section 5: where differential testing against aws/event-ruler (the library behind
// EventBridge's matching) found this engine deciding otherwise. The AWS documentation is silent
// on each of these, and LocalStack's AWS-validated pattern tests do not cover them, so the
// strongest evidence is event-ruler's own behaviour, cited by class:
//   [EVENT]  Event.java: traverseObject/traverseArray flatten the event into fields (path, value,
//            array membership); a key seen twice gives both values; empty arrays give nothing;
//            a scalar directly in an array does not record that array in its membership
//   [AC]     the README's array consistency ("refuse to recognize any match in which any two
//            fields are within JSON objects that are in different elements of the same array"),
//            StructuredFinder/ACFinder, which apply it across a rule's fields
//   [ABSENT] NameState.getNameTransitions: exists:false holds when no field at the path is
//            consistent with the fields matched before it (paths in sorted order, GenericMachine.addRule)
//   [OR]     JsonRuleCompiler.parseIntoOrRelationship/writeRules: $or forks the rule into
//            branches, and a later spelling of a path replaces an earlier one in each branch
//   [ROOT]   event-ruler matches JSON objects; any other value is refused as an event
// Each row was also run through event-ruler built from source (it gave the same answers).

type Row = [name: string, pattern: string, event: string, expected: "match" | "no-match" | "invalid"];

const ROWS: Row[] = [
  ["[ROOT] a bare number is not an event", '{"a":[0]}', "5", "invalid"],
  ["[ROOT] ... not even for a pattern of absence", '{"a":[{"exists":false}]}', "5", "invalid"],
  ["[ROOT] a string is not an event", '{"a":[{"exists":false}]}', '"x"', "invalid"],
  ["[EVENT][ABSENT] exists:false under an empty array: the path has no value", '{"a.b":[{"exists":false}]}', '{"a":[]}', "match"],
  ["[EVENT][ABSENT] ... nor under an array of null", '{"a.b":[{"exists":false}]}', '{"a":[null]}', "match"],
  ["[EVENT][ABSENT] ... nested spelling", '{"a":{"b":[{"exists":false}]}}', '{"a":[]}', "match"],
  ["[EVENT] a dotted key beside an empty array under its first segment", '{"b.c":[""]}', '{"b":[],"b.c":""}', "match"],
  ["[AC] a field and a field below it are met in one element", '{"b":[""],"b.c":[{"exists":true}]}', '{"b":[{"c":0},[""]]}', "no-match"],
  ["[EVENT][AC] a scalar directly in the array counts no element", '{"b":[""],"b.c":[{"exists":true}]}', '{"b":[{"c":0},""]}', "match"],
  ["[AC][OR] fields inside $or alternatives and outside are met in one element", '{"a":{"b":[1]},"$or":[{"a":{"c":[2]}},{"x":[1]}]}', '{"a":[{"b":1},{"c":2}]}', "no-match"],
  ["[AC][OR] ... which matches when one element has both", '{"a":{"b":[1]},"$or":[{"a":{"c":[2]}},{"x":[1]}]}', '{"a":[{"b":1,"c":2}]}', "match"],
  ["[EVENT] a repeated key: the first value is seen", '{"a":[1]}', '{"a":1,"a":2}', "match"],
  ["[EVENT] a repeated key: the last value is seen", '{"a":[2]}', '{"a":1,"a":2}', "match"],
  ["[EVENT] a repeated key's objects combine", '{"a":{"b":[1],"c":[2]}}', '{"a":{"b":1},"a":{"c":2}}', "match"],
  ["[EVENT][ABSENT] a repeated key is present if any of its values is", '{"a":[{"exists":false}]}', '{"a":1,"a":{}}', "no-match"],
  ["[OR] a field inside $or replaces the same field written before it", '{"a":["x"],"$or":[{"a":["y"]},{"b":["z"]}]}', '{"a":"y"}', "match"],
  ["[OR] ... the other alternative keeps the outer field", '{"a":["x"],"$or":[{"a":["y"]},{"b":["z"]}]}', '{"a":"x","b":"z"}', "match"],
  ["[OR] ... and the outer field alone is no branch", '{"a":["x"],"$or":[{"a":["y"]},{"b":["z"]}]}', '{"a":"x"}', "no-match"],
  ["[OR] a field written after the $or replaces the inner one", '{"$or":[{"a":["y"]},{"b":["z"]}],"a":["x"]}', '{"a":"y"}', "no-match"],
  ["[OR] ... so the first alternative becomes the outer field", '{"$or":[{"a":["y"]},{"b":["z"]}],"a":["x"]}', '{"a":"x"}', "match"],
  ["[ABSENT] exists:false before a field in sorted order sees every element", '{"a":{"b":[{"exists":false}],"c":[1]}}', '{"a":[{"b":1},{"c":1}]}', "no-match"],
  ["[ABSENT] exists:false after a field sees that field's element only", '{"a":{"b":[1],"c":[{"exists":false}]}}', '{"a":[{"b":1},{"c":1}]}', "match"],
  ["[ABSENT] exists:false alone sees every element", '{"a":{"b":[{"exists":false}]}}', '{"a":[{"b":1},{"c":2}]}', "no-match"],
];

describe("what differential testing against event-ruler found (issue 20, section 5)", () => {
  for (const [name, pattern, event, expected] of ROWS) {
    it(`${name}: ${pattern} on ${event} → ${expected}`, () => {
      const compiled = compile(pattern, "eventbus");
      const wanted = expected === "match";
      // From the text (what pattern test and route --jsonl read) and from the parsed event.
      assert.equal(compiled.matches(event), wanted, "from text");
      // A parsed event has no repeated keys (the parser keeps the last), and a parsed string
      // would be taken for JSON text.
      const parsed = parseEvent(event);
      if (!name.includes("repeated key") && typeof parsed !== "string") assert.equal(compiled.matches(parsed), wanted, "from the parsed event");
    });
  }

  it("pattern test --jsonl answers every row as the table says", async () => {
    const stdin = `${ROWS.map(([, pattern, event]) => JSON.stringify({ pattern, event })).join("\n")}\n`;
    const r = await sh("npm run --silent cli -- pattern test --jsonl --dialect eventbus", { stdin });
    const results = r.stdout.trim().split("\n").map((l) => JSON.parse(l).result);
    assert.deepEqual(results, ROWS.map((row) => row[3]), r.stderr);
    assert.match(r.stdout.split("\n")[0], /event is a number; an event is a JSON object/);
  });
});

describe("reading text without building it, against parsing it", () => {
  const { rand, pick } = seededRandom(23);
  const STATUSES = ["pending", "shipped", "cancelled", "PENDING", ""];
  const patterns = [
    { dynamodb: { NewImage: { orderStatus: { S: ["pending", "shipped"] } } } },
    { dynamodb: { NewImage: { orderStatus: { S: ["shipped"] } }, OldImage: { orderStatus: { S: ["pending"] } } } },
    { dynamodb: { ApproximateCreationDateTime: [{ numeric: [">", 1767225700] }], "NewImage.orderAmount.N": [{ prefix: "1" }] } },
    { dynamodb: { NewImage: { items: { L: { M: { sku: { S: [{ prefix: "sku-1" }] }, qty: { N: ["2"] } } } } } } },
    { eventName: [{ "anything-but": "REMOVE" }], $or: [{ dynamodb: { OldImage: [{ exists: false }] } }, { "dynamodb.OldImage.orderStatus.S": [{ exists: false }] }] },
    { dynamodb: { NewImage: { customerEmail: { S: [{ wildcard: "*@*.example.*" }] } } }, eventID: [{ exists: true }] },
  ].map((p) => JSON.stringify(p));
  const set = compilePatterns(patterns, "eventbus", { extract: ["eventID"] });

  /** A bench record, changed at random: statuses, dotted keys, arrays, escapes, numbers, nulls. */
  const mutate = (record: Record<string, unknown>): unknown => {
    const r = JSON.parse(JSON.stringify(record));
    const d = r.dynamodb;
    if (d.NewImage && rand(3) === 0) d.NewImage.orderStatus = rand(4) === 0 ? [{ S: pick(STATUSES) }, { S: pick(STATUSES) }] : { S: pick(STATUSES) };
    if (d.OldImage && rand(4) === 0) d.OldImage = rand(2) === 0 ? [] : null;
    if (d.NewImage && rand(5) === 0) {
      d["NewImage.orderStatus"] = { S: pick(STATUSES) };
      if (rand(2) === 0) delete d.NewImage;
    }
    if (rand(6) === 0) d.ApproximateCreationDateTime = pick([1767225800.5, -1, 0, "1767225800", null, 1e21]);
    if (rand(6) === 0 && d.NewImage) d.NewImage.customerEmail = { S: pick(["a\"b@x.example.org", "\u00e9@y.example.com", "tab\t@z.example.net", "x@test.com"]) };
    if (rand(8) === 0) r.eventID = pick([7, null, { id: "x" }, "é\u2028"]);
    return r;
  };

  it("gives the same decisions from text as from the parsed record, on 5000 changed records", () => {
    let passed = 0;
    for (const record of benchRecords(5000, 91)) {
      const text = JSON.stringify(mutate(record));
      const fromText = set.matchText(text);
      assert.deepEqual(fromText.matched, set.matchEvent(parseEvent(text)), text);
      // The value JSON.parse gives, numbers as their text; objects are no value.
      const id = (JSON.parse(text) as { eventID?: unknown }).eventID;
      const value = fromText.value("eventID");
      assert.deepEqual(value instanceof JsonNumber ? Number(value.text) : value, id !== null && typeof id === "object" ? undefined : id, text);
      if (fromText.matched.some(Boolean)) passed++;
    }
    assert.ok(passed > 1000 && passed < 4900, `${passed} of 5000 passed some pattern`);
  });

  it("refuses exactly the texts the parser refuses, with the parser's message (5000 corrupted texts)", () => {
    const records = benchRecords(200, 5).map((r) => JSON.stringify(r));
    const NOISE = ['"', "\\", "{", "}", "[", "]", ",", ":", "0", "-", ".", "e", "\u0001", " ", "\\u12", "tru", "n"];
    let refused = 0;
    for (let n = 0; n < 5000; n++) {
      let text = pick(records);
      for (let k = 1 + rand(2); k > 0; k--) {
        const at = rand(text.length + 1);
        text = rand(2) === 0 ? text.slice(0, at) + pick(NOISE) + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
      }
      let expected: string | undefined;
      try {
        parseJsonPreservingNumbers(text);
      } catch (err) {
        expected = (err as JsonSyntaxError).message;
      }
      let got: string | undefined;
      try {
        set.matchText(text);
      } catch (err) {
        assert.ok(err instanceof JsonSyntaxError, String(err));
        got = err.message;
      }
      assert.equal(got, expected, text);
      if (expected) refused++;
    }
    assert.ok(refused > 1000 && refused < 4900, `${refused} of 5000 refused`);
  });
});

describe("$or expansion has a bound", () => {
  it("a pattern whose $or alternatives combine into more than 4096 branches is refused, naming the bound", () => {
    const pattern: Record<string, unknown> = {};
    for (let i = 0; i < 13; i++) pattern[`f${i}`] = { $or: [{ a: ["x"] }, { b: ["y"] }] }; // 2^13 = 8192 branches
    assert.throws(() => compile(pattern, "eventbus"), /combine into more than 4096 branches/);
    delete pattern.f12; // 4096: accepted, and decided
    assert.equal(compile(pattern, "eventbus").matches(JSON.stringify(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}`, { b: "y" }])))), true);
  });
});
