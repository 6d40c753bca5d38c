import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { DEFAULT_PRICES_FILE } from "../cost/priceList";
import { runCli } from "./support/io";
import { inserted } from "./support/records";

// `orders-pipeline cost` as a user runs it: spawned like the README's example, and in-process
// for its inputs and its errors.

const ROOT = path.join(__dirname, "..");
const SAMPLE = path.join(ROOT, "cost", "samples", "orders-1000.jsonl");
const REPORT = path.join(__dirname, "fixtures", "cost", "report-demo.json");
const run = promisify(execFile);

interface DesignJson {
  lambdaInvocations: number;
  pipeRequests: number;
  ordersProcessed: number;
  monthlyUsd: number;
  routes: Record<string, { billedMsPerInvocation: number; lambdaInvocations: number; pipeCreated: boolean }>;
}
interface CostJson {
  input: { kind: string; records: number; lines?: number; badLines?: number };
  designs: Record<"deployed" | "unfiltered" | "seedLiteral", DesignJson>;
  saving: { usd: number; percent: number };
  notes: string[];
}

function tempFile(name: string, text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-cost-cmd-")), name);
  fs.writeFileSync(file, text);
  return file;
}

describe("orders-pipeline cost (spawned)", function () {
  this.timeout(60000);

  it("--json: the three designs with their numbers; orders processed agree with `route --jsonl` on the same records", async () => {
    const { stdout } = await run("node", ["cli/bin.js", "cost", "--stack", "dev", "--records", SAMPLE, "--per-month", "10000000", "--json"], { cwd: ROOT });
    const out = JSON.parse(stdout) as CostJson;
    for (const design of ["deployed", "unfiltered", "seedLiteral"] as const) {
      for (const key of ["lambdaInvocations", "pipeRequests", "ordersProcessed", "monthlyUsd"] as const) assert.equal(typeof out.designs[design][key], "number", `${design}.${key}`);
    }
    assert.deepEqual(out.input, { kind: "records", file: SAMPLE, lines: 1000, badLines: 0, records: 1000 });

    // The same classification as the `route` command: processed outcomes x 10,000,000 / 1,000.
    const routed = await runCli(["route", "--stack", "dev", "--jsonl"], fs.readFileSync(SAMPLE, "utf8"));
    const processed = routed.stdout.trim().split("\n").map((l) => JSON.parse(l) as { routes: Record<string, string> }).reduce((n, r) => n + Object.values(r.routes).filter((o) => o === "processed").length, 0);
    assert.equal(out.designs.deployed.ordersProcessed, processed * 10000);
    assert.equal(out.designs.unfiltered.ordersProcessed, processed * 10000, "filtering in code processes the same orders");
    assert.equal(out.designs.seedLiteral.ordersProcessed, 0);
    assert.equal(out.designs.seedLiteral.lambdaInvocations, 0);
    assert.equal(out.designs.seedLiteral.routes.normal.pipeCreated, false);

    assert.ok(out.designs.deployed.lambdaInvocations < out.designs.unfiltered.lambdaInvocations);
    assert.ok(out.saving.usd > 0 && out.saving.percent > 0);
    assert.ok(Math.abs(out.saving.usd - (out.designs.unfiltered.monthlyUsd - out.designs.deployed.monthlyUsd)) < 1e-5);
    assert.ok(out.designs.seedLiteral.monthlyUsd < out.designs.deployed.monthlyUsd);
  });

  it("the table: designs as columns, lines and totals as rows, the saving, the seed's verdict", async () => {
    const { stdout } = await run("node", ["cli/bin.js", "cost", "--records", SAMPLE, "--per-month", "10000000"], { cwd: ROOT });
    assert.match(stdout, /^orders-pipeline cost: stack dev \(us-east-1, batch 10, window 1 s, 256 MB arm64\), 10,000,000 record changes a month/);
    assert.match(stdout, /priced 1,000 of 1,000 lines/);
    assert.match(stdout, /\s+deployed\s+unfiltered\s+seedLiteral\n/);
    for (const row of ["Lambda invocations", "pipe requests", "Lambda GB-seconds", "DynamoDB Streams GetRecords calls", "SQS DLQ requests", "CloudWatch Logs ingested", "custom metrics", "  total"]) assert.ok(stdout.includes(row), row);
    assert.match(stdout, /saving of deployed against unfiltered: \$[0-9.]+ a month \([0-9.]+ %\)/);
    assert.match(stdout, /seedLiteral: \$[0-9.]+ a month and 0 orders processed/);
    assert.match(stdout, /the seed's filter would be REFUSED when the pipe is created/);
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

  it("--from-report: a local run's counts, its measured handler time billed per invocation", async () => {
    const r = await runCli(["cost", "--from-report", REPORT, "--per-month", "10000000", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as CostJson;
    assert.equal(out.input.kind, "report");
    assert.equal(out.input.records, 20);
    assert.equal(out.designs.deployed.ordersProcessed, (9 + 3) * 500000, "processed 9 + 3 of 20 read, x 10,000,000 / 20");
    assert.equal(out.designs.deployed.routes.normal.billedMsPerInvocation, 3, "mean 2.6 ms, rounded up");
    assert.equal(out.designs.deployed.routes.premium.billedMsPerInvocation, 2, "mean 1.8 ms");
  });

  it("--duration-ms replaces the handler time", async () => {
    const r = await runCli(["cost", "--records", SAMPLE, "--per-month", "1000000", "--duration-ms", "120.5", "--json"]);
    const out = JSON.parse(r.stdout) as CostJson;
    assert.equal(out.designs.deployed.routes.normal.billedMsPerInvocation, 121);
    assert.equal(out.designs.unfiltered.routes.premium.billedMsPerInvocation, 121);
  });

  const errors: [string, string[], RegExp][] = [
    ["a negative --per-month", ["--records", SAMPLE, "--per-month", "-5"], /--per-month is "-5"; it must be a whole number of record changes a month, from 1 to 1e\+12/],
    ["zero a month", ["--records", SAMPLE, "--per-month", "0"], /--per-month is "0"/],
    ["an absurd --per-month", ["--records", SAMPLE, "--per-month", "1e13"], /--per-month is "1e13"/],
    ["a fraction of a record", ["--records", SAMPLE, "--per-month", "2.5"], /--per-month is "2.5"/],
    ["no --per-month", ["--records", SAMPLE], /cost needs --per-month N/],
    ["no sample", ["--per-month", "5"], /give exactly one of --records FILE\.jsonl, --scenario FILE, --from-report FILE/],
    ["two samples", ["--records", SAMPLE, "--from-report", REPORT, "--per-month", "5"], /\(got --records and --from-report\)/],
    ["a missing records file", ["--records", "/nonexistent.jsonl", "--per-month", "5"], /records file \/nonexistent\.jsonl: no such file/],
    ["a bad --duration-ms", ["--records", SAMPLE, "--per-month", "5", "--duration-ms", "0"], /--duration-ms is "0"; it must be the handler's time per invocation in milliseconds/],
    ["an unknown stack", ["--stack", "qa", "--records", SAMPLE, "--per-month", "5"], /no stack "qa": Pulumi\.qa\.yaml does not exist/],
  ];
  for (const [what, args, message] of errors) {
    it(`${what} is a clear error, exit 2`, async () => {
      const r = await runCli(["cost", ...args]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.ok(!/\n\s+at /.test(r.stderr), "no stack trace");
    });
  }

  it("a prices file without the stack's region, or missing a price, is a clear error", async () => {
    const doc = JSON.parse(fs.readFileSync(DEFAULT_PRICES_FILE, "utf8")) as { regions: Record<string, { prices: Record<string, unknown> }> };
    const other = tempFile("eu.json", JSON.stringify({ regions: { "eu-west-1": doc.regions["us-east-1"] } }));
    const r1 = await runCli(["cost", "--records", SAMPLE, "--per-month", "5", "--prices", other]);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /has no prices for region us-east-1 \(the stack's aws:region\); it has eu-west-1/);
    delete doc.regions["us-east-1"].prices.customMetricMonth;
    const missing = tempFile("missing.json", JSON.stringify(doc));
    const r2 = await runCli(["cost", "--records", SAMPLE, "--per-month", "5", "--prices", missing]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /price customMetricMonth is missing \(USD per CloudWatch custom metric per month\)/);
  });

  it("a records file with no stream record prices nothing and says so", async () => {
    const r = await runCli(["cost", "--records", tempFile("bad.jsonl", "nope\n"), "--per-month", "5"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /none of its 1 lines is a stream record; nothing to price/);
  });

  it("the usage lists the command", async () => {
    const r = await runCli(["help"]);
    assert.match(r.stdout, /cost \[--stack NAME\] \(--records FILE\.jsonl \| --scenario FILE \| --from-report FILE\) --per-month N/);
  });
});
