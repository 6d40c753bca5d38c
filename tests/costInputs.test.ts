import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { itemSize, normalizeNumber, numberSize, streamRecordSize } from "../cost/dynamoItem";
import { loadStackFileSettings } from "../config/stackFile";
import { loadLocalReport, parseLocalReport, reportForPipes } from "../cost/localReport";
import { sampleFromCounts } from "../cost/sample";
import { describeFile, reason } from "../cost/inputFile";
import { DEFAULT_PRICES_FILE, loadPrices, PRICE_KEYS } from "../cost/priceList";
import { simulateScenario } from "../cost/scenarioRecords";
import { seedFilter } from "../cost/seedFilters";
import { parseScenario } from "../local/scenario";
import type { RouteDeclaration } from "../routing/route";
import { ROUTES } from "../routing/routes";
import { routesFromSettings } from "../routing/stackRoutes";
import { modified } from "./support/records";
import { tempDir } from "./support/tempDir";

// The cost command's inputs: the prices file, a local report, the seed's filters, and the
// stream records a scenario's writes make (the DynamoDB rules checked against DynamoDB Local
// in tests/costScenario.e2e.test.ts).

const REPORT_V2 = path.join(__dirname, "fixtures", "cost", "report-demo-v2.json");
const REPORT_REFUNDS = path.join(__dirname, "fixtures", "cost", "report-refunds-v2.json");

function tempFile(name: string, text: string): string {
  const dir = tempDir("orders-cost-");
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
    [
      "a per-million slip (the issue's 0.2 for Lambda requests)",
      (d) => ((d.regions["us-east-1"].prices.lambdaRequest as { usd: number }).usd = 0.2, d),
      "us-east-1",
      /price lambdaRequest is 0\.2, which is not a plausible price for one Lambda request \(about 2e-7 in us-east-1; accepted: 0, or 2e-8 to 0\.000002\): a price per million units\? 0\.2 per million is 2e-7/,
    ],
    [
      "a per-100,000 slip on stream reads",
      (d) => ((d.regions["us-east-1"].prices.streamsReadRequest as { usd: number }).usd = 0.02, d),
      "us-east-1",
      /price streamsReadRequest is 0\.02, .*: a price per 100,000 units\? 0\.02 per 100,000 is 2e-7/,
    ],
    ["a huge price", (d) => ((d.regions["us-east-1"].prices.customMetricMonth as { usd: number }).usd = 1e300, d), "us-east-1", /price customMetricMonth is 1e\+300, which is not a plausible price for one CloudWatch custom metric per month/],
    ["tiers that do not grow", (d) => ((d.regions["us-east-1"].prices.logsIngestionGb as { tiers: unknown }).tiers = [{ upTo: 100, usd: 0.5 }, { upTo: 50, usd: 0.25 }, { upTo: null, usd: 0.1 }], d), "us-east-1", /price logsIngestionGb tiers\[1\]: "upTo" must grow from tier to tier/],
    ["a tier dearer than the one before", (d) => ((d.regions["us-east-1"].prices.logsIngestionGb as { tiers: unknown }).tiers = [{ upTo: 100, usd: 0.5 }, { upTo: null, usd: 0.6 }], d), "us-east-1", /tiers\[1\]: a higher volume tier costs more \(0\.6\) than the one before \(0\.5\)/],
  ];
  for (const [what, edit, region, message] of cases) {
    it(`refuses ${what}, naming the file and the price`, () => {
      const doc = edit(JSON.parse(JSON.stringify(base)));
      const file = tempFile("prices.json", typeof doc === "string" ? doc : JSON.stringify(doc));
      assert.throws(() => loadPrices(region, file), (err: Error) => message.test(err.message) && err.message.includes(file));
    });
  }

  it("a missing file, a directory and an unreadable file are named as such", () => {
    assert.throws(() => loadPrices("us-east-1", "/nonexistent/prices.json"), /^Error: prices file \/nonexistent\/prices\.json: no such file$/);
    const dir = tempDir("orders-prices-");
    assert.throws(() => loadPrices("us-east-1", dir), new RegExp(`^Error: prices file ${dir} is a directory; give a file$`));
  });

  it("the repo's Lambda log price has AWS's volume tiers since May 2025 (first tier $0.50 per GB)", () => {
    const logs = loadPrices("us-east-1").prices.logsIngestionGb;
    assert.deepEqual(logs.tiers, [{ upTo: 10240, usd: 0.5 }, { upTo: 30720, usd: 0.25 }, { upTo: 51200, usd: 0.1 }, { upTo: null, usd: 0.05 }]);
  });
});

