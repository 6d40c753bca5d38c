import { strict as assert } from "node:assert";
import { Distribution } from "../local/distribution";

// The bounded summary behind the report's latencies, handler durations and batch sizes.

describe("distribution (bounded summary of measurements)", () => {
  const cases: { name: string; values: number[]; expected: ReturnType<Distribution["summary"]> }[] = [
    { name: "nothing measured", values: [], expected: { count: 0, min: null, p50: null, p99: null, mean: null, max: null } },
    { name: "one to ten", values: [3, 1, 2, 10, 4, 5, 6, 7, 8, 9], expected: { count: 10, min: 1, p50: 5, p99: 10, mean: 5.5, max: 10 } },
    { name: "one value", values: [42], expected: { count: 1, min: 42, p50: 42, p99: 42, mean: 42, max: 42 } },
    // 1234.5 is counted as 1230 (three significant digits); min, max and mean stay exact.
    { name: "a large value among small ones", values: [1, 1, 1234.5], expected: { count: 3, min: 1, p50: 1, p99: 1230, mean: 412.1666666666667, max: 1234.5 } },
    // 2.125 counts as 2.13, and a percentile is never above the largest value.
    { name: "fractions of a millisecond", values: [0.25, 0.5, 0.75, 2.125], expected: { count: 4, min: 0.25, p50: 0.5, p99: 2.125, mean: 0.90625, max: 2.125 } },
    { name: "zeros", values: [0, 0, 5], expected: { count: 3, min: 0, p50: 0, p99: 5, mean: 5 / 3, max: 5 } },
  ];
  for (const c of cases) {
    it(`summarises ${c.name}`, () => {
      const d = new Distribution();
      for (const v of c.values) d.add(v);
      assert.deepEqual(d.summary(), c.expected);
    });
  }

  it("ignores values that are not finite numbers", () => {
    const d = new Distribution();
    for (const v of [NaN, Infinity, 7]) d.add(v);
    assert.deepEqual(d.summary(), { count: 1, min: 7, p50: 7, p99: 7, mean: 7, max: 7 });
  });

  it("keeps a bounded number of counters however many values it is given", () => {
    const d = new Distribution();
    for (let i = 0; i < 200000; i++) d.add((i * 7919) % 60000 + (i % 1000) / 1000); // 200,000 different values, 0 to 60 s
    assert.equal(d.count, 200000);
    assert.ok(d.counterCount <= 3 * 900 + 1000, `${d.counterCount} counters`);
  });
});
