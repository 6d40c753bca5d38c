import { strict as assert } from "node:assert";
import {
  canonicalPatternJson,
  compile,
  match,
  PatternError,
  validate,
  validateFilterList,
} from "../routing/eventPattern";

// Table-driven: one row per case, expected outcome written by hand. Sources:
//   [EB-OPS]  EventBridge user guide, "Comparison operators for use in event patterns"
//   [EB-PAT]  EventBridge user guide, "Event patterns" (arrays, null, empty strings)
//   [RULER]   aws/event-ruler README
//   [FACTS]   shared/aws-facts.md (AWS-validated DynamoDB stream cases)
//   [EB-SYN]  EventBridge user guide, eb-create-pattern.html, "Considerations when creating event patterns"
// More AWS statements (anything-but lists, dotted names, wildcard complexity, non-finite
// numbers) are in eventPatternAws.test.ts.

const EC2_EVENT = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "111122223333",
  time: "2017-12-22T18:43:48Z",
  region: "us-west-1",
  resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0", "arn:aws:ec2:us-west-1:123456789012:instance/i-b188560f"],
  detail: {
    "instance-id": "i-1234567890abcdef0",
    state: "terminated",
    "c-count": 5,
    "d-count": 4,
    "x-limit": 301.8,
    "source-ip": "10.0.0.123",
    "source-ipv6": "2001:db8:0:0:0:0:0:1",
    "file-name": "photo.PNG",
    "bus-arn": "arn:aws:events:us-east-1:123456789012:event-bus/orders",
    responseElements: null,
    eventVersion: "",
    tags: ["a", "b"],
    items: [
      { sku: "s-1", qty: 1 },
      { sku: "s-2", qty: 7 },
    ],
  },
};

type Row = [name: string, pattern: object | string, event: object | string, expected: boolean];

