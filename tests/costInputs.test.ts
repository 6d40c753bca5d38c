import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { itemSize, normalizeNumber, numberSize, streamRecordSize } from "../cost/dynamoItem";
import { parseLocalReport } from "../cost/localReport";
import { DEFAULT_PRICES_FILE, loadPrices, PRICE_KEYS } from "../cost/priceList";
import { simulateScenario } from "../cost/scenarioRecords";
import { seedFilter } from "../cost/seedFilters";
import { parseScenario } from "../local/scenario";
import { modified } from "./support/records";

// The cost command's inputs: the prices file, a local report, the seed's filters, and the
// stream records a scenario's writes make (the DynamoDB rules checked against DynamoDB Local
// in tests/costScenario.e2e.test.ts).

function tempFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-cost-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe("cost: prices file", () => {
  it("the repo's file has every price for us-east-1, each with a source and where it was read", () => {
    const p = loadPrices("us-east-1");
    assert.match(p.checked, /^\d{4}-\d{2}-\d{2}$/);
    for (const key of Object.keys(PRICE_KEYS) as (keyof typeof PRICE_KEYS)[]) {
      assert.ok(p.prices[key].usd > 0, key);
      assert.ok(p.prices[key].source.length > 10, key);
      assert.ok(["aws", "secondary"].includes(p.prices[key].from), key);
    }
    assert.equal(p.prices.lambdaGbSecondArm64.usd, 0.0000133334);
    assert.equal(p.prices.lambdaGbSecondX86_64.usd, 0.0000166667);
  });

  const base = JSON.parse(fs.readFileSync(DEFAULT_PRICES_FILE, "utf8")) as { regions: Record<string, { prices: Record<string, unknown> }> };
  const cases: [string, (doc: typeof base) => unknown, string, RegExp][] = [
    ["an unknown region", (d) => d, "eu-west-3", /has no prices for region eu-west-3 \(the stack's aws:region\); it has us-east-1\. Add the region's prices to it, or pass --prices FILE/],
    ["a missing price", (d) => (delete d.regions["us-east-1"].prices.lambdaRequest, d), "us-east-1", /region us-east-1: price lambdaRequest is missing \(USD per Lambda request\)/],
    ["a negative price", (d) => ((d.regions["us-east-1"].prices.sqsRequest as { usd: number }).usd = -1, d), "us-east-1", /price sqsRequest needs "usd", a number 0 or more/],
    ["a price without its source", (d) => (delete (d.regions["us-east-1"].prices.pipesRequest as { source?: string }).source, d), "us-east-1", /price pipesRequest needs "source"/],
    ["not JSON", () => "{", "us-east-1", /is not JSON/],
  ];
  for (const [what, edit, region, message] of cases) {
    it(`refuses ${what}, naming the file and the price`, () => {
      const doc = edit(JSON.parse(JSON.stringify(base)));
      const file = tempFile("prices.json", typeof doc === "string" ? doc : JSON.stringify(doc));
      assert.throws(() => loadPrices(region, file), (err: Error) => message.test(err.message) && err.message.includes(file));
    });
  }

  it("a missing file is named", () => {
    assert.throws(() => loadPrices("us-east-1", "/nonexistent/prices.json"), /prices file \/nonexistent\/prices\.json: no such file/);
  });
});

describe("cost: local report (REPORT-SCHEMA version 1)", () => {
  const pipe = { route: "normal", counts: { read: 3, filtered: 1, delivered: 2, retried: 0, deadLettered: 0, skipped: 1, processed: 1, rejected: 0 }, handlerDurationMs: { count: 2, p50: 2, p99: 3, mean: 2.5, max: 3 } };
  it("reads counts and the mean handler time; ignores unknown fields", () => {
    const r = parseLocalReport(JSON.stringify({ version: 1, stack: "dev", pipes: [{ ...pipe, extra: 1 }], extra: true }), "r.json");
    assert.deepEqual(r.pipes[0].counts, { read: 3, filtered: 1, skipped: 1, processed: 1, rejected: 0, deadLettered: 0 });
    assert.equal(r.pipes[0].handlerMeanMs, 2.5);
  });
  it("a summary with count 0 has no mean", () => {
    const r = parseLocalReport(JSON.stringify({ version: 1, pipes: [{ ...pipe, handlerDurationMs: { count: 0, p50: null, p99: null, mean: null, max: null } }] }), "r.json");
    assert.equal(r.pipes[0].handlerMeanMs, undefined);
  });
  const bad: [string, unknown, RegExp][] = [
    ["another version", { version: 2, pipes: [pipe] }, /report r\.json: version is 2; this command reads version 1/],
    ["no pipes", { version: 1, pipes: [] }, /"pipes" must list the pipes/],
    ["an unknown route", { version: 1, pipes: [{ ...pipe, route: "vip" }] }, /pipes\[0\]: route is "vip"; expected normal or premium/],
    ["a count that is not a whole number", { version: 1, pipes: [{ ...pipe, counts: { ...pipe.counts, processed: -1 } }] }, /pipes\[0\]: counts\.processed must be a whole number 0 or more, got -1/],
    ["more filtered than read", { version: 1, pipes: [{ ...pipe, counts: { ...pipe.counts, filtered: 4 } }] }, /counts\.filtered \(4\) is more than counts\.read \(3\)/],
  ];
  for (const [what, doc, message] of bad) it(`refuses ${what}`, () => assert.throws(() => parseLocalReport(JSON.stringify(doc), "r.json"), message));
});

describe("cost: the seed's filters, as written", () => {
  it("normal: a pipe refuses it (anything-but with prefix); as an event bus would, it never matches a DynamoDB record", () => {
    const f = seedFilter("normal");
    assert.equal(f.pipes.accepted, false);
    assert.match(f.pipes.accepted ? "" : f.pipes.reason, /"anything-but" with "prefix" is accepted on an event bus but not by EventBridge Pipes/);
    assert.match(f.neverMatches.join(), /"numeric" never matches a DynamoDB stream record/);
    // An order the seed means to process: INSERT, pending, 250, a real customer.
    const order = { eventName: "INSERT", dynamodb: { NewImage: { orderStatus: { S: "pending" }, orderAmount: { N: "250" }, customerEmail: { S: "ann@example.com" } } } };
    assert.equal(f.matches(order), false);
    // The same with a JSON number (what DynamoDB never sends) would match: the pattern itself is not empty.
    assert.equal(f.matches({ ...order, dynamodb: { NewImage: { ...order.dynamodb.NewImage, orderAmount: { N: 250 } } } }), true);
  });

  it("premium: a pipe accepts it, and it matches nothing, not even a pending -> shipped order of 1500", () => {
    const f = seedFilter("premium");
    assert.equal(f.pipes.accepted, true);
    assert.equal(f.matches(modified("pending", { status: "shipped", amount: "1500" })), false);
    assert.equal(f.matches({ eventName: "MODIFY", dynamodb: { NewImage: { orderStatus: { S: "shipped" }, orderAmount: { N: 1500 } }, OldImage: { orderStatus: { S: "pending" } } } }), true);
  });
});

describe("cost: DynamoDB's numbers and item sizes", () => {
  it("normalizes numbers as DynamoDB Local returns them", () => {
    const cases: [string, string][] = [
      ["1500.50", "1500.5"],
      ["1E2", "100"],
      ["1e-7", "0.0000001"],
      ["0012", "12"],
      ["-0", "0"],
      ["100.000", "100"],
      ["1.5e+30", "1500000000000000000000000000000"],
      ["123e-2", "1.23"],
      ["12345678901234567890123456789012345678", "12345678901234567890123456789012345678"],
    ];
    for (const [written, read] of cases) assert.equal(normalizeNumber(written), read, written);
    assert.throws(() => normalizeNumber("ten"), /"ten" is not a DynamoDB number/);
  });

  it("number sizes: base-100 digit pairs + 1, + 1 if negative (SizeBytes DynamoDB Local reported)", () => {
    const cases: [string, number][] = [["0", 1], ["100", 2], ["12", 2], ["1500.5", 4], ["0.1", 2], ["-1.5", 4], ["1.23", 3], ["1.5e30", 3], ["1e21", 2], ["0.0000001", 2], ["12345678901234567890123456789012345678", 20]];
    for (const [n, size] of cases) assert.equal(numberSize(n), size, n);
  });

  it("item and record sizes: the order DynamoDB Local sized at 116 bytes, and its MODIFY at 224", () => {
    const keys = { orderId: { S: "a" } };
    const item = {
      orderId: { S: "a" },
      orderStatus: { S: "pending" },
      orderAmount: { N: "250" },
      customerEmail: { S: "ann@example.com" },
      items: { L: [{ M: { sku: { S: "sku-1" }, qty: { N: "2" } } }] },
      flag: { BOOL: true },
      nothing: { NULL: true },
    };
    assert.equal(itemSize(item), 108);
    assert.equal(streamRecordSize(keys, item), 116);
    assert.equal(streamRecordSize(keys, { ...item, orderStatus: { S: "shipped" } }, item), 224);
    // sets, binary and UTF-8: 40 bytes on DynamoDB Local
    assert.equal(streamRecordSize({ orderId: { S: "é" } }, { orderId: { S: "é" }, s: { S: "héllo" }, ss: { SS: ["a", "b"] }, ns: { NS: ["1", "2"] }, bin: { B: Buffer.from("hi").toString("base64") } }), 40);
  });
});

describe("cost: a scenario's writes as stream records", () => {
  const scenario = parseScenario(
    {
      name: "lifecycle",
      steps: [
        { put: { orderId: "o-1", orderStatus: "pending", orderAmount: { $number: "1500.50" }, customerEmail: "ann@example.com" } },
        { put: { orderId: "o-1", orderStatus: "pending", orderAmount: 1500.5, customerEmail: "ann@example.com" } }, // the same item: no record
        { wait: 2000 },
        { update: { orderId: "o-1", set: { orderStatus: "shipped" } } },
        { update: { orderId: "o-1", set: { orderStatus: "shipped" } } }, // no change: no record
        { update: { orderId: "o-2", set: { orderStatus: "pending" } } }, // a new key: INSERT
        { delete: { orderId: "o-1" } },
        { delete: { orderId: "o-9" } }, // nothing to delete: no record
      ],
    },
    "lifecycle.yaml",
  );
  const stream = simulateScenario(scenario, "eu-west-1");
  type Rec = { eventName: string; eventID: string; awsRegion: string; dynamodb: Record<string, unknown> };
  const recs = stream.records as Rec[];

  it("one record per write that changes the item: INSERT, MODIFY, INSERT, REMOVE", () => {
    assert.deepEqual(recs.map((r) => [r.eventName, (r.dynamodb.Keys as { orderId: { S: string } }).orderId.S]), [["INSERT", "o-1"], ["MODIFY", "o-1"], ["INSERT", "o-2"], ["REMOVE", "o-1"]]);
    assert.equal(stream.writes, 7);
    assert.equal(stream.unchanged, 3);
  });

  it("images as DynamoDB writes them: normalized numbers, old and new images, REMOVE without NewImage", () => {
    const [insert, modify, , remove] = recs;
    assert.deepEqual(insert.dynamodb.NewImage, { orderId: { S: "o-1" }, orderStatus: { S: "pending" }, orderAmount: { N: "1500.5" }, customerEmail: { S: "ann@example.com" } });
    assert.equal(insert.dynamodb.OldImage, undefined);
    assert.deepEqual((modify.dynamodb.OldImage as Record<string, unknown>).orderStatus, { S: "pending" });
    assert.deepEqual((modify.dynamodb.NewImage as Record<string, unknown>).orderStatus, { S: "shipped" });
    assert.equal(remove.dynamodb.NewImage, undefined);
    assert.deepEqual((remove.dynamodb.OldImage as Record<string, unknown>).orderStatus, { S: "shipped" });
  });

  it("the wire format's other fields: region, 32-hex eventIDs, increasing sequence numbers, sizes, time", () => {
    const [insert, modify] = recs;
    assert.equal(insert.awsRegion, "eu-west-1");
    assert.match(insert.eventID, /^[0-9a-f]{32}$/);
    assert.ok(BigInt(modify.dynamodb.SequenceNumber as string) > BigInt(insert.dynamodb.SequenceNumber as string));
    // keys 7+3; image: orderId 10, orderStatus 11+7, orderAmount 11+4 ("15|00|.50"), customerEmail 13+15
    assert.equal(insert.dynamodb.SizeBytes, 10 + 10 + 18 + 15 + 28);
    assert.equal((modify.dynamodb.ApproximateCreationDateTime as number) - (insert.dynamodb.ApproximateCreationDateTime as number), 2, "the wait moved the clock 2 s");
  });

  it("a value DynamoDB cannot take names the step", () => {
    // Refused when the scenario is read, before anything is simulated or started.
    assert.throws(() => parseScenario({ steps: [{ put: { orderId: "o-1", orderAmount: 1e30 } }] }, "big.yaml"), /big\.yaml: steps\[0\] \(put o-1\): orderAmount is 1e\+30, an integer too large/);
  });
});
