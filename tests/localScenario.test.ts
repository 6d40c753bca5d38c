import { strict as assert } from "node:assert";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { numberTextProblem } from "../local/itemLimits";
import { parseScenario, type Step } from "../local/scenario";
import { runScenario, ScenarioStepError } from "../local/scenarioRunner";

// Scenario files: what DynamoDB would refuse is refused when the file is read (naming the
// file, the step and the attribute), and the runner writes concurrently across orders while
// keeping each order's steps in order.

const put = (orderId: string, extra: Record<string, unknown> = {}) => ({ put: { orderId, orderStatus: "pending", orderAmount: 250, customerEmail: "a@example.com", ...extra } });

describe("scenario values DynamoDB would refuse, refused before the stack starts", () => {
  const refused: { name: string; step: unknown; message: string }[] = [
    { name: ".nan", step: put("o-1", { orderAmount: NaN }), message: "story.yaml: steps[0] (put o-1): orderAmount is .nan (not a number); DynamoDB stores only finite numbers" },
    { name: ".inf", step: put("o-1", { orderAmount: Infinity }), message: "story.yaml: steps[0] (put o-1): orderAmount is .inf (infinite); DynamoDB stores only finite numbers" },
    { name: "-.inf in an update", step: { update: { orderId: "o-1", set: { orderAmount: -Infinity } } }, message: "story.yaml: steps[0] (update o-1): orderAmount is -.inf (infinite); DynamoDB stores only finite numbers" },
    { name: '$number "abc"', step: put("o-1", { orderAmount: { $number: "abc" } }), message: 'story.yaml: steps[0] (put o-1): orderAmount: "abc" is not a number (expected digits with an optional sign, decimal point and exponent, e.g. "100.5" or "1E-3")' },
    { name: "$number not a string", step: put("o-1", { orderAmount: { $number: 5 } }), message: 'story.yaml: steps[0] (put o-1): orderAmount: {"$number": ...} takes the number as a string, e.g. {"$number": "100.5"}' },
    { name: "$number too large", step: put("o-1", { orderAmount: { $number: "1E126" } }), message: 'story.yaml: steps[0] (put o-1): orderAmount: "1E126" is out of DynamoDB\'s range (magnitude 1E-130 to 9.9999999999999999999999999999999999999E+125)' },
    { name: "a number too small", step: put("o-1", { fee: 1e-131 }), message: 'story.yaml: steps[0] (put o-1): fee is "1e-131" is out of DynamoDB\'s range (magnitude 1E-130 to 9.9999999999999999999999999999999999999E+125)' },
    { name: "39 significant digits", step: put("o-1", { orderAmount: { $number: "123456789012345678901234567890123456789" } }), message: 'story.yaml: steps[0] (put o-1): orderAmount: "123456789012345678901234567890123456789" has 39 significant digits; DynamoDB keeps at most 38' },
    { name: "an integer JSON cannot keep exactly", step: put("o-1", { orderAmount: 12345678901234567890 }), message: 'story.yaml: steps[0] (put o-1): orderAmount is 12345678901234567000, an integer too large to be kept exactly in JSON or YAML; write it as {"$number": "<digits>"}' },
    { name: "a nested .nan", step: put("o-1", { items: [{ qty: NaN }] }), message: "story.yaml: steps[0] (put o-1): items[0].qty is .nan (not a number); DynamoDB stores only finite numbers" },
    { name: "an item over 400 KB", step: put("o-1", { note: "x".repeat(410 * 1024) }), message: "story.yaml: steps[0] (put o-1): the item takes at least 411 KB; DynamoDB refuses items over 400 KB" },
    { name: "an empty set", step: put("o-1", { tags: new Set() }), message: "story.yaml: steps[0] (put o-1): tags is an empty set; DynamoDB refuses empty sets" },
    { name: "an empty attribute name", step: put("o-1", { "": 1 }), message: "story.yaml: steps[0] (put o-1): an attribute has an empty name" },
    { name: "a key over 2048 bytes", step: { delete: { orderId: "k".repeat(2049) } }, message: `story.yaml: steps[0] (delete ${"k".repeat(2049)}): orderId is 2049 bytes; a partition key is at most 2048` },
    { name: "an empty key", step: { delete: { orderId: "" } }, message: "story.yaml: steps[0] (delete ): orderId is empty; DynamoDB refuses an empty key" },
  ];
  for (const c of refused) {
    it(`refuses ${c.name}`, () => {
      assert.throws(() => parseScenario({ steps: [c.step] }, "story.yaml"), (err: Error) => err.message === c.message);
    });
  }

  it("refuses nesting deeper than DynamoDB's 32 levels, and accepts 32", () => {
    const nest = (levels: number) => Array.from({ length: levels }).reduce<unknown>((inner) => ({ a: inner }), "leaf");
    assert.doesNotThrow(() => parseScenario({ steps: [put("o-1", { deep: nest(31) })] }, "story.yaml"));
    assert.throws(() => parseScenario({ steps: [put("o-1", { deep: nest(32) })] }, "story.yaml"), /steps\[0\] \(put o-1\): deep(\.a){31} nests lists and maps more than 32 levels deep \(counting the item\); DynamoDB's limit is 32/);
  });

  it("names every problem of a step at once", () => {
    assert.throws(
      () => parseScenario({ steps: [put("o-1"), put("o-2", { orderAmount: NaN, fee: Infinity })] }, "s.yaml"),
      (err: Error) => err.message === "s.yaml: steps[1] (put o-2): orderAmount is .nan (not a number); DynamoDB stores only finite numbers; fee is .inf (infinite); DynamoDB stores only finite numbers",
    );
  });

  // Number text → DynamoDB's verdict (checked by hand against DynamoDB Local 2026-01-16).
  const numbers: [string, string | undefined][] = [
    ["100", undefined],
    ["+1", undefined],
    [".5", undefined],
    ["5.", undefined],
    ["-0", undefined],
    ["0.000", undefined],
    ["1E5", undefined],
    ["1e-130", undefined],
    ["9.9999999999999999999999999999999999999E+125", undefined],
    ["12345678901234567890123456789012345678", undefined],
    ["1.00000000000000000000000000000000000000000", undefined], // trailing zeros are not significant
    ["0.00012345678901234567890123456789012345678", undefined], // nor leading ones
    ["1e-131", "out of DynamoDB's range"],
    ["1e126", "out of DynamoDB's range"],
    ["10e125", "out of DynamoDB's range"],
    ["123456789012345678901234567890123456789", "39 significant digits"],
    ["", "not a number"],
    [" 1", "not a number"],
    ["0x10", "not a number"],
    ["1e", "not a number"],
  ];
  for (const [text, problem] of numbers) {
    it(`number ${JSON.stringify(text)}: ${problem ?? "stored"}`, () => {
      const found = numberTextProblem(text);
      if (problem === undefined) assert.equal(found, undefined);
      else assert.ok(found?.includes(problem), found);
    });
  }
});

describe("scenario runner", () => {
  /** A table that records each write's start and end, taking `delayMs(step)` per write, refusing `refuse`. */
  function fakeTable(delayMs: (orderId: string, n: number) => number, refuse?: (orderId: string) => string | undefined) {
    const log: { orderId: string; kind: string; start: number; end: number }[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let clock = 0;
    const client = {
      send: async (command: { constructor: { name: string }; input: { Item?: { orderId: { S: string } }; Key?: { orderId: { S: string } } } }) => {
        const orderId = (command.input.Item ?? command.input.Key)?.orderId.S as string;
        const n = log.filter((l) => l.orderId === orderId).length;
        const entry = { orderId, kind: command.constructor.name, start: clock++, end: -1 };
        log.push(entry);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, delayMs(orderId, n)));
        inFlight--;
        entry.end = clock++;
        const why = refuse?.(orderId);
        if (why) throw new Error(why);
        return {};
      },
    } as unknown as DynamoDBClient;
    return { client, log, maxInFlight: () => maxInFlight };
  }

  const story = (steps: unknown[]) => parseScenario({ name: "t", steps }, "story.yaml");

  it("writes different orders concurrently (up to the concurrency) and each order's steps strictly in order", async () => {
    const steps: unknown[] = [];
    for (let i = 0; i < 20; i++) steps.push(put(`o-${i % 5}`, { orderStatus: `s${Math.floor(i / 5)}` }));
    // The first write of each order is the slowest: a later step must still wait for it.
    const table = fakeTable((_id, n) => (n === 0 ? 20 : 1));
    const writes: string[] = [];
    const result = await runScenario(story(steps), { client: table.client, tableName: "Orders", onWrite: (id) => writes.push(id), concurrency: 4 });
    assert.deepEqual(result, { written: 20, interrupted: false });
    assert.equal(table.maxInFlight(), 4);
    for (let o = 0; o < 5; o++) {
      const mine = table.log.filter((l) => l.orderId === `o-${o}`);
      assert.equal(mine.length, 4);
      for (let k = 1; k < mine.length; k++) assert.ok(mine[k].start > mine[k - 1].end, `o-${o}: write ${k} started before write ${k - 1} ended`);
    }
    assert.equal(writes.length, 20);
  });

  it("a wait step waits for every write before it, and holds back every write after it", async () => {
    const table = fakeTable(() => 5);
    await runScenario(story([put("a"), put("b"), { wait: 30 }, put("c")]), { client: table.client, tableName: "Orders", onWrite: () => undefined });
    const [a, b, c] = ["a", "b", "c"].map((id) => table.log.find((l) => l.orderId === id) as { start: number; end: number });
    assert.ok(c.start > a.end && c.start > b.end);
  });

  it("the first refused write stops the run; the error names the file, the step and DynamoDB's reason; later steps of that order are not written", async () => {
    const table = fakeTable(() => 2, (id) => (id === "bad" ? "Item size to update has exceeded the maximum allowed size" : undefined));
    const steps = [put("ok-1"), put("bad"), { update: { orderId: "bad", set: { orderStatus: "shipped" } } }, put("ok-2")];
    await assert.rejects(
      runScenario(story(steps), { client: table.client, tableName: "Orders", onWrite: () => undefined, concurrency: 1 }),
      (err: Error) => err instanceof ScenarioStepError && err.index === 1 && err.message === "story.yaml: steps[1] (put bad): DynamoDB refused the write: Item size to update has exceeded the maximum allowed size",
    );
    assert.deepEqual(table.log.map((l) => l.orderId), ["ok-1", "bad"]);
  });

  it("stops issuing steps when interrupted; the writes in flight complete", async () => {
    const controller = new AbortController();
    const table = fakeTable(() => 5);
    const steps: Step[] = Array.from({ length: 50 }, (_, i) => put(`o-${i}`) as Step);
    let seen = 0;
    const result = await runScenario(story(steps), {
      client: table.client,
      tableName: "Orders",
      onWrite: () => {
        if (++seen === 10) controller.abort();
      },
      signal: controller.signal,
      concurrency: 4,
    });
    assert.equal(result.interrupted, true);
    assert.ok(result.written >= 10 && result.written < 20, `${result.written} written`);
    assert.ok(table.log.every((l) => l.end >= 0), "no write left half-done");
  });
});