const matching: Row[] = [
  // Exact values, AND of fields, OR of values [EB-PAT]
  ["exact string", { source: ["aws.ec2"] }, EC2_EVENT, true],
  ["OR of values", { detail: { state: ["running", "terminated"] } }, EC2_EVENT, true],
  ["AND of fields, one fails", { source: ["aws.ec2"], "detail-type": ["other"] }, EC2_EVENT, false],
  ["missing field never matches", { detail: { nope: ["x"] } }, EC2_EVENT, false],
  ["nested object", { detail: { state: ["terminated"] }, region: ["us-west-1"] }, EC2_EVENT, true],
  ["null matches null [EB-PAT]", { detail: { responseElements: [null] } }, EC2_EVENT, true],
  ["null does not match a missing field", { detail: { missing: [null] } }, EC2_EVENT, false],
  ["empty string matches empty string [EB-PAT]", { detail: { eventVersion: [""] } }, EC2_EVENT, true],
  ["empty string does not match null", { detail: { responseElements: [""] } }, EC2_EVENT, false],
  ["number exact", { detail: { "c-count": [5] } }, EC2_EVENT, true],
  ["number does not match string", { detail: { state: [5] } }, EC2_EVENT, false],
  ["string does not match number", { detail: { "c-count": ["5"] } }, EC2_EVENT, false],
  ["boolean", { a: [true] }, { a: true }, true],
  ["boolean false vs true", { a: [false] }, { a: true }, false],
  // Arrays on the event side: any element [EB-PAT]
  ["event array: any element", { resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-b188560f"] }, EC2_EVENT, true],
  ["event array: none", { detail: { tags: ["c"] } }, EC2_EVENT, false],
  ["array of objects: one element has both", { detail: { items: { sku: ["s-2"], qty: [7] } } }, EC2_EVENT, true],
  ["array of objects: no mixing across elements [RULER array consistency]", { detail: { items: { sku: ["s-1"], qty: [7] } } }, EC2_EVENT, false],
  // Numbers by value, whatever the spelling [RULER], text events keep spelling
  ["300 matches 300.0 [RULER]", '{"w": [300]}', '{"w": 300.0}', true],
  ["300 matches 3e2", '{"w": [300]}', '{"w": 3e2}', true],
  ["300 does not match 300.0000001", '{"w": [300]}', '{"w": 300.0000001}', false],
  ["exact decimals past float precision", '{"w": [{"numeric": [">", 100]}]}', '{"w": 100.00000000000000000001}', true],
  // prefix / suffix and their ignore-case forms [EB-OPS]
  ["prefix", { time: [{ prefix: "2017-12-22" }] }, EC2_EVENT, true],
  ["prefix no match", { time: [{ prefix: "2018" }] }, EC2_EVENT, false],
  ["prefix is case-sensitive", { source: [{ prefix: "AWS." }] }, EC2_EVENT, false],
  ["prefix equals-ignore-case", { source: [{ prefix: { "equals-ignore-case": "AWS." } }] }, EC2_EVENT, true],
  ["prefix does not match numbers", { detail: { "c-count": [{ prefix: "5" }] } }, EC2_EVENT, false],
  ["suffix", { detail: { "file-name": [{ suffix: ".PNG" }] } }, EC2_EVENT, true],
  ["suffix is case-sensitive", { detail: { "file-name": [{ suffix: ".png" }] } }, EC2_EVENT, false],
  ["suffix equals-ignore-case", { detail: { "file-name": [{ suffix: { "equals-ignore-case": ".png" } }] } }, EC2_EVENT, true],
  ["equals-ignore-case", { "detail-type": [{ "equals-ignore-case": "ec2 instance state-change notification" }] }, EC2_EVENT, true],
  ["equals-ignore-case no match", { "detail-type": [{ "equals-ignore-case": "ec2 instance" }] }, EC2_EVENT, false],
  // anything-but [EB-OPS]
  ["anything-but value", { detail: { state: [{ "anything-but": "initializing" }] } }, EC2_EVENT, true],
  ["anything-but the value itself", { detail: { state: [{ "anything-but": "terminated" }] } }, EC2_EVENT, false],
  ["anything-but list", { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } }, EC2_EVENT, true],
  ["anything-but list containing it", { detail: { state: [{ "anything-but": ["stopped", "terminated"] }] } }, EC2_EVENT, false],
  ["anything-but number", { detail: { "c-count": [{ "anything-but": 123 }] } }, EC2_EVENT, true],
  ["anything-but number equal", { detail: { "c-count": [{ "anything-but": 5 }] } }, EC2_EVENT, false],
  ["anything-but does not match a missing field", { detail: { missing: [{ "anything-but": "x" }] } }, EC2_EVENT, false],
  ["anything-but prefix", { detail: { state: [{ "anything-but": { prefix: "init" } }] } }, EC2_EVENT, true],
  ["anything-but prefix, has it", { detail: { state: [{ "anything-but": { prefix: "term" } }] } }, EC2_EVENT, false],
  ["anything-but suffix", { detail: { "file-name": [{ "anything-but": { suffix: ".txt" } }] } }, EC2_EVENT, true],
  ["anything-but suffix, has it", { detail: { "file-name": [{ "anything-but": { suffix: ".PNG" } }] } }, EC2_EVENT, false],
  ["anything-but equals-ignore-case list", { detail: { state: [{ "anything-but": { "equals-ignore-case": ["Stopped", "OverLoaded"] } }] } }, EC2_EVENT, true],
  ["anything-but equals-ignore-case, has it", { detail: { state: [{ "anything-but": { "equals-ignore-case": "TERMINATED" } }] } }, EC2_EVENT, false],
  ["anything-but wildcard", { detail: { "bus-arn": [{ "anything-but": { wildcard: "*:event-bus/default" } }] } }, EC2_EVENT, true],
  ["anything-but wildcard, matches it", { detail: { "bus-arn": [{ "anything-but": { wildcard: "*:event-bus/*" } }] } }, EC2_EVENT, false],
  // numeric [EB-OPS]
  ["numeric range and equals [EB-OPS example]", { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }], "d-count": [{ numeric: ["<", 10] }], "x-limit": [{ numeric: ["=", 301.8] }] } }, EC2_EVENT, true],
  ["numeric upper bound excluded", { detail: { "c-count": [{ numeric: ["<", 5] }] } }, EC2_EVENT, false],
  ["numeric >=", { detail: { "c-count": [{ numeric: [">=", 5] }] } }, EC2_EVENT, true],
  ["numeric on a string never matches [FACTS]", { dynamodb: { NewImage: { orderAmount: { N: [{ numeric: [">", 100] }] } } } }, { dynamodb: { NewImage: { orderAmount: { N: "101" } } } }, false],
  ["numeric on a JSON number does [FACTS]", { dynamodb: { ApproximateCreationDateTime: [{ numeric: [">", 1000] }] } }, { dynamodb: { ApproximateCreationDateTime: 1767225600 } }, true],
  // exists [EB-OPS]
  ["exists true", { detail: { state: [{ exists: true }] } }, EC2_EVENT, true],
  ["exists true, missing", { detail: { nope: [{ exists: true }] } }, EC2_EVENT, false],
  ["exists false, missing", { detail: { nope: [{ exists: false }] } }, EC2_EVENT, true],
  ["exists false, present", { detail: { state: [{ exists: false }] } }, EC2_EVENT, false],
  ["exists true on null value", { detail: { responseElements: [{ exists: true }] } }, EC2_EVENT, true],
  ["exists true on an object is not a leaf", { detail: [{ exists: true }] }, EC2_EVENT, false],
  ["exists false with missing parent object", { nothing: { here: [{ exists: false }] } }, EC2_EVENT, true],
  // cidr [EB-OPS]
  ["cidr IPv4", { detail: { "source-ip": [{ cidr: "10.0.0.0/24" }] } }, EC2_EVENT, true],
  ["cidr IPv4 outside", { detail: { "source-ip": [{ cidr: "10.0.1.0/24" }] } }, EC2_EVENT, false],
  ["cidr IPv6", { detail: { "source-ipv6": [{ cidr: "2001:db8::/64" }] } }, EC2_EVENT, true],
  ["cidr IPv6 outside", { detail: { "source-ipv6": [{ cidr: "2001:db9::/32" }] } }, EC2_EVENT, false],
  ["cidr IPv4 block vs IPv6 address", { detail: { "source-ipv6": [{ cidr: "10.0.0.0/8" }] } }, EC2_EVENT, false],
  ["cidr /32", { ip: [{ cidr: "192.168.1.7/32" }] }, { ip: "192.168.1.7" }, true],
  // wildcard [EB-OPS]
  ["wildcard", { detail: { "bus-arn": [{ wildcard: "arn:aws:events:us-east-1:*:event-bus/*" }] } }, EC2_EVENT, true],
  ["wildcard no match", { detail: { "bus-arn": [{ wildcard: "arn:aws:events:eu-*" }] } }, EC2_EVENT, false],
  ["wildcard escaped star is literal", { f: [{ wildcard: "a\\*b" }] }, { f: "a*b" }, true],
  ["wildcard escaped star does not glob", { f: [{ wildcard: "a\\*b" }] }, { f: "axxb" }, false],
  ["wildcard escaped backslash", { f: [{ wildcard: "a\\\\*" }] }, { f: "a\\xyz" }, true],
  // $or [EB-OPS]
  ["$or: second alternative", { detail: { $or: [{ "c-count": [{ numeric: [">", 10] }] }, { "d-count": [{ numeric: ["<", 10] }] }] } }, EC2_EVENT, true],
  ["$or: none", { detail: { $or: [{ "c-count": [{ numeric: [">", 10] }] }, { "d-count": [{ numeric: [">", 10] }] }] } }, EC2_EVENT, false],
  ["$or at top level with another field", { source: ["aws.ec2"], $or: [{ region: ["eu-west-1"] }, { account: ["111122223333"] }] }, EC2_EVENT, true],
  ["$or with an object is an ordinary field name [RULER]", { $or: { a: ["x"] } }, { $or: { a: "x" } }, true],
  ["anything-but number list [RULER]", { detail: { "x-limit": [{ "anything-but": [100, 200, 300] }] } }, EC2_EVENT, true],
  ["exists false on an intermediate node [RULER]", { detail: { items: [{ exists: false }] } }, EC2_EVENT, true],
  ["$or and a failing field", { source: ["aws.s3"], $or: [{ region: ["us-west-1"] }, { account: ["x"] }] }, EC2_EVENT, false],
];

