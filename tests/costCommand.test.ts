import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { DESIGNS } from "../cost/designs";
import { DEFAULT_PRICES_FILE, PRICE_KEYS } from "../cost/priceList";
import { runCli } from "./support/io";
import { inserted } from "./support/records";
import { sh } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// `orders-pipeline cost` as a user runs it: spawned like the README's example, and in-process
// for its inputs, its options and its errors.

const ROOT = path.join(__dirname, "..");
const SAMPLE = path.join(ROOT, "cost", "samples", "orders-1000.jsonl");
const REPORT_V1 = path.join(__dirname, "fixtures", "cost", "report-demo.json");
const REPORT_V2 = path.join(__dirname, "fixtures", "cost", "report-demo-v2.json");
const run = promisify(execFile);

interface PipeJson {
  owner: string;
  routes: string[];
  lambdaInvocations: number;
  billedMsPerInvocation: number;
  streamReads: number;
  streamReadsCharged: number;
  pipeRequests: number;
}
interface DesignJson {
  transport: string;
  lambdaInvocations: number;
  pipeRequests: number;
  ordersProcessed: number;
  monthlyUsd: number;
  usd: Record<string, number>;
  streamReadsCharged: number;
  pipes: PipeJson[];
  routes: Record<string, { ordersProcessed: number }>;
  canary: { usd: Record<string, number> };
}
interface CostJson {
  schemaVersion: number;
  input: { kind: string; records: number; lines?: number; badLines?: number };
  assumptions: Record<string, { value: unknown; set: string; verified: boolean; source: string }>;
  rules: { rule: string; verified: boolean; source: string }[];
  prices: { units: Record<string, { usd: number; unit: string; from: string; source: string; tiers?: unknown[] }> };
  designs: Record<(typeof DESIGNS)[number], DesignJson>;
  headline: { deployedUsd: number; cheapest: string; cheapestUsd: number; differenceUsd: number; pipesCostMore: boolean; ordersProcessed: number; text: string };
  seedLiteral: DesignJson & { verdict: string };
  sensitivity?: { pipesBillingUnit: string; pipesStreamReads: string; shards: number; deployedUsd: number; cheapest: string }[];
  unmeasured: string[];
  notes: string[];
}

function tempFile(name: string, text: string): string {
  const file = path.join(tempDir("orders-cost-cmd-"), name);
  fs.writeFileSync(file, text);
  return file;
}