describe("cost: input files named as what they are", () => {
  it("a file error in words, whatever the errno", () => {
    const err = (code: string) => Object.assign(new Error(`${code}: x`), { code }) as NodeJS.ErrnoException;
    assert.equal(reason(err("EACCES")), "cannot be read: permission denied");
    assert.equal(reason(err("EISDIR")), "is a directory; give a file");
    assert.equal(reason(err("ENOENT")), "no such file");
    assert.equal(reason(err("ENOTDIR")), "a part of the path is not a directory");
  });

  it("an unreadable file (not as root, who reads everything)", function () {
    if (process.getuid?.() === 0) this.skip();
    const file = tempFile("locked.jsonl", "{}\n");
    fs.chmodSync(file, 0o000);
    assert.equal(describeFile(file, "records file"), `records file ${file}: cannot be read: permission denied`);
  });

  it("a directory, a missing file, a file under a file", () => {
    const dir = tempDir("orders-inputs-");
    assert.equal(describeFile(dir, "report"), `report ${dir} is a directory; give a file`);
    assert.equal(describeFile(path.join(dir, "nope.json"), "report"), `report ${path.join(dir, "nope.json")}: no such file`);
    const file = tempFile("a.json", "{}");
    assert.equal(describeFile(path.join(file, "b"), "scenario"), `scenario ${path.join(file, "b")}: a part of the path is not a directory`);
    assert.equal(describeFile(file, "scenario"), undefined);
  });
});