describe("event-pattern engine: matching", () => {
  for (const [name, pattern, event, expected] of matching) {
    it(`${name} → ${expected ? "match" : "no match"}`, () => {
      assert.equal(match(pattern, event), expected);
      // The same result whether pattern and event come as objects or as JSON text.
      const asText = (v: object | string) => (typeof v === "string" ? v : JSON.stringify(v));
      assert.equal(match(asText(pattern), asText(event)), expected, "as JSON text");
    });
  }

  it("matches several filters as OR (a pipe passes a record if any filter matches)", () => {
    const filters = ['{"a": ["x"]}', '{"b": ["y"]}'].map((f) => compile(f, "pipes"));
    assert.equal(filters.some((f) => f.matches({ b: "y" })), true);
    assert.equal(filters.some((f) => f.matches({ c: "z" })), false);
  });
});

type Invalid = [name: string, pattern: object | string, message: RegExp];

const invalidEverywhere: Invalid[] = [
  ["malformed JSON", '{"a": [1,}', /not valid JSON: .*position 9/],
  ["not an object", '["a"]', /must be a JSON object, not an array/],
  ["empty pattern", {}, /empty object matches nothing/],
  ["a leaf that is not an array", { a: "x" }, /^a: a field must be an array .* not string "x"/],
  ["a leaf number", { a: { b: 5 } }, /^a\.b: a field must be an array/],
  ["empty array", { a: [] }, /^a: an empty array matches nothing/],
  ["nested array", { a: [["x"]] }, /^a: arrays inside a value array/],
  ["unknown operator", { a: [{ startswith: "x" }] }, /^a: unrecognized operator "startswith"; known operators/],
  ["mis-cased operator", { a: [{ Prefix: "x" }] }, /unrecognized operator "Prefix"; did you mean "prefix"\? \(operators are case-sensitive\)/],
  ["operator without dash", { a: [{ anythingbut: "x" }] }, /did you mean "anything-but"/],
  ["two operators in one object", { a: [{ prefix: "x", suffix: "y" }] }, /exactly one operator, got "prefix", "suffix"/],
  ["prefix with a number", { a: [{ prefix: 5 }] }, /"prefix" takes a string or \{"equals-ignore-case": "<string>"\}, not the number 5/],
  ["suffix with a list", { a: [{ suffix: ["x"] }] }, /"suffix" takes a string/],
  ["equals-ignore-case with a number", { a: [{ "equals-ignore-case": 1 }] }, /"equals-ignore-case" takes a string/],
  ["exists with a string", { a: [{ exists: "yes" }] }, /"exists" takes true or false, not string "yes"/],
  ["numeric with a string operand", { a: [{ numeric: [">", "5"] }] }, /"numeric" > takes a number, not string "5"/],
  ["numeric unknown comparison", { a: [{ numeric: ["!=", 5] }] }, /comparison "!=" is not one of < <= = > >=/],
  ["numeric missing operand", { a: [{ numeric: [">"] }] }, /"numeric" takes \[op, number\]/],
  ["numeric empty range", { a: [{ numeric: [">", 5, "<", 1] }] }, /range is empty: lower bound 5 is not below upper bound 1/],
  ["numeric two lower bounds", { a: [{ numeric: [">", 1, ">=", 2] }] }, /one lower bound .* and one upper bound/],
  ["numeric = with a range", { a: [{ numeric: ["=", 1, "<", 5] }] }, /"=" cannot be combined/],
  ["anything-but empty list", { a: [{ "anything-but": [] }] }, /"anything-but" list is empty/],
  ["anything-but with a boolean", { a: [{ "anything-but": true }] }, /"anything-but" takes a string, a number, a list/],
  ["anything-but nested anything-but", { a: [{ "anything-but": { "anything-but": "x" } }] }, /"anything-but" does not accept "anything-but"/],
  ["anything-but with numeric", { a: [{ "anything-but": { numeric: [">", 1] } }] }, /"anything-but" does not accept "numeric"/],
  ["anything-but list of objects", { a: [{ "anything-but": [{ prefix: "x" }] }] }, /list takes strings and numbers, not an object/],
  ["$or with one alternative", { $or: [{ a: ["x"] }] }, /"\$or" takes an array of at least two objects/],
  ["$or with a string", { $or: "x" }, /"\$or" takes an array/],
  ["anything-but mixing strings and numbers [RULER]", { a: [{ "anything-but": ["x", 1] }] }, /must be all strings or all numbers, not a mix/],
];