describe("orders-pipeline cost (spawned)", function () {
  this.timeout(60000);

  it("--json: schemaVersion 2, the four designs, unit prices and assumptions; orders processed agree with `route --jsonl`", async () => {
    const { stdout } = await run("node", ["cli/bin.js", "cost", "--stack", "dev", "--records", SAMPLE, "--per-month", "10000000", "--json"], { cwd: ROOT });
    const out = JSON.parse(stdout) as CostJson;
    assert.equal(out.schemaVersion, 2);
    assert.deepEqual(Object.keys(out.designs), ["deployed", "esmFiltered", "esmUnfiltered", "pipesUnfiltered"]);
    assert.deepEqual(out.input, { kind: "records", file: SAMPLE, lines: 1000, badLines: 0, records: 1000 });
    // Unit prices as used, each with its unit and source; the log price with its tiers.
    assert.deepEqual(Object.keys(out.prices.units), Object.keys(PRICE_KEYS));
    assert.equal(out.prices.units.lambdaRequest.usd, 2e-7);
    assert.ok(out.prices.units.logsIngestionGb.tiers?.length === 4);
    for (const p of Object.values(out.prices.units)) assert.ok(p.unit && p.source && p.from);
    // Every assumption with its value, where it came from, and whether it is verified.
    assert.deepEqual(
      Object.fromEntries(Object.entries(out.assumptions).map(([k, a]) => [k, [a.value, a.set, a.verified]])),
      { pipesBillingUnit: ["chunk64k", "default", false], pipesStreamReads: ["charged", "default", false], shards: [4, "default", false] },
    );
    assert.ok(out.rules.some((r) => r.verified && /Lambda event source mappings read DynamoDB streams for free/.test(r.rule)));

    // The same classification as the `route` command: processed outcomes x 10,000,000 / 1,000.
    const routed = await runCli(["route", "--stack", "dev", "--jsonl"], fs.readFileSync(SAMPLE, "utf8"));
    const processed = routed.stdout.trim().split("\n").map((l) => JSON.parse(l) as { routes: Record<string, string> }).reduce((n, r) => n + Object.values(r.routes).filter((o) => o === "processed").length, 0);
    for (const d of DESIGNS) assert.equal(out.designs[d].ordersProcessed, processed * 10000, `${d} processes the same orders`);
    assert.equal(out.seedLiteral.ordersProcessed, 0);
    assert.equal(out.seedLiteral.lambdaInvocations, 0);
    assert.match(out.seedLiteral.verdict, /they process nothing on AWS/);

    // Filters cut invocations; an ESM pays neither pipe requests nor stream reads.
    assert.ok(out.designs.deployed.lambdaInvocations < out.designs.pipesUnfiltered.lambdaInvocations);
    assert.equal(out.designs.esmFiltered.lambdaInvocations, out.designs.deployed.lambdaInvocations);
    assert.equal(out.designs.esmFiltered.pipeRequests, 0);
    assert.equal(out.designs.esmFiltered.streamReadsCharged, 0);
    // ... and the canary's heartbeat records cost the pipes their requests too, nothing else.
    const canaryPipes = out.designs.deployed.canary.usd.pipeRequests;
    assert.ok(canaryPipes > 0 && out.designs.esmFiltered.canary.usd.pipeRequests === 0);
    assert.ok(Math.abs(out.designs.deployed.usd.canary - out.designs.esmFiltered.usd.canary - canaryPipes) < 1e-5, "the same canary but for its pipe requests");
    assert.ok(Math.abs(out.designs.deployed.monthlyUsd - out.designs.esmFiltered.monthlyUsd - out.designs.deployed.usd.pipeRequests - out.designs.deployed.usd.streamReads - canaryPipes) < 1e-5, "the difference is the pipes' own lines");

    // The headline: deployed against the cheapest other design, and it says when pipes cost more.
    const others = DESIGNS.filter((d) => d !== "deployed").sort((a, b) => out.designs[a].monthlyUsd - out.designs[b].monthlyUsd);
    assert.equal(out.headline.cheapest, others[0]);
    assert.equal(out.headline.pipesCostMore, out.designs.deployed.monthlyUsd > out.designs[others[0]].monthlyUsd);
    assert.ok(Math.abs(out.headline.differenceUsd - (out.designs.deployed.monthlyUsd - out.designs[others[0]].monthlyUsd)) < 1e-5);
  });

  it("the table: designs as columns, the assumptions, the headline, the seed's verdict apart", async () => {
    const { stdout } = await run("node", ["cli/bin.js", "cost", "--records", SAMPLE, "--per-month", "10000000"], { cwd: ROOT });
    assert.match(stdout, /^orders-pipeline cost: stack dev \(us-east-1, batch 10, window 1 s, 256 MB arm64\), 10,000,000 record changes a month/);
    assert.match(stdout, /priced 1,000 of 1,000 lines/);
    assert.match(stdout, /\npipes: NormalOrdersPipe \(normal\), PremiumOrdersPipe \(premium\)\n/);
    assert.match(stdout, /\nassumptions: pipes billed per 64 KB chunk of a batch \(default, unverified\); pipes' stream reads charged \(default, unverified\); 4 stream shards/);
    assert.match(stdout, /\s+deployed\s+esmFiltered\s+esmUnfiltered\s+pipesUnfiltered\n/);
    assert.doesNotMatch(stdout, /\s+seedLiteral\n/, "the seed is not a design column");
    for (const row of ["Lambda invocations", "pipe requests", "Lambda GB-seconds", "DynamoDB Streams GetRecords calls", "SQS DLQ requests", "CloudWatch Logs ingested", "custom metrics (metric-months)", "  total"]) assert.ok(stdout.includes(row), row);
    assert.match(stdout, /\ndeployed \(pipes with filters\) costs \$[\d.,]+ a month; the cheapest design that processes the same 3,240,000\s+orders is esmFiltered at \$[\d.,]+: the pipes cost \$[\d.,]+ \([\d.]+ %\) more/);
    assert.match(stdout, /\nseed's filters as written \(a verdict, not a design\): \$[\d.,]+ a month and 0 orders processed: they process\s+nothing on AWS/);
  });

  it("--sensitivity: the headline under each of the eight combinations", async () => {
    const { stdout } = await run("node", ["cli/bin.js", "cost", "--records", SAMPLE, "--per-month", "10000000", "--sensitivity", "--json"], { cwd: ROOT });
    const out = JSON.parse(stdout) as CostJson;
    assert.equal(out.sensitivity?.length, 8);
    const key = (s: { pipesBillingUnit: string; pipesStreamReads: string; shards: number }) => `${s.pipesBillingUnit} ${s.pipesStreamReads} ${s.shards}`;
    assert.deepEqual(out.sensitivity?.map(key), ["chunk64k charged 1", "chunk64k charged 4", "chunk64k free 1", "chunk64k free 4", "event charged 1", "event charged 4", "event free 1", "event free 4"]);
    const base = out.sensitivity?.find((s) => key(s) === "chunk64k charged 4");
    assert.ok(base && Math.abs(base.deployedUsd - out.headline.deployedUsd) < 1e-6, "the default combination is the headline");
    const table = await run("node", ["cli/bin.js", "cost", "--records", SAMPLE, "--per-month", "10000000", "--sensitivity"], { cwd: ROOT });
    assert.match(table.stdout, /\nsensitivity: the headline under every combination of the assumptions\n\s+pipes billed per\s+stream reads\s+shards\s+deployed\s+cheapest other design\s+pipes cost more by\n/);
  });

  it("cost --help prints every option of the cost command, exit 0 (tests/readme.test.ts runs the README's npx spelling)", async () => {
    const r = await sh("node cli/bin.js cost --help");
    assert.equal(r.code, 0, r.stderr);
    for (const option of ["--records", "--scenario", "--from-report", "--per-month", "--prices", "--duration-ms", "--pipes-billing-unit", "--pipes-stream-reads", "--shards", "--sensitivity", "--json"]) assert.ok(r.stdout.includes(option), option);
  });

  it("pricing a scenario loads no AWS client and no Pulumi: the command reads the scenario and the stack file", async () => {
    const file = path.join(tempDir("orders-cost-loads-"), "story.yaml");
    fs.writeFileSync(file, "name: loads\nsteps:\n  - put: { orderId: o-1, status: pending, orderAmount: 1500, customerEmail: a@example.com }\n");
    const r = await sh(`node -r ./tests/support/loadedPackages.js cli/bin.js cost --stack dev --scenario ${file} --per-month 1000`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1,000 record changes a month/);
    const loaded = JSON.parse(/loaded packages: (.*)\n$/.exec(r.stderr)![1]) as string[];
    assert.ok(loaded.includes("@aws-sdk/util-dynamodb"), `the scenario's numbers: ${loaded}`);
    assert.deepEqual(loaded.filter((p) => /^@aws-sdk\/client-|^@pulumi\//.test(p)), []);
  });

  it("a report claiming 300,000,000 processed orders is priced in a small heap (its counts are not records)", async () => {
    const doc = JSON.parse(fs.readFileSync(REPORT_V2, "utf8")) as { pipes: { counts: Record<string, number> }[]; routes: { counts: Record<string, number> }[] };
    const big = 300_000_000;
    for (const p of doc.pipes) Object.assign(p.counts, { read: 2 * big, filtered: big, delivered: big, deadLettered: 0 });
    for (const r of doc.routes) Object.assign(r.counts, { read: 2 * big, filtered: big, skipped: 0, processed: big, rejected: 0, deadLettered: 0 });
    const file = tempFile("big.json", JSON.stringify(doc));
    const { stdout } = await run(process.execPath, ["--max-old-space-size=96", "cli/bin.js", "cost", "--from-report", file, "--per-month", "1000000", "--json"], { cwd: ROOT });
    const out = JSON.parse(stdout) as CostJson;
    assert.equal(out.designs.deployed.ordersProcessed, 1_000_000, "half the records are orders, on each of two routes");
  });
});

describe("orders-pipeline cost (in-process)", () => {
  it("bad lines are reported one by one on stderr as `route` reports them; the rest are priced, exit 2", async () => {
    const good = JSON.stringify(inserted({ amount: "250" }, "g1"));
    const file = tempFile("mixed.jsonl", [good, "{not json", "[1, 2]", good, '{"eventID": "x"}'].join("\n"));
    const r = await runCli(["cost", "--records", file, "--per-month", "1000"]);
    assert.equal(r.code, 2);
    const errors = r.stderr.trim().split("\n").map((l) => JSON.parse(l) as { line: number; error: string });
    assert.deepEqual(errors.map((e) => e.line), [2, 3, 5]);
    assert.match(errors[0].error, /^line 2 is not JSON/);
    assert.match(errors[1].error, /^line 3 is an array, not a stream record \(a JSON object\)$/);
    assert.match(errors[2].error, /^line 5 is not a DynamoDB stream record: it has no eventName/);
    assert.match(r.stdout, /priced 2 of 5 lines \(3 not stream records, reported on stderr\)/);
  });

  it("--scenario: a scenario's writes, simulated, priced; a write that changes nothing makes no record", async () => {
    const file = tempFile(
      "story.yaml",
      [
        "name: two changes",
        "steps:",
        "  - put: { orderId: o-1, orderStatus: pending, orderAmount: 250, customerEmail: ann@example.com }",
        "  - put: { orderId: o-1, orderStatus: pending, orderAmount: 250, customerEmail: ann@example.com }",
        "  - update: { orderId: o-1, set: { orderStatus: shipped } }",
      ].join("\n"),
    );
    const r = await runCli(["cost", "--scenario", file, "--per-month", "2000", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as CostJson;
    assert.equal(out.input.kind, "scenario");
    assert.equal(out.input.records, 2);
    // normal processes the INSERT and the MODIFY (250 > 100); premium skips the MODIFY (250 <= 1000): x1,000
    assert.equal(out.designs.deployed.ordersProcessed, 2000);
  });

  it("--from-report, version 2: per-route outcomes scaled, each pipe's mean handler time billed per invocation", async () => {
    const r = await runCli(["cost", "--from-report", REPORT_V2, "--per-month", "17000000", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as CostJson;
    assert.equal(out.input.kind, "report");
    assert.equal(out.input.records, 17);
    assert.deepEqual(Object.fromEntries(Object.entries(out.designs.deployed.routes).map(([k, v]) => [k, v.ordersProcessed])), { normal: 8_000_000, premium: 2_000_000 }, "8 and 2 of 17 read, x 1,000,000");
    const [normal, premium] = out.designs.deployed.pipes;
    assert.equal(normal.billedMsPerInvocation, 40, "mean 39.234 ms, rounded up");
    assert.equal(premium.billedMsPerInvocation, 36, "mean 35.216 ms");
    assert.ok(out.notes.some((n) => /The local run's NormalOrdersPipe made 12 invocations for 15 delivered records/.test(n)));
  });

  it("--from-report, version 1 still reads", async () => {
    const r = await runCli(["cost", "--from-report", REPORT_V1, "--per-month", "10000000", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as CostJson;
    assert.equal(out.designs.deployed.ordersProcessed, (9 + 3) * 500000, "processed 9 + 3 of 20 read, x 10,000,000 / 20");
    assert.equal(out.designs.deployed.pipes[0].billedMsPerInvocation, 3, "mean 2.6 ms, rounded up");
  });

  it("--duration-ms replaces the handler time", async () => {
    const r = await runCli(["cost", "--records", SAMPLE, "--per-month", "1000000", "--duration-ms", "120.5", "--json"]);
    const out = JSON.parse(r.stdout) as CostJson;
    assert.equal(out.designs.deployed.pipes[0].billedMsPerInvocation, 121);
    assert.equal(out.designs.esmUnfiltered.pipes[1].billedMsPerInvocation, 121);
  });

  it("the assumptions as options: shown as set, and they move the figures they should", async () => {
    const json = async (...args: string[]) => JSON.parse((await runCli(["cost", "--records", SAMPLE, "--per-month", "10000000", "--json", ...args])).stdout) as CostJson;
    const base = await json();
    const free = await json("--pipes-stream-reads", "free");
    assert.equal(free.assumptions.pipesStreamReads.set, "option");
    assert.equal(free.designs.deployed.usd.streamReads, 0);
    assert.ok(Math.abs(base.designs.deployed.monthlyUsd - free.designs.deployed.monthlyUsd - base.designs.deployed.usd.streamReads) < 1e-5);
    const event = await json("--pipes-billing-unit", "event");
    assert.equal(event.designs.deployed.pipeRequests, 5_500_000, "one request per delivered record (each under 64 KB)");
    assert.equal(event.designs.pipesUnfiltered.pipeRequests, 20_000_000);
    const one = await json("--shards", "1");
    assert.equal(one.designs.deployed.pipes[0].streamReads, 10_512_000);
    assert.equal(base.designs.deployed.pipes[0].streamReads, 42_048_000);
    const table = await runCli(["cost", "--records", SAMPLE, "--per-month", "10000000", "--shards", "2"]);
    assert.match(table.stdout, /; 2 stream shards \(set by --shards, unverified\)/);
  });

  const errors: [string, string[], RegExp][] = [
    ["a negative --per-month", ["--records", SAMPLE, "--per-month", "-5"], /--per-month is "-5"; it must be a whole number of record changes a month, from 1 to 1e\+12/],
    ["zero a month", ["--records", SAMPLE, "--per-month", "0"], /--per-month is "0"/],
    ["an absurd --per-month", ["--records", SAMPLE, "--per-month", "1e13"], /--per-month is "1e13"/],
    ["a fraction of a record", ["--records", SAMPLE, "--per-month", "2.5"], /--per-month is "2.5"/],
    ["no --per-month", ["--records", SAMPLE], /cost needs --per-month N/],
    ["no sample", ["--per-month", "5"], /give exactly one of --records FILE\.jsonl, --scenario FILE, --from-report FILE/],
    ["two samples", ["--records", SAMPLE, "--from-report", REPORT_V2, "--per-month", "5"], /\(got --records and --from-report\)/],
    ["a missing records file", ["--records", "/nonexistent.jsonl", "--per-month", "5"], /records file \/nonexistent\.jsonl: no such file/],
    ["a directory as records file", ["--records", os.tmpdir(), "--per-month", "5"], new RegExp(`records file ${os.tmpdir()} is a directory; give a file`)],
    ["a directory as report", ["--from-report", os.tmpdir(), "--per-month", "5"], new RegExp(`report ${os.tmpdir()} is a directory; give a file`)],
    ["a directory as scenario", ["--scenario", os.tmpdir(), "--per-month", "5"], new RegExp(`scenario ${os.tmpdir()} is a directory; give a file`)],
    ["a directory as prices file", ["--records", SAMPLE, "--per-month", "5", "--prices", os.tmpdir()], new RegExp(`prices file ${os.tmpdir()} is a directory; give a file`)],
    ["a bad --duration-ms", ["--records", SAMPLE, "--per-month", "5", "--duration-ms", "0"], /--duration-ms is "0"; it must be the handler's time per invocation in milliseconds/],
    ["an unknown billing unit", ["--records", SAMPLE, "--per-month", "5", "--pipes-billing-unit", "record"], /--pipes-billing-unit is "record"; it must be chunk64k or event/],
    ["an unknown stream-reads answer", ["--records", SAMPLE, "--per-month", "5", "--pipes-stream-reads", "maybe"], /--pipes-stream-reads is "maybe"; it must be charged or free/],
    ["zero shards", ["--records", SAMPLE, "--per-month", "5", "--shards", "0"], /--shards is "0"; it must be a whole number of stream shards, from 1 to 100000/],
    ["negative shards", ["--records", SAMPLE, "--per-month", "5", "--shards", "-2"], /--shards is "-2"/],
    ["an unknown stack", ["--stack", "qa", "--records", SAMPLE, "--per-month", "5"], /no stack "qa": Pulumi\.qa\.yaml does not exist/],
  ];
  for (const [what, args, message] of errors) {
    it(`${what} is a clear error, exit 2`, async () => {
      const r = await runCli(["cost", ...args]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /EISDIR|EACCES|\n\s+at /, "no errno, no stack trace");
    });
  }

  it("a prices file without the stack's region, missing a price, or with a per-million slip is a clear error", async () => {
    const doc = JSON.parse(fs.readFileSync(DEFAULT_PRICES_FILE, "utf8")) as { regions: Record<string, { prices: Record<string, { usd: number }> }> };
    const other = tempFile("eu.json", JSON.stringify({ regions: { "eu-west-1": doc.regions["us-east-1"] } }));
    const r1 = await runCli(["cost", "--records", SAMPLE, "--per-month", "5", "--prices", other]);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /has no prices for region us-east-1 \(the stack's aws:region\); it has eu-west-1/);
    const slip = JSON.parse(JSON.stringify(doc)) as typeof doc;
    slip.regions["us-east-1"].prices.lambdaRequest.usd = 0.2;
    const r2 = await runCli(["cost", "--records", SAMPLE, "--per-month", "5", "--prices", tempFile("slip.json", JSON.stringify(slip))]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /price lambdaRequest is 0\.2, which is not a plausible price for one Lambda request .*a price per million units\?/);
    assert.equal(r2.stdout, "", "no $462,488 of Lambda requests printed");
    delete (doc.regions["us-east-1"].prices as Record<string, unknown>).customMetricMonth;
    const r3 = await runCli(["cost", "--records", SAMPLE, "--per-month", "5", "--prices", tempFile("missing.json", JSON.stringify(doc))]);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /price customMetricMonth is missing \(USD per CloudWatch custom metric per month\)/);
  });

  it("a report whose counts do not add up is refused before anything is priced", async () => {
    const doc = JSON.parse(fs.readFileSync(REPORT_V1, "utf8")) as { pipes: { counts: Record<string, number> }[] };
    Object.assign(doc.pipes[0].counts, { read: 10, filtered: 0, delivered: 10, processed: 100, skipped: 0, rejected: 0, deadLettered: 0 });
    const r = await runCli(["cost", "--from-report", tempFile("bad.json", JSON.stringify(doc)), "--per-month", "10000000"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pipes\[0\]: counts\.processed \(100\) \+ skipped \(0\) \+ rejected \(0\) \+ deadLettered \(0\) = 100 is more than the 10 records the pipe delivered/);
  });

  it("a records file with no stream record prices nothing and says so", async () => {
    const r = await runCli(["cost", "--records", tempFile("bad.jsonl", "nope\n"), "--per-month", "5"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /none of its 1 lines is a stream record; nothing to price/);
  });

  it("cost --help in-process: its usage, every option, exit 0, nothing on stderr", async () => {
    const r = await runCli(["cost", "--help"]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /cost \[--stack NAME\] \(--records FILE\.jsonl \| --scenario FILE \| --from-report FILE\) --per-month N/);
    for (const option of ["--pipes-billing-unit", "--pipes-stream-reads", "--shards", "--sensitivity", "--json", "--config"]) assert.ok(r.stdout.includes(option), option);
  });
});
