import { strict as assert } from "node:assert";
import { match, validate } from "../routing/eventPattern";

// What AWS has said about event patterns, one row per statement, the expected outcome written
// by hand from the source. Sources:
//   [EB-OPS]  EventBridge user guide, eb-create-pattern-operators.html (operator table, wildcard section)
//   [EB-SYN]  EventBridge user guide, eb-create-pattern.html, "Considerations when creating event patterns"
//   [LS:x]    LocalStack tests/aws/services/events/test_events_patterns.py::test_event_pattern[x], a
//             template run against AWS's TestEventPattern (markers.aws.validated; error texts in
//             test_events_patterns.snapshot.json). Suffix _NEG: AWS said no match; _EXC: AWS refused it.
//   [RULER]   aws/event-ruler: README, or the named source file where the README is silent
//   [FACTS]   shared/aws-facts.md

type MatchRow = [source: string, pattern: string, event: string, expected: boolean];
type InvalidRow = [source: string, pattern: string, message: RegExp];

const check = (rows: MatchRow[]) => {
  for (const [source, pattern, event, expected] of rows) {
    it(`${source}: ${pattern} on ${event} → ${expected ? "match" : "no match"}`, () => {
      assert.deepEqual(validate(pattern, "eventbus"), { ok: true });
      assert.equal(match(pattern, event, "eventbus"), expected);
    });
  }
};
const refuse = (rows: InvalidRow[], dialect: "eventbus" | "pipes" = "eventbus") => {
  for (const [source, pattern, message] of rows) {
    it(`${source}: refuses ${pattern}`, () => {
      const result = validate(pattern, dialect);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.message, message);
    });
  }
};

describe("AWS: anything-but with lists of prefixes and suffixes", () => {
  check([
    ["[LS:content_anything_prefix_list]", '{"state": [{"anything-but": {"prefix": ["init", "test"]}}]}', '{"state": "post-init"}', true],
    ["[LS:content_anything_prefix_list_NEG]", '{"state": [{"anything-but": {"prefix": ["init", "post"]}}]}', '{"state": "post-init"}', false],
    ["[LS:content_anything_prefix_list_NEG] first prefix", '{"state": [{"anything-but": {"prefix": ["init", "post"]}}]}', '{"state": "initializing"}', false],
    ["[LS:content_anything_prefix_list_int] a number starts with no prefix", '{"state": [{"anything-but": {"prefix": ["init", "test"]}}]}', '{"state": 12}', true],
    ["[LS:content_anything_prefix_int_value]", '{"state": [{"anything-but": {"prefix": "init"}}]}', '{"state": 12}', true],
    ["[LS:content_anything_prefix_list_null]", '{"state": [{"anything-but": {"prefix": ["init", "test"]}}]}', '{"state": null}', true],
    ["[LS:content_anything_prefix_list_missing_NEG]", '{"state": [{"anything-but": {"prefix": ["init", "post"]}}]}', "{}", false],
    ["[LS:content_anything_suffix_list]", '{"FileName": [{"anything-but": {"suffix": [".txt", ".jpg"]}}]}', '{"FileName": "file.txt.bak"}', true],
    ["[LS:content_anything_suffix_list_NEG]", '{"FileName": [{"anything-but": {"suffix": [".txt", ".jpg"]}}]}', '{"FileName": "file.jpg"}', false],
    ["[LS:content_anything_suffix_list_NEG] other suffix", '{"FileName": [{"anything-but": {"suffix": [".txt", ".jpg"]}}]}', '{"FileName": "notes.txt"}', false],
    ["[LS:content_anything_wildcard_list]", '{"state": [{"anything-but": {"wildcard": ["*/init/*", "*/dir/*"]}}]}', '{"state": "dir/post/dir"}', true],
    ["[LS:content_anything_wildcard_list_NEG]", '{"state": [{"anything-but": {"wildcard": ["*/init/*", "*/dir/*"]}}]}', '{"state": "dir/init/dir"}', false],
    ["[LS:content_anything_but_ignorecase_list]", '{"state": [{"anything-but": {"equals-ignore-case": ["initializing", "stopped"]}}]}', '{"state": "pending"}', true],
    ["[LS:content_anything_but_ignorecase_list_NEG]", '{"state": [{"anything-but": {"equals-ignore-case": ["initializing", "stopped"]}}]}', '{"state": "Stopped"}', false],
  ]);

  refuse([
    ["[LS:content_anything_prefix_empty_EXC] Null prefix/suffix not allowed", '{"FileName": [{"anything-but": {"prefix": ""}}]}', /"anything-but" with "prefix" takes non-empty strings/],
    ["[LS:content_anything_suffix_empty_EXC]", '{"FileName": [{"anything-but": {"suffix": ""}}]}', /"anything-but" with "suffix" takes non-empty strings/],
    ["[RULER] JsonRuleCompiler: an empty one inside a list too", '{"FileName": [{"anything-but": {"prefix": ["init", ""]}}]}', /takes non-empty strings; an empty prefix is not allowed/],
    ["[LS:content_anything_prefix_list_type_EXC]", '{"state": [{"anything-but": {"prefix": [123, "test"]}}]}', /"anything-but" with "prefix" takes a string or a list of strings, not an array/],
    ["[LS:content_anything_suffix_list_type_EXC]", '{"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}', /"anything-but" with "suffix" takes a string or a list of strings/],
    ["[LS:content_anything_prefix_int_EXC]", '{"state": [{"anything-but": {"prefix": 123}}]}', /"anything-but" with "prefix" takes a string or a list of strings, not the number 123/],
    ["[LS:content_anything_suffix_int_EXC]", '{"FileName": [{"anything-but": {"suffix": 123}}]}', /"anything-but" with "suffix" takes a string or a list of strings, not the number 123/],
    ["[LS:content_anything_prefix_ignorecase_EXC]", '{"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}', /"anything-but" with "prefix" takes a string or a list of strings, not an object/],
    ["[LS:content_anything_wildcard_list_type_EXC]", '{"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}', /"anything-but" with "wildcard" takes a string or a list of strings/],
    ["[LS:content_anything_but_ignorecase_list_EXC]", '{"state": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}', /"anything-but" with "equals-ignore-case" takes a string or a list of strings/],
  ]);

  describe("a pipe refuses them as it refuses the single forms ([FACTS] section 3, [EB-OPS] Pipe support column)", () => {
    refuse(
      [
        ["[EB-OPS]", '{"Region": [{"anything-but": {"prefix": ["us-", "eu-"]}}]}', /"anything-but" with "prefix" is accepted on an event bus but not by EventBridge Pipes/],
        ["[EB-OPS]", '{"FileName": [{"anything-but": {"suffix": [".png", ".jpg"]}}]}', /"anything-but" with "suffix" is accepted on an event bus but not by EventBridge Pipes/],
      ],
      "pipes",
    );
  });
});