const invalidOnEventBus: Invalid[] = [
  ["cidr prefix too long", { a: [{ cidr: "10.0.0.0/33" }] }, /"cidr" "10\.0\.0\.0\/33" is not a valid IPv4 or IPv6 CIDR block/],
  ["cidr bad address", { a: [{ cidr: "300.1.1.1/8" }] }, /is not a valid IPv4 or IPv6 CIDR block/],
  ["cidr without prefix", { a: [{ cidr: "10.0.0.1" }] }, /is not a valid IPv4 or IPv6 CIDR block/],
  ["cidr bad IPv6", { a: [{ cidr: "2001:db8:::1/64" }] }, /is not a valid IPv4 or IPv6 CIDR block/],
  ["consecutive wildcards", { a: [{ wildcard: "a**b" }] }, /consecutive wildcard characters at position 1/],
  ["bad wildcard escape", { a: [{ wildcard: "a\\b" }] }, /invalid escape "\\b"/],
];

// Operators a pipe does not accept (aws-facts section 3, "Pipe support" column).
const invalidForPipesOnly: Invalid[] = [
  ["anything-but prefix", { a: [{ "anything-but": { prefix: "x" } }] }, /"anything-but" with "prefix" is accepted on an event bus but not by EventBridge Pipes/],
  ["anything-but suffix", { a: [{ "anything-but": { suffix: "x" } }] }, /"anything-but" with "suffix" is accepted on an event bus but not by EventBridge Pipes/],
  ["anything-but equals-ignore-case", { a: [{ "anything-but": { "equals-ignore-case": "x" } }] }, /"anything-but" with "equals-ignore-case" is accepted on an event bus but not/],
  ["anything-but wildcard", { a: [{ "anything-but": { wildcard: "x*" } }] }, /"anything-but" with "wildcard" is accepted on an event bus but not/],
  ["wildcard", { a: [{ wildcard: "x*" }] }, /"wildcard" is accepted on an event bus but not by EventBridge Pipes/],
  ["cidr", { a: [{ cidr: "10.0.0.0/8" }] }, /"cidr" is accepted on an event bus but not by EventBridge Pipes/],
];