describe("cost: a local run's report (versions 1 and 2)", () => {
  const declared = routesFromSettings(loadStackFileSettings("dev"));
  const v1pipe = { route: "normal", counts: { read: 3, filtered: 1, delivered: 2, retried: 0, deadLettered: 0, skipped: 1, processed: 1, rejected: 0 }, handlerDurationMs: { count: 2, p50: 2, p99: 3, mean: 2.5, max: 3 } };
  it("version 1: counts and the mean handler time; unknown fields ignored", () => {
    const r = parseLocalReport(JSON.stringify({ version: 1, stack: "dev", pipes: [{ ...v1pipe, extra: 1 }], extra: true }), "r.json");
    assert.deepEqual(r.routes.normal, { read: 3, filtered: 1, skipped: 1, processed: 1, rejected: 0, deadLettered: 0 });
    assert.deepEqual(r.pipes[0].counts, { read: 3, filtered: 1, delivered: 2, deadLettered: 0 });
    assert.equal(r.pipes[0].handlerMeanMs, 2.5);
  });
  it("a summary with count 0 has no mean", () => {
    const r = parseLocalReport(JSON.stringify({ version: 1, pipes: [{ ...v1pipe, handlerDurationMs: { count: 0, p50: null, p99: null, mean: null, max: null } }] }), "r.json");
    assert.equal(r.pipes[0].handlerMeanMs, undefined);
  });

  it("version 2 (what `local --report-json` writes now): pipe-level invocations and handler time, per-route outcomes", () => {
    const r = loadLocalReport(REPORT_V2);
    assert.equal(r.version, 2);
    const normal = r.pipes.find((p) => p.pipe === "NormalOrdersPipe");
    assert.deepEqual(normal?.counts, { read: 17, filtered: 2, delivered: 15, deadLettered: 1 });
    assert.equal(normal?.invocations, 12);
    assert.equal(normal?.handlerMeanMs, 39.234);
    assert.deepEqual(r.routes.normal, { read: 17, filtered: 2, skipped: 5, processed: 8, rejected: 1, deadLettered: 1 });
    assert.deepEqual(r.routes.premium, { read: 17, filtered: 14, skipped: 1, processed: 2, rejected: 0, deadLettered: 0 });
  });

  it("version 2 with a shared pipe: refunds' outcomes inside normal's pipe, one pipe's deliveries", () => {
    const refunds: RouteDeclaration = { name: "refunds", changes: ["MODIFY"], statuses: ["refunded"], amount: "any", excludeTestCustomers: false, step: "refundOrder", pipe: "normal" };
    const three = routesFromSettings(loadStackFileSettings("dev"), [...ROUTES, refunds]);
    const r = reportForPipes(loadLocalReport(REPORT_REFUNDS), three.pipes);
    assert.deepEqual(r.pipes.normal.routes, ["normal", "refunds"]);
    const sample = sampleFromCounts(three.pipes, { normal: r.pipes.normal.counts, premium: r.pipes.premium.counts }, r.routes, 800);
    assert.equal(sample.size, 19);
    assert.equal(sample.pipes[0].delivery.filtered.sizes.count, 17, "15 + 2 refunds");
    assert.deepEqual(sample.pipes[0].delivery.filtered.routes.refunds, { processed: 2, skipped: 0, rejected: 0, failed: 0 });
    assert.equal(sample.pipes[0].delivery.all.sizes.count, 19);
    // The same report against the two-route declaration names the mismatch.
    assert.throws(() => reportForPipes(loadLocalReport(REPORT_REFUNDS), declared.pipes), /route refunds is not declared in routing\/routes\.ts \(declared: normal, premium\)/);
    assert.throws(() => reportForPipes(loadLocalReport(REPORT_V2), three.pipes), /has no counts for route refunds \(declared in routing\/routes\.ts\); run `local --report-json` again/);
  });

  const v2 = JSON.parse(fs.readFileSync(REPORT_V2, "utf8")) as { pipes: { counts: Record<string, number> }[]; routes: { counts: Record<string, number> }[] };
  const edit = (f: (d: typeof v2) => void) => {
    const d = JSON.parse(JSON.stringify(v2)) as typeof v2;
    f(d);
    return d;
  };
  const bad: [string, unknown, RegExp][] = [
    ["another version", { version: 3, pipes: [v1pipe] }, /report r\.json: version is 3; this command reads versions 1 and 2/],
    ["no pipes", { version: 1, pipes: [] }, /"pipes" must list the pipes/],
    ["a count that is not a whole number", { version: 1, pipes: [{ ...v1pipe, counts: { ...v1pipe.counts, processed: -1 } }] }, /pipes\[0\]: counts\.processed must be a whole number 0 or more, got -1/],
    ["more filtered and delivered than read", { version: 1, pipes: [{ ...v1pipe, counts: { ...v1pipe.counts, filtered: 4 } }] }, /counts\.filtered \(4\) \+ counts\.delivered \(2\) is more than counts\.read \(3\)/],
    [
      "version 1: processed 100 of 10 read (the issue's report)",
      { version: 1, pipes: [{ ...v1pipe, counts: { read: 10, filtered: 0, delivered: 10, retried: 0, deadLettered: 0, skipped: 0, processed: 100, rejected: 0 } }] },
      /pipes\[0\]: counts\.processed \(100\) \+ skipped \(0\) \+ rejected \(0\) \+ deadLettered \(0\) = 100 is more than the 10 records the pipe delivered; each record has one outcome per route \(processed <= delivered <= read\)/,
    ],
    ["version 2: a route processing more than its pipe delivered", edit((d) => Object.assign(d.routes[1].counts, { filtered: 12, processed: 4 })), /routes\[1\] \(premium\): counts\.processed \(4\) \+ skipped \(1\) \+ rejected \(0\) \+ deadLettered \(0\) = 5 is more than the 3 records its pipe PremiumOrdersPipe delivered/],
    ["version 2: a route that read more than its pipe", edit((d) => (d.routes[0].counts.read = 170)), /routes\[0\] \(normal\): counts\.read \(170\) differs from its pipe NormalOrdersPipe's \(17\)/],
    ["version 2: a pipe delivering more than it read", edit((d) => (d.pipes[0].counts.delivered = 100)), /pipes\[0\]: counts\.filtered \(2\) \+ counts\.delivered \(100\) is more than counts\.read \(17\)/],
    ["version 2: a count beyond exact integers", edit((d) => (d.pipes[0].counts.read = 2 ** 60)), /pipes\[0\]: counts\.read must be a whole number 0 or more, got 1152921504606847000/],
  ];
  for (const [what, doc, message] of bad) it(`refuses ${what}`, () => assert.throws(() => parseLocalReport(JSON.stringify(doc), "r.json"), message));

  it("an unknown route is named with the declared ones", () => {
    const r = parseLocalReport(JSON.stringify({ version: 1, pipes: [{ ...v1pipe, route: "vip" }] }), "r.json");
    assert.throws(() => reportForPipes(r, declared.pipes), /report r\.json: route vip is not declared in routing\/routes\.ts \(declared: normal, premium\)/);
  });

  it("a report's counts take constant memory: 300,000,000 processed orders make no array", () => {
    const big = 300_000_000;
    const doc = edit((d) => {
      for (const p of d.pipes) Object.assign(p.counts, { read: big * 2, filtered: big / 2, delivered: big, deadLettered: 0 });
      for (const r of d.routes) Object.assign(r.counts, { read: big * 2, filtered: big, skipped: 0, processed: big, rejected: 0, deadLettered: 0 });
    });
    const r = reportForPipes(parseLocalReport(JSON.stringify(doc), "big.json"), declared.pipes);
    const before = process.memoryUsage().heapUsed;
    const sample = sampleFromCounts(declared.pipes, { normal: r.pipes.normal.counts, premium: r.pipes.premium.counts }, r.routes, 800);
    assert.equal(sample.pipes[0].delivery.filtered.sizes.count, big);
    assert.equal(sample.pipes[0].delivery.filtered.sizes.chunksPerBatch(10), 1);
    assert.ok(process.memoryUsage().heapUsed - before < 50 * 1024 * 1024, "no per-record memory");
  });
});

describe("cost: the seed's filters, as written", () => {
  it("normal: a pipe refuses it (anything-but with prefix); as an event bus would, it never matches a DynamoDB record", () => {
    const f = seedFilter("normal")!;
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
    const f = seedFilter("premium")!;
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