describe("AWS: a dot in a field name is the same as nesting", () => {
  check([
    ["[LS:dot_joining_pattern] [EB-SYN] dot joins in patterns", '{"detail": {"state.status": ["running"]}}', '{"detail": {"state": {"status": "running"}}}', true],
    ["[LS:dot_joining_pattern_NEG]", '{"detail": {"state.status": {"status": ["running"]}}}', '{"detail": {"state": {"status": "running"}}}', false],
    ["[RULER] Event.java names event fields by joined keys; GenericMachine.isFieldStepUsed: dots inside event keys", '{"detail": {"state": {"status": ["running"]}}}', '{"detail": {"state.status": "running"}}', true],
    ["[LS:dot_joining_event_NEG]", '{"detail": {"state": {"status": ["running"]}}}', '{"detail": {"state.status": {"status": "running"}}}', false],
    ["[RULER] dotted keys on both sides", '{"a.b": {"c": ["x"]}}', '{"a": {"b.c": "x"}}', true],
    ["[RULER] a dotted event key deep down", '{"dynamodb": {"NewImage": {"orderStatus": {"S": ["shipped"]}}}}', '{"dynamodb": {"NewImage.orderStatus": {"S": "shipped"}}}', true],
    ["[RULER] a dotted event key that names another field", '{"dynamodb": {"NewImage": {"orderStatus": {"S": ["shipped"]}}}}', '{"dynamodb": {"NewImage.orderState": {"S": "shipped"}}}', false],
    // {"a.b": 1} and {"a": {"b": 2}} in one event: two values for the one field a.b, as an array would be.
    ["[RULER] Event.java: both spellings in one event, first value", '{"a": {"b": [1]}}', '{"a.b": 1, "a": {"b": 2}}', true],
    ["[RULER] both spellings in one event, second value", '{"a.b": [2]}', '{"a.b": 1, "a": {"b": 2}}', true],
    ["[RULER] both spellings in one event, neither value", '{"a.b": [3]}', '{"a.b": 1, "a": {"b": 2}}', false],
    ["[RULER] both spellings: anything-but needs one value that differs", '{"a": {"b": [{"anything-but": 1}]}}', '{"a.b": 1, "a": {"b": 2}}', true],
    ["[RULER] both spellings: the field exists", '{"a": {"b": [{"exists": false}]}}', '{"a.b": 1, "a": {"c": 2}}', false],
    ["[RULER] fields of one object reached by both spellings", '{"a": {"b": [1], "c": [2]}}', '{"a.b": 1, "a": {"c": 2}}', true],
    ["[RULER] ArrayMembership: values from different routes are not in one array", '{"a": {"b": [1], "c": [2]}}', '{"a": [{"b": 1}], "a.c": 2}', true],
    ["[RULER] array consistency still holds within one array", '{"a": {"b": [1], "c": [2]}}', '{"a": [{"b": 1}, {"c": 2}]}', false],
    ["[RULER] a leaf and a deeper field under one name", '{"a": ["x"], "a.b": ["y"]}', '{"a": "x", "a.b": "y"}', true],
    ["[EB-SYN] only the last pattern for one field counts", '{"a.b": ["x"], "a": {"b": ["y"]}}', '{"a": {"b": "x"}}', false],
    ["[EB-SYN] only the last pattern for one field counts, and it applies", '{"a.b": ["x"], "a": {"b": ["y"]}}', '{"a": {"b": "y"}}', true],
    ["[EB-SYN] last one wins the other way round", '{"a": {"b": ["y"]}, "a.b": ["x"]}', '{"a": {"b": "x"}}', true],
  ]);
});