describe("event-pattern engine: validation", () => {
  for (const [name, pattern, message] of invalidEverywhere) {
    it(`rejects ${name} (both dialects)`, () => {
      for (const dialect of ["eventbus", "pipes"] as const) {
        const result = validate(pattern, dialect);
        assert.equal(result.ok, false, dialect);
        if (!result.ok) assert.match(result.message, message, dialect);
      }
    });
  }
  for (const [name, pattern, message] of invalidOnEventBus) {
    it(`rejects ${name}`, () => {
      const result = validate(pattern, "eventbus");
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.message, message);
    });
  }
  for (const [name, pattern, message] of invalidForPipesOnly) {
    it(`pipes reject ${name}; an event bus accepts it`, () => {
      assert.deepEqual(validate(pattern, "eventbus"), { ok: true });
      const result = validate(pattern, "pipes");
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.message, message);
    });
  }

  it("accepts for pipes every operator pipes support", () => {
    const pattern = {
      a: ["x", 1, null, true, ""],
      b: [{ prefix: "p" }, { prefix: { "equals-ignore-case": "P" } }, { suffix: "s" }, { suffix: { "equals-ignore-case": "S" } }],
      c: [{ "equals-ignore-case": "e" }, { "anything-but": ["x", "y"] }, { "anything-but": 3 }],
      d: [{ exists: true }, { numeric: [">=", 0, "<", 10] }],
      $or: [{ e: ["1"] }, { f: ["2"] }],
    };
    assert.deepEqual(validate(pattern, "pipes"), { ok: true });
  });

  it("names the path of the offending field", () => {
    const result = validate({ dynamodb: { NewImage: { orderAmount: { N: [{ numeric: [">", "100"] }] } } } }, "pipes");
    assert.ok(!result.ok && result.message.startsWith("dynamodb.NewImage.orderAmount.N: "), JSON.stringify(result));
  });

  it("pipes: a pattern over 4096 characters is refused; 4096 is accepted", () => {
    const sized = (n: number) => {
      const base = '{"a":[""]}';
      return `{"a":["${"x".repeat(n - base.length)}"]}`;
    };
    assert.equal(sized(4096).length, 4096);
    assert.deepEqual(validate(sized(4096), "pipes"), { ok: true });
    const result = validate(sized(4097), "pipes");
    assert.ok(!result.ok && /4097 characters; a pipe filter pattern is at most 4096/.test(result.message));
    assert.deepEqual(validate(sized(4097), "eventbus"), { ok: true });
  });

  it("pipes: at most 5 filters, at least one", () => {
    const f = '{"a": ["x"]}';
    assert.doesNotThrow(() => validateFilterList([f, f, f, f, f]));
    assert.throws(() => validateFilterList([f, f, f, f, f, f]), /at most 5 filters; got 6/);
    assert.throws(() => validateFilterList([]), /at least one filter/);
    assert.throws(() => validateFilterList([f, '{"a": [{"wildcard": "x*"}]}']), (err: unknown) => err instanceof PatternError && /^filter 2 of 2: a: "wildcard"/.test(err.message));
  });
});

describe("the seed's filter rows on AWS", () => {
  const seedAmount = { dynamodb: { NewImage: { orderAmount: { N: [{ numeric: [">", 100] }] } } } };
  const seedEmail = { dynamodb: { NewImage: { customerEmail: { S: [{ "anything-but": { prefix: "test.com" } }] } } } };
  const record = (amount: string, email: string) => ({
    eventName: "INSERT",
    dynamodb: { NewImage: { orderAmount: { N: amount }, customerEmail: { S: email }, orderStatus: { S: "pending" } } },
  });

  it("the literal amount pattern is valid but matches no DynamoDB record, whatever the amount", () => {
    assert.deepEqual(validate(seedAmount, "pipes"), { ok: true });
    for (const amount of ["101", "5000", "100.5", "99"]) assert.equal(match(seedAmount, record(amount, "a@example.com"), "pipes"), false, amount);
  });

  it("the anything-but/prefix pattern is refused for pipes, saying why", () => {
    const result = validate(seedEmail, "pipes");
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.match(result.message, /^dynamodb\.NewImage\.customerEmail\.S: "anything-but" with "prefix" is accepted on an event bus but not by EventBridge Pipes/);
    }
    // And even on an event bus it misses the intent: addresses never begin with the domain.
    assert.equal(match(seedEmail, record("500", "qa@test.com")), true, "a test customer passes the seed's filter");
  });
});

describe("canonical pattern JSON", () => {
  it("sorts keys at every level and keeps array order, so a pattern always serializes the same", () => {
    const a = canonicalPatternJson({ z: ["b", "a"], a: { y: [1], x: [{ numeric: [">", 0] }] } });
    const b = canonicalPatternJson({ a: { x: [{ numeric: [">", 0] }], y: [1] }, z: ["b", "a"] });
    assert.equal(a, b);
    assert.equal(a, '{"a":{"x":[{"numeric":[">",0]}],"y":[1]},"z":["b","a"]}');
  });

  it("keeps the meaning when sorting would reorder two spellings of one dotted field ([EB-SYN] the last one counts)", () => {
    const rows: [pattern: object, canonical: string][] = [
      [{ "a.b": ["x"], a: { b: ["y"], c: [1] } }, '{"a":{"b":["y"],"c":[1]}}'],
      [{ a: { b: ["y"], c: [1] }, "a.b": ["x"] }, '{"a":{"c":[1]},"a.b":["x"]}'],
      [{ a: { b: ["y"] }, "a.b": ["x"] }, '{"a.b":["x"]}'],
      [{ $or: [{ "a.b": ["x"], a: { b: ["y"] } }, { c: [1] }], "a.b": ["z"] }, '{"$or":[{"a":{"b":["y"]}},{"c":[1]}],"a.b":["z"]}'],
    ];
    for (const [pattern, canonical] of rows) {
      assert.equal(canonicalPatternJson(pattern), canonical);
      for (const event of [{ a: { b: "x", c: 1 } }, { a: { b: "y", c: 1 } }, { "a.b": "z", c: 1 }]) {
        assert.equal(match(canonical, event), match(pattern, event), `${canonical} on ${JSON.stringify(event)}`);
      }
    }
  });
});