describe("AWS: wildcard complexity", () => {
  check([
    ["[LS:content_wildcard_simplified] [EB-OPS] the recommended form", '{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}', '{"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/myEventBus"}', true],
    ["[LS:content_wildcard_repeating] repeated sequences after one wildcard", '{"FileName": [{"wildcard": "/Users/*/dir/dir/dir/dir/dir/doc.txt"}]}', '{"FileName": "/Users/ls_user/dir/dir/dir/dir/dir/doc.txt"}', true],
    ["[LS:content_wildcard_nonrepeating]", '{"FileName": [{"wildcard": "/Users/*/doc.txt"}]}', '{"FileName": "/Users/ls_user/dir/dir/dir/dir/dir/doc.txt"}', true],
    ["LocalStack's approximation: five wildcards still pass", '{"f": [{"wildcard": "*:*:*:*:*"}]}', '{"f": "a:b:c:d:e"}', true],
  ]);
  refuse([
    ["[LS:content_wildcard_complex_EXC] [EB-OPS] the example AWS gives", '{"EventBusArn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}', /Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character/],
    ["[LS:content_wildcard_complex_EXC] the same limit under anything-but", '{"EventBusArn": [{"anything-but": {"wildcard": "*:*:*:*:*:event-bus/*"}}]}', /Rule is too complex/],
    ["[LS:content_wildcard_repeating_star_EXC] Consecutive wildcard characters", '{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}', /consecutive wildcard characters at position 25/],
    ["[LS:content_wildcard_int_EXC]", '{"EventBusArn": [{"wildcard": 123}]}', /"wildcard" takes a string, not the number 123/],
    ["[LS:content_wildcard_list_EXC]", '{"EventBusArn": [{"wildcard": ["arn:*"]}]}', /"wildcard" takes a string, not an array/],
  ]);
  it("an escaped star is no wildcard and does not count", () => {
    assert.deepEqual(validate('{"f": [{"wildcard": "\\\\*\\\\*\\\\*\\\\*\\\\*\\\\*x*"}]}', "eventbus"), { ok: true });
  });
});

describe("AWS: numbers that are no finite double", () => {
  refuse([
    ["[RULER] JsonRuleCompiler.processNumericMatchExpression refuses a bound it cannot compare", '{"n": [{"numeric": [">", 1E309]}]}', /"numeric" > bound 1E309 is not a finite number/],
    ["[RULER] the same for a lower bound", '{"n": [{"numeric": ["<", -1E309]}]}', /"numeric" < bound -1E309 is not a finite number/],
    ["[RULER] the same inside a range", '{"n": [{"numeric": [">", 0, "<=", 2e400]}]}', /"numeric" <= bound 2e400 is not a finite number/],
    ["[RULER] processAnythingButMatchExpression: ComparableNumber refuses it", '{"n": [{"anything-but": 1E309}]}', /"anything-but" number 1E309 is not a finite number/],
    ["[RULER] processAnythingButListMatchExpression", '{"n": [{"anything-but": [1, 1E309]}]}', /"anything-but" number 1E309 is not a finite number/],
  ]);
  check([
    ["[RULER] writeRules keeps a plain number it cannot compare as exact text", '{"n": [1E309]}', '{"n": 1E309}', true],
    ["[RULER] the largest double is a number like any other", '{"n": [{"numeric": ["<", 1.7976931348623157E308]}]}', '{"n": 5}', true],
  ]);
});
